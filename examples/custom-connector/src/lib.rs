//! A Discord incoming-webhook connector: the smallest useful prebuilt connector.

use std::{sync::Arc, time::Duration};

use serde::Deserialize;
use switchboard_core::{
    config::Secret,
    connector::{
        classify_status, BuildError, Connector, ConnectorSpec, DeliveryRequest, MappingError,
        Verdict,
    },
    event::EventType,
    outbound::{OutboundRequest, Response},
};

/// `[[connectors]]` keys of kind `discord`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// The channel's incoming webhook URL (it is the credential: keep it in `${VAR}`).
    webhook_url: Secret,
    /// Name shown as the message author.
    #[serde(default)]
    username: Option<String>,
}

/// The connector.
pub struct Discord {
    url: url::Url,
    username: Option<String>,
}

/// What a hub registers: `registry.register(switchboard_example_discord::PLUGIN)`.
pub const PLUGIN: switchboard_core::connector::Plugin = switchboard_core::connector::Plugin {
    kind: "discord",
    build,
    templates: &[],
};

/// The factory of the kind `discord`.
pub fn build(spec: &ConnectorSpec<'_>) -> Result<Arc<dyn Connector>, BuildError> {
    let s: Settings = spec.settings()?;
    let url = url::Url::parse(s.webhook_url.expose())
        .map_err(|e| spec.error(format!("`webhook_url`: {e}")))?;
    Ok(Arc::new(Discord {
        url,
        username: s.username,
    }))
}

/// One line per event, from the fields a dispatcher wants first.
fn summary(kind: EventType, v: &serde_json::Value) -> String {
    let d = &v["data"];
    let s = |p: &str| {
        d.pointer(p)
            .and_then(|x| x.as_str())
            .unwrap_or("?")
            .to_owned()
    };
    match kind {
        EventType::CallStarted => format!("📞 Call started from {}", s("/from_number")),
        EventType::CallCompleted => format!("✅ Call completed: {}", s("/summary/text")),
        EventType::LeadCaptured => format!(
            "🧲 New lead {} ({}): {}",
            s("/lead/name"),
            s("/lead/phone"),
            s("/lead/summary")
        ),
        EventType::BookingCreated => format!(
            "📅 Booking {} at {}",
            s("/booking/service_type"),
            s("/booking/start")
        ),
        EventType::TransferRequested => format!(
            "🚨 Transfer requested ({}): {}",
            s("/transfer/urgency"),
            s("/transfer/summary")
        ),
        EventType::VoicemailLeft => format!(
            "📨 Voicemail from {}: {}",
            s("/from_number"),
            s("/voicemail/transcript")
        ),
    }
}

#[async_trait::async_trait]
impl Connector for Discord {
    fn prepare(&self, req: &DeliveryRequest<'_>) -> Result<Vec<OutboundRequest>, MappingError> {
        let mut content = summary(req.event.kind, &req.event.value());
        // Discord rejects messages over 2,000 characters.
        if content.chars().count() > 2000 {
            content = content.chars().take(1999).collect::<String>() + "…";
        }
        let body = serde_json::json!({"content": content, "username": self.username});
        Ok(vec![OutboundRequest::post(
            self.url.clone(),
            "application/json",
            body.to_string(),
        )])
    }

    fn classify(&self, resp: &Response) -> Verdict {
        if resp.status.as_u16() == 429 {
            // Discord puts the wait in the JSON body as seconds (fractional).
            let body: serde_json::Value = serde_json::from_slice(&resp.body).unwrap_or_default();
            let after = body["retry_after"]
                .as_f64()
                .map(Duration::from_secs_f64)
                .or(resp.retry_after());
            return Verdict::Retry { after };
        }
        if matches!(resp.status.as_u16(), 400 | 401 | 403 | 404) {
            return Verdict::Reject;
        }
        classify_status(resp)
    }
}

#[cfg(test)]
mod tests {
    use switchboard_core::{config::Config, event::Event};

    use super::*;

    fn connector() -> Arc<dyn Connector> {
        let text = "[server]\ningest_token = \"a\"\nadmin_token = \"b\"\n[[connectors]]\nname = \"d\"\nkind = \"discord\"\nwebhook_url = \"https://discord.example/api/webhooks/1/x\"\n";
        let config = Config::from_toml(text, "test").unwrap();
        build(&ConnectorSpec::new(&config.connectors[0], &config.delivery)).unwrap()
    }

    #[test]
    fn every_event_type_maps_to_a_message() {
        let c = connector();
        for (kind, src) in switchboard_core::event::fixtures() {
            let ev = Event::parse(src.as_bytes(), 0).unwrap();
            let reqs = c
                .prepare(&DeliveryRequest {
                    delivery_id: "dlv_1",
                    event: &ev,
                    attempt: 1,
                })
                .unwrap();
            let body: serde_json::Value = serde_json::from_slice(&reqs[0].body).unwrap();
            let content = body["content"].as_str().unwrap();
            assert!(
                !content.contains('?'),
                "{kind}: a field is missing in {content}"
            );
        }
    }

    #[test]
    fn typos_in_settings_are_errors() {
        let text = "[server]\ningest_token = \"a\"\nadmin_token = \"b\"\n[[connectors]]\nname = \"d\"\nkind = \"discord\"\nwebhook_uri = \"https://x\"\n";
        let config = Config::from_toml(text, "test").unwrap();
        let err = build(&ConnectorSpec::new(&config.connectors[0], &config.delivery))
            .err()
            .unwrap();
        assert!(err.to_string().contains("webhook_uri"), "{err}");
    }
}
