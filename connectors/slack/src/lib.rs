//! The `slack` connector: a message per event through an incoming webhook
//! (`webhook_url`), or through the Web API's `chat.postMessage` with a bot
//! token (`token` + `channel`), where a call's first message starts a
//! thread and the call's later events reply in it.
//!
//! # Layout
//!
//! - [`config`]: the settings and the factory ([`build`]).
//! - `context`: the template context (`links.call`, a booking's time zone).
//! - [`message`]: a rendered template -> the message body, within Slack's limits.
//! - [`thread`]: one thread per call, its parent kept in storage.
//! - [`classify`]: what Slack's answers mean (`ok:false` in a 200), and pacing.
//!
//! Slack has no idempotency key: a retry after a lost answer can post twice
//! (see README.md).

pub mod classify;
pub mod config;
mod context;
pub mod message;
pub mod thread;

use async_trait::async_trait;
use switchboard_core::{
    connector::{vendor, Connector, DeliveryRequest, MappingError, Outcome, Plugin, Verdict},
    event::EventType,
    outbound::{OutboundClient, OutboundRequest, Response},
    template::TemplateSet,
};

pub use config::build;
use context::Links;
use message::Placement;
use thread::{Parent, Threads};

/// The kind name in `[[connectors]] kind`.
pub const KIND: &str = "slack";

/// What `src/registry.rs` registers: the kind, its factory and the default
/// templates in `templates/`.
pub const PLUGIN: Plugin = Plugin {
    kind: KIND,
    build,
    templates: switchboard_core::default_templates!(
        "lead.captured",
        "booking.created",
        "transfer.requested",
        "voicemail.left",
        "call.completed"
    ),
};

/// Where messages go.
pub(crate) enum Target {
    /// An incoming webhook: its own channel, no threads.
    Webhook { url: url::Url },
    /// `chat.postMessage` with a bot token.
    Bot {
        url: url::Url,
        auth: String,
        channel: String,
    },
}

/// A `slack` connector instance.
pub struct Slack {
    target: Target,
    /// The call threads (bot token with storage only).
    threads: Option<Threads>,
    links: Links,
    templates: TemplateSet,
}

impl Slack {
    /// The request for an event, as a reply to `thread_ts` if given.
    fn request(
        &self,
        req: &DeliveryRequest<'_>,
        thread_ts: Option<&str>,
    ) -> Result<OutboundRequest, MappingError> {
        let t = self
            .templates
            .get(req.event.kind)
            .ok_or_else(|| MappingError(format!("no template for {}", req.event.kind)))?;
        let rendered =
            t.render_json(&context::context(vendor::envelope(req.event)?, &self.links))?;
        match &self.target {
            Target::Webhook { url } => {
                let at = Placement {
                    channel: None,
                    thread_ts: None,
                };
                let mut r = vendor::json_post(url.clone(), &message::body(t, rendered, at)?);
                // The webhook URL's path is its secret: masked in the attempt log.
                r.body_secrets.push(url.path().to_owned());
                Ok(r)
            }
            Target::Bot { url, auth, channel } => {
                let at = Placement {
                    channel: Some(channel.as_str()),
                    thread_ts,
                };
                let mut r = vendor::json_post(url.clone(), &message::body(t, rendered, at)?);
                r.headers.insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static("application/json; charset=utf-8"),
                );
                vendor::secret_header(&mut r, http::header::AUTHORIZATION, auth)?;
                Ok(r)
            }
        }
    }

    /// Posts with a bot token, in the call's thread when it has one.
    async fn post_in_thread(
        &self,
        req: &DeliveryRequest<'_>,
        http: &OutboundClient,
        threads: &Threads,
        channel: &str,
    ) -> Outcome {
        let Some(call) = call_id(req) else {
            return self.post(req, http, None).await.0;
        };
        let _one_at_a_time = threads.lock(&call).await;
        let parent = match threads.parent(&call, channel).await {
            Ok(p) => p,
            Err(e) => return Outcome::retry(e.to_string()),
        };
        let (outcome, ts) = self
            .post(req, http, parent.as_ref().map(|p| p.ts.as_str()))
            .await;
        match (&parent, outcome.verdict, ts) {
            (None, Verdict::Delivered, Some(ts)) => {
                let parent = Parent {
                    channel: channel.to_owned(),
                    ts,
                };
                if let Err(e) = threads.started(&call, &parent).await {
                    // Posted: retrying would post again. Later events of the
                    // call then start a thread of their own.
                    tracing::warn!(call = %call, error = %e, "cannot keep the Slack thread of a call");
                }
            }
            (Some(_), Verdict::Retry { .. }, _) if thread_gone(&outcome) => {
                // The next attempt starts a new thread.
                if let Err(e) = threads.forget(&call).await {
                    return Outcome::retry(e.to_string());
                }
            }
            _ => {}
        }
        outcome
    }

    /// One `chat.postMessage`: the outcome and the posted message's `ts`.
    async fn post(
        &self,
        req: &DeliveryRequest<'_>,
        http: &OutboundClient,
        thread_ts: Option<&str>,
    ) -> (Outcome, Option<String>) {
        let request = match self.request(req, thread_ts) {
            Ok(r) => r,
            Err(e) => return (Outcome::rejected(format!("mapping failed: {e}")), None),
        };
        match http.send(&request).await {
            Ok(resp) => classify::judge_api(&resp),
            Err(e) => (Outcome::from_send_error(&e), None),
        }
    }
}

fn call_id(req: &DeliveryRequest<'_>) -> Option<String> {
    let envelope = req.event.envelope().ok()?;
    let id = envelope.pointer("/data/call_id")?.as_str()?;
    (!id.is_empty()).then(|| id.to_owned())
}

fn thread_gone(outcome: &Outcome) -> bool {
    outcome
        .error
        .as_deref()
        .is_some_and(|e| classify::THREAD_GONE.iter().any(|g| e.contains(g)))
}

#[async_trait]
impl Connector for Slack {
    /// The message, as a first message (`render` and `check` show it so).
    fn prepare(&self, req: &DeliveryRequest<'_>) -> Result<Vec<OutboundRequest>, MappingError> {
        Ok(vec![self.request(req, None)?])
    }

    fn judge(&self, response: &Response) -> Outcome {
        match self.target {
            Target::Webhook { .. } => classify::judge_webhook(response),
            Target::Bot { .. } => classify::judge_api(response).0,
        }
    }

    fn events(&self) -> Option<Vec<EventType>> {
        Some(self.templates.events())
    }

    async fn deliver(&self, req: &DeliveryRequest<'_>, http: &OutboundClient) -> Outcome {
        match (&self.target, &self.threads) {
            (Target::Bot { channel, .. }, Some(threads)) => {
                self.post_in_thread(req, http, threads, channel).await
            }
            (Target::Bot { .. }, None) => self.post(req, http, None).await.0,
            (Target::Webhook { .. }, _) => match self.prepare(req) {
                Ok(requests) => match http.send(&requests[0]).await {
                    Ok(resp) => classify::judge_webhook(&resp),
                    Err(e) => Outcome::from_send_error(&e),
                },
                Err(e) => Outcome::rejected(format!("mapping failed: {e}")),
            },
        }
    }
}
