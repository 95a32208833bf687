//! Secrets kept encrypted at rest (AES-256-GCM): TOTP secrets. The key is an instance secret
//! made on first use; a sealed value is `sealed:v1:` and the base64 of nonce and ciphertext.
//! Values without the prefix are the plaintext rows written before sealing (read as they are;
//! their owners rewrite them sealed).
use aes_gcm::{
    aead::{Aead, KeyInit},
    Aes256Gcm, Key, Nonce,
};
use base64::{engine::general_purpose::STANDARD, Engine};
use sea_orm::ConnectionTrait;

use crate::error::{AppError, AppResult};

const PREFIX: &str = "sealed:v1:";
const KEY_NAME: &str = "sealed_secrets_key";

/// The instance's sealing key (32 random bytes).
pub async fn key<C: ConnectionTrait>(conn: &C) -> AppResult<[u8; 32]> {
    let stored =
        super::instance_secrets::get_or_create(conn, KEY_NAME, || Ok(STANDARD.encode(rand::random::<[u8; 32]>())))
            .await?;
    let bytes = STANDARD.decode(stored).map_err(|_| AppError::internal("the sealing key is not base64"))?;
    bytes.try_into().map_err(|_| AppError::internal("the sealing key is not 32 bytes"))
}

/// Whether `stored` is sealed (not a legacy plaintext value).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// Encrypt `plain` under `key` with a fresh nonce.
pub fn seal(key: &[u8; 32], plain: &str) -> AppResult<String> {
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    let nonce: [u8; 12] = rand::random();
    let sealed = cipher
        .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
        .map_err(|_| AppError::internal("sealing a secret failed"))?;
    let mut out = nonce.to_vec();
    out.extend(sealed);
    Ok(format!("{PREFIX}{}", STANDARD.encode(out)))
}

/// Decrypt a sealed value; a legacy plaintext value is returned as it is.
pub fn open(key: &[u8; 32], stored: &str) -> AppResult<String> {
    let Some(encoded) = stored.strip_prefix(PREFIX) else { return Ok(stored.to_string()) };
    let bytes = STANDARD.decode(encoded).map_err(|_| AppError::internal("a sealed secret is not base64"))?;
    if bytes.len() < 12 {
        return Err(AppError::internal("a sealed secret is too short"));
    }
    let (nonce, sealed) = bytes.split_at(12);
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    let plain = cipher
        .decrypt(Nonce::from_slice(nonce), sealed)
        .map_err(|_| AppError::internal("a sealed secret is corrupt"))?;
    String::from_utf8(plain).map_err(|_| AppError::internal("a sealed secret is not text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_and_hide_the_plaintext() {
        let key = [7u8; 32];
        let sealed = seal(&key, "JBSWY3DPEHPK3PXP").unwrap_or_default();
        assert!(is_sealed(&sealed));
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_ne!(sealed, seal(&key, "JBSWY3DPEHPK3PXP").unwrap_or_default(), "fresh nonce each time");
        assert_eq!(open(&key, &sealed).ok().as_deref(), Some("JBSWY3DPEHPK3PXP"));
        assert_eq!(open(&key, "PLAINTEXT").ok().as_deref(), Some("PLAINTEXT"));
        assert!(open(&[8u8; 32], &sealed).is_err());
    }
}
