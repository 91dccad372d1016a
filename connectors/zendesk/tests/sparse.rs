//! The sparse-event matrix: every valid event, down to the sparsest, maps
//! to requests the Zendesk simulator accepts.

use switchboard_connector_zendesk::PLUGIN;
use switchboard_testkit::{sparse, zendesk::ZendeskSim};

#[tokio::test]
async fn every_sparse_event_maps_to_requests_zendesk_accepts() {
    let sim = ZendeskSim::start().await;
    let report = sparse::check_connector(&PLUGIN, sim.settings(), |_, r| sim.validate(r));
    assert!(
        report.checked > 20 && report.requests >= report.checked,
        "{report:?}"
    );
}
