//! Every connector kind this binary ships: one line per connector crate.

use switchboard_core::connector::Registry;

/// The registry `serve`, `check`, `render` and `demo` use.
pub fn registry() -> Registry {
    let mut r = Registry::builtin();
    r.register(switchboard_connector_customerio::PLUGIN);
    r.register(switchboard_connector_freshdesk::PLUGIN);
    r.register(switchboard_connector_housecallpro::PLUGIN);
    r.register(switchboard_connector_hubspot::PLUGIN);
    r.register(switchboard_connector_intercom::PLUGIN);
    r.register(switchboard_connector_jsm::PLUGIN);
    r.retire("opsgenie", switchboard_connector_jsm::OPSGENIE_RETIRED);
    r.register(switchboard_connector_pagerduty::PLUGIN);
    r.register(switchboard_connector_pipedrive::PLUGIN);
    r.register(switchboard_connector_sendgrid::PLUGIN);
    r.register(switchboard_connector_slack::PLUGIN);
    r.register(switchboard_connector_sql::PLUGIN);
    r.register(switchboard_connector_twilio::PLUGIN);
    r.register(switchboard_connector_zendesk::PLUGIN);
    r
}
