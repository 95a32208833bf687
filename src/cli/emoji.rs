//! `emoji ls-packs|get-packs`: Pleroma's `pleroma_ctl emoji` (lib/mix/tasks/pleroma/emoji.ex).
//! A manifest (a URL or a local file) maps pack names to `src` (a zip), `src_sha256`, `files`
//! (the shortcode → file list, beside the manifest), `homepage`, `description` and `license`.
//! `get-packs` checks the archive's SHA-256, unpacks only the listed files (each checked as an
//! image, inside the pack) and writes the pack.json Pleroma writes; the download is one
//! `emoji_pack_get` moderation-log entry with the operator as actor.
use std::collections::{BTreeMap, BTreeSet};

use clap::Subcommand;
use pleroma_gateway::{
    config::Settings,
    db::Db,
    domain::{
        emoji::{self, archive, pack},
        moderation_log::{self, Action, Actor},
    },
    outbound,
};
use serde_json::{json, Map, Value};

use crate::describe;

/// Pleroma's `:emoji, :default_manifest`.
pub const DEFAULT_MANIFEST: &str = "https://git.pleroma.social/pleroma/emoji-index/raw/master/index.json";

#[derive(Subcommand)]
pub enum EmojiCommand {
    /// List the packs of a manifest: name, homepage, description, license, source.
    #[command(name = "ls-packs")]
    LsPacks {
        /// The manifest: a URL or a local file [default: Pleroma's emoji index].
        #[arg(short, long)]
        manifest: Option<String>,
    },
    /// Download packs of a manifest into the emoji directory (checked against its SHA-256).
    #[command(name = "get-packs")]
    GetPacks {
        /// The manifest: a URL or a local file [default: Pleroma's emoji index].
        #[arg(short, long)]
        manifest: Option<String>,
        /// Names of the packs to download.
        #[arg(required = true)]
        packs: Vec<String>,
    },
}

/// A URL (http or https, through the gateway's outbound rules) or a local file.
async fn fetch(settings: &Settings, location: &str) -> Result<Vec<u8>, String> {
    if location.starts_with("http://") || location.starts_with("https://") {
        let limits = outbound::Limits::new(settings.emoji.fetch_timeout_secs, settings.emoji.max_archive_size);
        let client = outbound::Client::new(settings.http.policy(), limits).map_err(|e| e.to_string())?;
        let url = client.url(location).map_err(|e| format!("{location}: {e}"))?;
        let response = client.get(url).send().await.map_err(|e| format!("{location}: {e}"))?;
        if response.status() != 200 {
            return Err(format!("{location}: HTTP {}", response.status()));
        }
        response.bytes().await.map_err(|e| format!("{location}: {e}"))
    } else {
        std::fs::read(location).map_err(|e| format!("{location}: {e}"))
    }
}

async fn fetch_json(settings: &Settings, location: &str) -> Result<Value, String> {
    let bytes = fetch(settings, location).await?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{location}: not JSON: {e}"))
}

/// `files` of a pack, beside the manifest (Pleroma: `Path.dirname(manifest) |> Path.join(files)`).
fn beside(manifest: &str, file: &str) -> String {
    match manifest.rsplit_once('/') {
        Some((dir, _)) => format!("{dir}/{file}"),
        None => file.to_string(),
    }
}

