//! `hs_note_body` is rich text (HTML) of at most 65,536 characters: event
//! text is escaped (a caller's `<b>` is text, not markup), line breaks kept,
//! and the text cut to fit. Each note ends with a marker naming the event,
//! so a retry after a lost answer can find the note it already made.

/// HubSpot's limit on `hs_note_body`, in characters.
pub const MAX_BODY_CHARS: usize = 65_536;
/// Ends a body whose text was cut.
const CUT: &str = "…";

/// The marker a note for `event_id` carries (event ids are
/// `[A-Za-z0-9_.:-]`, so it needs no escaping).
pub fn marker(event_id: &str) -> String {
    format!("[switchboard {event_id}]")
}

/// The HTML body: the escaped text, then the marker in its own paragraph.
pub fn body(text: &str, event_id: &str) -> String {
    let tail = format!("<p>{}</p>", marker(event_id));
    let room = MAX_BODY_CHARS - tail.chars().count() - CUT.len() - "<p></p>".len();
    let mut html = String::from("<p>");
    let mut used = 0;
    for c in text.trim().chars() {
        let piece = escape(c);
        let n = piece.chars().count();
        if used + n > room {
            html.push_str(CUT);
            break;
        }
        used += n;
        html.push_str(&piece);
    }
    html.push_str("</p>");
    html.push_str(&tail);
    html
}

fn escape(c: char) -> std::borrow::Cow<'static, str> {
    match c {
        '&' => "&amp;".into(),
        '<' => "&lt;".into(),
        '>' => "&gt;".into(),
        '"' => "&quot;".into(),
        '\'' => "&#39;".into(),
        '\n' => "<br>".into(),
        '\r' => "".into(),
        c => c.to_string().into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_lines_kept() {
        let b = body("Summary: <b>leak</b> & \"drip\"\nUrgency: now", "evt_1");
        assert_eq!(
            b,
            "<p>Summary: &lt;b&gt;leak&lt;/b&gt; &amp; &quot;drip&quot;<br>Urgency: now</p>\
             <p>[switchboard evt_1]</p>"
        );
    }

    #[test]
    fn a_huge_text_is_cut_within_the_limit_and_keeps_its_marker() {
        let b = body(&"<&>".repeat(40_000), "evt_1");
        assert!(b.chars().count() <= MAX_BODY_CHARS, "{}", b.chars().count());
        assert!(b.chars().count() > MAX_BODY_CHARS - 20);
        assert!(b.ends_with("…</p><p>[switchboard evt_1]</p>"));
        assert!(!b.contains("&a…"), "never cuts inside an entity");
    }
}
