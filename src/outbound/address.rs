//! Which addresses the outbound client may connect to: public unicast only. Loopback,
//! private, link-local, CGNAT, multicast, unspecified, broadcast, documentation, benchmark and
//! other reserved ranges are refused, as are IPv6 forms that embed such an IPv4 address
//! (mapped, compatible, NAT64, 6to4).
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is not public, or `None` when it is.
pub fn non_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => non_public_v4(v4),
        IpAddr::V6(v6) => non_public_v6(v6),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn non_public_v4(ip: Ipv4Addr) -> Option<&'static str> {
    const RANGES: &[([u8; 4], u32, &str)] = &[
        ([0, 0, 0, 0], 8, "unspecified (0.0.0.0/8)"),
        ([10, 0, 0, 0], 8, "private (10.0.0.0/8)"),
        ([100, 64, 0, 0], 10, "shared CGNAT (100.64.0.0/10)"),
        ([127, 0, 0, 0], 8, "loopback (127.0.0.0/8)"),
        ([169, 254, 0, 0], 16, "link-local (169.254.0.0/16)"),
        ([172, 16, 0, 0], 12, "private (172.16.0.0/12)"),
        ([192, 0, 0, 0], 24, "reserved (192.0.0.0/24)"),
        ([192, 0, 2, 0], 24, "documentation (192.0.2.0/24)"),
        ([192, 88, 99, 0], 24, "reserved 6to4 relay (192.88.99.0/24)"),
        ([192, 168, 0, 0], 16, "private (192.168.0.0/16)"),
        ([198, 18, 0, 0], 15, "benchmarking (198.18.0.0/15)"),
        ([198, 51, 100, 0], 24, "documentation (198.51.100.0/24)"),
        ([203, 0, 113, 0], 24, "documentation (203.0.113.0/24)"),
        ([224, 0, 0, 0], 4, "multicast (224.0.0.0/4)"),
        ([240, 0, 0, 0], 4, "reserved or broadcast (240.0.0.0/4)"),
    ];
    RANGES.iter().find(|(net, prefix, _)| in_v4(ip, *net, *prefix)).map(|(_, _, why)| *why)
}

fn non_public_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    // Forms that carry an IPv4 address: judged by that address.
    if s[..5] == [0, 0, 0, 0, 0] && s[5] == 0xffff {
        return non_public_v4(embedded(s[6], s[7]));
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return non_public_v4(embedded(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return non_public_v4(embedded(s[1], s[2]));
    }
    if ip.is_unspecified() {
        return Some("unspecified (::)");
    }
    if ip.is_loopback() {
        return Some("loopback (::1)");
    }
    if s[..6] == [0, 0, 0, 0, 0, 0] {
        return Some("IPv4-compatible (::/96, deprecated)");
    }
    match s[0] {
        0xff00..=0xffff => return Some("multicast (ff00::/8)"),
        0xfe80..=0xfebf => return Some("link-local (fe80::/10)"),
        0xfec0..=0xfeff => return Some("site-local (fec0::/10, deprecated)"),
        0xfc00..=0xfdff => return Some("unique local (fc00::/7)"),
        _ => {}
    }
    if s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1 {
        return Some("local-use NAT64 (64:ff9b:1::/48)");
    }
    if s[0] == 0x2001 && s[1] == 0x0db8 {
        return Some("documentation (2001:db8::/32)");
    }
    if s[0] == 0x3fff && s[1] < 0x1000 {
        return Some("documentation (3fff::/20)");
    }
    if s[0] == 0x2001 && s[1] < 0x0200 {
        // Teredo, benchmarking (2001:2::/48), ORCHID and other IETF assignments.
        return Some("IETF protocol assignments (2001::/23)");
    }
    // Everything else outside global unicast (2000::/3) is unassigned or reserved
    // (discard-only 100::/64 among them).
    if s[0] & 0xe000 != 0x2000 {
        return Some("reserved (outside 2000::/3)");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(ip: &str) -> Option<&'static str> {
        non_public(ip.parse().unwrap())
    }

    #[test]
    fn ipv4_ranges() {
        for public in
            ["93.184.216.34", "1.1.1.1", "8.8.8.8", "100.63.255.255", "100.128.0.0", "172.32.0.1", "198.20.0.1"]
        {
            assert_eq!(v(public), None, "{public}");
        }
        for (ip, why) in [
            ("0.0.0.0", "unspecified"),
            ("127.0.0.1", "loopback"),
            ("127.255.255.254", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "link-local"),
            ("100.64.0.1", "CGNAT"),
            ("100.127.255.255", "CGNAT"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("255.255.255.255", "broadcast"),
            ("240.0.0.1", "reserved"),
            ("192.0.2.1", "documentation"),
            ("198.51.100.7", "documentation"),
            ("203.0.113.9", "documentation"),
            ("198.18.0.1", "benchmarking"),
            ("198.19.255.255", "benchmarking"),
            ("192.0.0.8", "reserved"),
        ] {
            assert!(v(ip).is_some_and(|r| r.contains(why)), "{ip}: {:?}", v(ip));
        }
    }

    #[test]
    fn ipv6_ranges() {
        for public in ["2606:4700:4700::1111", "2a00:1450:4001:80b::200e", "2001:4860:4860::8888"] {
            assert_eq!(v(public), None, "{public}");
        }
        for (ip, why) in [
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("fe80::1", "link-local"),
            ("febf::1", "link-local"),
            ("fc00::1", "unique local"),
            ("fd12:3456::1", "unique local"),
            ("ff02::1", "multicast"),
            ("2001:db8::1", "documentation"),
            ("3fff::1", "documentation"),
            ("2001::1", "IETF"),
            ("2001:2::1", "IETF"),
            ("100::1", "reserved"),
            ("::7f00:1", "IPv4-compatible"),
            ("64:ff9b:1::1", "NAT64"),
            ("4000::1", "reserved"),
        ] {
            assert!(v(ip).is_some_and(|r| r.contains(why)), "{ip}: {:?}", v(ip));
        }
    }

    #[test]
    fn embedded_ipv4_is_judged_by_the_ipv4_address() {
        assert!(v("::ffff:127.0.0.1").is_some_and(|r| r.contains("loopback")));
        assert!(v("::ffff:10.0.0.1").is_some_and(|r| r.contains("private")));
        assert!(v("::ffff:169.254.169.254").is_some_and(|r| r.contains("link-local")));
        assert_eq!(v("::ffff:93.184.216.34"), None);
        assert!(v("64:ff9b::7f00:1").is_some_and(|r| r.contains("loopback")));
        assert!(v("64:ff9b::a9fe:a9fe").is_some_and(|r| r.contains("link-local")));
        assert_eq!(v("64:ff9b::5db8:d822"), None);
        assert!(v("2002:7f00:1::1").is_some_and(|r| r.contains("loopback")));
        assert!(v("2002:c0a8:101::1").is_some_and(|r| r.contains("private")));
        assert_eq!(v("2002:5db8:d822::1"), None);
    }
}
