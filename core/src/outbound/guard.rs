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

/// Where names are looked up; the system resolver in production, a
/// scripted one in tests (DNS rebinding).
pub(super) trait Lookup: Send + Sync + 'static {
    /// Every address `host` resolves to now.
    fn lookup(
        &self,
        host: String,
    ) -> futures::future::BoxFuture<'static, std::io::Result<Vec<SocketAddr>>>;
}

/// The operating system's resolver.
pub(super) struct SystemLookup;

impl Lookup for SystemLookup {
    fn lookup(
        &self,
        host: String,
    ) -> futures::future::BoxFuture<'static, std::io::Result<Vec<SocketAddr>>> {
        Box::pin(async move { Ok(tokio::net::lookup_host((host.as_str(), 0)).await?.collect()) })
    }
}

/// A resolver that drops nothing silently: any private address fails the
/// lookup. The HTTP client connects only to the addresses returned here and
/// resolves again for every new connection, so a name that rebinds to a
/// private address after a first, public answer is refused at that point:
/// the check and the connection use the same answer.
pub(super) struct GuardedResolver<L = SystemLookup>(pub(super) L);

impl<L: Lookup> Resolve for GuardedResolver<L> {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let lookup = self.0.lookup(host.clone());
        Box::pin(async move {
            let addrs = lookup.await?;
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
    use std::str::FromStr;

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

    /// The guard's refusal somewhere in an error's source chain.
    fn refusal(e: &(dyn std::error::Error + 'static)) -> Option<TargetRefused> {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(s) = source {
            if let Some(r) = s.downcast_ref::<TargetRefused>() {
                return Some(r.clone());
            }
            source = s.source();
        }
        None
    }

    /// Answers each lookup with the next scripted address, counting lookups.
    struct Rebinding {
        answers: Vec<IpAddr>,
        calls: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    }

    impl Lookup for Rebinding {
        fn lookup(
            &self,
            _host: String,
        ) -> futures::future::BoxFuture<'static, std::io::Result<Vec<SocketAddr>>> {
            let n = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let ip = self.answers[n.min(self.answers.len() - 1)];
            Box::pin(async move { Ok(vec![SocketAddr::new(ip, 0)]) })
        }
    }

    #[tokio::test]
    async fn dns_rebinding_to_a_private_address_is_refused_at_connect_time() {
        let rebinding = || Rebinding {
            // First a public (documentation, unroutable) address, then loopback.
            answers: vec!["192.0.2.10".parse().unwrap(), "127.0.0.1".parse().unwrap()],
            calls: std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0)),
        };

        // The guard judges each answer on its own: the public one passes,
        // the rebound one is refused.
        let resolver = GuardedResolver(rebinding());
        let name = || Name::from_str("rebind.example").unwrap();
        let first: Vec<SocketAddr> = resolver.resolve(name()).await.expect("public").collect();
        assert_eq!(first, ["192.0.2.10:0".parse().unwrap()]);
        let second = resolver.resolve(name()).await.err().expect("refused");
        let refused = refusal(&*second).expect("a TargetRefused");
        assert_eq!(refused.addr, "127.0.0.1".parse::<IpAddr>().unwrap());

        // Through the HTTP client: it resolves for every new connection
        // and connects only to what the guard returned, so the private
        // address is never connected to.
        let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        server.set_nonblocking(true).unwrap();
        let port = server.local_addr().unwrap().port();
        let lookup = rebinding();
        let calls = lookup.calls.clone();
        let client = reqwest::Client::builder()
            .dns_resolver(GuardedResolver(lookup))
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(std::time::Duration::from_millis(300))
            .timeout(std::time::Duration::from_millis(500))
            .build()
            .unwrap();
        let url = format!("http://rebind.example:{port}/hook");
        let mut refusals = Vec::new();
        for _ in 0..2 {
            let err = client.get(&url).send().await.expect_err("never answered");
            refusals.extend(refusal(&err));
        }
        assert!(
            calls.load(std::sync::atomic::Ordering::SeqCst) >= 2,
            "resolved per connection"
        );
        assert!(
            refusals
                .iter()
                .any(|r| r.addr == "127.0.0.1".parse::<IpAddr>().unwrap()),
            "the rebound answer was refused: {refusals:?}"
        );
        assert!(
            server.accept().is_err(),
            "nothing connected to the private address"
        );
    }

    #[tokio::test]
    async fn one_private_address_among_public_ones_refuses_the_name() {
        struct Mixed;
        impl Lookup for Mixed {
            fn lookup(
                &self,
                _host: String,
            ) -> futures::future::BoxFuture<'static, std::io::Result<Vec<SocketAddr>>> {
                Box::pin(async {
                    Ok(vec![
                        "192.0.2.10:0".parse().unwrap(),
                        "10.0.0.5:0".parse().unwrap(),
                    ])
                })
            }
        }
        let resolved = GuardedResolver(Mixed)
            .resolve(Name::from_str("mixed.example").unwrap())
            .await;
        let err = resolved.err().expect("refused").to_string();
        assert!(err.contains("10.0.0.5"), "{err}");
    }

    #[test]
    fn literal_private_urls_are_refused() {
        assert!(check_literal(&"http://127.0.0.1:9/x".parse().unwrap()).is_err());
        assert!(check_literal(&"http://[::1]/x".parse().unwrap()).is_err());
        assert!(check_literal(&"https://example.com/x".parse().unwrap()).is_ok());
    }
}
