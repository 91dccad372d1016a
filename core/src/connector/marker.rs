//! Most vendors offer no idempotency key, so a find-or-create connector
//! leaves a marker naming the event in the text it writes (a note, a
//! ticket description) and a retry after a lost answer looks for it before
//! writing again. Vendors that take HTML there get the event text escaped
//! (a caller's `<b>` stays text), line breaks kept, and the marker in its
//! own paragraph.

/// The marker text for `event_id` (event ids are `[A-Za-z0-9_.:-]`, so it
/// needs no escaping).
pub fn marker(event_id: &str) -> String {
    format!("[switchboard {event_id}]")
}

/// `text` as HTML, then the marker of `event_id` in its own paragraph.
pub fn html_with_marker(text: &str, event_id: &str) -> String {
    let mut html = String::from("<p>");
    for c in text.trim().chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\n' => html.push_str("<br>"),
            '\r' => {}
            c => html.push(c),
        }
    }
    html.push_str("</p><p>");
    html.push_str(&marker(event_id));
    html.push_str("</p>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_lines_kept_and_the_marker_added() {
        assert_eq!(
            html_with_marker("Leak <b>now</b> & \"soon\"\nCall back", "evt_1"),
            "<p>Leak &lt;b&gt;now&lt;/b&gt; &amp; &quot;soon&quot;<br>Call back</p>\
             <p>[switchboard evt_1]</p>"
        );
    }
}
