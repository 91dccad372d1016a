//! A single actor timer kept for the earliest moment asked for: the connector
//! actor has one each for the next due retry, the next token or the end of a
//! pause, and the breaker's probe, so nothing polls while nothing is due.

use std::time::Duration;

use actix::prelude::*;

/// One armed timer (or none), for the earliest `T` asked for.
#[derive(Debug)]
pub(super) struct Timer<T> {
    armed: Option<(T, SpawnHandle)>,
}

impl<T> Default for Timer<T> {
    fn default() -> Self {
        Timer { armed: None }
    }
}

impl<T: Ord + Copy + 'static> Timer<T> {
    /// Fires `then` after `delay` (the time until `at`), unless the timer
    /// is armed for `at` or earlier already; a later one is replaced.
    /// `slot` finds this timer in the actor, to disarm it when it fires.
    pub(super) fn arm<A>(
        &mut self,
        at: T,
        delay: Duration,
        ctx: &mut Context<A>,
        slot: fn(&mut A) -> &mut Timer<T>,
        then: fn(&mut A, &mut Context<A>),
    ) where
        A: Actor<Context = Context<A>>,
    {
        if let Some((current, handle)) = self.armed {
            if current <= at {
                return;
            }
            ctx.cancel_future(handle);
        }
        let handle = ctx.run_later(delay, move |act, ctx| {
            slot(act).armed = None;
            then(act, ctx);
        });
        self.armed = Some((at, handle));
    }

    /// Forgets the timer without cancelling it (the actor is restarting and
    /// its context dropped every timer already).
    pub(super) fn forget(&mut self) {
        self.armed = None;
    }

    /// When it fires, if armed.
    #[cfg(test)]
    pub(super) fn at(&self) -> Option<T> {
        self.armed.map(|(at, _)| at)
    }
}

#[cfg(test)]
#[path = "timer_tests.rs"]
mod tests;
