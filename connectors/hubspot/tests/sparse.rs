//! The sparse-event matrix: every shipped template maps every valid event,
//! down to the sparsest, into requests HubSpot would accept; and an event
//! that names the caller (an email or a number) is never silently dropped.

use std::{cell::RefCell, collections::HashSet};

use serde_json::{json, Value};
use switchboard_connector_hubspot::PLUGIN;
use switchboard_testkit::{hubspot::HubSpotSim, sparse};

/// Whether the event names the caller by a usable email or number.
fn names_the_caller(event: &Value) -> bool {
    let d = &event["data"];
    let keys = [
        &d["from_number"],
        &d["lead"]["email"],
        &d["lead"]["phone"],
        &d["booking"]["customer"]["email"],
        &d["booking"]["customer"]["phone"],
    ];
    keys.iter()
        .any(|v| v.as_str().is_some_and(|s| !s.trim().is_empty()))
}

#[test]
fn every_sparse_event_maps_to_requests_hubspot_accepts() {
    for settings in [
        json!({"token": "pat-na1-test"}),
        json!({"token": "t", "phone_property": "oncall_phone"}),
    ] {
        let sent_for = RefCell::new(HashSet::new());
        let report = sparse::check_connector(&PLUGIN, settings, |v, r| {
            sent_for.borrow_mut().insert(v.name.clone());
            HubSpotSim::validate(r)
        });
        assert!(report.checked > 100, "{report:?}");
        let served = [
            "lead.captured",
            "call.completed",
            "voicemail.left",
            "booking.created",
        ];
        let dropped: Vec<String> = sparse::all()
            .into_iter()
            .filter(|v| {
                served.contains(&v.event.kind.as_str()) && names_the_caller(&v.event.value())
            })
            .filter(|v| !sent_for.borrow().contains(&v.name))
            .map(|v| v.name)
            .collect();
        assert!(
            dropped.is_empty(),
            "events naming the caller sent nothing: {dropped:?}"
        );
    }
}
