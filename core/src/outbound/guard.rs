//! The SSRF guard: outbound targets must not be loopback, private or link-local,
//! unless `[delivery] allow_private_targets = true`.
//!
//! Names are checked after resolution, on every address the client may
//! connect to, so a public name pointing at a private address is refused too.

use std::net::{IpAddr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// A target refused by the guard.
#[derive(Debug, Clone, thiserror::Error)]
#[error("target {host} resolves to a loopback, private or link-local address ({addr}); set [delivery] allow_private_targets = true to allow it")]
pub struct TargetRefused {
    /// Host as written in the URL.
    pub host: String,
    /// The address refused.
    pub addr: IpAddr,
}

/// Whether an address is off-limits for outbound requests.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.octets()[0] == 0
                // 100.64.0.0/10, carrier-grade NAT
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link-local
        }
    }
}

/// Refuses URLs whose host is a literal private address (these skip DNS).
pub(super) fn check_literal(url: &url::Url) -> Result<(), TargetRefused> {
    let ip = match url.host() {
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        _ => return Ok(()),
    };
    if is_private(ip) {
        return Err(TargetRefused {
            host: ip.to_string(),
            addr: ip,
        });
    }
    Ok(())
}

/// Why a proxied target failed the check.
pub(super) enum CheckError {
    /// It resolves to an address the guard refuses.
    Refused(TargetRefused),
    /// Its name does not resolve.
    Lookup(String),
}

/// Resolves a target's host here and refuses private addresses: used when a
/// proxy makes the connection, so the client never resolves the target itself.
/// (The proxy resolves it again; keep the proxy from reaching internal
/// networks as well, against DNS rebinding.)
pub(super) async fn check_resolved(url: &url::Url) -> Result<(), CheckError> {
    let Some(url::Host::Domain(host)) = url.host() else {
        return Ok(());
    };
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| CheckError::Lookup(format!("cannot resolve {host}: {e}")))?;
    for a in addrs {
        if is_private(a.ip()) {
            return Err(CheckError::Refused(TargetRefused {
                host: host.to_owned(),
                addr: a.ip(),
            }));
        }
    }
    Ok(())
}

/// A resolver that drops nothing silently: any private address fails the lookup.
pub(super) struct GuardedResolver;

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some(bad) = addrs.iter().find(|a| is_private(a.ip())) {
                return Err(Box::new(TargetRefused {
                    host,
                    addr: bad.ip(),
                }) as _);
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_addresses() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "0.0.0.0",
            "100.64.0.1",
        ] {
            assert!(is_private(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "8.8.8.8", "2606:4700::1111"] {
            assert!(!is_private(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn literal_private_urls_are_refused() {
        assert!(check_literal(&"http://127.0.0.1:9/x".parse().unwrap()).is_err());
        assert!(check_literal(&"http://[::1]/x".parse().unwrap()).is_err());
        assert!(check_literal(&"https://example.com/x".parse().unwrap()).is_ok());
    }
}
