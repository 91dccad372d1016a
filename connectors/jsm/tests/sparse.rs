//! The sparse-event matrix: every shipped template maps every valid event,
//! down to the sparsest, into an alert JSM Operations accepts.

use serde_json::json;
use switchboard_testkit::{
    jsm::{JsmSim, API_KEY},
    sparse,
};

#[test]
fn every_valid_event_becomes_an_alert_jsm_accepts() {
    let report = sparse::check_connector(
        &switchboard_connector_jsm::PLUGIN,
        json!({ "api_key": API_KEY }),
        |_, request| JsmSim::validate(request),
    );
    assert_eq!(report.requests, report.checked, "{report:?}");
}
