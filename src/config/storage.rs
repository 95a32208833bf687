//! `[storage]`: where files that every process must see live (uploads, emoji packs, installed
//! frontends, backup archives, the media proxy cache): the local data directory (the default,
//! today's layout) or a store shared by every process — a directory (`backend = "local"` with a
//! `root`, e.g. a network mount) or an S3-compatible object store (`backend = "s3"`).
use std::path::PathBuf;

use serde::Deserialize;

/// The storage backends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// A directory: the data directory itself, or `root` when set.
    #[default]
    Local,
    /// An S3-compatible object store (`bucket`, `endpoint`, …).
    S3,
}

/// The `[storage]` section; every key is optional.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Storage {
    pub backend: Backend,
    /// `local`: a directory every process shares; files keep their data-directory paths under it.
    /// Unset: the data directory itself (one process, or replicas that share the data directory).
    pub root: Option<PathBuf>,
    /// `s3`: the bucket.
    pub bucket: Option<String>,
    /// `s3`: the region (default `us-east-1`).
    pub region: Option<String>,
    /// `s3`: the endpoint of an S3-compatible store (MinIO, Garage, …); unset: AWS.
    pub endpoint: Option<String>,
    /// `s3`: credentials; unset: the `AWS_*` environment variables.
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// `s3`: a key prefix inside the bucket (several instances in one bucket).
    pub prefix: Option<String>,
    /// `s3`: path-style URLs (`endpoint/bucket/key`), which most self-hosted stores want.
    pub path_style: bool,
    /// `s3`: allow a plain-HTTP endpoint (a store on a private network or loopback).
    pub allow_http: bool,
    /// The largest object read into memory at once (bytes).
    pub max_object_size: u64,
}

impl Default for Storage {
    fn default() -> Self {
        Storage {
            backend: Backend::Local,
            root: None,
            bucket: None,
            region: None,
            endpoint: None,
            access_key_id: None,
            secret_access_key: None,
            prefix: None,
            path_style: true,
            allow_http: false,
            max_object_size: 1024 * 1024 * 1024,
        }
    }
}

impl Storage {
    /// Whether files live somewhere other than this process's data directory.
    pub fn shared(&self) -> bool {
        self.backend == Backend::S3 || self.root.is_some()
    }

    /// Refuse settings that cannot work, naming the key.
    pub fn check(&self) -> Result<(), String> {
        if self.backend == Backend::S3 && self.bucket.as_deref().is_none_or(str::is_empty) {
            return Err("[storage] backend = \"s3\" needs a bucket".into());
        }
        if self.backend == Backend::Local && (self.bucket.is_some() || self.endpoint.is_some()) {
            return Err("[storage] bucket and endpoint apply to backend = \"s3\" only".into());
        }
        if self.max_object_size == 0 {
            return Err("[storage] max_object_size must be positive".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_settings_name_what_is_wrong() {
        assert_eq!(Storage::default().check(), Ok(()));
        assert!(!Storage::default().shared());
        let s3: Storage = toml::from_str("backend = \"s3\"").unwrap();
        assert_eq!(s3.check(), Err("[storage] backend = \"s3\" needs a bucket".into()));
        let s3: Storage = toml::from_str("backend = \"s3\"\nbucket = \"b\"\nendpoint = \"http://x\"").unwrap();
        assert_eq!((s3.check(), s3.shared(), s3.path_style), (Ok(()), true, true));
        let local: Storage = toml::from_str("bucket = \"b\"").unwrap();
        assert!(local.check().unwrap_err().contains("backend = \"s3\" only"));
        assert!(toml::from_str::<Storage>("backend = \"ftp\"").is_err());
        assert!(toml::from_str::<Storage>("buckets = \"b\"").is_err());
    }
}
