//! The command line: which scenarios to run, how often, and the report of
//! each (the median of its runs).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::{
    clock, hub,
    scenarios::{self, Ctx, Figures},
    soak,
};

/// Benchmarks of the Switchboard hub. Every scenario starts its own hub
/// (`switchboard serve` on a temporary SQLite file) and loopback receiver.
#[derive(Debug, Parser)]
#[command(name = "loadgen", version)]
pub struct Cli {
    /// The `switchboard` binary [default: the one next to loadgen].
    #[arg(long, global = true, env = "SWITCHBOARD_BIN")]
    hub_bin: Option<PathBuf>,
    /// Runs per configuration; the median is reported.
    #[arg(long, global = true, default_value_t = 3)]
    runs: usize,
    /// No progress bars.
    #[arg(long, global = true)]
    no_progress: bool,
    /// Record a `perf` CPU profile of the hub into this file (ingest, fanout).
    #[arg(long, global = true)]
    perf: Option<PathBuf>,
    /// Print the healthy endpoint's latency second by second (latency, isolation).
    #[arg(long, global = true)]
    timeline: bool,
    /// Same as the `quick` scenario: a few seconds, fails unless every event is acknowledged and delivered once.
    #[arg(long)]
    quick: bool,
    #[command(subcommand)]
    scenario: Option<Scenario>,
}

/// The scenarios of BENCHMARKS.md.
#[derive(Debug, Subcommand)]
pub enum Scenario {
    /// A few seconds: every event acknowledged and delivered once (run by the tests).
    Quick,
    /// 1. Ingest throughput with N clients and M connectors.
    Ingest {
        #[arg(long, value_delimiter = ',', default_value = "1,10,64")]
        clients: Vec<usize>,
        #[arg(long, value_delimiter = ',', default_value = "0,5")]
        connectors: Vec<usize>,
        #[arg(long, default_value_t = 10)]
        secs: u64,
    },
    /// 2. End-to-end fan-out to N webhook endpoints.
    Fanout {
        #[arg(long, value_delimiter = ',', default_value = "1,10,100")]
        endpoints: Vec<usize>,
        #[arg(long, default_value_t = 100_000)]
        deliveries: u64,
    },
    /// 3. Ingest-to-arrival latency at steady rates.
    Latency {
        #[arg(long, value_delimiter = ',', default_value = "200,1000,5000")]
        rates: Vec<u64>,
        #[arg(long, default_value_t = 10)]
        secs: u64,
    },
    /// 4. Healthy-endpoint latency beside 10 hanging, then 10 failing endpoints.
    Isolation {
        #[arg(long, default_value_t = 1000)]
        rate: u64,
        #[arg(long, default_value_t = 10)]
        secs: u64,
        /// `[delivery] breaker_failures` of the hub: 5 is its default, 0 turns
        /// the circuit breaker off.
        #[arg(long, default_value_t = 5)]
        breaker_failures: u32,
    },
    /// 5. A backlog built while the target is down, then drained.
    Backlog {
        #[arg(long, default_value_t = 1_000_000)]
        events: u64,
    },
    /// CPU used by an idle hub holding retries that are not due.
    Idle,
    /// Soak (docs/soak.md): a steady rate for a long time with some targets
    /// failing; memory and file descriptors sampled, every event accounted for.
    Soak {
        #[arg(long, default_value_t = 500)]
        rate: u64,
        #[arg(long, default_value_t = 3600)]
        secs: u64,
        /// Webhook endpoints every event goes to.
        #[arg(long, default_value_t = 10)]
        endpoints: usize,
        /// How many of them always answer 500.
        #[arg(long, default_value_t = 1)]
        failing: usize,
        /// Seconds between memory / descriptor samples.
        #[arg(long, default_value_t = 30)]
        every: u64,
    },
    /// Retention (issue 18): a steady rate with `[retention] succeeded`
    /// short; the database file must level off, latency stay put.
    Retention {
        #[arg(long, default_value_t = 500)]
        rate: u64,
        #[arg(long, default_value_t = 3600)]
        secs: u64,
        /// `[retention] succeeded`.
        #[arg(long, default_value = "10m")]
        succeeded: String,
        /// `[retention] interval`.
        #[arg(long, default_value = "1m")]
        interval: String,
        /// Seconds between file size samples.
        #[arg(long, default_value_t = 60)]
        every: u64,
    },
}

/// What one scenario configuration measured over its runs.
#[derive(Debug, Clone)]
pub struct Report {
    /// The configuration, e.g. `fanout endpoints=10 deliveries=100000`.
    pub label: String,
    /// Each figure with its median and every run's value, in report order.
    pub figures: Vec<Figure>,
}

/// One named figure of a [`Report`].
#[derive(Debug, Clone)]
pub struct Figure {
    /// Name, e.g. `events/s`.
    pub name: &'static str,
    /// Median over the runs.
    pub median: f64,
    /// Every run's value, in run order.
    pub runs: Vec<f64>,
}

