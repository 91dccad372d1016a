//! The custom connector running inside a real hub, against a loopback stand-in for Discord.

use std::{
    net::TcpListener,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use actix_web::{web, App, HttpResponse, HttpServer};
use switchboard_core::{config::Config, hub::Hub};

#[actix_rt::test]
async fn rate_limited_then_delivered() {
    let calls: Arc<Mutex<Vec<(Instant, serde_json::Value)>>> = Arc::default();
    let c = calls.clone();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let discord = format!(
        "http://{}/api/webhooks/1/token",
        listener.local_addr().unwrap()
    );
    let server = HttpServer::new(move || {
        let c = c.clone();
        App::new().route(
            "/api/webhooks/1/token",
            web::post().to(move |body: web::Json<serde_json::Value>| {
                let mut calls = c.lock().unwrap();
                calls.push((Instant::now(), body.into_inner()));
                let first = calls.len() == 1;
                async move {
                    if first {
                        HttpResponse::TooManyRequests().json(serde_json::json!({"message": "You are being rate limited.", "retry_after": 0.3, "global": false}))
                    } else {
                        HttpResponse::NoContent().finish()
                    }
                }
            }),
        )
    })
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    actix_rt::spawn(server);

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().display();
    let text = format!(
        "[server]\ningest_token = \"i\"\nadmin_token = \"a\"\n[storage]\nurl = \"sqlite://{dir}/hub.db\"\n[delivery]\nfirst_retry = \"10ms\"\nallow_private_targets = true\n\
         [[connectors]]\nname = \"ops\"\nkind = \"discord\"\nwebhook_url = \"{discord}\"\nusername = \"Receptionist\"\n"
    );
    let config = Config::from_toml(&text, "test").unwrap();
    let mut registry = switchboard::registry::registry();
    registry.register(switchboard_example_discord::PLUGIN);
    let hub = Hub::start(&config, &registry).await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1/events", listener.local_addr().unwrap());
    let running = hub.serve(listener, false).unwrap();

    let event = switchboard_core::event::fixtures()[4].1;
    let resp = reqwest_post(&url, event).await;
    assert_eq!(resp, 202);
    let deadline = Instant::now() + Duration::from_secs(5);
    while calls.lock().unwrap().len() < 2 && Instant::now() < deadline {
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 2, "one 429, then delivered");
    assert!(
        calls[1].0 - calls[0].0 >= Duration::from_millis(300),
        "waited for Discord's retry_after"
    );
    assert_eq!(calls[1].1["username"], "Receptionist");
    assert!(calls[1].1["content"]
        .as_str()
        .unwrap()
        .starts_with("🚨 Transfer requested (emergency)"));
    running.stop().await;
}

async fn reqwest_post(url: &str, body: &str) -> u16 {
    reqwest::Client::new()
        .post(url)
        .bearer_auth("i")
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}
