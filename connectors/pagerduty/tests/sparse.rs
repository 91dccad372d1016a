//! The sparse-event matrix: every shipped template maps every valid event,
//! down to the sparsest, into an event PagerDuty accepts.

use serde_json::json;
use switchboard_testkit::{pagerduty::PagerDutySim, sparse};

#[test]
fn every_valid_event_becomes_an_event_pagerduty_accepts() {
    let report = sparse::check_connector(
        &switchboard_connector_pagerduty::PLUGIN,
        json!({"routing_key": "R0ut1ngK3yR0ut1ngK3yR0ut1ngK3y12"}),
        |_, request| PagerDutySim::validate(request),
    );
    assert!(report.requests >= report.checked, "{report:?}");
}
