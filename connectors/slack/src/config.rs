//! The connector's settings and the factory that checks them: an incoming
//! webhook (`webhook_url`) or a bot token and a channel (`chat.postMessage`).

use std::sync::Arc;

use serde::Deserialize;
use switchboard_core::{
    config::Secret,
    connector::{vendor, BuildError, Connector, ConnectorSpec},
    template::{Mode, TemplateSet},
};

use crate::{context::Links, thread::Threads, Slack, Target};

const API_BASE: &str = "https://slack.com";
const POST_MESSAGE: &str = "/api/chat.postMessage";

/// `[[connectors]]` keys of kind `slack`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// An incoming webhook URL (`https://hooks.slack.com/services/...`).
    #[serde(default)]
    webhook_url: Option<Secret>,
    /// A bot token (`xoxb-...`) with the `chat:write` scope.
    #[serde(default)]
    token: Option<Secret>,
    /// The channel the bot posts in: its ID (`C0123456789`) is best; a
    /// name works while the channel is not renamed.
    #[serde(default)]
    channel: Option<String>,
    /// Replaces `https://slack.com` (bot token) or the webhook URL's host
    /// (tests, proxies).
    #[serde(default)]
    base_url: Option<String>,
}

/// The factory registered as `slack`.
pub fn build(spec: &ConnectorSpec<'_>) -> Result<Arc<dyn Connector>, BuildError> {
    let s: Settings = spec.settings()?;
    let target = match (s.webhook_url, s.token) {
        (Some(url), None) => webhook(spec, &url, s.channel.is_some(), s.base_url.as_deref())?,
        (None, Some(token)) => bot(spec, &token, s.channel, s.base_url.as_deref())?,
        _ => {
            return Err(spec.error(
                "set either `webhook_url` (an incoming webhook) or `token` (a bot token, `xoxb-...`) with `channel`",
            ))
        }
    };
    Ok(Arc::new(Slack {
        threads: match &target {
            Target::Bot { .. } => spec.state.clone().map(Threads::new),
            Target::Webhook { .. } => None,
        },
        target,
        links: Links::new(spec.public_url),
        templates: TemplateSet::load(spec, Mode::Json)?,
    }))
}

fn webhook(
    spec: &ConnectorSpec<'_>,
    url: &Secret,
    has_channel: bool,
    base_url: Option<&str>,
) -> Result<Target, BuildError> {
    if has_channel {
        return Err(spec.error(
            "an incoming webhook posts to the channel it was created for: remove `channel` (it goes with `token`)",
        ));
    }
    let url = vendor::base_url(spec, Some(url.expose()), "").map_err(|_| {
        spec.error("`webhook_url` must be an absolute https URL (Slack's incoming webhook URL)")
    })?;
    // `base_url` (a proxy, a test server) takes the place of Slack's host.
    let url = match base_url {
        Some(base) => vendor::endpoint(&vendor::base_url(spec, Some(base), "")?, url.path()),
        None => url,
    };
    Ok(Target::Webhook { url })
}

fn bot(
    spec: &ConnectorSpec<'_>,
    token: &Secret,
    channel: Option<String>,
    base_url: Option<&str>,
) -> Result<Target, BuildError> {
    let token = token.expose().trim();
    if !token.starts_with("xoxb-") || token.chars().any(char::is_whitespace) {
        return Err(spec.error(
            "`token` must be a bot token (it starts with `xoxb-`; install the app with the `chat:write` scope)",
        ));
    }
    let channel = channel
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            spec.error("`token` needs `channel`: the channel ID (C0123456789) to post in")
        })?;
    let base = vendor::base_url(spec, base_url, API_BASE)?;
    Ok(Target::Bot {
        url: vendor::endpoint(&base, POST_MESSAGE),
        auth: format!("Bearer {token}"),
        channel,
    })
}
