//! The sparse-event matrix: every shipped template maps every valid event,
//! down to the sparsest, into a ticket Freshdesk accepts, from a requester
//! Freshdesk can file it under, with `source` phone.

use switchboard_connector_freshdesk::{PLUGIN, SOURCE_PHONE};
use switchboard_testkit::{freshdesk::FreshdeskSim, sparse};

#[tokio::test]
async fn every_sparse_event_maps_to_a_phone_ticket_freshdesk_accepts() {
    let sim = FreshdeskSim::start().await;
    let report = sparse::check_connector(&PLUGIN, sim.settings(), |_, r| {
        if r.url.path() == "/api/v2/tickets" {
            let t: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            if t["source"] != SOURCE_PHONE {
                return Err(format!("source is {}, not phone", t["source"]));
            }
        }
        FreshdeskSim::validate(r)
    });
    assert!(
        report.checked > 50 && report.requests >= report.checked,
        "{report:?}"
    );
}
