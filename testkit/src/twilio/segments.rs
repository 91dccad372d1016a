//! How Twilio bills a body: GSM-7 when every character is in the GSM 03.38
//! alphabet (extension characters take two septets), else UCS-2. Kept apart
//! from the connector's own GSM-7 code on purpose: the simulator is the
//! vendor's view, an independent check.

/// The encoding Twilio picks for a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// 160 septets in one segment, 153 per segment when concatenated.
    Gsm7,
    /// 70 UTF-16 units in one segment, 67 per segment when concatenated.
    Ucs2,
}

const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const EXTENSION: &str = "\u{c}^{}\\[~]|€";

/// Septets of `c` in GSM-7 (1 or 2), `None` if GSM-7 lacks it.
pub fn septets(c: char) -> Option<usize> {
    if BASIC.contains(c) {
        Some(1)
    } else if EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// The encoding and the number of segments of `body`.
pub fn count(body: &str) -> (Encoding, usize) {
    let gsm: Option<usize> = body.chars().map(septets).sum();
    let (encoding, units, single, multi) = match gsm {
        Some(n) => (Encoding::Gsm7, n, 160, 153),
        None => (Encoding::Ucs2, body.encode_utf16().count(), 70, 67),
    };
    let segments = if units <= single {
        1
    } else {
        units.div_ceil(multi)
    };
    (encoding, segments)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_curly_quote_switches_to_ucs2() {
        assert_eq!(count(&"a".repeat(160)), (Encoding::Gsm7, 1));
        assert_eq!(count(&"a".repeat(161)), (Encoding::Gsm7, 2));
        assert_eq!(count(&"a".repeat(306)), (Encoding::Gsm7, 2));
        assert_eq!(count(&"{".repeat(153)), (Encoding::Gsm7, 2));
        assert_eq!(count(&format!("{}’", "a".repeat(159))), (Encoding::Ucs2, 3));
        assert_eq!(count("…"), (Encoding::Ucs2, 1));
        assert_eq!(count("é ñ Ø"), (Encoding::Gsm7, 1));
    }
}
