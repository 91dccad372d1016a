//! Filter parsing and evaluation against the sample events.

use serde_json::Value;

use super::Filter;
use crate::event::fixtures;

fn event(kind: &str) -> Value {
    let (_, src) = fixtures()
        .into_iter()
        .find(|(t, _)| t.as_str() == kind)
        .unwrap();
    serde_json::from_str(src).unwrap()
}

fn check(filter: &str, kind: &str) -> bool {
    Filter::parse(filter).unwrap().matches(&event(kind))
}

#[test]
fn documented_examples() {
    assert!(check(
        r#"data.transfer.urgency == "emergency""#,
        "transfer.requested"
    ));
    assert!(!check(
        r#"data.transfer.urgency != "emergency""#,
        "transfer.requested"
    ));
    assert!(check(
        r#"data.summary.intent in ["support", "estimate"]"#,
        "call.completed"
    ));
    assert!(!check(
        r#"data.summary.intent in ["support", "repair"]"#,
        "call.completed"
    ));
    assert!(check(
        r#""support" in data.tags && data.duration_seconds >= 30"#,
        "call.completed"
    ));
    assert!(!check(
        r#""support" in data.tags && data.duration_seconds > 310"#,
        "call.completed"
    ));
    assert!(check(
        r#"data.lead.email && !(data.lead.urgency == "later")"#,
        "lead.captured"
    ));
    assert!(check(
        r#"type == "lead.captured" || data.nope.deeper == 1"#,
        "lead.captured"
    ));
    assert!(check(
        "data.transcript.1.speaker == 'caller'",
        "call.completed"
    ));
    assert!(check("data.missing == null", "call.completed"));
    assert!(!check("data.missing", "call.completed"));
    assert!(check(
        "data.sentiment.score > 0.5 && data.sentiment.score <= 1",
        "call.completed"
    ));
    // && binds tighter than ||.
    assert!(check("false && false || true", "call.completed"));
    assert!(!check("false && (false || true)", "call.completed"));
}

#[test]
fn errors_name_the_column() {
    for (bad, col) in [
        (r#"data.x = "a""#, 8),
        (r#"data.x == "a"#, 11),
        ("data.x ==", 10),
        ("(data.x == 1", 13),
        ("data.x in \"a\"", 14),
        ("data.x and data.y", 8),
        ("data..x", 1),
        ("data.x == 1 data.y", 13),
        ("data.x in [1, data.y]", 15),
    ] {
        let e = Filter::parse(bad).unwrap_err();
        assert_eq!(e.column, col, "{bad}: {e}");
    }
}
