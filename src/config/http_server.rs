//! `[http_server]`: how the server treats connections (see `app::server`). The defaults are
//! Cowboy's, as Pleroma runs it (`request_timeout` 5 s, `idle_timeout` 60 s, Ranch's
//! `max_connections` 16384), plus a cap per client address that Cowboy does not have.
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpServer {
    /// Milliseconds for a request's line and headers to arrive; also how long an idle
    /// keep-alive connection waits for its next request (Cowboy's `request_timeout`).
    pub header_read_timeout_ms: u64,
    /// Milliseconds without a byte moving either way, while reading a body or writing a
    /// response, before the connection is closed (Cowboy's `idle_timeout`).
    pub idle_timeout_ms: u64,
    /// Open connections from one peer address; more are closed at once. Addresses in
    /// `[remote_ip] proxies` are exempt (a reverse proxy carries many clients).
    pub max_connections_per_address: usize,
    /// Open connections in all (Ranch's `max_connections`).
    pub max_connections: usize,
    /// Milliseconds a handler may work on one request before it answers 408 (tower-http's
    /// timeout layer); generous, since installs and exports fetch and write files.
    pub request_timeout_ms: u64,
}

impl Default for HttpServer {
    fn default() -> Self {
        HttpServer {
            header_read_timeout_ms: 5_000,
            idle_timeout_ms: 60_000,
            max_connections_per_address: 256,
            max_connections: 16_384,
            request_timeout_ms: 300_000,
        }
    }
}

impl HttpServer {
    /// Zero timeouts or caps would refuse everything: refused at load.
    pub fn check(&self) -> Result<(), String> {
        let zero = [
            ("header_read_timeout_ms", self.header_read_timeout_ms == 0),
            ("idle_timeout_ms", self.idle_timeout_ms == 0),
            ("max_connections_per_address", self.max_connections_per_address == 0),
            ("max_connections", self.max_connections == 0),
            ("request_timeout_ms", self.request_timeout_ms == 0),
        ];
        match zero.iter().find(|(_, is_zero)| *is_zero) {
            Some((name, _)) => Err(format!("[http_server] {name} must be greater than 0")),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::HttpServer;

    #[test]
    fn read_from_toml_with_defaults_and_zero_refused() {
        let parsed: HttpServer = toml::from_str("header_read_timeout_ms = 1000").unwrap();
        assert_eq!(parsed, HttpServer { header_read_timeout_ms: 1000, ..HttpServer::default() });
        assert!(parsed.check().is_ok());
        let zero: HttpServer = toml::from_str("max_connections_per_address = 0").unwrap();
        assert!(zero.check().unwrap_err().contains("max_connections_per_address"));
        assert!(toml::from_str::<HttpServer>("timeout = 1").is_err(), "unknown keys are refused");
    }
}
