//! `[remote_ip]`: Pleroma's `Pleroma.Web.Plugs.RemoteIp`.

use serde::Deserialize;

/// Pleroma's `Pleroma.Web.Plugs.RemoteIp`: which peer may name the client address in a header.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RemoteIp {
    pub enabled: bool,
    /// Headers carrying the forwarded chain (lower case).
    pub headers: Vec<String>,
    /// Known proxies (CIDR), trusted besides `reserved`.
    pub proxies: Vec<ipnet::IpNet>,
    /// Reserved ranges: trusted as proxies and never taken as the client address.
    pub reserved: Vec<ipnet::IpNet>,
}

impl Default for RemoteIp {
    fn default() -> Self {
        let reserved = ["127.0.0.0/8", "::1/128", "fc00::/7", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
        RemoteIp {
            enabled: true,
            headers: vec!["x-forwarded-for".into()],
            proxies: vec![],
            reserved: reserved.iter().filter_map(|r| r.parse().ok()).collect(),
        }
    }
}
