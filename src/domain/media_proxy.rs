//! The media proxy (Pleroma's `MediaProxy`): signed `/proxy/:sig/:url[/:filename]` links to
//! remote media, fetched with size, type and time limits and cached under the data dir, and the
//! list of banned URLs that are never fetched again.
//!
//! A link is `base64url(url)` signed with HMAC-SHA1 under the instance's secret, both unpadded,
//! as Pleroma builds them (`MediaProxy.encode_url`).
use std::path::{Path, PathBuf};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chrono::Utc;
use entity::banned_media_url;
use hmac::{Hmac, Mac};
use sea_orm::{sea_query::OnConflict, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::{config::Settings, error::AppError, outbound};

const SECRET: &str = "media_proxy";

/// The instance's signing key for proxy links.
pub async fn secret<C: ConnectionTrait>(conn: &C) -> Result<Vec<u8>, AppError> {
    let value =
        super::instance_secrets::get_or_create(conn, SECRET, || Ok(URL_SAFE_NO_PAD.encode(rand::random::<[u8; 48]>())))
            .await?;
    Ok(value.into_bytes())
}

/// HMAC-SHA1 of `data` (HMAC takes keys of any length, so the error arm never runs).
fn sign(secret: &[u8], data: &str) -> Vec<u8> {
    match Hmac::<sha1::Sha1>::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(data.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

fn verify(secret: &[u8], data: &str, sig: &[u8]) -> bool {
    match Hmac::<sha1::Sha1>::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(data.as_bytes());
            mac.verify_slice(sig).is_ok()
        }
        Err(_) => false,
    }
}

/// The last path segment of `url`, if it has one (Pleroma's `MediaProxy.filename`).
pub fn filename(url: &str) -> Option<String> {
    let path = url::Url::parse(url).ok()?.path().to_string();
    let base = path.rsplit('/').next()?.to_string();
    (!base.is_empty()).then_some(base)
}

/// The proxy link of `url` under `base` (the instance URL).
pub fn encode_url(secret: &[u8], base: &str, url: &str) -> String {
    let url64 = URL_SAFE_NO_PAD.encode(url);
    let sig64 = URL_SAFE_NO_PAD.encode(sign(secret, &url64));
    match filename(url) {
        Some(name) => format!("{base}/proxy/{sig64}/{url64}/{name}"),
        None => format!("{base}/proxy/{sig64}/{url64}"),
    }
}

/// Pleroma's `MediaProxy.url/1`, as rendered statuses and accounts use it: with the proxy on,
/// remote media become proxy links; relative URLs, this instance's own and those on a
/// whitelisted host (`:media_proxy, :whitelist`, and the upload `base_url`'s host, which
/// Pleroma's `whitelisted?` always adds) are left alone.
pub fn proxied(settings: &Settings, secret: &[u8], url: &str) -> String {
    let own = url.starts_with('/') || url.starts_with(settings.instance_url.as_str()) || whitelisted(settings, url);
    if !settings.media_proxy.enabled || url.is_empty() || own {
        return url.to_string();
    }
    encode_url(secret, &settings.instance_url, url)
}

/// Pleroma's `MediaProxy.whitelisted?`: the URL's host is a whitelist entry (a host, or the host
/// of an entry that is a URL) or the upload `base_url`'s host.
pub fn whitelisted(settings: &Settings, url: &str) -> bool {
    let host = |u: &str| url::Url::parse(u).ok().and_then(|p| p.host_str().map(str::to_lowercase));
    let Some(domain) = host(url) else { return false };
    let entry = |e: &str| if e.starts_with("http") { host(e) } else { Some(e.to_lowercase()) };
    settings
        .media_proxy
        .whitelist
        .iter()
        .map(String::as_str)
        .chain(settings.upload.base_url.as_deref())
        .any(|e| entry(e).as_deref() == Some(domain.as_str()))
}

/// The URL a link carries, if its signature is right.
pub fn decode_url(secret: &[u8], sig64: &str, url64: &str) -> Option<String> {
    let sig = URL_SAFE_NO_PAD.decode(sig64).ok()?;
    if !verify(secret, url64, &sig) {
        return None;
    }
    String::from_utf8(URL_SAFE_NO_PAD.decode(url64).ok()?).ok()
}

/// Whether `url` is banned.
pub async fn is_banned<C: ConnectionTrait>(conn: &C, url: &str) -> Result<bool, AppError> {
    Ok(banned_media_url::Entity::find_by_id(url.to_string()).one(conn).await?.is_some())
}

/// Ban `urls` (idempotent).
pub async fn ban<C: ConnectionTrait>(conn: &C, urls: &[String]) -> Result<(), AppError> {
    let now = Utc::now();
    for url in unique(urls) {
        let row = banned_media_url::ActiveModel { url: Set(url), inserted_at: Set(now) };
        banned_media_url::Entity::insert(row)
            .on_conflict(OnConflict::column(banned_media_url::Column::Url).do_nothing().to_owned())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Lift the ban on `urls` (unknown ones are ignored).
pub async fn unban<C: ConnectionTrait>(conn: &C, urls: &[String]) -> Result<(), AppError> {
    if urls.is_empty() {
        return Ok(());
    }
    banned_media_url::Entity::delete_many()
        .filter(banned_media_url::Column::Url.is_in(unique(urls)))
        .exec(conn)
        .await?;
    Ok(())
}

fn unique(urls: &[String]) -> Vec<String> {
    let mut urls: Vec<String> = urls.iter().map(|u| u.trim().to_string()).filter(|u| !u.is_empty()).collect();
    urls.sort();
    urls.dedup();
    urls
}

/// One page of banned URLs matching `query` (a case-insensitive regular expression, or a
/// plain substring when it is not one, as Pleroma's `~r/#{query}/i`), and how many match.
pub async fn list_banned<C: ConnectionTrait>(
    conn: &C,
    query: Option<&str>,
    offset: u64,
    limit: u64,
) -> Result<(Vec<String>, u64), AppError> {
    let all: Vec<String> = banned_media_url::Entity::find()
        .order_by_asc(banned_media_url::Column::Url)
        .all(conn)
        .await?
        .into_iter()
        .map(|row| row.url)
        .collect();
    let matching: Vec<String> = match query.filter(|q| !q.is_empty()) {
        None => all,
        Some(q) => match regex::RegexBuilder::new(q).case_insensitive(true).size_limit(1 << 20).build() {
            Ok(re) => all.into_iter().filter(|u| re.is_match(u)).collect(),
            Err(_) => {
                let q = q.to_lowercase();
                all.into_iter().filter(|u| u.to_lowercase().contains(&q)).collect()
            }
        },
    };
    let total = matching.len() as u64;
    let page = matching
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect();
    Ok((page, total))
}

/// Where the cache keeps `url`'s body (its content type sits beside it in `.type`).
fn cache_path(data_dir: &Path, url: &str) -> PathBuf {
    data_dir.join("media_proxy").join(super::token_digest::digest(url))
}

/// Drop `urls` from the cache (Pleroma's `MediaProxy.Invalidation.purge`), in the storage every
/// process shares.
pub async fn purge_cache(settings: &Settings, urls: &[String]) {
    for url in urls {
        let path = cache_path(&settings.data_dir, url.trim());
        for file in [path.with_extension("type"), path] {
            if let Err(error) = super::storage::remove(settings, &file).await {
                tracing::warn!(%error, file = %file.display(), "media proxy cache entry not purged");
            }
        }
    }
}

/// The URLs a cache in front of the proxy keeps for `urls` (Pleroma's
/// `Invalidation.prepare_urls`): their proxy links when the proxy is on, else the URLs
/// themselves; this instance's own URLs stay as they are.
pub async fn prepare_urls<C: ConnectionTrait>(
    conn: &C,
    settings: &Settings,
    urls: &[String],
) -> Result<Vec<String>, AppError> {
    let secret = if settings.media_proxy.enabled { Some(secret(conn).await?) } else { None };
    let mut out: Vec<String> = Vec::new();
    for url in unique(urls) {
        let prepared = match &secret {
            Some(secret) if !url.starts_with(&settings.instance_url) => {
                encode_url(secret, &settings.instance_url, &url)
            }
            _ => url,
        };
        if !out.contains(&prepared) {
            out.push(prepared);
        }
    }
    Ok(out)
}

/// Purge `urls` from the cache in front of the proxy with the configured provider (Pleroma's
/// `MediaProxy.Invalidation.purge`), when `[:media_proxy, :invalidation, :enabled]`: the HTTP
/// provider sends one request per URL (method and headers from its settings) through the
/// outbound client, so private addresses stay refused unless allowed; the script provider runs
/// `script_path` with the URLs as one space-separated argument. Failures are logged.
pub async fn invalidate<C: ConnectionTrait>(conn: &C, settings: &Settings, urls: &[String]) -> Result<(), AppError> {
    let config = &settings.media_proxy_invalidation;
    if !config.invalidation.enabled || urls.is_empty() {
        return Ok(());
    }
    let prepared = prepare_urls(conn, settings, urls).await?;
    if config.invalidation.provider == crate::config::invalidation::HTTP {
        let client = outbound::Client::new(
            settings.http.policy(),
            outbound::Limits::new(settings.media_proxy.timeout_secs, 64 * 1024),
        )
        .map_err(AppError::internal)?;
        let method = config.http_method.to_ascii_uppercase();
        for url in &prepared {
            let sent = async {
                let request = client
                    .request(&method, client.url(url)?)
                    .ok_or_else(|| outbound::Error::Refused(format!("bad method {method}")))?;
                let request = config
                    .http_headers
                    .iter()
                    .fold(request, |r, (name, value)| r.header(name.as_str(), value.as_str()));
                request.send().await
            };
            match sent.await {
                Ok(response) if (400..500).contains(&response.status()) => {
                    tracing::error!(%url, status = response.status(), "error while cache purge");
                }
                Ok(_) => {}
                Err(err) => tracing::error!(%url, error = %err, "error while cache purge"),
            }
        }
    } else {
        let Some(script) = config.script_path.clone() else {
            tracing::error!("error while cache purge: not found script path");
            return Ok(());
        };
        let formatted: Vec<String> = match config.script_url_format.as_deref().map(|f| f.trim_start_matches(':')) {
            Some("htcacheclean") => prepared.iter().map(|u| htcacheclean(u)).collect(),
            _ => prepared,
        };
        let status = tokio::process::Command::new(&script)
            .arg(formatted.join(" "))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true)
            .status();
        match tokio::time::timeout(std::time::Duration::from_secs(60), status).await {
            Ok(Ok(s)) if s.success() => {}
            Ok(Ok(s)) => tracing::error!(%script, status = %s, "error while cache purge"),
            Ok(Err(err)) => tracing::error!(%script, error = %err, "error while cache purge"),
            Err(_) => tracing::error!(%script, "error while cache purge: the script timed out"),
        }
    }
    Ok(())
}

/// [`invalidate`] in the background (a slow cache never holds up the request).
pub fn invalidate_later(db: &crate::db::Db, settings: &Settings, urls: Vec<String>) {
    if !settings.media_proxy_invalidation.invalidation.enabled || urls.is_empty() {
        return;
    }
    let (db, settings) = (db.clone(), settings.clone());
    tokio::spawn(async move {
        if let Err(err) = invalidate(&db.read, &settings, &urls).await {
            tracing::error!(error = %err, "error while cache purge");
        }
    });
}

/// Apache's htcacheclean form: `scheme://host:port/path?query` (Pleroma's `maybe_format_urls`).
fn htcacheclean(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => format!(
            "{}://{}:{}{}?{}",
            u.scheme(),
            u.host_str().unwrap_or(""),
            u.port_or_known_default().unwrap_or(80),
            u.path(),
            u.query().unwrap_or("")
        ),
        Err(_) => url.to_string(),
    }
}

/// Why a fetch gave nothing to serve.
#[derive(Debug, PartialEq, Eq)]
pub enum FetchError {
    /// The remote answered with this status.
    Upstream(u16),
    /// Larger than `max_body_length`.
    TooLarge,
    /// Not an allowed content type.
    Unsupported(String),
    /// Unreachable, timed out, or refused by the outbound client (scheme, address).
    Unreachable(String),
}

/// `url`'s content type and body, from the cache or fetched through the outbound client (and
/// then cached), within `[media_proxy]`'s time and size limits.
pub async fn fetch(settings: &Settings, url: &str) -> Result<(String, Vec<u8>), FetchError> {
    let config = &settings.media_proxy;
    let path = cache_path(&settings.data_dir, url);
    let type_path = path.with_extension("type");
    if let (Ok(Some(body)), Ok(Some(kind))) =
        (super::storage::read(settings, &path).await, super::storage::read(settings, &type_path).await)
    {
        if let Ok(kind) = String::from_utf8(kind) {
            return Ok((kind, body));
        }
    }
    let failed = |e: outbound::Error| match e {
        outbound::Error::TooLarge { .. } => FetchError::TooLarge,
        other => FetchError::Unreachable(other.to_string()),
    };
    let client = outbound::Client::new(
        settings.http.policy(),
        outbound::Limits::new(config.timeout_secs, config.max_body_length),
    )
    .map_err(failed)?;
    let response = client.get(client.url(url).map_err(failed)?).send().await.map_err(failed)?;
    if !(200..300).contains(&response.status()) {
        return Err(FetchError::Upstream(response.status()));
    }
    let kind = response.header("content-type").unwrap_or("application/octet-stream").to_string();
    if !config.allowed_types.iter().any(|prefix| kind.starts_with(prefix.as_str())) {
        return Err(FetchError::Unsupported(kind));
    }
    let body = response.bytes().await.map_err(failed)?;
    // The answer does not depend on the cache: a write that fails is logged, and the next
    // request fetches again.
    let stored = match super::storage::write(settings, &path, body.clone()).await {
        Ok(()) => super::storage::write(settings, &type_path, kind.clone().into_bytes()).await,
        Err(error) => Err(error),
    };
    if let Err(error) = stored {
        tracing::warn!(%error, file = %path.display(), "media proxy response not cached");
    }
    Ok((kind, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_round_trip_and_refuse_forgeries() {
        let secret = b"secret";
        let link = encode_url(secret, "https://gw.example", "https://remote.example/media/cat.png");
        let parts: Vec<&str> = link.trim_start_matches("https://gw.example/proxy/").split('/').collect();
        assert_eq!(parts[2], "cat.png");
        assert_eq!(decode_url(secret, parts[0], parts[1]).as_deref(), Some("https://remote.example/media/cat.png"));
        assert_eq!(decode_url(b"other", parts[0], parts[1]), None);
        assert_eq!(decode_url(secret, "AAAA", parts[1]), None);
    }

    #[test]
    fn htcacheclean_urls_name_the_port_and_a_query() {
        assert_eq!(htcacheclean("https://gw.example/proxy/a/b.png"), "https://gw.example:443/proxy/a/b.png?");
        assert_eq!(htcacheclean("http://gw.example:8080/p?x=1"), "http://gw.example:8080/p?x=1");
    }
}
