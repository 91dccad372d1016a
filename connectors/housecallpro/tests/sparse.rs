//! The sparse-event matrix: every shipped template maps every valid event,
//! down to the sparsest, into requests Housecall Pro accepts, and every
//! event ends in a lead or a job.

use switchboard_connector_housecallpro::PLUGIN;
use switchboard_testkit::{housecallpro::HousecallProSim, sparse};

#[tokio::test]
async fn every_sparse_event_maps_to_a_lead_or_a_job() {
    let sim = HousecallProSim::start().await;
    let work = std::cell::Cell::new(0);
    let report = sparse::check_connector(&PLUGIN, sim.settings(), |_, r| {
        if matches!(r.url.path(), "/leads" | "/jobs") {
            work.set(work.get() + 1);
        }
        HousecallProSim::validate(r)
    });
    assert!(report.checked > 30, "{report:?}");
    assert_eq!(work.get(), report.checked, "one lead or job per event");
}
