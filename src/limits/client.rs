//! Who the client is: the connection's peer, or — when the peer is a trusted proxy — the
//! right-most `X-Forwarded-For` address that is not a trusted proxy.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::config::parse_network;

/// The proxies whose `X-Forwarded-For` is believed (the `trusted_proxies` setting).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Reads the setting's items; ones that are no address or range are skipped (the settings
    /// refuse them at start).
    pub fn parse(items: &[String]) -> TrustedProxies {
        TrustedProxies(items.iter().filter_map(|i| parse_network(i)).collect())
    }

    /// True when `address` is one of the proxies.
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0.iter().any(|net| net.contains(&address))
    }
}

/// The client's address: `peer` itself unless it is a trusted proxy; then, reading the
/// `X-Forwarded-For` headers from the right (each proxy appends the address it saw), the first
/// address that is not a trusted proxy. A client can put anything on the left of the list, so
/// nothing left of that address is believed; an unreadable entry stops the walk there.
pub fn client_address<'a>(
    peer: IpAddr,
    forwarded_for: impl IntoIterator<Item = &'a str>,
    trusted: &TrustedProxies,
) -> IpAddr {
    let peer = canonical(peer);
    if !trusted.contains(peer) {
        return peer;
    }
    let entries: Vec<&str> = forwarded_for
        .into_iter()
        .flat_map(|header| header.split(','))
        .collect();
    let mut client = peer;
    for entry in entries.iter().rev() {
        let Some(address) = parse_entry(entry) else {
            break;
        };
        client = address;
        if !trusted.contains(address) {
            break;
        }
    }
    client
}

/// One `X-Forwarded-For` item: an address, maybe with a port (`1.2.3.4:5`, `[::1]:5`).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(address) = entry.parse::<IpAddr>() {
        return Some(canonical(address));
    }
    if let Ok(socket) = entry.parse::<std::net::SocketAddr>() {
        return Some(canonical(socket.ip()));
    }
    None
}

/// IPv4 addresses carried in IPv6 (`::ffff:1.2.3.4`) count as IPv4.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn trusted(items: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(&items.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let proxies = trusted(&["10.0.0.0/8"]);
        let got = client_address(ip("203.0.113.9"), ["198.51.100.1"], &proxies);
        assert_eq!(
            got,
            ip("203.0.113.9"),
            "a spoofed X-Forwarded-For is ignored"
        );
        let nobody = TrustedProxies::default();
        assert_eq!(
            client_address(ip("10.0.0.2"), ["198.51.100.1"], &nobody),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_address_is_the_client() {
        let proxies = trusted(&["10.0.0.0/8", "192.0.2.7"]);
        // The client sent a forged "1.1.1.1"; nginx appended the address it saw.
        let got = client_address(ip("10.0.0.2"), ["1.1.1.1, 203.0.113.9"], &proxies);
        assert_eq!(got, ip("203.0.113.9"));
        // Two proxies: the inner one's entry is skipped.
        let got = client_address(
            ip("10.0.0.2"),
            ["1.1.1.1, 203.0.113.9", "192.0.2.7"],
            &proxies,
        );
        assert_eq!(got, ip("203.0.113.9"));
        // Ports and IPv4-in-IPv6 are understood.
        let got = client_address(ip("::ffff:10.0.0.2"), ["203.0.113.9:4711"], &proxies);
        assert_eq!(got, ip("203.0.113.9"));
        // Nothing forwarded, or garbage: the proxy itself.
        assert_eq!(client_address(ip("10.0.0.2"), [], &proxies), ip("10.0.0.2"));
        assert_eq!(
            client_address(ip("10.0.0.2"), ["bogus"], &proxies),
            ip("10.0.0.2")
        );
        // Garbage after a real entry stops the walk at the proxy's own view.
        assert_eq!(
            client_address(ip("10.0.0.2"), ["203.0.113.9, bogus"], &proxies),
            ip("10.0.0.2")
        );
    }
}
