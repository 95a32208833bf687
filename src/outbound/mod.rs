//! The one way out: every request the gateway makes to another server (ActivityPub actor and
//! key fetches, relay deliveries, the media proxy, emoji packs, frontend builds) goes through
//! this module, so one set of rules applies to all of them:
//!
//! - only `http` and `https` URLs;
//! - no connection to a loopback, private, link-local, CGNAT, multicast, unspecified or other
//!   reserved address ([`address::non_public`]), checked **after** DNS resolution by the
//!   client's own resolver, which hands the connector only the addresses it checked (no second
//!   lookup, so DNS rebinding cannot slip through). reqwest does not resolve IP-literal hosts,
//!   so those are checked here before the request and on every redirect hop;
//! - at most `[http] max_redirects` redirects, each hop checked as above;
//! - a total time limit and a body size limit per use ([`Limits`]), the body counted while it
//!   streams.
//!
//! `[http] allow_private_addresses` lifts the address rule (development, tests on loopback).
//! A test (`tests/it/outbound.rs`) fails if code elsewhere in `src/` builds an HTTP client.
pub mod address;

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::{Arc, Mutex, OnceLock},
    time::Duration,
};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// What one use of the client may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The whole request, from connecting to the body's last byte.
    pub timeout: Duration,
    /// Largest body read; a larger one is [`Error::TooLarge`].
    pub max_body: u64,
}

impl Limits {
    /// `timeout_secs` in all, at most `max_body` bytes.
    pub fn new(timeout_secs: u64, max_body: u64) -> Limits {
        Limits { timeout: Duration::from_secs(timeout_secs), max_body }
    }
}

/// The rules every use shares (`[http]`): whether non-public addresses may be reached, and
/// how many redirects one request follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub allow_private_addresses: bool,
    pub max_redirects: usize,
}

/// Why an outbound request gave nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The URL or an address it resolves or redirects to is not allowed.
    #[error("{0}")]
    Refused(String),
    /// The body is larger than the use's limit.
    #[error("{url}: larger than the limit of {limit} bytes")]
    TooLarge { url: String, limit: u64 },
    /// Unreachable, timed out, or the connection failed.
    #[error("{0}")]
    Failed(String),
    /// The server answered, with a status outside 2xx (the host is reachable).
    #[error("{url}: HTTP {status}")]
    Status { url: String, status: u16 },
}

impl Error {
    /// A non-2xx answer from `url`.
    pub fn status(url: &str, status: u16) -> Error {
        Error::Status { url: url.to_string(), status }
    }
}

/// The marker error the resolver and the redirect policy hand to reqwest, found again in the
/// error's source chain.
#[derive(Debug)]
struct Refusal(String);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refusal {}

fn refused_ip(host: &str, ip: IpAddr, why: &str) -> String {
    let hint = "set [http] allow_private_addresses to reach private addresses";
    let literal = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().is_ok();
    if literal {
        format!("refused: {ip} is a {why} address ({hint})")
    } else {
        format!("refused: {host} resolves to {ip}, a {why} address ({hint})")
    }
}

/// Check a URL before it is requested: http(s), a host, and no literal non-public address.
fn check_url(url: &url::Url, allow_private: bool) -> Result<(), String> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err("refused: not an http(s) URL".into());
    }
    let ip = match url.host() {
        None => return Err("refused: no host".into()),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
        Some(url::Host::Domain(_)) => return Ok(()), // checked by the resolver
    };
    match address::non_public(ip) {
        Some(why) if !allow_private => Err(refused_ip(url.host_str().unwrap_or_default(), ip, why)),
        _ => Ok(()),
    }
}

/// Resolves names and keeps only the addresses the client may connect to.
struct FilteringResolver {
    allow_private: bool,
}

