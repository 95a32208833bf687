//! HTTP signatures (draft-cavage-http-signatures, `rsa-sha256`), as Pleroma, Mastodon and relays
//! sign ActivityPub requests: the `Signature` header over `(request-target) host date digest`.
//!
//! Signing is randomised (RSA blinding, `RandomizedSigner`), so the timing of the private-key
//! operation does not depend on the key alone (RUSTSEC-2023-0071).
use base64::{engine::general_purpose::STANDARD, Engine};
use rsa::{
    pkcs1::DecodeRsaPublicKey,
    pkcs1v15::{Signature, SigningKey, VerifyingKey},
    pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding},
    signature::{RandomizedSigner, SignatureEncoding, Verifier},
    RsaPrivateKey, RsaPublicKey,
};
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// How old a signed request's `Date` may be (Pleroma and Mastodon: 12 hours).
pub const MAX_AGE_SECS: u64 = 12 * 3600;
/// How far ahead of our clock a signed request's `Date` may be (Mastodon's clock skew margin).
pub const MAX_AHEAD_SECS: u64 = 3600;

/// A new 2048-bit key as PKCS#8 PEM.
pub fn generate_pem() -> Result<String, AppError> {
    let key = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(key.to_pkcs8_pem(LineEnding::LF).map_err(|e| AppError::Internal(e.to_string()))?.to_string())
}

/// A private key from PKCS#8 PEM.
pub fn private_key(pem: &str) -> Result<RsaPrivateKey, AppError> {
    RsaPrivateKey::from_pkcs8_pem(pem).map_err(|e| AppError::Internal(e.to_string()))
}

/// The SPKI PEM of a private key's public half (what actor documents publish).
pub fn public_pem(key: &RsaPrivateKey) -> Result<String, AppError> {
    RsaPublicKey::from(key).to_public_key_pem(LineEnding::LF).map_err(|e| AppError::Internal(e.to_string()))
}

/// A public key from SPKI (`BEGIN PUBLIC KEY`) or PKCS#1 (`BEGIN RSA PUBLIC KEY`) PEM.
pub fn public_key(pem: &str) -> Option<RsaPublicKey> {
    RsaPublicKey::from_public_key_pem(pem.trim()).ok().or_else(|| RsaPublicKey::from_pkcs1_pem(pem.trim()).ok())
}

/// `SHA-256=<base64>` of a body.
pub fn digest(body: &[u8]) -> String {
    format!("SHA-256={}", STANDARD.encode(Sha256::digest(body)))
}

/// The headers to add to a request: `Date`, `Digest` (with a body) and `Signature`.
pub fn sign(
    key: &RsaPrivateKey,
    key_id: &str,
    method: &str,
    url: &url::Url,
    body: Option<&[u8]>,
) -> Vec<(&'static str, String)> {
    let date = httpdate::fmt_http_date(std::time::SystemTime::now());
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    };
    let target = match url.query() {
        Some(q) => format!("{} {}?{q}", method.to_lowercase(), url.path()),
        None => format!("{} {}", method.to_lowercase(), url.path()),
    };
    let mut lines = vec![format!("(request-target): {target}"), format!("host: {host}"), format!("date: {date}")];
    let mut names = "(request-target) host date".to_string();
    let mut headers = vec![("date", date)];
    if let Some(body) = body {
        let digest = digest(body);
        lines.push(format!("digest: {digest}"));
        names.push_str(" digest");
        headers.push(("digest", digest));
    }
    // Blinded: `sign_with_rng` randomises the private-key operation (RUSTSEC-2023-0071).
    let signature =
        SigningKey::<Sha256>::new(key.clone()).sign_with_rng(&mut rsa::rand_core::OsRng, lines.join("\n").as_bytes());
    headers.push((
        "signature",
        format!(
            "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"{names}\",signature=\"{}\"",
            STANDARD.encode(signature.to_bytes())
        ),
    ));
    headers
}

/// A parsed `Signature` header.
#[derive(Debug, Clone)]
pub struct SignatureHeader {
    pub key_id: String,
    pub headers: Vec<String>,
    pub signature: Vec<u8>,
    /// The `created` and `expires` parameters (Unix seconds), what the `(created)` and
    /// `(expires)` pseudo-headers of draft-cavage 12 sign (Lemmy's library signs them).
    pub created: Option<String>,
    pub expires: Option<String>,
}

