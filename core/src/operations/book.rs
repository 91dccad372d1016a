//! Which targets the lifecycle covers, with their kind and timings.

use std::{collections::HashMap, time::Duration};

use super::{Lifecycle, OPERATIONS_TARGET};
use crate::config::Config;

/// One target as the lifecycle sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetInfo {
    /// `endpoint` for a runtime endpoint, else the connector's kind.
    pub kind: String,
    /// A runtime endpoint (named by `id`), not a configured connector (`name`).
    pub endpoint: bool,
    /// Its timings (a connector's own `warn_after` / `disable_after` applied).
    pub lifecycle: Lifecycle,
}

impl TargetInfo {
    /// Generic webhook targets (runtime endpoints and `webhook` connectors)
    /// are probed when disabled for no success; other kinds are not.
    pub fn probed(&self) -> bool {
        self.endpoint || self.kind == "webhook"
    }

    /// Targets holding a vendor's credentials (every kind but generic
    /// webhooks), whose 401/403 answers raise `switchboard.connector.auth_failed`.
    pub fn vendor(&self) -> bool {
        !self.probed()
    }
}

/// The configured targets, and the defaults runtime endpoints take.
#[derive(Debug, Clone)]
pub struct TargetBook {
    configured: HashMap<String, TargetInfo>,
    default: Lifecycle,
    /// `[delivery] retry_for`: deliveries exhaust on its scale.
    retry_for: Duration,
}

impl TargetBook {
    /// The book of a configuration (the operations target is left out: no
    /// alert is raised about the delivery of an alert).
    pub fn from_config(config: &Config) -> Self {
        let default = Lifecycle::from_config(&config.delivery);
        let configured = config
            .connectors
            .iter()
            .filter(|c| c.name != OPERATIONS_TARGET)
            .map(|c| {
                let lifecycle = Lifecycle {
                    warn_after: c.warn_after.unwrap_or(default.warn_after),
                    disable_after: c.disable_after.unwrap_or(default.disable_after),
                    ..default
                };
                let info = TargetInfo {
                    kind: c.kind.clone(),
                    endpoint: false,
                    lifecycle,
                };
                (c.name.clone(), info)
            })
            .collect();
        TargetBook {
            configured,
            default,
            retry_for: config.delivery.retry_for,
        }
    }

    /// A target by connector name or endpoint id; `None` for names the
    /// lifecycle does not cover (the operations target, removed connectors).
    pub fn info(&self, name: &str) -> Option<TargetInfo> {
        if let Some(info) = self.configured.get(name) {
            return Some(info.clone());
        }
        name.starts_with("ep_").then(|| TargetInfo {
            kind: "endpoint".into(),
            endpoint: true,
            lifecycle: self.default,
        })
    }

    /// How often the check runs: a tenth of the shortest timing (`retry_for`
    /// included, for `exhausted`), between
    /// 20 ms (tests compress time) and 30 s, so a transition is at most a
    /// tenth late.
    pub fn tick(&self) -> Duration {
        let timings = self
            .configured
            .values()
            .map(|i| i.lifecycle)
            .chain([self.default])
            .flat_map(|l| [l.warn_after, l.disable_after, l.probe_every])
            .chain([self.retry_for]);
        let shortest = timings
            .filter(|d| !d.is_zero())
            .min()
            .unwrap_or(Duration::from_secs(300));
        (shortest / 10).clamp(Duration::from_millis(20), Duration::from_secs(30))
    }
}