pub async fn run(db: &Db, settings: &Settings, command: EmojiCommand) -> Result<(), String> {
    match command {
        EmojiCommand::LsPacks { manifest } => {
            let manifest = manifest.unwrap_or_else(|| DEFAULT_MANIFEST.into());
            let index = fetch_json(settings, &manifest).await?;
            let packs = index.as_object().ok_or_else(|| format!("{manifest}: expected an object of packs"))?;
            let field = |info: &Value, name: &str| info.get(name).and_then(Value::as_str).unwrap_or("").to_string();
            for (name, info) in packs {
                println!("Name: {name}");
                println!("Homepage: {}", field(info, "homepage"));
                println!("Description: {}", field(info, "description"));
                println!("License: {}", field(info, "license"));
                println!("Source: {}", field(info, "src"));
                println!();
            }
            Ok(())
        }
        EmojiCommand::GetPacks { manifest, packs } => {
            let manifest = manifest.unwrap_or_else(|| DEFAULT_MANIFEST.into());
            let index = fetch_json(settings, &manifest).await?;
            let mut got = Vec::new();
            let mut missing = Vec::new();
            for name in packs {
                let Some(info) = index.get(&name) else {
                    eprintln!("No pack named \"{name}\" found");
                    missing.push(name);
                    continue;
                };
                get_pack(settings, &manifest, &name, info).await?;
                got.push(name);
            }
            if !got.is_empty() {
                moderation_log::record(&db.write, &Actor::operator(), &Action::EmojiPackGet { packs: got })
                    .await
                    .map_err(|e| e.to_string())?;
            }
            if missing.is_empty() {
                Ok(())
            } else {
                Err(format!("not in the manifest: {}", missing.join(", ")))
            }
        }
    }
}

async fn get_pack(settings: &Settings, manifest: &str, name: &str, info: &Value) -> Result<(), String> {
    let text = |key: &str| info.get(key).and_then(Value::as_str).unwrap_or("").to_string();
    let name = emoji::pack_name(name).map_err(describe)?;
    let src = text("src");
    println!("Downloading {name} from {src}");
    let bar = super::progress::spinner(format!("downloading {name}"));
    let archive_bytes = fetch(settings, &src).await;
    bar.finish_and_clear();
    let archive_bytes = archive_bytes?;
    let sha = emoji::sha256_hex(&archive_bytes);
    if !sha.eq_ignore_ascii_case(&text("src_sha256")) {
        return Err(format!("SHA256 of {name} source file is BAD: {sha}, the manifest says {}", text("src_sha256")));
    }
    println!("SHA256 of {name} source file is OK");
    let files_at = beside(manifest, &text("files"));
    println!("Fetching the file list for {name} from {files_at}");
    let files: BTreeMap<String, String> = serde_json::from_value(fetch_json(settings, &files_at).await?)
        .map_err(|e| format!("{files_at}: expected an object of shortcode → file: {e}"))?;
    let limits = archive::Limits::of(&settings.emoji);
    for (shortcode, file) in &files {
        if !emoji::is_valid_shortcode(shortcode) || !emoji::is_safe_file(file) {
            return Err(format!("{files_at}: refused entry {shortcode} → {file}"));
        }
    }
    let wanted: BTreeSet<String> = files.values().cloned().collect();
    let entries = archive::read(&archive_bytes, Some(&wanted), limits).map_err(describe)?;
    for (file, bytes) in &entries {
        emoji::check_image(file, bytes, limits.max_file).map_err(describe)?;
    }
    if let Some(absent) = wanted.iter().find(|f| !entries.contains_key(*f)) {
        return Err(format!("{src}: the archive has no {absent}, which {files_at} lists"));
    }
    println!("Unpacking {name}");
    let index = emoji::index(settings);
    let mut created = pack::create(&index, &name).map_err(describe)?;
    for (file, bytes) in &entries {
        let target = created.path.join(file);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(&target, bytes).map_err(|e| format!("{}: {e}", target.display()))?;
    }
    println!("Writing pack.json for {name}");
    let mut metadata = Map::new();
    for (to, from) in [("license", "license"), ("homepage", "homepage"), ("description", "description")] {
        metadata.insert(to.into(), json!(text(from)));
    }
    metadata.insert("fallback-src".into(), json!(src));
    metadata.insert("fallback-src-sha256".into(), json!(text("src_sha256")));
    metadata.insert("share-files".into(), json!(true));
    created.files = files;
    created.metadata = metadata;
    pack::save(&created).map_err(describe)?;
    index.reload();
    Ok(())
}
