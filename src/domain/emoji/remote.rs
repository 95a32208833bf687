//! Packs from other instances (Pleroma's `list_remote`, `download`, fallback-src checks): every
//! fetch is http(s) only, with the `[emoji]` timeout and a size cap.
use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::{archive::Limits, pack, sha256_hex, EmojiIndex};
use crate::{config::Emoji as Config, error::AppError};

/// Largest JSON document read from another instance.
const MAX_JSON: u64 = 16 * 1_048_576;

/// What Pleroma answers when the remote does not list `shareable_emoji_packs`.
pub const NOT_SHAREABLE: &str = "The requested instance does not support sharing emoji packs";

/// An instance base URL from a request (trimmed, http or https).
pub fn base_url(raw: &str) -> Result<url::Url, AppError> {
    let url = url::Url::parse(raw.trim())
        .map_err(|e| AppError::BadRequest(format!("Invalid instance URL \"{}\": {e}", raw.trim())))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(AppError::BadRequest(format!("Invalid instance URL \"{}\": not an http(s) URL", raw.trim())));
    }
    Ok(url)
}

/// GET `url`, at most `max` bytes; the response's content type and body.
pub async fn fetch(config: &Config, url: &str, max: u64) -> Result<(Option<String>, Vec<u8>), AppError> {
    let parsed = url::Url::parse(url).map_err(|e| AppError::BadRequest(format!("Invalid URL \"{url}\": {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(AppError::BadRequest(format!("Invalid URL \"{url}\": not an http(s) URL")));
    }
    let failed = |e: &dyn std::fmt::Display| AppError::Upstream(format!("Failed to fetch {url}: {e}"));
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(config.fetch_timeout_secs))
        .connect_timeout(std::time::Duration::from_secs(config.fetch_timeout_secs.min(10)))
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
        .map_err(|e| failed(&e))?;
    let mut response = client.get(parsed).send().await.map_err(|e| failed(&e))?;
    if !response.status().is_success() {
        return Err(failed(&format!("the server answered {}", response.status())));
    }
    let too_large = || AppError::BadRequest(format!("{url} is larger than the limit of {max} bytes"));
    if response.content_length().is_some_and(|n| n > max) {
        return Err(too_large());
    }
    let kind = response.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(String::from);
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| failed(&e))? {
        body.extend_from_slice(&chunk);
        if body.len() as u64 > max {
            return Err(too_large());
        }
    }
    Ok((kind, body))
}

async fn get_json(config: &Config, url: &str) -> Result<Value, AppError> {
    let (_, body) = fetch(config, url, MAX_JSON).await?;
    serde_json::from_slice(&body).map_err(|e| AppError::Upstream(format!("{url} did not answer JSON: {e}")))
}

fn join(base: &url::Url, path_and_query: &str) -> Result<String, AppError> {
    base.join(path_and_query).map(String::from).map_err(|e| AppError::BadRequest(format!("Invalid URL: {e}")))
}

