//! The sparse-event matrix: every shipped template maps every valid event,
//! down to the sparsest, into requests Pipedrive would accept, and every
//! event ends in a note or a lead (nothing is dropped).

use serde_json::json;
use switchboard_connector_pipedrive::PLUGIN;
use switchboard_testkit::{pipedrive::PipedriveSim, sparse};

#[test]
fn every_sparse_event_maps_to_requests_pipedrive_accepts() {
    for settings in [
        json!({"api_token": "pd-sim-token", "company_domain": "acme"}),
        json!({"api_token": "pd-sim-token", "company_domain": "acme", "default_country": "US"}),
    ] {
        let writes = std::cell::Cell::new(0);
        let report = sparse::check_connector(&PLUGIN, settings, |_, r| {
            let path = r.url.path();
            if path.ends_with("/notes") || path.ends_with("/leads") {
                writes.set(writes.get() + 1);
            }
            PipedriveSim::validate(r)
        });
        assert!(report.checked > 60, "{report:?}");
        assert!(
            writes.get() >= report.checked,
            "every event writes a note: {report:?}"
        );
    }
}
