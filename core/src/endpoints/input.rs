//! Checking what a client sends for an endpoint, naming the bad field.

use std::collections::BTreeMap;

use super::EndpointError;
use crate::{connector::webhook::parse_url, event::EventType, outbound::is_private};

/// Where an endpoint sends and what it wants, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Targets {
    /// Fallback URL.
    pub url: Option<String>,
    /// Per-type URLs.
    pub urls: BTreeMap<EventType, String>,
    /// Wanted types; `None` for all.
    pub events: Option<Vec<EventType>>,
}

/// Checks an endpoint's URLs and event types as a client wrote them: absolute
/// http(s) URLs (not literal private addresses unless `allow_private`), known
/// event types, and a URL for every wanted type.
pub fn validate_targets(
    url: Option<&str>,
    urls: &BTreeMap<String, String>,
    events: Option<&[String]>,
    allow_private: bool,
) -> Result<Targets, EndpointError> {
    let check_url = |path: String, raw: &str| -> Result<String, EndpointError> {
        let parsed = parse_url(raw).map_err(|m| EndpointError::invalid(&path, m))?;
        let literal = match parsed.host() {
            Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
            _ => None,
        };
        if !allow_private && literal.is_some_and(is_private) {
            return Err(EndpointError::invalid(
                path,
                format!("'{raw}' is a loopback, private or link-local address; the hub refuses those unless [delivery] allow_private_targets = true"),
            ));
        }
        Ok(raw.to_owned())
    };
    let url = url.map(|u| check_url("/url".into(), u)).transpose()?;
    let mut by_type = BTreeMap::new();
    for (t, raw) in urls {
        let kind: EventType = t
            .parse()
            .map_err(|e| EndpointError::invalid(format!("/urls/{t}"), format!("{e}")))?;
        by_type.insert(kind, check_url(format!("/urls/{t}"), raw)?);
    }
    let events = events
        .map(|list| {
            if list.is_empty() {
                return Err(EndpointError::invalid(
                    "/events",
                    "must list at least one event type; leave `events` out (or null) to receive all",
                ));
            }
            list.iter()
                .enumerate()
                .map(|(i, t)| {
                    t.parse::<EventType>()
                        .map_err(|e| EndpointError::invalid(format!("/events/{i}"), format!("{e}")))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    for t in EventType::ALL {
        let wanted = events.as_ref().is_none_or(|l| l.contains(&t));
        if wanted && url.is_none() && !by_type.contains_key(&t) {
            return Err(EndpointError::invalid(
                "/url",
                format!(
                    "no URL for {t}: set `url`, or `urls.\"{t}\"`, or leave {t} out of `events`"
                ),
            ));
        }
    }
    Ok(Targets {
        url,
        urls: by_type,
        events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_of(r: Result<Targets, EndpointError>) -> String {
        match r {
            Err(EndpointError::Invalid { path, .. }) => path,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn names_the_bad_field() {
        let none = BTreeMap::new();
        assert_eq!(
            path_of(validate_targets(Some("ftp://x"), &none, None, true)),
            "/url"
        );
        assert_eq!(path_of(validate_targets(None, &none, None, true)), "/url");
        let events = vec!["lead.captured".to_owned(), "lead.capturd".to_owned()];
        assert_eq!(
            path_of(validate_targets(
                Some("https://x.example"),
                &none,
                Some(&events),
                true
            )),
            "/events/1"
        );
        let urls = [("call.startd".to_owned(), "https://x.example".to_owned())].into();
        assert_eq!(
            path_of(validate_targets(None, &urls, None, true)),
            "/urls/call.startd"
        );
        assert_eq!(
            path_of(validate_targets(
                Some("http://127.0.0.1:9/x"),
                &none,
                None,
                false
            )),
            "/url"
        );
    }

    #[test]
    fn a_url_per_type_covers_the_subscription() {
        let urls = [(
            "lead.captured".to_owned(),
            "https://leads.example".to_owned(),
        )]
        .into();
        let events = vec!["lead.captured".to_owned()];
        let t = validate_targets(None, &urls, Some(&events), false).unwrap();
        assert_eq!(t.events, Some(vec![EventType::LeadCaptured]));
        assert_eq!(t.urls[&EventType::LeadCaptured], "https://leads.example");
    }
}
