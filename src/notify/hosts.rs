//! Where webhooks may go: http(s) URLs without credentials whose host is not on a loopback, link-local or private network, checked when an endpoint is added and again after each DNS look-up.
//!
//! An admin's endpoint must not turn the bakery into a way to reach what only it can reach (the
//! database, the broker's management port, a cloud's metadata service at 169.254.169.254). The
//! URL is checked as written ([`check_url`]: IP literals in any of their spellings, `localhost`
//! names, user and password) and, since a name may resolve anywhere, the webhook client resolves
//! names through [`PublicOnly`], which refuses a name with any such address. The setting
//! `notify.allow_private_hosts` lifts the host rules (receivers on the same host or network).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Why a webhook URL is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefusal {
    #[error("must be an http:// or https:// URL with a host, of at most 2000 characters")]
    NotHttp,
    #[error("must not carry a user or password (the endpoint's secret signs every call)")]
    Credentials,
    #[error(
        "must not point at a loopback, link-local or private address (the setting notify.allow_private_hosts allows it)"
    )]
    PrivateHost,
}

impl UrlRefusal {
    /// The machine-readable code of the refusal.
    pub fn code(self) -> &'static str {
        match self {
            UrlRefusal::NotHttp => "webhook_url_invalid",
            UrlRefusal::Credentials => "webhook_url_credentials",
            UrlRefusal::PrivateHost => "webhook_host_private",
        }
    }
}

/// Checks a webhook URL as written; the host rules only unless `allow_private_hosts`.
pub fn check_url(url: &str, allow_private_hosts: bool) -> Result<(), UrlRefusal> {
    if url.len() > 2000 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(UrlRefusal::NotHttp);
    }
    let parsed = reqwest::Url::parse(url).map_err(|_| UrlRefusal::NotHttp)?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(UrlRefusal::NotHttp);
    }
    let host = parsed
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or(UrlRefusal::NotHttp)?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(UrlRefusal::Credentials);
    }
    if allow_private_hosts {
        return Ok(());
    }
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    let private = match literal.parse::<IpAddr>() {
        Ok(ip) => is_private(ip),
        Err(_) => {
            let name = host.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
    };
    if private {
        Err(UrlRefusal::PrivateHost)
    } else {
        Ok(())
    }
}

/// True for addresses a webhook must not reach: unspecified and "this network" (0.0.0.0/8, ::),
/// loopback (127.0.0.0/8, ::1), private (10/8, 172.16/12, 192.168/16, fc00::/7), shared
/// (100.64/10), link-local (169.254/16, fe80::/10), multicast, reserved and broadcast
/// (224.0.0.0 and above, ff00::/8), and IPv6 forms embedding such an IPv4 address.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => private_v4(v4),
        IpAddr::V6(v6) => private_v6(v6),
    }
}

fn private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    a == 0
        || a == 10
        || a == 127
        || (a == 100 && (64..128).contains(&b))
        || (a == 169 && b == 254)
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 168)
        || a >= 224
}

fn private_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return private_v4(v4);
    }
    // IPv4-compatible (::a.b.c.d) and the NAT64 prefix 64:ff9b::/96 carry an IPv4 address.
    let embedded = Ipv4Addr::from(((segments[6] as u32) << 16) | segments[7] as u32);
    if segments[..6] == [0; 6] || segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return ip.is_unspecified() || ip.is_loopback() || private_v4(embedded);
    }
    (segments[0] & 0xfe00) == 0xfc00 || (segments[0] & 0xffc0) == 0xfe80 || segments[0] >= 0xff00
}

/// A host name that resolved to an address [`is_private`] refuses.
#[derive(Debug, thiserror::Error)]
#[error(
    "the host resolves to a loopback, link-local or private address (notify.allow_private_hosts allows it)"
)]
pub struct PrivateAddress;

/// Resolves webhook hosts with the system resolver and refuses a name with any private address,
/// so the connection goes only to the addresses checked.
pub struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if addrs.iter().any(|a| is_private(a.ip())) {
                return Err(Box::new(PrivateAddress) as Box<dyn std::error::Error + Send + Sync>);
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// Whether a failed call was refused by [`PublicOnly`].
pub fn refused_host(err: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        if cause.downcast_ref::<PrivateAddress>().is_some() {
            return true;
        }
        source = cause.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_hosts_are_refused_in_every_spelling() {
        for url in [
            "http://0",
            "http://0.0.0.0:8080/",
            "http://127.0.0.1:9/hook",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://localhost/hook",
            "http://Bakery.LOCALHOST./",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://172.31.255.255/",
            "http://192.168.1.10/",
            "http://169.254.169.254/latest/meta-data",
            "http://100.64.0.1/",
            "http://[::1]/",
            "http://[::]/",
            "http://[fc00::1]/",
            "http://[fd12:3456::1]/",
            "http://[fe80::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:10.0.0.1]/",
            "http://[64:ff9b::a9fe:a9fe]/",
            "https://224.0.0.1/",
            "https://255.255.255.255/",
        ] {
            assert_eq!(check_url(url, false), Err(UrlRefusal::PrivateHost), "{url}");
            assert_eq!(check_url(url, true), Ok(()), "{url} when allowed");
        }
    }

    #[test]
    fn public_hosts_pass() {
        for url in [
            "http://hooks.example.com/bakery",
            "https://hooks.example.com:8443/bakery?x=1",
            "http://93.184.216.34/",
            "http://172.32.0.1/",
            "http://192.169.0.1/",
            "http://[2001:db8::1]/",
            "http://rabbitmq:15672/",
        ] {
            assert_eq!(check_url(url, false), Ok(()), "{url}");
        }
    }

    #[test]
    fn credentials_and_other_schemes_are_refused() {
        for url in [
            "http://user:pass@hooks.example.com/",
            "http://user@hooks.example.com/",
            "https://:pass@hooks.example.com/",
        ] {
            assert_eq!(check_url(url, true), Err(UrlRefusal::Credentials), "{url}");
        }
        for url in [
            "ftp://hooks.example.com/",
            "file:///etc/passwd",
            "hooks.example.com",
            "http://",
            "http://exa mple.com/",
            "",
        ] {
            assert_eq!(check_url(url, true), Err(UrlRefusal::NotHttp), "{url}");
        }
        assert_eq!(
            check_url(&format!("http://example.com/{}", "a".repeat(2000)), true),
            Err(UrlRefusal::NotHttp)
        );
    }

    #[tokio::test]
    async fn names_resolving_to_private_addresses_are_refused() {
        use reqwest::dns::Resolve;
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        assert!(PublicOnly.resolve(name).await.is_err());
    }
}