/// Parse `keyId="…",headers="…",signature="…"` (also behind `Authorization: Signature `).
/// A parameter given twice, an algorithm other than `rsa-sha256`/`hs2019` or a missing
/// `keyId`/`signature` is malformed.
pub fn parse(value: &str) -> Option<SignatureHeader> {
    let value = value.strip_prefix("Signature ").unwrap_or(value);
    let (mut key_id, mut headers, mut signature, mut algorithm) = (None, None, None, None);
    let (mut created, mut expires) = (None, None);
    for part in value.split(',') {
        let (name, raw) = part.trim().split_once('=')?;
        let raw = raw.trim().trim_matches('"');
        let slot_taken = match name.trim() {
            "keyId" => key_id.replace(raw.to_string()).is_some(),
            "headers" => headers.replace(raw.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>()).is_some(),
            "signature" => signature.replace(STANDARD.decode(raw).ok()?).is_some(),
            "algorithm" => algorithm.replace(raw.to_lowercase()).is_some(),
            "created" => created.replace(raw.to_string()).is_some(),
            "expires" => expires.replace(raw.to_string()).is_some(),
            _ => false,
        };
        if slot_taken {
            return None; // which of the two would a verifier take?
        }
    }
    if algorithm.is_some_and(|a| a != "rsa-sha256" && a != "hs2019") {
        return None;
    }
    Some(SignatureHeader {
        key_id: key_id.filter(|k| !k.is_empty())?,
        headers: headers.unwrap_or_else(|| vec!["date".into()]),
        signature: signature?,
        created,
        expires,
    })
}

/// Why a signed request was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Unsigned,
    Malformed,
    /// A header the signature must cover is not among the signed headers (or not sent).
    MissingHeader(&'static str),
    StaleDate,
    DigestMismatch,
    BadSignature,
}

/// A signed request's header and the strings the signature may be over: with the query and,
/// when there is one, without it (how older Pleroma and Mastodon sign `(request-target)`).
#[derive(Debug, Clone)]
pub struct Prepared {
    pub header: SignatureHeader,
    pub signing_strings: Vec<String>,
}

