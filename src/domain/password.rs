//! argon2id password hashing, off the async runtime.
use std::sync::Mutex;

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString},
    Algorithm, Argon2, Block, Params, Version,
};

use crate::error::AppError;

/// At most one argon2 computation per core at a time. Each takes 19 MiB of working memory
/// and a blocking thread; unbounded, a burst of logins (now that unknown accounts are verified
/// too) spawns many threads whose allocator arenas each keep a 19 MiB buffer, and starves the CPU.
static SLOTS: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()).max(2))
});

/// Run argon2 work on a blocking thread, within [`SLOTS`].
async fn with_slot<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
    let _slot = SLOTS.acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(work).await.map_err(AppError::internal)
}

/// Hash a password with argon2id (the crate's default parameters).
pub async fn hash(password: String) -> Result<String, AppError> {
    with_slot(move || hash_blocking(&password)).await?
}

/// The same, for synchronous callers (CLI, seeding).
pub fn hash_blocking(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(AppError::internal)
}

/// Working memory for verifications, reused: at most one buffer per [`SLOTS`] permit exists, so
/// verifying leaves the process no larger than that, however many logins come.
static BUFFERS: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

/// Whether `password` matches the stored hash.
pub async fn verify(password: String, stored: String) -> bool {
    with_slot(move || {
        let mut blocks = BUFFERS.lock().ok().and_then(|mut pool| pool.pop()).unwrap_or_default();
        let matched = verify_with(password.as_bytes(), &stored, &mut blocks);
        if let Ok(mut pool) = BUFFERS.lock() {
            pool.push(blocks);
        }
        matched
    })
    .await
    .unwrap_or(false)
}

/// `PasswordVerifier::verify_password`, with the caller's working memory.
fn verify_with(password: &[u8], stored: &str, blocks: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else { return false };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else { return false };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else { return false };
    let Ok(version) = parsed.version.map(Version::try_from).transpose() else { return false };
    let Ok(params) = Params::try_from(&parsed) else { return false };
    let mut salt_buffer = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buffer) else { return false };
    if blocks.len() < params.block_count() {
        blocks.resize(params.block_count(), Block::default());
    }
    let count = params.block_count();
    let argon2 = Argon2::new(algorithm, version.unwrap_or_default(), params);
    let mut output = vec![0u8; expected.len()];
    if argon2.hash_password_into_with_memory(password, salt, &mut output, &mut blocks[..count]).is_err() {
        return false;
    }
    // Constant time over the whole output.
    output.iter().zip(expected.as_bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// A hash of a random password, verified against when the account is unknown or has no
/// password, so that a login takes as long whether or not the nickname exists.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let random: [u8; 16] = rand::random();
    hash_blocking(&format!("{random:?}")).unwrap_or_default()
});

/// Compute the dummy hash ahead of the first unknown login (which would otherwise take one
/// hash longer than the others).
pub fn prepare_dummy() {
    std::sync::LazyLock::force(&DUMMY_HASH);
}

/// Whether `password` matches `stored`; without a stored hash, a dummy verification of the
/// same cost, which never matches.
pub async fn verify_or_dummy(password: String, stored: Option<String>) -> bool {
    match stored {
        Some(stored) => verify(password, stored).await,
        None => {
            let dummy = with_slot(|| DUMMY_HASH.clone()).await.unwrap_or_default();
            verify(password, dummy).await;
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn verifies_with_pooled_memory() {
        let stored = hash("right".into()).await.unwrap();
        assert!(verify("right".into(), stored.clone()).await);
        assert!(!verify("wrong".into(), stored.clone()).await);
        assert!(!verify("right".into(), "not a hash".into()).await);
        assert!(!verify_or_dummy("right".into(), None).await);
        assert!(verify_or_dummy("right".into(), Some(stored)).await);
    }
}
