use std::time::Duration;

use super::*;
use crate::{health::HealthRecord, operations::Lifecycle};

const S: i64 = 1000;

fn webhook() -> TargetInfo {
    TargetInfo {
        kind: "webhook".into(),
        endpoint: false,
        lifecycle: Lifecycle {
            warn_after: Duration::from_secs(10),
            disable_after: Duration::from_secs(100),
            probe_every: Duration::from_secs(30),
            auto_reenable: true,
        },
    }
}

fn failing_since(since: Millis) -> TargetLifecycle {
    TargetLifecycle {
        name: "t".into(),
        health: Some(HealthRecord {
            consecutive_failures: 3,
            last_success_at: None,
            last_failure_at: Some(since),
            failing_since: Some(since),
        }),
        ..TargetLifecycle::default()
    }
}

#[test]
fn warns_once_then_disables_on_the_clock() {
    let row = failing_since(0);
    assert!(decide(&row, &webhook(), false, 9 * S).is_empty());
    assert_eq!(
        decide(&row, &webhook(), false, 10 * S),
        [Action::Warn { since: 0 }]
    );
    let warned = TargetLifecycle {
        alerted: Alerted::Failing,
        ..row.clone()
    };
    assert!(decide(&warned, &webhook(), false, 50 * S).is_empty());
    assert!(matches!(
        decide(&warned, &webhook(), false, 100 * S)[..],
        [Action::Disable { .. }]
    ));
}

#[test]
fn a_disable_is_alerted_then_probed_every_period() {
    let reason = super::super::no_success_reason(Duration::from_secs(100), 0);
    let row = TargetLifecycle {
        disabled: Some(reason.clone()),
        alerted: Alerted::Failing,
        ..failing_since(0)
    };
    assert_eq!(
        decide(&row, &webhook(), true, 100 * S),
        [Action::AlertDisabled {
            from: Alerted::Failing,
            cause: DisableCause::NoSuccess,
            reason
        }]
    );
    let alerted = TargetLifecycle {
        alerted: Alerted::Disabled,
        probed_at: Some(100 * S),
        ..row
    };
    assert!(decide(&alerted, &webhook(), true, 120 * S).is_empty());
    assert_eq!(decide(&alerted, &webhook(), true, 130 * S), [Action::Probe]);
    let hubspot = TargetInfo {
        kind: "hubspot".into(),
        ..webhook()
    };
    assert!(
        decide(&alerted, &hubspot, true, 130 * S).is_empty(),
        "other kinds are not probed"
    );
}

#[test]
fn gone_and_operator_disables_are_not_probed() {
    for reason in [
        super::super::GONE_REASON,
        crate::endpoints::OPERATOR_DISABLED,
    ] {
        let row = TargetLifecycle {
            disabled: Some(reason.into()),
            alerted: Alerted::Disabled,
            ..TargetLifecycle::default()
        };
        assert!(decide(&row, &webhook(), true, 1000 * S).is_empty());
    }
}

#[test]
fn recovers_after_an_alert_only() {
    let healthy = TargetLifecycle::default();
    assert!(decide(&healthy, &webhook(), false, S).is_empty());
    for from in [Alerted::Failing, Alerted::Disabled] {
        let row = TargetLifecycle {
            alerted: from,
            ..TargetLifecycle::default()
        };
        assert_eq!(
            decide(&row, &webhook(), false, S),
            [Action::Recover { from }]
        );
    }
}

#[test]
fn follows_storage_when_the_table_disagrees() {
    let row = TargetLifecycle {
        alerted: Alerted::Disabled,
        disabled: Some(crate::endpoints::OPERATOR_DISABLED.into()),
        ..TargetLifecycle::default()
    };
    assert_eq!(
        decide(&row, &webhook(), false, S),
        [Action::Follow { disabled: true }]
    );
}

#[test]
fn exhausted_once_per_period() {
    let row = TargetLifecycle {
        exhausted: 2,
        ..failing_since(0)
    };
    assert_eq!(decide(&row, &webhook(), false, S), [Action::AlertExhausted]);
    let alerted = TargetLifecycle {
        exhausted_alerted_at: Some(2 * S),
        ..row
    };
    assert!(decide(&alerted, &webhook(), false, 3 * S).is_empty());
    let succeeded = TargetLifecycle {
        health: Some(HealthRecord {
            last_success_at: Some(4 * S),
            ..HealthRecord::default()
        }),
        ..alerted
    };
    assert_eq!(
        decide(&succeeded, &webhook(), false, 5 * S),
        [Action::ResetExhausted { alerted_at: 2 * S }]
    );
}

#[test]
fn a_vendor_refusing_credentials_alerts_once_until_a_success() {
    let refused = TargetLifecycle {
        auth_refused_at: Some(S),
        ..TargetLifecycle::default()
    };
    let hubspot = TargetInfo {
        kind: "hubspot".into(),
        ..webhook()
    };
    assert_eq!(
        decide(&refused, &hubspot, false, 2 * S),
        [Action::AlertAuthFailed]
    );
    assert!(
        decide(&refused, &webhook(), false, 2 * S).is_empty(),
        "a webhook receiver's 401 is not a vendor's credentials"
    );
    let alerted = TargetLifecycle {
        auth_alerted_at: Some(2 * S),
        ..refused
    };
    assert!(decide(&alerted, &hubspot, false, 3 * S).is_empty());
    let succeeded = TargetLifecycle {
        health: Some(HealthRecord {
            last_success_at: Some(4 * S),
            ..HealthRecord::default()
        }),
        ..alerted
    };
    assert_eq!(
        decide(&succeeded, &hubspot, false, 5 * S),
        [Action::ResetAuth { alerted_at: 2 * S }]
    );
}