/// The remote's nodeinfo (the last link of `/.well-known/nodeinfo`) must list
/// `shareable_emoji_packs`.
pub async fn check_shareable(config: &Config, base: &url::Url) -> Result<(), AppError> {
    let links = get_json(config, &join(base, "/.well-known/nodeinfo")?).await?;
    let href = links
        .get("links")
        .and_then(Value::as_array)
        .and_then(|l| l.last())
        .and_then(|l| l.get("href"))
        .and_then(Value::as_str)
        .ok_or_else(|| AppError::Upstream(NOT_SHAREABLE.into()))?
        .to_string();
    let nodeinfo = get_json(config, &href).await?;
    let shareable = nodeinfo
        .pointer("/metadata/features")
        .and_then(Value::as_array)
        .is_some_and(|f| f.iter().any(|f| f == "shareable_emoji_packs"));
    if shareable {
        Ok(())
    } else {
        Err(AppError::Upstream(NOT_SHAREABLE.into()))
    }
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The remote's pack list page, as it answers it.
pub async fn list(config: &Config, base: &url::Url, page: i64, page_size: i64) -> Result<Value, AppError> {
    check_shareable(config, base).await?;
    get_json(config, &join(base, &format!("/api/v1/pleroma/emoji/packs?page={page}&page_size={page_size}"))?).await
}

/// Where a pack is downloaded from, and the SHA-256 it must have.
struct Source {
    url: String,
    sha256: String,
    fallback: bool,
}

fn source(remote_pack: &Value, base: &url::Url, name: &str) -> Result<Source, AppError> {
    let meta = remote_pack.get("pack").cloned().unwrap_or(Value::Null);
    let str_of = |key: &str| meta.get(key).and_then(Value::as_str).map(String::from);
    if meta.get("share-files") == Some(&Value::Bool(true)) && meta.get("can-download") == Some(&Value::Bool(true)) {
        if let Some(sha256) = str_of("download-sha256") {
            let url = join(base, &format!("/api/v1/pleroma/emoji/packs/archive?name={}", encode(name)))?;
            return Ok(Source { url, sha256, fallback: false });
        }
    }
    match (str_of("fallback-src"), str_of("fallback-src-sha256")) {
        (Some(url), Some(sha256)) => Ok(Source { url, sha256, fallback: true }),
        _ => Err(AppError::BadRequest(
            "The pack was not set as shared and there is no fallback src to download from".into(),
        )),
    }
}

/// Download the remote pack `name` and install it as `local_name` (Pleroma's `download`): the
/// archive (or the fallback-src) must match the SHA-256 the remote gave, and hold every file of
/// the pack; only those files are taken, checked like uploads.
pub async fn download(
    config: &Config,
    index: &std::sync::Arc<EmojiIndex>,
    base: &url::Url,
    name: &str,
    local_name: &str,
) -> Result<pack::Pack, AppError> {
    check_shareable(config, base).await?;
    let path = format!("/api/v1/pleroma/emoji/pack?name={}", encode(name));
    let first = get_json(config, &join(base, &format!("{path}&page_size=0"))?).await?;
    let count = first.get("files_count").and_then(Value::as_u64).unwrap_or(0);
    if count > config.max_entries as u64 {
        return Err(AppError::BadRequest(format!(
            "The pack has {count} files, more than the limit of {}",
            config.max_entries
        )));
    }
    let remote_pack = get_json(config, &join(base, &format!("{path}&page_size={count}"))?).await?;
    let files: BTreeMap<String, String> = remote_pack
        .get("files")
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
        .unwrap_or_default();
    let source = source(&remote_pack, base, name)?;
    let (_, archive) = fetch(config, &source.url, config.max_archive_size).await?;
    if !sha256_hex(&archive).eq_ignore_ascii_case(source.sha256.trim()) {
        return Err(AppError::Upstream("SHA256 for the pack doesn't match the one sent by the server".into()));
    }
    let mut wanted: BTreeSet<String> = files.values().cloned().collect();
    if !source.fallback {
        wanted.insert("pack.json".into());
    }
    let limits = Limits::of(config);
    let contents = super::archive::read(&archive, Some(&wanted), limits)?;
    // The metadata: the archive's pack.json (a fallback has none: the remote's listing); the
    // files: the remote's listing, never the archive's own list.
    let mut metadata: Map<String, Value> = contents
        .get("pack.json")
        .and_then(|b| serde_json::from_slice::<Value>(b).ok())
        .and_then(|v| v.get("pack").and_then(Value::as_object).cloned())
        .or_else(|| remote_pack.get("pack").and_then(Value::as_object).cloned())
        .unwrap_or_default();
    metadata.remove("can-download");
    metadata.remove("download-sha256");
    let _guard = index.writes.lock().await;
    let (index, local, max_file) = (index.clone(), local_name.to_string(), config.max_file_size);
    tokio::task::spawn_blocking(move || pack::install(&index, &local, files, metadata, &contents, max_file))
        .await
        .map_err(AppError::internal)?
}

/// Pleroma's fallback-src check on PATCH: the archive must hold every file of the pack; its
/// SHA-256 (upper-case hex) is what the metadata stores.
pub async fn fallback_sha256(config: &Config, pack: &pack::Pack, url: &str) -> Result<String, AppError> {
    let (_, archive) = fetch(config, url, config.max_archive_size).await?;
    let names = super::archive::names(&archive, Limits::of(config))?;
    if !pack.files.values().all(|f| names.contains(f)) {
        return Err(AppError::BadRequest("The fallback archive does not have all files specified in pack.json".into()));
    }
    Ok(sha256_hex(&archive))
}
