//! Every event type arrives with both signatures valid, checked independently.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use standardwebhooks::Webhook;

use crate::support::{fixtures, wait_until, Receiver, TestConfig, TestConnector, TestHub, SECRET};

fn plain_hmac(secret: &str, body: &[u8]) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    m.update(body);
    hex::encode(m.finalize().into_bytes())
}

#[actix_rt::test]
async fn six_event_types_delivered_with_both_signatures() {
    let rx = Receiver::start();
    let hub =
        TestHub::start(TestConfig::default().connector(TestConnector::hook("all", &rx.url))).await;
    for (_, src) in fixtures() {
        let (status, body) = hub.post_event(&serde_json::from_str(&src).unwrap()).await;
        assert_eq!(status, 202, "{body}");
        assert_eq!(body["deliveries"], 1);
    }
    assert!(
        wait_until(Duration::from_secs(5), async || rx.count() == 6).await,
        "got {}",
        rx.count()
    );

    let verifier = Webhook::new(SECRET).unwrap();
    let mut types = Vec::new();
    for r in rx.received() {
        let posted: serde_json::Value = serde_json::from_str(
            &fixtures()
                .into_iter()
                .find(|(_, s)| s.contains(r.header("webhook-id").unwrap()))
                .unwrap()
                .1,
        )
        .unwrap();
        assert_eq!(r.json(), posted, "the body is the posted envelope");
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.header("x-oncallclerk-event"), posted["type"].as_str());
        assert!(r
            .header("x-oncallclerk-delivery")
            .unwrap()
            .starts_with("dlv_"));
        assert_eq!(
            r.header("x-oncallclerk-signature").unwrap(),
            plain_hmac(SECRET, &r.body)
        );
        let mut headers = http::HeaderMap::new();
        for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
            headers.insert(name, r.header(name).unwrap().parse().unwrap());
        }
        verifier
            .verify(&r.body, &headers)
            .expect("standardwebhooks verifies the request");
        let ts: i64 = r.header("webhook-timestamp").unwrap().parse().unwrap();
        assert!((chrono::Utc::now().timestamp() - ts).abs() < 30);
        types.push(posted["type"].as_str().unwrap().to_owned());
    }
    types.sort();
    assert_eq!(types.len(), 6);
    types.dedup();
    assert_eq!(types.len(), 6, "one delivery per event type");
    hub.stop().await;
}

#[test]
fn standard_webhooks_vector_matches_reference_crate() {
    // The known-answer vector from the Standard Webhooks spec, signed by both
    // our signer and the reference crate.
    let ours = switchboard_core::signing::SigningKey::parse(SECRET)
        .unwrap()
        .standard(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
    let theirs = Webhook::new(SECRET)
        .unwrap()
        .sign(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        )
        .unwrap();
    assert_eq!(ours, theirs);
    assert_eq!(ours, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}
