//! From a rendered template to the message Slack receives (pure).
//!
//! A template renders `{"text", "blocks"?}`: `text` is the notification
//! fallback (and the whole message where blocks are not shown), `blocks`
//! the Block Kit layout. Slack refuses a message whose blocks break its
//! limits (`invalid_blocks`), so long text is cut here, visibly, rather than
//! losing the message; a template's structural mistake is a mapping error
//! naming the template.

use serde_json::{Map, Value};
use switchboard_core::{connector::MappingError, template::Template};

/// Slack truncates `text` beyond 40,000 characters; a notification needs
/// far less, and a shorter cut keeps the message readable.
pub const MAX_TEXT: usize = 3_000;
/// At most this many blocks in a message.
pub const MAX_BLOCKS: usize = 50;
/// A header block's text.
pub const MAX_HEADER: usize = 150;
/// A section block's text.
pub const MAX_SECTION: usize = 3_000;
/// One of a section's fields.
pub const MAX_FIELD: usize = 2_000;
/// At most this many fields in a section.
pub const MAX_FIELDS: usize = 10;

/// Where the message goes, besides its content.
#[derive(Debug, Clone, Copy)]
pub struct Placement<'a> {
    /// The channel (bot token); `None` for an incoming webhook, which posts
    /// to its own channel.
    pub channel: Option<&'a str>,
    /// The parent message of the call's thread, if it has one.
    pub thread_ts: Option<&'a str>,
}

/// The request body for a rendered template.
pub fn body(t: &Template, rendered: Value, at: Placement<'_>) -> Result<Value, MappingError> {
    let mut msg = check(rendered).map_err(|m| MappingError::from(t.error(m)))?;
    if let Some(channel) = at.channel {
        msg.insert("channel".into(), channel.into());
    }
    if let Some(ts) = at.thread_ts {
        msg.insert("thread_ts".into(), ts.into());
    }
    // A link to the dashboard or a recording is for clicking, not for a preview.
    msg.insert("unfurl_links".into(), false.into());
    msg.insert("unfurl_media".into(), false.into());
    Ok(Value::Object(msg))
}

fn check(rendered: Value) -> Result<Map<String, Value>, String> {
    let Value::Object(mut msg) = rendered else {
        return Err("output must be a JSON object with `text` (and `blocks`)".into());
    };
    match msg.get_mut("text") {
        Some(Value::String(s)) if !s.trim().is_empty() => cut(s, MAX_TEXT),
        _ => {
            return Err(
                "`text` must be a non-empty string: it is the notification (give it a fallback with `default`)"
                    .into(),
            )
        }
    }
    match msg.get_mut("blocks") {
        None => {}
        Some(Value::Array(blocks)) if blocks.len() <= MAX_BLOCKS => {
            blocks.iter_mut().try_for_each(fit_block)?
        }
        Some(_) => {
            return Err(format!(
                "`blocks` must be a list of at most {MAX_BLOCKS} blocks"
            ))
        }
    }
    Ok(msg)
}

/// Cuts a block's texts to Slack's limits.
fn fit_block(block: &mut Value) -> Result<(), String> {
    let kind = block
        .get("type")
        .and_then(Value::as_str)
        .ok_or("every block needs a `type`")?
        .to_owned();
    let max = if kind == "header" {
        MAX_HEADER
    } else {
        MAX_SECTION
    };
    if let Some(Value::String(s)) = block.pointer_mut("/text/text") {
        cut(s, max);
    }
    if let Some(fields) = block.get_mut("fields") {
        let fields = fields
            .as_array_mut()
            .filter(|f| f.len() <= MAX_FIELDS)
            .ok_or(format!(
                "a section's `fields` must be a list of at most {MAX_FIELDS}"
            ))?;
        for f in fields {
            if let Some(Value::String(s)) = f.get_mut("text") {
                cut(s, MAX_FIELD);
            }
        }
    }
    Ok(())
}

/// Cuts `s` to `max` characters, ending in `…`.
fn cut(s: &mut String, max: usize) {
    if s.chars().count() > max {
        *s = s.chars().take(max - 1).collect::<String>() + "…";
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn long_texts_are_cut_to_slacks_limits() {
        let mut msg = check(json!({"text": "t".repeat(5000), "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "h".repeat(400)}},
            {"type": "section", "text": {"type": "plain_text", "text": "s".repeat(4000)},
             "fields": [{"type": "plain_text", "text": "f".repeat(2500)}]}
        ]}))
        .unwrap();
        let blocks = msg.remove("blocks").unwrap();
        let len = |v: &Value| v.as_str().unwrap().chars().count();
        assert_eq!(len(&msg["text"]), MAX_TEXT);
        assert_eq!(len(&blocks[0]["text"]["text"]), MAX_HEADER);
        assert_eq!(len(&blocks[1]["text"]["text"]), MAX_SECTION);
        assert_eq!(len(&blocks[1]["fields"][0]["text"]), MAX_FIELD);
    }

    #[test]
    fn structural_mistakes_are_named() {
        for (bad, named) in [
            (json!([]), "JSON object"),
            (json!({"text": " "}), "`text`"),
            (json!({"text": "x", "blocks": {}}), "`blocks`"),
            (json!({"text": "x", "blocks": [{}]}), "`type`"),
        ] {
            assert!(check(bad).unwrap_err().contains(named), "{named}");
        }
    }
}
