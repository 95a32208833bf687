//! Packs from other instances (Pleroma's `list_remote`, `download`, fallback-src checks): every
//! fetch goes through the outbound client (`crate::outbound`), with the `[emoji]` timeout and
//! a size cap.
use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::{archive::Limits, pack, sha256_hex, EmojiIndex};
use crate::{config::Settings, error::AppError, outbound};

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

/// GET `url` through the outbound client, at most `max` bytes in `[emoji] fetch_timeout_secs`;
/// the response's content type and body.
pub async fn fetch(settings: &Settings, url: &str, max: u64) -> Result<(Option<String>, Vec<u8>), AppError> {
    let failed = |e: &dyn std::fmt::Display| AppError::Upstream(format!("Failed to fetch {url}: {e}"));
    let refused = |e: outbound::Error| match e {
        outbound::Error::Refused(reason) => AppError::BadRequest(format!("Invalid URL {reason}")),
        outbound::Error::TooLarge { .. } => {
            AppError::BadRequest(format!("{url} is larger than the limit of {max} bytes"))
        }
        e @ (outbound::Error::Failed(_) | outbound::Error::Status { .. }) => failed(&e),
    };
    let client =
        outbound::Client::new(settings.http.policy(), outbound::Limits::new(settings.emoji.fetch_timeout_secs, max))
            .map_err(refused)?;
    let response = client.get(client.url(url).map_err(refused)?).send().await.map_err(refused)?;
    if !(200..300).contains(&response.status()) {
        return Err(failed(&format!("the server answered {}", response.status())));
    }
    let kind = response.header("content-type").map(String::from);
    Ok((kind, response.bytes().await.map_err(refused)?))
}

async fn get_json(settings: &Settings, url: &str) -> Result<Value, AppError> {
    let (_, body) = fetch(settings, url, MAX_JSON).await?;
    serde_json::from_slice(&body).map_err(|e| AppError::Upstream(format!("{url} did not answer JSON: {e}")))
}

fn join(base: &url::Url, path_and_query: &str) -> Result<String, AppError> {
    base.join(path_and_query).map(String::from).map_err(|e| AppError::BadRequest(format!("Invalid URL: {e}")))
}

/// The remote's nodeinfo (the last link of `/.well-known/nodeinfo`) must list
/// `shareable_emoji_packs`.
pub async fn check_shareable(settings: &Settings, base: &url::Url) -> Result<(), AppError> {
    let links = get_json(settings, &join(base, "/.well-known/nodeinfo")?).await?;
    let href = links
        .get("links")
        .and_then(Value::as_array)
        .and_then(|l| l.last())
        .and_then(|l| l.get("href"))
        .and_then(Value::as_str)
        .ok_or_else(|| AppError::Upstream(NOT_SHAREABLE.into()))?
        .to_string();
    let nodeinfo = get_json(settings, &href).await?;
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
pub async fn list(settings: &Settings, base: &url::Url, page: i64, page_size: i64) -> Result<Value, AppError> {
    check_shareable(settings, base).await?;
    get_json(settings, &join(base, &format!("/api/v1/pleroma/emoji/packs?page={page}&page_size={page_size}"))?).await
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
    settings: &Settings,
    index: &std::sync::Arc<EmojiIndex>,
    base: &url::Url,
    name: &str,
    local_name: &str,
) -> Result<pack::Pack, AppError> {
    let config = &settings.emoji;
    check_shareable(settings, base).await?;
    let path = format!("/api/v1/pleroma/emoji/pack?name={}", encode(name));
    let first = get_json(settings, &join(base, &format!("{path}&page_size=0"))?).await?;
    let count = first.get("files_count").and_then(Value::as_u64).unwrap_or(0);
    if count > config.max_entries as u64 {
        return Err(AppError::BadRequest(format!(
            "The pack has {count} files, more than the limit of {}",
            config.max_entries
        )));
    }
    let remote_pack = get_json(settings, &join(base, &format!("{path}&page_size={count}"))?).await?;
    let files: BTreeMap<String, String> = remote_pack
        .get("files")
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
        .unwrap_or_default();
    let source = source(&remote_pack, base, name)?;
    let (_, archive) = fetch(settings, &source.url, config.max_archive_size).await?;
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
    let _guard = index.begin(settings).await?;
    let (work, local, max_file) = (index.clone(), local_name.to_string(), config.max_file_size);
    let pack = tokio::task::spawn_blocking(move || pack::install(&work, &local, files, metadata, &contents, max_file))
        .await
        .map_err(AppError::internal)??;
    index.publish(settings).await?;
    Ok(pack)
}

/// Pleroma's fallback-src check on PATCH: the archive must hold every file of the pack; its
/// SHA-256 (upper-case hex) is what the metadata stores.
pub async fn fallback_sha256(settings: &Settings, pack: &pack::Pack, url: &str) -> Result<String, AppError> {
    let (_, archive) = fetch(settings, url, settings.emoji.max_archive_size).await?;
    let names = super::archive::names(&archive, Limits::of(&settings.emoji))?;
    if !pack.files.values().all(|f| names.contains(f)) {
        return Err(AppError::BadRequest("The fallback archive does not have all files specified in pack.json".into()));
    }
    Ok(sha256_hex(&archive))
}
