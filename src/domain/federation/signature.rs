//! HTTP signatures (draft-cavage-http-signatures, `rsa-sha256`), as Pleroma, Mastodon and relays
//! sign ActivityPub requests: the `Signature` header over `(request-target) host date digest`.
use base64::{engine::general_purpose::STANDARD, Engine};
use rsa::{
    pkcs1::DecodeRsaPublicKey,
    pkcs1v15::{Signature, SigningKey, VerifyingKey},
    pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding},
    signature::{SignatureEncoding, Signer, Verifier},
    RsaPrivateKey, RsaPublicKey,
};
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// How far a signed request's `Date` may be from now (Mastodon's 12-hour window).
pub const MAX_SKEW_SECS: i64 = 12 * 3600;

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
    let signature = SigningKey::<Sha256>::new(key.clone()).sign(lines.join("\n").as_bytes());
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
}

/// Parse `keyId="…",headers="…",signature="…"` (also behind `Authorization: Signature `).
pub fn parse(value: &str) -> Option<SignatureHeader> {
    let value = value.strip_prefix("Signature ").unwrap_or(value);
    let (mut key_id, mut headers, mut signature) = (None, None, None);
    for part in value.split(',') {
        let (name, raw) = part.trim().split_once('=')?;
        let raw = raw.trim().trim_matches('"');
        match name.trim() {
            "keyId" => key_id = Some(raw.to_string()),
            "headers" => headers = Some(raw.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>()),
            "signature" => signature = STANDARD.decode(raw).ok(),
            _ => {}
        }
    }
    Some(SignatureHeader {
        key_id: key_id?,
        headers: headers.unwrap_or_else(|| vec!["date".into()]),
        signature: signature?,
    })
}

/// Why a signed request was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Unsigned,
    Malformed,
    /// `date` (or `digest` on a request with a body) is not among the signed headers.
    MissingHeader(&'static str),
    StaleDate,
    DigestMismatch,
    BadSignature,
}

/// Check what can be checked before the key is known: the signed headers cover `date` (and
/// `digest` when there is a body), the date is recent, the digest matches the body. Returns the
/// parsed header and the signing string.
pub fn prepare(
    headers: &axum::http::HeaderMap,
    method: &str,
    path_and_query: &str,
    body: &[u8],
) -> Result<(SignatureHeader, String), Refusal> {
    let value = headers
        .get("signature")
        .or_else(|| headers.get("authorization"))
        .and_then(|v| v.to_str().ok())
        .ok_or(Refusal::Unsigned)?;
    let parsed = parse(value).ok_or(Refusal::Malformed)?;
    if !parsed.headers.iter().any(|h| h == "date") {
        return Err(Refusal::MissingHeader("date"));
    }
    let date = headers.get("date").and_then(|v| v.to_str().ok()).ok_or(Refusal::MissingHeader("date"))?;
    let when = httpdate::parse_http_date(date).map_err(|_| Refusal::StaleDate)?;
    let age = match std::time::SystemTime::now().duration_since(when) {
        Ok(age) => age.as_secs() as i64,
        Err(ahead) => ahead.duration().as_secs() as i64,
    };
    if age > MAX_SKEW_SECS {
        return Err(Refusal::StaleDate);
    }
    if !body.is_empty() || method.eq_ignore_ascii_case("post") {
        if !parsed.headers.iter().any(|h| h == "digest") {
            return Err(Refusal::MissingHeader("digest"));
        }
        let given = headers.get("digest").and_then(|v| v.to_str().ok()).ok_or(Refusal::DigestMismatch)?;
        let matches = given.split(',').any(|d| d.trim() == digest(body));
        if !matches {
            return Err(Refusal::DigestMismatch);
        }
    }
    let mut lines = Vec::new();
    for name in &parsed.headers {
        if name == "(request-target)" {
            lines.push(format!("(request-target): {} {path_and_query}", method.to_lowercase()));
        } else {
            let values: Vec<&str> =
                headers.get_all(name.as_str()).iter().filter_map(|v| v.to_str().ok()).map(str::trim).collect();
            if values.is_empty() {
                return Err(Refusal::Malformed);
            }
            lines.push(format!("{name}: {}", values.join(", ")));
        }
    }
    Ok((parsed, lines.join("\n")))
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
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("host", "127.0.0.1:4000".parse().unwrap());
        for (name, value) in sign(&key, "http://a/actor#main-key", "POST", &url, Some(body)) {
            headers.insert(name, value.parse().unwrap());
        }
        let (parsed, string) = prepare(&headers, "POST", "/inbox", body).unwrap();
        assert_eq!(parsed.key_id, "http://a/actor#main-key");
        assert!(verify(&public_pem(&key).unwrap(), &string, &parsed.signature));
        // Another body: the digest no longer matches.
        assert_eq!(prepare(&headers, "POST", "/inbox", b"{}").unwrap_err(), Refusal::DigestMismatch);
        // Another key: refused.
        let other = private_key(&generate_pem().unwrap()).unwrap();
        assert!(!verify(&public_pem(&other).unwrap(), &string, &parsed.signature));
        // A day-old date, an unsigned request.
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(24 * 3600);
        headers.insert("date", httpdate::fmt_http_date(old).parse().unwrap());
        assert_eq!(prepare(&headers, "POST", "/inbox", body).unwrap_err(), Refusal::StaleDate);
        headers.remove("signature");
        assert_eq!(prepare(&headers, "POST", "/inbox", body).unwrap_err(), Refusal::Unsigned);
    }
}