impl Report {
    /// The median of the figure called `name`, if the scenario reports it.
    pub fn median(&self, name: &str) -> Option<f64> {
        self.figures
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.median)
    }
}

/// Runs the scenarios `cli` asks for, printing each report as it is done;
/// returns the reports.
pub async fn run(cli: Cli) -> anyhow::Result<Vec<Report>> {
    clock::now_us();
    let ctx = Ctx {
        bin: hub::locate(cli.hub_bin)?,
        progress: !cli.no_progress && !cli.quick,
        perf: cli.perf,
        timeline: cli.timeline,
    };
    let scenario = if cli.quick {
        Scenario::Quick
    } else {
        cli.scenario.unwrap_or(Scenario::Quick)
    };
    let runs = if matches!(scenario, Scenario::Quick) {
        1
    } else {
        cli.runs.max(1)
    };
    println!(
        "machine: {} cores, hub {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        ctx.bin.display()
    );
    let mut reports = Vec::new();
    match scenario {
        Scenario::Quick => repeat(&mut reports, "quick", runs, || scenarios::quick(&ctx)).await?,
        Scenario::Ingest {
            clients,
            connectors,
            secs,
        } => {
            for &m in &connectors {
                for &n in &clients {
                    let label = format!("ingest connectors={m} clients={n}");
                    repeat(&mut reports, &label, runs, || {
                        scenarios::ingest(&ctx, m, n, secs)
                    })
                    .await?;
                }
            }
        }
        Scenario::Fanout {
            endpoints,
            deliveries,
        } => {
            for &n in &endpoints {
                let label = format!("fanout endpoints={n} deliveries={deliveries}");
                repeat(&mut reports, &label, runs, || {
                    scenarios::fanout(&ctx, n, deliveries)
                })
                .await?;
            }
        }
        Scenario::Latency { rates, secs } => {
            for &r in &rates {
                repeat(&mut reports, &format!("latency rate={r}/s"), runs, || {
                    scenarios::latency(&ctx, r, secs, 0, 0, 0)
                })
                .await?;
            }
        }
        Scenario::Isolation {
            rate,
            secs,
            breaker_failures: b,
        } => {
            let base = format!("isolation rate={rate}/s breaker_failures={b}");
            repeat(&mut reports, &format!("{base} baseline"), runs, || {
                scenarios::latency(&ctx, rate, secs, 0, 0, b)
            })
            .await?;
            repeat(&mut reports, &format!("{base} +10 hanging"), runs, || {
                scenarios::latency(&ctx, rate, secs, 10, 0, b)
            })
            .await?;
            repeat(&mut reports, &format!("{base} +10 failing"), runs, || {
                scenarios::latency(&ctx, rate, secs, 0, 10, b)
            })
            .await?;
        }
        Scenario::Backlog { events } => {
            repeat(
                &mut reports,
                &format!("backlog events={events}"),
                runs,
                || scenarios::backlog(&ctx, events),
            )
            .await?
        }
        Scenario::Idle => repeat(&mut reports, "idle", runs, || scenarios::idle(&ctx)).await?,
        Scenario::Soak {
            rate,
            secs,
            endpoints,
            failing,
            every,
        } => {
            let label = format!("soak {rate}/s {secs}s {failing}/{endpoints} failing");
            repeat(&mut reports, &label, 1, || {
                soak::soak(&ctx, rate, secs, endpoints, failing, every)
            })
            .await?
        }
        Scenario::Retention {
            rate,
            secs,
            succeeded,
            interval,
            every,
        } => {
            let label = format!("retention {rate}/s {secs}s succeeded={succeeded}");
            let kept = crate::hub::Retention {
                succeeded,
                interval,
            };
            repeat(&mut reports, &label, 1, || {
                crate::retention::retention(&ctx, rate, secs, kept.clone(), every)
            })
            .await?
        }
    }
    Ok(reports)
}

/// Runs a scenario `runs` times, prints each figure's median and all runs,
/// and adds the report to `reports`.
async fn repeat<F, Fut>(
    reports: &mut Vec<Report>,
    label: &str,
    runs: usize,
    mut f: F,
) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Figures>>,
{
    let mut all: Vec<Figures> = Vec::new();
    for i in 0..runs {
        eprintln!("{label}: run {}/{runs}", i + 1);
        all.push(f().await.map_err(|e| e.context(label.to_owned()))?);
    }
    println!("{label}");
    let mut figures = Vec::new();
    for (k, (name, _)) in all[0].iter().enumerate() {
        let runs: Vec<f64> = all.iter().map(|r| r[k].1).collect();
        let shown: Vec<String> = runs.iter().map(|v| fmt(*v)).collect();
        let mut sorted = runs.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[sorted.len() / 2];
        println!(
            "  {name:<30} {:>12}   runs: {}",
            fmt(median),
            shown.join(", ")
        );
        figures.push(Figure { name, median, runs });
    }
    reports.push(Report {
        label: label.to_owned(),
        figures,
    });
    Ok(())
}

fn fmt(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}
