//! The timers under a paused clock: the earliest wins, a later one never
//! delays it, and the breaker's probe waits exactly its cooldown.

use std::time::{Duration, Instant};

use super::*;
use crate::actors::breaker::{Breaker, Gate, TripRule};

fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// `d` in whole 10 ms: tokio's timers tick in milliseconds, so one may fire
/// (and a message be handled) a tick or two after the instant asked for.
fn coarse(d: Duration) -> Duration {
    Duration::from_millis(d.as_millis() as u64 / 10 * 10)
}

/// Arms its timer when told and notes, relative to its start, when it fired
/// and what the breaker allowed then.
struct Clock {
    t0: Instant,
    timer: Timer<Instant>,
    breaker: Breaker,
    fired: Vec<(Duration, Gate)>,
}

impl Actor for Clock {
    type Context = Context<Self>;
}

impl Clock {
    fn new(cooldown: Duration) -> Self {
        let rule = TripRule {
            failures: 1,
            window: Duration::ZERO,
        };
        Clock {
            t0: now(),
            timer: Timer::default(),
            breaker: Breaker::new(rule, cooldown),
            fired: Vec::new(),
        }
    }

    fn arm(&mut self, after: Duration, ctx: &mut Context<Self>) {
        let at = now() + after;
        self.timer
            .arm(at, after, ctx, |c| &mut c.timer, |c, _| c.fire());
    }

    fn fire(&mut self) {
        let gate = self.breaker.gate(now());
        self.fired.push((coarse(now() - self.t0), gate));
    }
}

/// Arms the timer this long from now.
#[derive(Message)]
#[rtype(result = "()")]
struct ArmIn(Duration);

impl Handler<ArmIn> for Clock {
    type Result = ();
    fn handle(&mut self, ArmIn(after): ArmIn, ctx: &mut Context<Self>) {
        self.arm(after, ctx);
    }
}

/// An attempt failed: the breaker opens, and the timer is armed for its probe.
#[derive(Message)]
#[rtype(result = "()")]
struct Failed;

impl Handler<Failed> for Clock {
    type Result = ();
    fn handle(&mut self, _: Failed, ctx: &mut Context<Self>) {
        if self.breaker.gate(now()) == Gate::Probe {
            self.breaker.probing();
        }
        self.breaker.outcome(false, now());
        if let Gate::Shut(Some(probe_at)) = self.breaker.gate(now()) {
            self.arm(probe_at - now(), ctx);
        }
    }
}

/// What fired so far, and when the timer is armed for (from the start).
#[derive(Message)]
#[rtype(result = "(Vec<(Duration, Gate)>, Option<Duration>)")]
struct Seen;

impl Handler<Seen> for Clock {
    type Result = MessageResult<Seen>;
    fn handle(&mut self, _: Seen, _: &mut Context<Self>) -> Self::Result {
        let armed = self.timer.at().map(|at| coarse(at - self.t0));
        MessageResult((self.fired.clone(), armed))
    }
}

/// Lets paused time pass, then lets the actor run what fired.
async fn pass(d: Duration) {
    tokio::time::sleep(d).await;
    for _ in 0..3 {
        tokio::task::yield_now().await;
    }
}

const S: Duration = Duration::from_secs(1);

#[actix_rt::test]
async fn the_earliest_time_wins_and_fires_once() {
    tokio::time::pause();
    let clock = Clock::new(S).start();
    clock.send(ArmIn(10 * S)).await.unwrap();
    clock.send(ArmIn(5 * S)).await.unwrap();
    clock.send(ArmIn(20 * S)).await.unwrap();
    assert_eq!(clock.send(Seen).await.unwrap(), (vec![], Some(5 * S)));
    pass(4 * S).await;
    assert_eq!(clock.send(Seen).await.unwrap().0, vec![]);
    pass(S).await;
    assert_eq!(
        clock.send(Seen).await.unwrap(),
        (vec![(5 * S, Gate::Free)], None),
        "fired at the earliest and disarmed; the replaced 10 s timer is gone"
    );
    pass(30 * S).await;
    assert_eq!(
        clock.send(Seen).await.unwrap().0.len(),
        1,
        "nothing else fires"
    );
}

#[actix_rt::test]
async fn the_probe_waits_the_cooldown_then_twice_as_long_after_a_failed_probe() {
    tokio::time::pause();
    let cooldown = 30 * S;
    let clock = Clock::new(cooldown).start();
    clock.send(Failed).await.unwrap();
    assert_eq!(clock.send(Seen).await.unwrap(), (vec![], Some(cooldown)));
    pass(cooldown - Duration::from_millis(1)).await;
    assert_eq!(
        clock.send(Seen).await.unwrap().0,
        vec![],
        "still cooling down"
    );
    pass(Duration::from_millis(1)).await;
    assert_eq!(
        clock.send(Seen).await.unwrap().0,
        vec![(cooldown, Gate::Probe)]
    );
    // The probe fails: the next one waits twice the cooldown.
    clock.send(Failed).await.unwrap();
    let (_, armed) = clock.send(Seen).await.unwrap();
    assert_eq!(armed, Some(cooldown + 2 * cooldown));
    pass(2 * cooldown).await;
    assert_eq!(
        clock.send(Seen).await.unwrap().0,
        vec![(cooldown, Gate::Probe), (3 * cooldown, Gate::Probe)]
    );
}