/// A request's headers as plain text, for the signature checks: `(name, value)` pairs in the
/// order they came, names compared case-insensitively. The HTTP layer converts its own header
/// type (values that are not visible ASCII are left out), so the domain knows no HTTP framework.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    /// Headers from `(name, value)` pairs, in order.
    pub fn from_pairs<N: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (N, V)>) -> Headers {
        Headers(pairs.into_iter().map(|(n, v)| (n.into().to_ascii_lowercase(), v.into())).collect())
    }

    /// Add a value of `name` after those it has.
    pub fn append(&mut self, name: &str, value: impl Into<String>) {
        self.0.push((name.to_ascii_lowercase(), value.into()));
    }

    /// Replace every value of `name` with this one.
    pub fn insert(&mut self, name: &str, value: impl Into<String>) {
        self.remove(name);
        self.append(name, value);
    }

    /// Drop every value of `name`.
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// Every value of `name`, in order.
    pub fn get_all(&self, name: &str) -> impl Iterator<Item = &str> {
        let name = name.to_ascii_lowercase();
        self.0.iter().filter(move |(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.get_all(name).next()
    }
}

/// The headers every inbox signature must cover (Pleroma's `EnsureHostMatchesPlug` and
/// `HTTPSignaturePlug`): the target and host so it cannot be replayed to another inbox, the
/// date so it cannot be replayed later; and the digest when there is a body.
const REQUIRED: [&str; 3] = ["(request-target)", "host", "date"];

/// Check what can be checked before the key is known: one well-formed `Signature` header that
/// covers `(request-target)`, `host`, `date` (and `digest` when there is a body), a date no
/// older than 12 hours nor more than an hour ahead, a digest that matches the body. Returns the
/// parsed header and the signing strings.
pub fn prepare(headers: &Headers, method: &str, path_and_query: &str, body: &[u8]) -> Result<Prepared, Refusal> {
    let signatures: Vec<&str> = headers.get_all("signature").collect();
    let value = match signatures.as_slice() {
        [one] => *one,
        [] => headers.get("authorization").filter(|v| v.starts_with("Signature ")).ok_or(Refusal::Unsigned)?,
        _ => return Err(Refusal::Malformed),
    };
    let parsed = parse(value).ok_or(Refusal::Malformed)?;
    let with_body = !body.is_empty() || matches!(method.to_ascii_uppercase().as_str(), "POST" | "PUT" | "PATCH");
    for name in REQUIRED.into_iter().chain(with_body.then_some("digest")) {
        if !parsed.headers.iter().any(|h| h == name) {
            return Err(Refusal::MissingHeader(name));
        }
    }
    let dates: Vec<&str> = headers.get_all("date").collect();
    let [date] = dates.as_slice() else { return Err(Refusal::MissingHeader("date")) };
    let when = httpdate::parse_http_date(date).map_err(|_| Refusal::StaleDate)?;
    let now = std::time::SystemTime::now();
    let fresh = match now.duration_since(when) {
        Ok(age) => age.as_secs() <= MAX_AGE_SECS,
        Err(ahead) => ahead.duration().as_secs() <= MAX_AHEAD_SECS,
    };
    if !fresh {
        return Err(Refusal::StaleDate);
    }
    // Signed `(created)`/`(expires)`: whole seconds, not after now (with the same margin as the
    // date) and not passed.
    let now_secs = now.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let param = |name: &str, value: &Option<String>| -> Result<Option<u64>, Refusal> {
        if !parsed.headers.iter().any(|h| h == name) {
            return Ok(None);
        }
        let value = value.as_deref().ok_or(Refusal::MissingHeader("a signed header"))?;
        value.parse::<u64>().map(Some).map_err(|_| Refusal::Malformed)
    };
    if param("(created)", &parsed.created)?.is_some_and(|c| c > now_secs + MAX_AHEAD_SECS) {
        return Err(Refusal::StaleDate);
    }
    if param("(expires)", &parsed.expires)?.is_some_and(|e| e < now_secs) {
        return Err(Refusal::StaleDate);
    }
    if with_body {
        let given = headers.get("digest").ok_or(Refusal::DigestMismatch)?;
        let expected = digest(body);
        if !given.split(',').any(|d| d.trim() == expected) {
            return Err(Refusal::DigestMismatch);
        }
    }
    let mut targets = vec![path_and_query];
    if let Some((path, _)) = path_and_query.split_once('?') {
        targets.push(path);
    }
    let mut signing_strings = Vec::new();
    for target in targets {
        let mut lines = Vec::new();
        for name in &parsed.headers {
            if name == "(request-target)" {
                lines.push(format!("(request-target): {} {target}", method.to_lowercase()));
            } else if let Some(value) = match name.as_str() {
                "(created)" => parsed.created.as_deref(),
                "(expires)" => parsed.expires.as_deref(),
                _ => None,
            } {
                lines.push(format!("{name}: {value}"));
            } else {
                let values: Vec<&str> = headers.get_all(name.as_str()).map(str::trim).collect();
                if values.is_empty() {
                    return Err(Refusal::MissingHeader("a signed header"));
                }
                lines.push(format!("{name}: {}", values.join(", ")));
            }
        }
        signing_strings.push(lines.join("\n"));
    }
    Ok(Prepared { header: parsed, signing_strings })
}

/// Pleroma's `EnsureHostMatchesPlug`: exactly one `Host` header, naming this instance (its
/// host, and its port when the header gives one).
pub fn check_host(headers: &Headers, instance_url: &str) -> Result<(), &'static str> {
    let hosts: Vec<&str> = headers.get_all("host").collect();
    let host = match hosts.as_slice() {
        [host] if !host.trim().is_empty() => host.trim(),
        [] | [_] => return Err("Host header not provided"),
        _ => return Err("More than one Host header provided"),
    };
    let (name, port) = match host.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((inner, after)) => (format!("[{inner}]"), after.strip_prefix(':')),
            None => return Err("Host header does not match this instance"),
        },
        None => match host.rsplit_once(':') {
            Some((name, port)) => (name.to_string(), Some(port)),
            None => (host.to_string(), None),
        },
    };
    let instance = url::Url::parse(instance_url).map_err(|_| "Host header does not match this instance")?;
    let same_host = instance.host_str().is_some_and(|h| h.eq_ignore_ascii_case(&name));
    // Without a port any is taken, as Pleroma does; with one it must be the instance's.
    let same_port = port.is_none_or(|p| p.parse::<u16>().ok() == instance.port_or_known_default());
    if same_host && same_port {
        Ok(())
    } else {
        Err("Host header does not match this instance")
    }
}

