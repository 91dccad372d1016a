//! A Discord incoming-webhook connector: the smallest useful prebuilt connector.
//!
//! The message text is a plain-text template per event type, shipped in
//! `templates/<event.type>.hbs` and overridable file by file with
//! `templates_dir` (or one `template` for all types), like the real crates.

use std::{sync::Arc, time::Duration};

use serde::Deserialize;
use switchboard_core::{
    config::Secret,
    connector::{
        classify_status, vendor, BuildError, Connector, ConnectorSpec, DeliveryRequest,
        MappingError, Plugin, Verdict,
    },
    event::EventType,
    outbound::{OutboundRequest, Response},
    template::{Mode, TemplateSet},
};

/// Discord refuses messages longer than this.
const MAX_CONTENT: usize = 2000;

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
    templates: TemplateSet,
}

/// What a hub registers: `registry.register(switchboard_example_discord::PLUGIN)`.
pub const PLUGIN: Plugin = Plugin {
    kind: "discord",
    build,
    templates: switchboard_core::default_templates!(
        "call.started",
        "call.completed",
        "lead.captured",
        "booking.created",
        "transfer.requested",
        "voicemail.left",
    ),
};

/// The factory of the kind `discord`.
pub fn build(spec: &ConnectorSpec<'_>) -> Result<Arc<dyn Connector>, BuildError> {
    let s: Settings = spec.settings()?;
    let url = url::Url::parse(s.webhook_url.expose())
        .map_err(|e| spec.error(format!("`webhook_url`: {e}")))?;
    Ok(Arc::new(Discord {
        url,
        username: s.username,
        templates: TemplateSet::load(spec, Mode::Text)?,
    }))
}

#[async_trait::async_trait]
impl Connector for Discord {
    fn prepare(&self, req: &DeliveryRequest<'_>) -> Result<Vec<OutboundRequest>, MappingError> {
        let t = self
            .templates
            .get(req.event.kind)
            .ok_or_else(|| MappingError(format!("no template for {}", req.event.kind)))?;
        let text = t.render(&vendor::envelope(req.event)?)?;
        let mut content = text.trim().to_owned();
        if content.is_empty() {
            return Err(t.error("the message is empty: Discord refuses it").into());
        }
        // Discord rejects messages over 2,000 characters: cut, don't drop.
        if content.chars().count() > MAX_CONTENT {
            content = content.chars().take(MAX_CONTENT - 1).collect::<String>() + "…";
        }
        let body = serde_json::json!({"content": content, "username": self.username});
        Ok(vec![OutboundRequest::post(
            self.url.clone(),
            "application/json",
            body.to_string(),
        )])
    }

    fn events(&self) -> Option<Vec<EventType>> {
        Some(self.templates.events())
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
        spec_build(&config).unwrap()
    }

    /// Builds the first connector of `config` with the shipped templates.
    fn spec_build(config: &Config) -> Result<Arc<dyn Connector>, BuildError> {
        build(&ConnectorSpec {
            defaults: PLUGIN.templates,
            ..ConnectorSpec::new(&config.connectors[0], &config.delivery)
        })
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
            // A rich sample fills every field: no fallback wording shows.
            for fallback in [
                "unknown caller",
                "no summary",
                "no name",
                "no details",
                "not given",
            ] {
                assert!(
                    !content.contains(fallback),
                    "{kind}: a field is missing in {content}"
                );
            }
        }
    }

    #[test]
    fn typos_in_settings_are_errors() {
        let text = "[server]\ningest_token = \"a\"\nadmin_token = \"b\"\n[[connectors]]\nname = \"d\"\nkind = \"discord\"\nwebhook_uri = \"https://x\"\n";
        let config = Config::from_toml(text, "test").unwrap();
        let err = spec_build(&config).err().unwrap();
        assert!(err.to_string().contains("webhook_uri"), "{err}");
    }
}
