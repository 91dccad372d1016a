//! Every connector kind this binary ships: one line per connector crate.

use switchboard_core::connector::Registry;

/// The registry `serve`, `check`, `render` and `demo` use.
pub fn registry() -> Registry {
    Registry::builtin()
}