/// Whether `signature` over `signing_string` was made by the key in `pem`.
pub fn verify(pem: &str, signing_string: &str, signature: &[u8]) -> bool {
    let Some(key) = public_key(pem) else { return false };
    let Ok(signature) = Signature::try_from(signature) else { return false };
    VerifyingKey::<Sha256>::new(key).verify(signing_string.as_bytes(), &signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies() {
        let pem = generate_pem().unwrap();
        let key = private_key(&pem).unwrap();
        let url = url::Url::parse("http://127.0.0.1:4000/inbox").unwrap();
        let body = br#"{"type":"Accept"}"#;
        let mut headers = Headers::default();
        headers.insert("host", "127.0.0.1:4000");
        for (name, value) in sign(&key, "http://a/actor#main-key", "POST", &url, Some(body)) {
            headers.insert(name, value);
        }
        let prepared = prepare(&headers, "POST", "/inbox", body).unwrap();
        let (parsed, string) = (&prepared.header, &prepared.signing_strings[0]);
        assert_eq!(parsed.key_id, "http://a/actor#main-key");
        assert!(verify(&public_pem(&key).unwrap(), string, &parsed.signature));
        // Another body: the digest no longer matches.
        assert_eq!(prepare(&headers, "POST", "/inbox", b"{}").unwrap_err(), Refusal::DigestMismatch);
        // Another key: refused.
        let other = private_key(&generate_pem().unwrap()).unwrap();
        assert!(!verify(&public_pem(&other).unwrap(), string, &parsed.signature));
        // A day-old date, an unsigned request.
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(24 * 3600);
        headers.insert("date", httpdate::fmt_http_date(old));
        assert_eq!(prepare(&headers, "POST", "/inbox", body).unwrap_err(), Refusal::StaleDate);
        headers.remove("signature");
        assert_eq!(prepare(&headers, "POST", "/inbox", body).unwrap_err(), Refusal::Unsigned);
    }

    fn signed_headers(fields: &str, date: std::time::SystemTime) -> Headers {
        let mut headers = Headers::default();
        headers.insert("host", "gw.example");
        headers.insert("date", httpdate::fmt_http_date(date));
        headers.insert("digest", digest(b"{}"));
        headers.insert("signature", format!("keyId=\"https://r.example/actor#main-key\",{fields}"));
        headers
    }

    #[test]
    fn what_a_signature_must_cover_and_how_it_must_look() {
        let now = std::time::SystemTime::now();
        let all = r#"headers="(request-target) host date digest",signature="AAAA""#;
        assert!(prepare(&signed_headers(all, now), "POST", "/inbox", b"{}").is_ok());
        for (fields, missing) in [
            (r#"headers="host date digest",signature="AAAA""#, "(request-target)"),
            (r#"headers="(request-target) date digest",signature="AAAA""#, "host"),
            (r#"headers="(request-target) host digest",signature="AAAA""#, "date"),
            (r#"headers="(request-target) host date",signature="AAAA""#, "digest"),
            (r#"signature="AAAA""#, "(request-target)"),
        ] {
            let refusal = prepare(&signed_headers(fields, now), "POST", "/inbox", b"{}").unwrap_err();
            assert_eq!(refusal, Refusal::MissingHeader(missing), "{fields}");
        }
        for fields in [
            r#"headers="(request-target) host date digest",signature="AAAA",signature="BBBB""#,
            r#"headers="(request-target) host date digest",headers="date",signature="AAAA""#,
            r#"algorithm="hmac-sha256",headers="(request-target) host date digest",signature="AAAA""#,
            r#"headers="(request-target) host date digest""#,
            r#"headers="(request-target) host date digest",signature="not base64!""#,
        ] {
            let refusal = prepare(&signed_headers(fields, now), "POST", "/inbox", b"{}").unwrap_err();
            assert_eq!(refusal, Refusal::Malformed, "{fields}");
        }
        let mut two = signed_headers(all, now);
        two.append("signature", "keyId=\"x\",signature=\"AAAA\"");
        assert_eq!(prepare(&two, "POST", "/inbox", b"{}").unwrap_err(), Refusal::Malformed);
        let hour = std::time::Duration::from_secs(3600);
        let ahead = signed_headers(all, now + 2 * hour);
        assert_eq!(prepare(&ahead, "POST", "/inbox", b"{}").unwrap_err(), Refusal::StaleDate);
        assert!(prepare(&signed_headers(all, now + hour / 2), "POST", "/inbox", b"{}").is_ok());
        assert!(prepare(&signed_headers(all, now - 11 * hour), "POST", "/inbox", b"{}").is_ok());
        // With a query: the string with it first, then without it.
        let prepared = prepare(&signed_headers(all, now), "POST", "/inbox?a=1", b"{}").unwrap();
        assert!(prepared.signing_strings[0].starts_with("(request-target): post /inbox?a=1\n"));
        assert!(prepared.signing_strings[1].starts_with("(request-target): post /inbox\n"));
    }

    #[test]
    fn created_and_expires_pseudo_headers() {
        let now = std::time::SystemTime::now();
        let secs = now.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let fields = |created: u64, expires: u64| {
            format!(
                r#"algorithm="hs2019",created="{created}",expires="{expires}",headers="(request-target) (created) (expires) host date digest",signature="AAAA""#
            )
        };
        let prepared = prepare(&signed_headers(&fields(secs, secs + 10), now), "POST", "/inbox", b"{}").unwrap();
        let expected =
            format!("(request-target): post /inbox\n(created): {secs}\n(expires): {}\nhost: gw.example", secs + 10);
        assert!(prepared.signing_strings[0].starts_with(&expected), "{}", prepared.signing_strings[0]);
        let expired = prepare(&signed_headers(&fields(secs - 20, secs - 10), now), "POST", "/inbox", b"{}");
        assert_eq!(expired.unwrap_err(), Refusal::StaleDate);
        let ahead = prepare(&signed_headers(&fields(secs + 7200, secs + 7210), now), "POST", "/inbox", b"{}");
        assert_eq!(ahead.unwrap_err(), Refusal::StaleDate);
        let unset = r#"headers="(request-target) (created) host date digest",signature="AAAA""#;
        let missing = prepare(&signed_headers(unset, now), "POST", "/inbox", b"{}");
        assert_eq!(missing.unwrap_err(), Refusal::MissingHeader("a signed header"));
    }

    #[test]
    fn the_host_header_must_name_this_instance() {
        let with = |hosts: &[&str]| {
            let mut headers = Headers::default();
            for host in hosts {
                headers.append("host", *host);
            }
            headers
        };
        assert_eq!(check_host(&with(&["gw.example"]), "https://gw.example"), Ok(()));
        assert_eq!(check_host(&with(&["GW.example:443"]), "https://gw.example"), Ok(()));
        assert_eq!(check_host(&with(&["127.0.0.1:4000"]), "http://127.0.0.1:4000"), Ok(()));
        assert_eq!(check_host(&with(&["[::1]:4000"]), "http://[::1]:4000"), Ok(()));
        let other = Err("Host header does not match this instance");
        assert_eq!(check_host(&with(&["other.example"]), "https://gw.example"), other);
        assert_eq!(check_host(&with(&["gw.example:8443"]), "https://gw.example"), other);
        assert_eq!(check_host(&with(&["127.0.0.1:4001"]), "http://127.0.0.1:4000"), other);
        assert_eq!(check_host(&with(&[]), "https://gw.example"), Err("Host header not provided"));
        let two = with(&["gw.example", "gw.example"]);
        assert_eq!(check_host(&two, "https://gw.example"), Err("More than one Host header provided"));
    }
}
