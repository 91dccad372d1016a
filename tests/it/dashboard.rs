//! The dashboard in a real headless chromium: log in, test-fire, watch the
//! delivery succeed, replay it.

use fantoccini::Locator;

use crate::support::{
    fresh_event, wait_until, Browser, Receiver, Reply, TestConfig, TestConnector, TestHub, ADMIN,
};

#[actix_rt::test]
async fn dashboard_serves_static_pages_with_a_strict_policy() {
    let hub = TestHub::start(TestConfig::default()).await;
    for (path, ct) in [
        ("/", "text/html"),
        ("/assets/app.js", "text/javascript"),
        ("/assets/calls.js", "text/javascript"),
        ("/assets/app.css", "text/css"),
    ] {
        let resp = hub
            .client
            .get(format!("{}{path}", hub.url))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        let h = resp.headers();
        assert!(
            h["content-type"].to_str().unwrap().starts_with(ct),
            "{path}"
        );
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
        let body = resp.text().await.unwrap();
        assert!(!body.contains(ADMIN), "pages carry no secrets");
    }
    hub.stop().await;
}

#[actix_rt::test]
async fn dashboard_login_test_fire_delivery_and_replay() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let rx = Receiver::start();
    let crm = TestConnector::webhook("crm", &format!("{}/crm", rx.url));
    let hub = TestHub::start(TestConfig::default().connector(crm)).await;
    let c = &browser.client;
    c.goto(&format!("{}/", hub.url)).await.unwrap();

    // A wrong token is refused on the login page.
    browser.submit_login("not-the-token").await;
    browser
        .until(
            "the login error",
            async |c| {
                c.find(Locator::Css("#login-error"))
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap()
                    .contains("not the admin token")
            },
            async |_| {},
        )
        .await;
    browser.submit_login(ADMIN).await;

    // Connectors page: crm is healthy; fire a sample lead at it.
    let row = browser.wait_for("tr[data-connector=\"crm\"]").await;
    assert!(row.text().await.unwrap().contains("webhook"));
    browser.test_fire(&row, "lead.captured").await;

    // The delivery log (filtered to that event) shows it succeeded.
    browser.wait_for_success("the delivery to succeed").await;
    assert_eq!(rx.count(), 1);
    let event_id = rx.received()[0].json()["id"].as_str().unwrap().to_owned();
    assert_eq!(rx.received()[0].json()["type"], "lead.captured");
    assert!(c.current_url().await.unwrap().as_str().contains(&event_id));

    // Its detail page lists the attempt; replaying it adds a second one.
    browser.click("tr.delivery-row a").await;
    browser.wait_for("tr.attempt-row[data-number=\"1\"]").await;
    let first = c
        .find(Locator::Css("tr.attempt-row"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(first.contains("200"), "{first}");
    let envelope = browser.wait_for("#envelope").await.text().await.unwrap();
    assert!(
        envelope.contains(&event_id),
        "the request body is shown: {envelope}"
    );
    browser.click("#replay").await;
    browser.wait_for("tr.attempt-row[data-number=\"2\"]").await;
    browser
        .wait_for("#delivery-status [data-status=\"succeeded\"]")
        .await;
    assert_eq!(rx.count(), 2, "the replay reached the receiver");
    assert_eq!(
        rx.received()[1].header("webhook-id"),
        Some(event_id.as_str()),
        "a replay resends the same event"
    );

    browser.close().await;
    hub.stop().await;
}

/// The issue's flow: log in, add an endpoint (event picker), fire a test
/// event at it, see the delivery succeed, replay it.
#[actix_rt::test]
async fn dashboard_adds_an_endpoint_test_fires_and_replays() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let rx = Receiver::start();
    let hub = TestHub::start(TestConfig::default()).await;
    let c = &browser.client;
    c.goto(&format!("{}/", hub.url)).await.unwrap();
    browser.submit_login(ADMIN).await;

    // Add an endpoint for two event types only.
    browser.click("#add-endpoint").await;
    let url = format!("{}/zap", rx.url);
    browser
        .wait_for("#ep-url")
        .await
        .send_keys(&url)
        .await
        .unwrap();
    browser
        .wait_for("#ep-description")
        .await
        .send_keys("Zapier")
        .await
        .unwrap();
    for t in [
        "call.started",
        "call.completed",
        "booking.created",
        "voicemail.left",
    ] {
        c.find(Locator::Css(&format!(
            "input[name=\"events\"][value=\"{t}\"]"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    }
    browser.click("#ep-save").await;

    // The secret is shown once, in full; the table masks it.
    let secret = browser
        .wait_for("#secret-value")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        secret.starts_with("whsec_") && secret.len() > 30,
        "{secret}"
    );
    let row = browser.wait_for("tr.endpoint-row").await;
    let id = row.attr("data-endpoint").await.unwrap().unwrap();
    let row_text = row.text().await.unwrap();
    assert!(!row_text.contains(&secret), "the list masks the secret");
    assert!(
        row_text.contains("lead.captured, transfer.requested"),
        "{row_text}"
    );
    let (_, stored) = hub.admin_get(&format!("/v1/endpoints/{id}")).await;
    assert_eq!(stored["url"], url.as_str());
    assert_eq!(
        stored["events"],
        serde_json::json!(["lead.captured", "transfer.requested"])
    );

    // Fire a test lead at it; the delivery log shows it succeeded.
    browser.test_fire(&row, "lead.captured").await;
    browser
        .wait_for_success("the endpoint's delivery to succeed")
        .await;
    assert_eq!(rx.count(), 1);
    let got = &rx.received()[0];
    assert_eq!(got.path, "/zap");
    assert!(
        got.signed_by(&secret),
        "the delivery verifies with the secret shown at creation"
    );

    // Replay it from the delivery page: a second attempt reaches the receiver.
    browser.replay_first_delivery().await;
    assert_eq!(rx.count(), 2);
    assert_eq!(rx.received()[1].path, "/zap");

    // Back on the overview, the endpoint reads healthy; disable it there.
    c.goto(&format!("{}/#/", hub.url)).await.unwrap();
    let row = browser
        .wait_for(&format!("tr.endpoint-row[data-endpoint=\"{id}\"]"))
        .await;
    // Health comes from the API's `health` fields, not from the delivery log.
    let text = row.text().await.unwrap();
    for part in ["healthy", "0 consecutive failures", "breaker closed"] {
        assert!(text.contains(part), "{part:?} not in {text:?}");
    }
    let (_, shown) = hub.admin_get(&format!("/v1/endpoints/{id}")).await;
    let rate = format!(
        "success rate {}% of last {}",
        (shown["health"]["success_rate"].as_f64().unwrap() * 100.0).round(),
        shown["health"]["recent_attempts"]
    );
    assert!(text.contains(&rate), "{rate:?} not in {text:?}");
    row.find(Locator::Css("button.ep-disable"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait_for(&format!(
            "tr.endpoint-row[data-endpoint=\"{id}\"] button.ep-enable"
        ))
        .await;
    let (_, after) = hub.admin_get(&format!("/v1/endpoints/{id}")).await;
    assert_eq!(after["enabled"], false);

    browser.close().await;
    hub.stop().await;
}

/// An `http` connector's delivery page shows the request each attempt sent:
/// method and URL, headers with the token masked, the body as text (markup
/// in it is shown, never interpreted).
#[actix_rt::test]
async fn dashboard_shows_the_request_an_attempt_sent() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    const TOKEN: &str = "tok-SECRET-dash-1";
    let rx = Receiver::start();
    let crm = TestConnector::new("crm", "http")
        .set("method", "PUT")
        .set("url", format!("{}/leads/{{{{data.call_id}}}}", rx.url))
        .set(
            "auth",
            serde_json::json!({"type": "bearer", "token": TOKEN}),
        )
        .set(
            "body",
            r#"{"name": "{{data.lead.name}}", "note": "<b id=\"injected\">bold</b>"}"#,
        )
        .set("events", ["lead.captured"]);
    let hub = TestHub::start(TestConfig::default().connector(crm)).await;
    let event = crate::support::fresh_event("lead.captured");
    let (s, _) = hub.post_event(&event).await;
    assert_eq!(s, 202);
    let event_id = event["id"].as_str().unwrap();
    assert!(hub.first_delivery_becomes(event_id, "succeeded").await);
    let dlv = hub.deliveries_of(event_id).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let c = &browser.client;
    c.goto(&format!("{}/", hub.url)).await.unwrap();
    browser.submit_login(ADMIN).await;
    browser.wait_for("tr[data-connector=\"crm\"]").await;
    c.goto(&format!("{}/#/deliveries/{dlv}", hub.url))
        .await
        .unwrap();
    let row = browser
        .wait_for("tr.attempt-request[data-number=\"1\"]")
        .await;
    let text = |css: &'static str| {
        let row = row.clone();
        async move {
            row.find(Locator::Css(css))
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let call_id = event["data"]["call_id"].as_str().unwrap();
    assert_eq!(
        text("pre.request-line").await,
        format!("PUT {}/leads/{call_id}", rx.url)
    );
    let headers = text("pre.request-headers").await;
    assert!(headers.contains("authorization: ****"), "{headers}");
    assert!(
        headers.contains("content-type: application/json"),
        "{headers}"
    );
    let body = text("pre.request-body").await;
    assert!(
        body.contains(r#"<b id=\"injected\">bold</b>"#),
        "markup in the body is shown as text: {body}"
    );
    assert!(
        c.find(Locator::Css("#injected")).await.is_err(),
        "the body's markup never becomes an element"
    );
    let page = c.source().await.unwrap();
    assert!(!page.contains(TOKEN), "the token is not on the page");
    assert_eq!(
        rx.received()[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str()),
        "the target got the real token"
    );

    browser.close().await;
    hub.stop().await;
}

/// A disabled connector shows how many deliveries it holds and a button that
/// re-enables it, after which the held deliveries reach the target.
#[actix_rt::test]
async fn dashboard_shows_held_deliveries_and_re_enables() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let rx = Receiver::start();
    let crm = TestConnector::hook("crm", &rx.url);
    let hub = TestHub::start(TestConfig::default().connector(crm)).await;
    let (status, _) = hub
        .admin_send(
            reqwest::Method::PATCH,
            "/v1/connectors/crm",
            Some(serde_json::json!({"enabled": false})),
        )
        .await;
    assert_eq!(status, 200);
    for _ in 0..2 {
        hub.post_event(&crate::support::fresh_event("call.started"))
            .await;
    }
    let c = &browser.client;
    c.goto(&format!("{}/", hub.url)).await.unwrap();
    browser.submit_login(ADMIN).await;
    let row = browser.wait_for("tr[data-connector=\"crm\"]").await;
    let text = row.text().await.unwrap();
    assert!(text.contains("2 held"), "{text:?}");
    browser
        .click("tr[data-connector=\"crm\"] button.reenable")
        .await;
    let sent =
        crate::support::wait_until(std::time::Duration::from_secs(5), async || rx.count() == 2)
            .await;
    assert!(sent, "the held deliveries were not sent");
    let (_, list) = hub.admin_get("/v1/connectors").await;
    assert_eq!(list["data"][0]["state"], "active", "{list}");
    browser.close().await;
    hub.stop().await;
}

/// Issue 20: find a call by the caller's phone number in national format,
/// see its timeline with each delivery's status, and reach the same
/// timeline from the delivery log.
#[actix_rt::test]
async fn dashboard_finds_a_call_by_phone_and_shows_its_timeline() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let (ok, down) = (Receiver::start(), Receiver::start());
    down.set_default(Reply::Status(500, None));
    let pager = TestConnector::hook("pager", &down.url).set("events", ["lead.captured"]);
    let config = TestConfig::default()
        .connector(TestConnector::hook("crm", &ok.url))
        .connector(pager);
    let hub = TestHub::start(config).await;
    let call = "call_dashboard_1";
    // The fixtures' caller: from_number +15551234567.
    for kind in ["call.started", "lead.captured"] {
        let mut ev = fresh_event(kind);
        ev["data"]["call_id"] = call.into();
        assert_eq!(hub.post_event(&ev).await.0, 202);
    }
    let attempted = wait_until(std::time::Duration::from_secs(10), async || {
        ok.count() == 2 && down.count() >= 1
    })
    .await;
    assert!(attempted, "both connectors attempted");

    let c = &browser.client;
    c.goto(&format!("{}/", hub.url)).await.unwrap();
    browser.submit_login(ADMIN).await;
    browser.wait_for("tr[data-connector=\"crm\"]").await;
    c.goto(&format!("{}/#/calls", hub.url)).await.unwrap();
    browser
        .wait_for("#call-search")
        .await
        .send_keys("(555) 123-4567")
        .await
        .unwrap();
    browser.click("#call-search-submit").await;
    browser
        .click(&format!("tr.call-row[data-call=\"{call}\"] a"))
        .await;

    // The timeline: the two events in order, each delivery's status.
    let lead = "li.call-event[data-type=\"lead.captured\"]";
    browser
        .wait_for(&format!(
            "{lead} tr.call-delivery[data-connector=\"pager\"][data-status=\"retrying\"]"
        ))
        .await;
    browser
        .wait_for(&format!(
            "{lead} tr.call-delivery[data-connector=\"crm\"][data-status=\"succeeded\"]"
        ))
        .await;
    browser
        .wait_for("li.call-event[data-type=\"call.started\"] tr.call-delivery[data-connector=\"crm\"][data-status=\"succeeded\"]")
        .await;
    let mut order = Vec::new();
    for item in c.find_all(Locator::Css("#timeline > li")).await.unwrap() {
        order.push(item.attr("data-type").await.unwrap().unwrap_or_default());
    }
    assert_eq!(order, ["call.started", "lead.captured"]);
    let pager_row = browser
        .wait_for(&format!(
            "{lead} tr.call-delivery[data-connector=\"pager\"]"
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        pager_row.contains("500"),
        "the last answer is shown: {pager_row}"
    );

    // From the delivery log, an event leads to its call's timeline.
    c.goto(&format!("{}/#/deliveries?connector=pager", hub.url))
        .await
        .unwrap();
    browser.click("tr.delivery-row a.call-link").await;
    let shown = browser.wait_for("#call-id").await.text().await.unwrap();
    assert_eq!(shown, call);

    browser.close().await;
    hub.stop().await;
}
