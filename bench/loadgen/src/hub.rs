//! The hub under test: a real `switchboard serve` process on a temporary
//! SQLite file, so its memory and CPU are measured apart from the load.

use std::{
    fmt::Write as _,
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{bail, Context};
use switchboard_client::HubClient;

/// A signing secret for the benchmark's webhooks (signatures are not checked
/// by the receiver; signing cost is still paid by the hub).
const SECRET: &str = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
/// Ingest token of the benchmark hub.
pub const INGEST_TOKEN: &str = "loadgen-ingest";
/// Admin token of the benchmark hub.
const ADMIN_TOKEN: &str = "loadgen-admin";

/// One webhook connector of the hub under test.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Connector name.
    pub name: String,
    /// Target URL (on the loopback receiver).
    pub url: String,
}

/// Hub settings a scenario varies.
#[derive(Debug, Clone)]
pub struct HubSpec {
    /// Webhook connectors.
    pub endpoints: Vec<Endpoint>,
    /// `[delivery] timeout`.
    pub timeout: &'static str,
    /// `[delivery] first_retry`.
    pub first_retry: &'static str,
    /// `[delivery] breaker_failures`; 0 (the default here) turns the breaker off.
    pub breaker_failures: u32,
    /// `[retention]`, if the scenario sets it (the hub's defaults otherwise).
    pub retention: Option<Retention>,
}

/// `[retention]` of the hub under test.
#[derive(Debug, Clone)]
pub struct Retention {
    /// `succeeded`, e.g. `"10m"`.
    pub succeeded: String,
    /// `interval`, e.g. `"1m"`.
    pub interval: String,
}

impl HubSpec {
    /// Default delivery settings with these endpoints.
    pub fn new(endpoints: Vec<Endpoint>) -> Self {
        HubSpec {
            endpoints,
            timeout: "5s",
            first_retry: "5s",
            breaker_failures: 0,
            retention: None,
        }
    }

    fn toml(&self, db: &std::path::Path, port: u16) -> String {
        // The breaker is off unless a scenario says: the backlog and idle
        // scenarios measure storage holding every failed delivery, which an
        // open breaker would cut short.
        let mut s = format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\ningest_token = \"{INGEST_TOKEN}\"\n\
             admin_token = \"{ADMIN_TOKEN}\"\n\n[storage]\nurl = \"sqlite://{}\"\n\n\
             [delivery]\nallow_private_targets = true\nbreaker_failures = {}\n\
             timeout = \"{}\"\nfirst_retry = \"{}\"\n",
            db.display(),
            self.breaker_failures,
            self.timeout,
            self.first_retry
        );
        if let Some(r) = &self.retention {
            let _ = write!(
                s,
                "\n[retention]\nsucceeded = \"{}\"\ninterval = \"{}\"\n",
                r.succeeded, r.interval
            );
        }
        for e in &self.endpoints {
            let _ = write!(
                s,
                "\n[[connectors]]\nname = \"{}\"\nkind = \"webhook\"\nurl = \"{}\"\nsecret = \"{SECRET}\"\n",
                e.name, e.url
            );
        }
        s
    }
}

/// A running hub process; stopped (SIGTERM, then SIGKILL) on drop.
pub struct HubProcess {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// Address the hub listens on.
    pub addr: std::net::SocketAddr,
    dir: tempfile::TempDir,
}

impl HubProcess {
    /// Starts `bin serve` with a generated config and waits for `/healthz`.
    pub async fn start(bin: &std::path::Path, spec: &HubSpec) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let db = dir.path().join("bench.db");
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let config = dir.path().join("switchboard.toml");
        std::fs::write(&config, spec.toml(&db, port))?;
        let log = std::fs::File::create(dir.path().join("hub.log"))?;
        let child = Command::new(bin)
            .arg("serve")
            .arg("--config")
            .arg(&config)
            .env(
                "RUST_LOG",
                std::env::var("LOADGEN_HUB_LOG").unwrap_or("warn".into()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start the hub {}", bin.display()))?;
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let mut hub = HubProcess {
            child,
            base: format!("http://{addr}"),
            addr,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = hub.child.try_wait() {
                bail!("the hub exited at start ({status}): {}", hub.log());
            }
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                return Ok(hub);
            }
            if Instant::now() > deadline {
                bail!("the hub did not listen within 20s: {}", hub.log());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A client of the hub's APIs with both tokens.
    pub fn client(&self) -> HubClient {
        HubClient::new(&self.base)
            .with_ingest_token(INGEST_TOKEN)
            .with_admin_token(ADMIN_TOKEN)
    }

    /// The hub's log (stderr), for error messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("hub.log")).unwrap_or_default()
    }

    /// The SQLite database file.
    pub fn database(&self) -> PathBuf {
        self.dir.path().join("bench.db")
    }

    /// Process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory in bytes.
    pub fn rss(&self) -> u64 {
        crate::proc::rss(self.pid())
    }

    /// Bytes written so far (files and sockets).
    pub fn written(&self) -> u64 {
        crate::proc::written(self.pid())
    }

    /// User + system CPU time used so far.
    pub fn cpu(&self) -> Duration {
        crate::proc::cpu(self.pid())
    }

    /// Stops the process gracefully.
    pub fn stop(&mut self) {
        // SAFETY: plain kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.stop();
        }
    }
}

/// Finds the `switchboard` binary: the flag, else next to this executable.
pub fn locate(flag: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(p) = flag {
        return Ok(p);
    }
    let me = std::env::current_exe()?;
    let sibling = me.with_file_name("switchboard");
    if sibling.exists() {
        return Ok(sibling);
    }
    bail!(
        "no switchboard binary next to {}: build it (`cargo build --release --bin switchboard`) or pass --hub-bin",
        me.display()
    )
}
