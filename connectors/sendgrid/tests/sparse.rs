//! The sparse-event matrix: every shipped template maps every valid event,
//! down to the sparsest, into a mail SendGrid accepts (its published schema
//! and its prose rules), or into no mail when a confirmation has no address.

use serde_json::json;
use switchboard_core::event::EventType;
use switchboard_testkit::{
    sendgrid::{SendGridSim, API_KEY},
    sparse,
};

#[test]
fn every_valid_event_becomes_a_mail_sendgrid_accepts() {
    let report = sparse::check_connector(
        &switchboard_connector_sendgrid::PLUGIN,
        json!({"api_key": API_KEY, "from": "Reyes Plumbing <bookings@reyes.example>",
            "to": ["office@reyes.example", "owner@reyes.example"]}),
        |variant, request| {
            let body = String::from_utf8_lossy(&request.body);
            if variant.name.contains("booking.created") && !body.contains("\"to\":[{\"email\":\"") {
                return Err("a confirmation without the caller's address".into());
            }
            SendGridSim::validate(request)
        },
    );
    // Only bookings without the customer's email send nothing.
    let without_email = sparse::variants(EventType::BookingCreated)
        .iter()
        .filter(|v| v.event.value()["data"]["booking"]["customer"]["email"].is_null())
        .count();
    assert!(without_email > 0);
    assert_eq!(
        report.requests,
        report.checked - without_email,
        "{report:?}"
    );
}
