//! Every connector kind this binary ships: one line per connector crate.

use switchboard_core::connector::Registry;

/// The registry `serve`, `check`, `render` and `demo` use.
pub fn registry() -> Registry {
    let mut r = Registry::builtin();
    r.register("hubspot", switchboard_connector_hubspot::build);
    r.register("pagerduty", switchboard_connector_pagerduty::build);
    r.register("twilio", switchboard_connector_twilio::build);
    r.register("zendesk", switchboard_connector_zendesk::build);
    r
}
