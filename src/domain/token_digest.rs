//! Stored secrets (access and refresh tokens, reset and confirmation tokens, client secrets)
//! are kept as SHA-256 digests: they are 32 random bytes, so a fast digest is as good as a
//! password hash, and lookups by digest stay indexed. The plain value is shown once, when issued.
use sha2::{Digest, Sha256};

/// The lower-case hex SHA-256 of a secret, as stored.
pub fn digest(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn sha256_hex() {
        assert_eq!(super::digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
