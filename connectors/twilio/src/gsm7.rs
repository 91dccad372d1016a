//! GSM-7 (GSM 03.38), the alphabet that keeps an SMS at 160 characters a
//! segment. One character outside it (a curly quote, `…`, an emoji) makes
//! Twilio send the whole message as UCS-2, 70 characters a segment, so the
//! connector writes every `Body` in GSM-7 and cuts it to fit two segments.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Two concatenated GSM-7 segments (153 septets each).
pub const MAX_SEPTETS: usize = 2 * 153;

/// The basic alphabet (one septet each; ESC left out).
const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The extension table: two septets each (escape + character).
const EXTENSION: &str = "\u{c}^{}\\[~]|€";

/// Septets `c` takes in GSM-7, `None` if GSM-7 lacks it.
pub fn septets(c: char) -> Option<usize> {
    if BASIC.contains(c) {
        Some(1)
    } else if EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// Septets of `text`, `None` if any character is not GSM-7.
pub fn count(text: &str) -> Option<usize> {
    text.chars().map(septets).sum()
}

/// `text` in GSM-7: typographic punctuation made plain, accents GSM-7
/// lacks dropped from their letters, anything else (emoji, CJK) dropped,
/// with the space before it when punctuation follows (`Zoë 🙂"` -> `Zoe"`);
/// runs of spaces collapsed.
pub fn transliterate(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut held_space = false;
    for c in text.chars() {
        let plain = match septets(c) {
            Some(_) => c.to_string(),
            None => replacement(c),
        };
        if plain.is_empty() {
            held_space |= out.ends_with(' ');
            out.truncate(out.trim_end_matches(' ').len());
            continue;
        }
        if std::mem::take(&mut held_space) && plain.starts_with(char::is_alphanumeric) {
            out.push(' ');
        }
        out.push_str(&plain);
    }
    collapse_spaces(&out)
}

/// The GSM-7 stand-in for a character GSM-7 lacks ("" to drop it).
fn replacement(c: char) -> String {
    let plain = match c {
        '‘' | '’' | '‚' | '‛' | '′' | '`' | '´' => "'",
        '“' | '”' | '„' | '‟' | '″' | '«' | '»' => "\"",
        '…' => "...",
        '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' => "-",
        '•' | '·' => "*",
        '\t' | '\u{a0}' | '\u{2000}'..='\u{200a}' | '\u{202f}' | '\u{205f}' | '\u{3000}' => " ",
        '\u{2028}' | '\u{2029}' => "\n",
        _ => return base_letters(c),
    };
    plain.to_owned()
}

/// The GSM-7 letters of `c`'s canonical decomposition (`ë` -> `e`, `ç` ->
/// `c`), combining marks dropped; "" when nothing of it is GSM-7.
fn base_letters(c: char) -> String {
    let mut out = String::new();
    decompose_canonical(c, |d| {
        if !is_combining_mark(d) && septets(d).is_some() {
            out.push(d);
        }
    });
    out
}

fn collapse_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !(c == ' ' && out.ends_with(' ')) {
            out.push(c);
        }
    }
    out.trim().to_owned()
}

/// `text` (GSM-7) cut to at most `max` septets, ending in `...` when cut,
/// at a word boundary when one is near.
pub fn fit(text: &str, max: usize) -> String {
    if count(text).is_some_and(|n| n <= max) {
        return text.to_owned();
    }
    let budget = max.saturating_sub(3);
    let mut used = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        used += septets(c).unwrap_or(2);
        if used > budget {
            break;
        }
        end = i + c.len_utf8();
    }
    let mut kept = &text[..end];
    // Prefer the last space in the final 20 characters, so no word is split.
    if let Some(space) = kept.rfind(' ').filter(|&s| end - s <= 20) {
        kept = &kept[..space];
    }
    format!("{}...", kept.trim_end())
}

/// A `Body` as sent: GSM-7, within two segments.
pub fn sms_body(text: &str) -> String {
    fit(&transliterate(text), MAX_SEPTETS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_characters_count_twice() {
        assert_eq!(count("abc"), Some(3));
        assert_eq!(count("{€}"), Some(6));
        assert_eq!(count("’"), None);
    }

    #[test]
    fn typography_accents_and_emoji_become_gsm7() {
        assert_eq!(
            transliterate("“It’s” fine… – Zoë Çaño ç 💧 李 ok"),
            "\"It's\" fine... - Zoe Çaño c ok"
        );
        assert_eq!(transliterate("Ångström à é ü ñ"), "Ångström à é ü ñ");
        assert_eq!(transliterate("💧"), "");
        assert_eq!(transliterate("(Zoë 🙂) a 🙂 b"), "(Zoe) a b");
    }

    #[test]
    fn cut_to_two_segments_with_an_ellipsis() {
        let long = "word ".repeat(100);
        let cut = fit(&long, MAX_SEPTETS);
        assert!(count(&cut).unwrap() <= MAX_SEPTETS, "{}", cut.len());
        assert!(cut.ends_with("word..."), "{cut}");
        let braces = "{".repeat(200);
        let cut = fit(&braces, MAX_SEPTETS);
        assert_eq!(count(&cut), Some(151 * 2 + 3));
        assert_eq!(fit("short", MAX_SEPTETS), "short");
    }

    #[test]
    fn any_text_ends_up_within_two_gsm7_segments() {
        let odd = "Caller said “it’s leaking everywhere”… ça coule 💧 — {{x}} ".repeat(20);
        let body = sms_body(&odd);
        assert!(count(&body).is_some_and(|n| n <= MAX_SEPTETS), "{body}");
    }
}
