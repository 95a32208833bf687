//! The client address, as Pleroma's `RemoteIp` plug determines it: behind a trusted proxy (the
//! configured `proxies` and the `reserved` ranges), the right-most untrusted address of the
//! forwarded chain (`X-Forwarded-For`).
//!
//! Unlike the `remote_ip` library Pleroma uses, the header is believed only when the peer itself
//! is a trusted proxy: a client connecting directly cannot pick the address it is throttled by.
use std::net::{IpAddr, SocketAddr};

use axum::{extract::ConnectInfo, http::request::Parts};

use crate::config::RemoteIp;

/// Where a request comes from, for rate limiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAddress {
    /// The client's address: the peer, or the address a trusted proxy forwarded.
    Found(IpAddr),
    /// A trusted proxy (loopback included: local tooling) that forwarded no client address.
    /// Pleroma switches its limiters off for such requests, with a warning.
    Unforwarded(IpAddr),
    /// No peer address (a router driven without a socket).
    Unknown,
}

impl ClientAddress {
    /// The address, when it is the client's.
    pub fn found(self) -> Option<IpAddr> {
        match self {
            ClientAddress::Found(ip) => Some(ip),
            _ => None,
        }
    }
}

/// Whether `ip` is a trusted proxy.
fn trusted(config: &RemoteIp, ip: IpAddr) -> bool {
    let ip = canonical(ip);
    config.proxies.iter().chain(&config.reserved).any(|net| net.contains(&ip))
}

/// IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) as IPv4, so the ranges match them.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Whether the request comes straight from a trusted proxy (`[remote_ip] proxies` and
/// `reserved`, with `enabled`): only then are headers it sets about the client, such as
/// `X-Request-Id`, kept.
pub fn peer_trusted(extensions: &axum::http::Extensions, config: &RemoteIp) -> bool {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|ConnectInfo(addr)| config.enabled && trusted(config, canonical(addr.ip())))
}

/// The client address of a request.
pub fn client_address(parts: &Parts, config: &RemoteIp) -> ClientAddress {
    let Some(peer) = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| canonical(addr.ip()))
    else {
        return ClientAddress::Unknown;
    };
    if !config.enabled || !trusted(config, peer) {
        return ClientAddress::Found(peer);
    }
    // Every configured header, each a comma-separated chain; the right-most hop is the nearest.
    let chain: Vec<IpAddr> = config
        .headers
        .iter()
        .flat_map(|name| parts.headers.get_all(name.as_str()))
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|hop| parse_hop(hop.trim()))
        .collect();
    match chain.into_iter().rev().find(|ip| !trusted(config, *ip)) {
        Some(client) => ClientAddress::Found(canonical(client)),
        None => ClientAddress::Unforwarded(peer),
    }
}

/// One hop of a forwarded chain: `1.2.3.4`, `1.2.3.4:567`, `::1` or `[::1]:567`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>().ok().or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;

    fn parts(peer: &str, forwarded: &[&str]) -> Parts {
        let mut builder = Request::builder();
        for value in forwarded {
            builder = builder.header("x-forwarded-for", *value);
        }
        let (mut parts, ()) = builder.body(()).unwrap().into_parts();
        parts.extensions.insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        parts
    }

    #[test]
    fn forwarded_address_only_from_trusted_peers() {
        let config = RemoteIp::default();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // A public peer is the client, whatever it claims.
        let found = client_address(&parts("203.0.113.9:5000", &["198.51.100.1"]), &config);
        assert_eq!(found, ClientAddress::Found(ip("203.0.113.9")));
        // Behind a reserved-range proxy: the right-most untrusted hop.
        let found = client_address(&parts("127.0.0.1:5000", &["198.51.100.1, 203.0.113.7, 10.0.0.2"]), &config);
        assert_eq!(found, ClientAddress::Found(ip("203.0.113.7")));
        let found = client_address(&parts("[::1]:5000", &["[2001:db8::1]:443"]), &config);
        assert_eq!(found, ClientAddress::Found(ip("2001:db8::1")));
        // A proxy that forwards nothing (or only proxies): limiters are off.
        let found = client_address(&parts("127.0.0.1:5000", &[]), &config);
        assert_eq!(found, ClientAddress::Unforwarded(ip("127.0.0.1")));
        let found = client_address(&parts("192.168.1.1:5000", &["10.1.1.1", "junk"]), &config);
        assert_eq!(found, ClientAddress::Unforwarded(ip("192.168.1.1")));
        // Without reserved ranges, loopback is an ordinary client.
        let open = RemoteIp { reserved: vec![], ..RemoteIp::default() };
        let found = client_address(&parts("127.0.0.1:5000", &["198.51.100.1"]), &open);
        assert_eq!(found, ClientAddress::Found(ip("127.0.0.1")));
        let off = RemoteIp { enabled: false, ..RemoteIp::default() };
        let found = client_address(&parts("127.0.0.1:5000", &["198.51.100.1"]), &off);
        assert_eq!(found, ClientAddress::Found(ip("127.0.0.1")));
    }
}
