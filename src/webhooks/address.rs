//! Where an endpoint may point: http(s) URLs whose host is on the public internet.
//! A private, loopback or link-local address would let whoever registers an endpoint
//! make the gateway post into its own network (SSRF), so such addresses are refused
//! when the endpoint is registered and again, through the client's resolver, at every
//! connection (a name that resolved to a public address may later resolve to a
//! private one). The operator flag `--webhook-allow-private-addresses` lifts both.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::Host;

/// Longest endpoint URL.
pub const MAX_URL: usize = 2048;

/// Whether an endpoint may not reach `ip`: anything but a public unicast address.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || a >= 240 // reserved
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT, 100.64.0.0/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking, 198.18.0.0/15
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    let segments = ip.segments();
    // IPv4 inside IPv6: NAT64 (64:ff9b::/96), 6to4 (2002::/16) and the deprecated
    // IPv4-compatible form (::a.b.c.d) reach the embedded address.
    let embedded = |high: u16, low: u16| Ipv4Addr::from((u32::from(high) << 16) | u32::from(low));
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] || segments[..6] == [0; 6] {
        return ip.is_unspecified()
            || ip.is_loopback()
            || forbidden_v4(embedded(segments[6], segments[7]));
    }
    if segments[0] == 0x2002 {
        return forbidden_v4(embedded(segments[1], segments[2]));
    }
    ip.is_multicast()
        || ip.is_unique_local()
        || ip.is_unicast_link_local()
        || (segments[0] & 0xffc0) == 0xfec0 // site-local, deprecated
        || (segments[0] == 0x2001 && segments[1] == 0x0db8) // documentation
}

/// Parses and checks an endpoint URL: http or https, a host, no credentials, and
/// (unless `allow_private`) a host that resolves to public addresses only. The
/// error says what is wrong, for the client.
pub async fn check(url: &str, allow_private: bool) -> Result<Url, String> {
    if url.len() > MAX_URL {
        return Err(format!("may be at most {MAX_URL} characters"));
    }
    let parsed = Url::parse(url).map_err(|err| format!("is not a URL: {err}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("must be an http or https URL".into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("may not carry a user name or password".into());
    }
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addresses: Vec<SocketAddr> = match parsed.host() {
        None => return Err("has no host".into()),
        Some(_) if allow_private => return Ok(parsed),
        Some(Host::Ipv4(ip)) => vec![SocketAddr::new(ip.into(), port)],
        Some(Host::Ipv6(ip)) => vec![SocketAddr::new(ip.into(), port)],
        Some(Host::Domain(host)) => tokio::net::lookup_host((host, port))
            .await
            .map_err(|_| format!("names a host that does not resolve: {host}"))?
            .collect(),
    };
    if addresses.is_empty() {
        return Err("names a host that does not resolve".into());
    }
    if addresses.iter().any(|a| is_forbidden(a.ip())) {
        return Err(
            "resolves to a private, loopback or link-local address; endpoints must be \
             reachable on the public internet"
                .into(),
        );
    }
    Ok(parsed)
}

/// The delivery client's resolver: the system's, without forbidden addresses (a
/// name with no other address fails to connect).
#[derive(Debug, Clone, Copy)]
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = found.filter(|a| !is_forbidden(a.ip())).collect();
            if public.is_empty() {
                return Err(format!(
                    "{} resolves to no public address (private addresses are refused)",
                    name.as_str()
                )
                .into());
            }
            let addrs: Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

/// Whether the literal address in `url`'s host is forbidden (a resolver never sees
/// a literal address, so the delivery checks it itself).
pub fn literal_forbidden(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => forbidden_v4(ip),
        Some(Host::Ipv6(ip)) => forbidden_v6(ip),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[tokio::test]
    async fn the_delivery_resolver_drops_private_addresses() {
        let found = PublicOnly
            .resolve(Name::from_str("localhost").unwrap())
            .await;
        let err = found.err().expect("localhost resolves to loopback only");
        assert!(err.to_string().contains("no public address"), "{err}");
    }

    #[tokio::test]
    async fn registration_refuses_what_resolves_privately_unless_allowed() {
        for url in [
            "http://localhost:8080/x",
            "http://127.1/x",
            "http://[::ffff:a00:1]/x",
        ] {
            assert!(check(url, false).await.is_err(), "{url}");
            assert!(
                check(url, true).await.is_ok(),
                "{url} with the operator flag"
            );
        }
        assert!(check("https://8.8.8.8/hook", false).await.is_ok());
    }

    #[test]
    fn private_loopback_link_local_and_embedded_forms_are_forbidden() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "127.0.0.1",
            "127.255.0.9",
            "10.0.0.1",
            "172.16.5.4",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "192.0.0.8",
            "198.18.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "::",
            "::1",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "fec0::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "2001:db8::1",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(is_forbidden(ip), "{ip} should be forbidden");
        }
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.216.34",
            "100.128.0.1",
            "172.32.0.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "2002:0808:0808::",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(!is_forbidden(ip), "{ip} should be allowed");
        }
    }
}
