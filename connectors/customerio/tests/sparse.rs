//! The sparse-event matrix: every shipped template maps every valid event,
//! down to the sparsest, into Track API calls Customer.io accepts.

use serde_json::json;
use switchboard_testkit::{
    customerio::{CustomerIoSim, API_KEY, SITE_ID},
    sparse,
};

#[test]
fn every_valid_event_becomes_calls_customerio_accepts() {
    let report = sparse::check_connector(
        &switchboard_connector_customerio::PLUGIN,
        json!({"site_id": SITE_ID, "api_key": API_KEY}),
        |_, request| CustomerIoSim::validate(request),
    );
    // Each event is tracked: identify + track, or one anonymous event.
    assert!(report.requests >= report.checked, "{report:?}");
}