impl Resolve for FilteringResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if allow_private {
                return Ok(Box::new(addrs.into_iter()) as Addrs);
            }
            let mut refused = None;
            let public: Vec<SocketAddr> = addrs
                .into_iter()
                .filter(|a| match address::non_public(a.ip()) {
                    Some(why) => {
                        refused.get_or_insert_with(|| refused_ip(&host, a.ip(), why));
                        false
                    }
                    None => true,
                })
                .collect();
            if public.is_empty() {
                let reason = refused.unwrap_or_else(|| format!("{host}: no address"));
                return Err(Box::new(Refusal(reason)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// Whether a redirect to `next` may be followed after `requested` requests: within the
/// limit, and `next` passes [`check_url`] (a name in it is checked by the resolver).
fn redirect_verdict(
    next: &url::Url,
    requested: usize,
    max_redirects: usize,
    allow_private: bool,
) -> Result<(), String> {
    if requested > max_redirects {
        return Err(format!("refused: more than {max_redirects} redirects"));
    }
    check_url(next, allow_private).map_err(|reason| format!("redirect to {next} {reason}"))
}

/// The reqwest client for one `(allow_private, max_redirects)`, built once per process.
fn shared_client(allow_private: bool, max_redirects: usize) -> Result<reqwest::Client, Error> {
    static CLIENTS: OnceLock<Mutex<HashMap<(bool, usize), reqwest::Client>>> = OnceLock::new();
    let clients = CLIENTS.get_or_init(Mutex::default);
    let mut clients = clients.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(client) = clients.get(&(allow_private, max_redirects)) {
        return Ok(client.clone());
    }
    let policy = reqwest::redirect::Policy::custom(move |attempt| {
        match redirect_verdict(attempt.url(), attempt.previous().len(), max_redirects, allow_private) {
            Ok(()) => attempt.follow(),
            Err(reason) => attempt.error(Refusal(reason)),
        }
    });
    let client = reqwest::Client::builder()
        .dns_resolver(Arc::new(FilteringResolver { allow_private }))
        .redirect(policy)
        // A proxy would resolve the name itself, out of the resolver's sight.
        .no_proxy()
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("pleroma-gateway/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Failed(format!("HTTP client: {e}")))?;
    clients.insert((allow_private, max_redirects), client.clone());
    Ok(client)
}

/// An error and its sources on one line; a refusal anywhere in the chain is [`Error::Refused`].
fn classify(url: &url::Url, error: reqwest::Error) -> Error {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    while let Some(e) = source {
        if let Some(refusal) = e.downcast_ref::<Refusal>() {
            return Error::Refused(format!("{url}: {refusal}"));
        }
        source = e.source();
    }
    if error.is_timeout() {
        return Error::Failed(format!("{url}: timed out"));
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    Error::Failed(format!("{url}: {text}"))
}

/// A client for one use: the settings' address rule and redirect limit, the use's limits.
#[derive(Clone)]
pub struct Client {
    inner: reqwest::Client,
    allow_private: bool,
    limits: Limits,
}

impl Client {
    /// The client for one use's `limits` under `policy`.
    pub fn new(policy: Policy, limits: Limits) -> Result<Client, Error> {
        let allow_private = policy.allow_private_addresses;
        Ok(Client { inner: shared_client(allow_private, policy.max_redirects)?, allow_private, limits })
    }

    /// Parse and check `url` (http(s), a host, no literal non-public address).
    pub fn url(&self, url: &str) -> Result<url::Url, Error> {
        let parsed = url::Url::parse(url.trim()).map_err(|e| Error::Refused(format!("{url}: {e}")))?;
        check_url(&parsed, self.allow_private).map_err(|reason| Error::Refused(format!("{url}: {reason}")))?;
        Ok(parsed)
    }

    /// A GET of `url`.
    pub fn get(&self, url: url::Url) -> Request<'_> {
        Request { client: self, method: reqwest::Method::GET, url, headers: Vec::new(), body: None }
    }

    /// A request of any `method` (`PURGE`, `BAN`, …) without a body; `None` for a malformed
    /// method name.
    pub fn request(&self, method: &str, url: url::Url) -> Option<Request<'_>> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).ok()?;
        Some(Request { client: self, method, url, headers: Vec::new(), body: None })
    }

    /// A POST of `body` to `url`.
    pub fn post(&self, url: url::Url, body: Vec<u8>) -> Request<'_> {
        Request { client: self, method: reqwest::Method::POST, url, headers: Vec::new(), body: Some(body) }
    }
}

/// A request being built.
pub struct Request<'a> {
    client: &'a Client,
    method: reqwest::Method,
    url: url::Url,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl Request<'_> {
    /// Add a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Send it: the response once its headers are in (its body is read with a limit).
    pub async fn send(self) -> Result<Response, Error> {
        let Request { client, method, url, headers, body } = self;
        check_url(&url, client.allow_private).map_err(|reason| Error::Refused(format!("{url}: {reason}")))?;
        let mut request = client.inner.request(method, url.clone()).timeout(client.limits.timeout);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().await.map_err(|e| classify(&url, e))?;
        Ok(Response { inner: response, url, max_body: client.limits.max_body })
    }
}

/// A response whose body has not been read yet.
pub struct Response {
    inner: reqwest::Response,
    url: url::Url,
    max_body: u64,
}

impl Response {
    /// The status code.
    pub fn status(&self) -> u16 {
        self.inner.status().as_u16()
    }

    /// A header's value, if it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.inner.headers().get(name).and_then(|v| v.to_str().ok())
    }

    /// The URL requested (before redirects).
    pub fn url(&self) -> &url::Url {
        &self.url
    }

    /// The body, at most the use's limit: refused as soon as the declared length or the bytes
    /// read so far pass it.
    pub async fn bytes(mut self) -> Result<Vec<u8>, Error> {
        let too_large = |url: &url::Url, limit| Error::TooLarge { url: url.to_string(), limit };
        if self.inner.content_length().is_some_and(|n| n > self.max_body) {
            return Err(too_large(&self.url, self.max_body));
        }
        let mut body = Vec::new();
        while let Some(chunk) = self.inner.chunk().await.map_err(|e| classify(&self.url, e))? {
            body.extend_from_slice(&chunk);
            if body.len() as u64 > self.max_body {
                return Err(too_large(&self.url, self.max_body));
            }
        }
        Ok(body)
    }

    /// The body as JSON (with the same limit).
    pub async fn json(self) -> Result<serde_json::Value, Error> {
        let url = self.url.clone();
        let body = self.bytes().await?;
        serde_json::from_slice(&body).map_err(|e| Error::Failed(format!("{url}: not JSON: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_hosts_and_schemes_are_checked() {
        let ok = |u: &str, allow| check_url(&url::Url::parse(u).unwrap(), allow);
        assert!(ok("https://example.org/a", false).is_ok());
        assert!(ok("http://93.184.216.34/", false).is_ok());
        assert!(ok("http://127.0.0.1:4000/", false).unwrap_err().contains("loopback"));
        assert!(ok("http://[::1]/", false).unwrap_err().contains("loopback"));
        assert!(ok("http://[::ffff:127.0.0.1]/", false).unwrap_err().contains("loopback"));
        assert!(ok("http://169.254.169.254/latest/meta-data", false).unwrap_err().contains("link-local"));
        assert!(ok("http://2130706433/", false).unwrap_err().contains("loopback")); // 127.0.0.1 as an integer
        assert!(ok("http://0x7f.1/", false).unwrap_err().contains("loopback"));
        assert!(ok("file:///etc/passwd", true).unwrap_err().contains("not an http(s) URL"));
        assert!(ok("gopher://example.org/", true).is_err());
        assert!(ok("http://127.0.0.1:4000/", true).is_ok());
    }

    #[test]
    fn each_redirect_hop_is_checked() {
        let next = |u: &str| url::Url::parse(u).unwrap();
        assert_eq!(redirect_verdict(&next("https://example.org/b"), 1, 3, false), Ok(()));
        for hop in ["http://127.0.0.1/", "http://[::1]:8080/", "http://169.254.169.254/", "http://10.0.0.1/"] {
            let refused = redirect_verdict(&next(hop), 1, 3, false).unwrap_err();
            assert!(refused.starts_with(&format!("redirect to {hop} refused:")), "{hop}: {refused}");
            assert_eq!(redirect_verdict(&next(hop), 1, 3, true), Ok(()), "{hop}");
        }
        assert!(redirect_verdict(&next("file:///etc/passwd"), 1, 3, true).is_err());
        assert!(redirect_verdict(&next("https://example.org/"), 4, 3, true).unwrap_err().contains("more than 3"));
    }
}
