//! The sparse-event matrix: every shipped template maps every valid event,
//! down to the sparsest, into requests valid against Intercom's published
//! 2.14 description, and every event ends in a note.

use switchboard_connector_intercom::PLUGIN;
use switchboard_testkit::{intercom::IntercomSim, sparse};

#[test]
fn every_sparse_event_maps_to_requests_valid_against_intercoms_spec() {
    let notes = std::cell::Cell::new(0);
    let settings = serde_json::json!({"token": "ic-sim-token", "region": "eu"});
    let report = sparse::check_connector(&PLUGIN, settings, |_, r| {
        assert_eq!(r.url.host_str(), Some("api.eu.intercom.io"));
        if r.url.path().ends_with("/notes") {
            notes.set(notes.get() + 1);
        }
        IntercomSim::validate(r)
    });
    assert!(report.checked > 60, "{report:?}");
    assert_eq!(
        notes.get(),
        report.checked,
        "one note per event: {report:?}"
    );
}
