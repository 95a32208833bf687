//! argon2id password hashing, off the async runtime.
use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};

use crate::error::AppError;

/// Hash a password with argon2id (the crate's default parameters).
pub async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await.map_err(AppError::internal)?
}

/// The same, for synchronous callers (CLI, seeding).
pub fn hash_blocking(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(AppError::internal)
}

/// Whether `password` matches the stored hash.
pub async fn verify(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A hash of a random password, verified against when the account is unknown or has no
/// password, so that a login takes as long whether or not the nickname exists.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let random: [u8; 16] = rand::random();
    hash_blocking(&format!("{random:?}")).unwrap_or_default()
});

/// Whether `password` matches `stored`; without a stored hash, a dummy verification of the
/// same cost, which never matches.
pub async fn verify_or_dummy(password: String, stored: Option<String>) -> bool {
    match stored {
        Some(stored) => verify(password, stored).await,
        None => {
            let dummy = tokio::task::spawn_blocking(|| DUMMY_HASH.clone()).await.unwrap_or_default();
            verify(password, dummy).await;
            false
        }
    }
}
