//! Custom emoji and emoji packs: the public emoji list and pack listings, and the staff's pack
//! management (`emoji_manage_emoji`), including packs shared between instances.
mod types;

use std::io::Read;

use async_graphql::{Context, InputObject, Json, Object, SimpleObject, Upload};
use serde_json::{Map, Value};

pub use types::*;

use super::{ContextExt, FieldRule};
use crate::{
    auth::{Access, Privilege},
    domain::emoji::{self as domain, archive::Limits, pack, remote},
    error::AppError,
};

const MANAGE: Access = Access::Staff(Privilege::EmojiManageEmoji, &["admin:write"]);

/// Access rules of this area's fields.
pub const ACCESS: &[FieldRule] = &[
    ("Query", "customEmojis", Access::Public),
    ("Query", "emojiPacks", Access::Public),
    ("Query", "emojiPack", Access::Public),
    ("Query", "emojiPackArchive", Access::Public),
    ("Query", "remoteEmojiPacks", MANAGE),
    ("Mutation", "reloadEmoji", MANAGE),
    ("Mutation", "importEmojiPacks", MANAGE),
    ("Mutation", "createEmojiPack", MANAGE),
    ("Mutation", "updateEmojiPackMetadata", MANAGE),
    ("Mutation", "deleteEmojiPack", MANAGE),
    ("Mutation", "downloadEmojiPack", MANAGE),
    ("Mutation", "addEmojiFile", MANAGE),
    ("Mutation", "updateEmojiFile", MANAGE),
    ("Mutation", "deleteEmojiFile", MANAGE),
];

fn does_not_exist(name: &str) -> AppError {
    AppError::NotFound(format!("Pack {name} does not exist"))
}

/// Emoji reads.
#[derive(Default)]
pub struct EmojiQuery;

#[Object]
impl EmojiQuery {
    /// Every custom emoji of this instance, by shortcode (as this process last loaded them).
    async fn custom_emojis(&self, ctx: &Context<'_>) -> Vec<CustomEmoji> {
        let base_url = ctx.settings().instance_url.clone();
        index(ctx)
            .all()
            .values()
            .map(|emoji| CustomEmoji { emoji: emoji.clone(), base_url: base_url.clone() })
            .collect()
    }

    /// The local packs, by name. Page with `first`/`after` or `page`/`pageSize` (default 50).
    #[graphql(complexity = "super::pagination::page_complexity(child_complexity, first, page_size, 50)")]
    async fn emoji_packs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: at most this many items (cursor paging).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`).")] after: Option<String>,
        #[graphql(desc = "1-based page number (page paging, as the REST API pages); ignored with `after`.")]
        page: Option<i32>,
        #[graphql(desc = "Page size (page paging); `first` wins when both are given.")] page_size: Option<i32>,
    ) -> async_graphql::Result<EmojiPackConnection> {
        let window = super::pagination::Window::resolve(first, after, page, page_size, 50)?;
        let index = index(ctx);
        let listed = index.clone();
        let all = blocking(move || pack::list(&listed)).await?;
        let total = all.len() as u64;
        let nodes = all
            .into_iter()
            .skip(usize::try_from(window.offset).unwrap_or(usize::MAX))
            .take(usize::try_from(window.limit).unwrap_or(usize::MAX))
            .map(|pack| EmojiPack { pack, index: index.clone() })
            .collect();
        Ok(window.connection(nodes, total))
    }

    /// One local pack. A blank name is `BAD_REQUEST` (`pack name cannot be empty`), an unknown
    /// one `NOT_FOUND` (`Pack <name> does not exist`).
    async fn emoji_pack(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pack's name.")] name: String,
    ) -> async_graphql::Result<EmojiPack> {
        let name = domain::pack_name(&name)?;
        let index = index(ctx);
        let pack = pack::load(&index, &name).ok_or_else(|| does_not_exist(&name))?;
        Ok(EmojiPack { pack, index })
    }

    /// A pack's zip archive (pack.json and its files). `FORBIDDEN` when the pack is not shared
    /// or misses files, `NOT_FOUND` for an unknown pack.
    async fn emoji_pack_archive(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pack's name.")] name: String,
    ) -> async_graphql::Result<EmojiPackArchive> {
        use base64::Engine;
        let name = domain::pack_name(&name)?;
        let index = index(ctx);
        let pack = pack::load(&index, &name).ok_or_else(|| does_not_exist(&name))?;
        let built = blocking(move || pack::archive(&index, &pack)).await?;
        Ok(EmojiPackArchive {
            filename: format!("{name}.zip"),
            data: base64::engine::general_purpose::STANDARD.encode(&built.bytes),
            sha256: built.sha256.clone(),
            size: built.bytes.len() as u64,
        })
    }

    /// The packs another instance shares, as it lists them (`{packs, count}`). `UPSTREAM` when
    /// it does not share packs (its nodeinfo lacks `shareable_emoji_packs`) or cannot be reached.
    async fn remote_emoji_packs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The remote instance's base URL.")] url: String,
        #[graphql(default = 1, desc = "1-based page number.")] page: i32,
        #[graphql(default = 30, desc = "Packs per page.")] page_size: i32,
    ) -> async_graphql::Result<Json<Value>> {
        if page < 1 || page_size < 0 {
            return Err(AppError::BadRequest("page must be at least 1 and page_size at least 0".into()).into());
        }
        let base = remote::base_url(&url)?;
        Ok(Json(remote::list(ctx.settings(), &base, i64::from(page), i64::from(page_size)).await?))
    }
}

/// The number of emoji after a reload.
#[derive(SimpleObject)]
pub struct ReloadEmojiPayload {
    /// How many emoji this process now knows.
    pub emoji_count: u64,
}

/// Packs written from the filesystem.
#[derive(SimpleObject)]
pub struct ImportEmojiPacksPayload {
    /// Names of the packs that got a pack.json.
    pub names: Vec<String>,
}

/// A pack after a change.
#[derive(SimpleObject)]
pub struct EmojiPackPayload {
    /// The pack.
    pub pack: EmojiPack,
}

/// A deleted pack.
#[derive(SimpleObject)]
pub struct DeleteEmojiPackPayload {
    /// Its name.
    pub name: String,
}

/// Which pack.
#[derive(InputObject)]
pub struct EmojiPackNameInput {
    /// The pack's name (trimmed; not blank).
    pub name: String,
}

/// New metadata for a pack.
#[derive(InputObject)]
pub struct UpdateEmojiPackMetadataInput {
    /// The pack's name.
    pub name: String,
    /// The whole new `pack` section: license, homepage, description, fallback-src,
    /// share-files… A new fallback-src is downloaded, must hold every file of the pack, and its
    /// SHA-256 is stored as fallback-src-sha256.
    pub metadata: Json<Map<String, Value>>,
}

/// A pack to fetch from another instance.
#[derive(InputObject)]
pub struct DownloadEmojiPackInput {
    /// The other instance's base URL.
    pub url: String,
    /// The pack's name there.
    pub name: String,
    /// The local name (default: the same name).
    pub save_as: Option<String>,
}

/// An emoji to add.
#[derive(InputObject)]
pub struct AddEmojiFileInput {
    /// The pack's name.
    pub pack: String,
    /// The image (or a zip of images: each one not yet known is added under its file name).
    pub file: Option<Upload>,
    /// Or an http(s) URL to fetch the image from.
    pub file_url: Option<String>,
    /// Default: the file name without its extension.
    pub shortcode: Option<String>,
    /// Default: the uploaded file's name, or the URL's last segment.
    pub filename: Option<String>,
}

/// An emoji to rename or move.
#[derive(InputObject)]
pub struct UpdateEmojiFileInput {
    /// The pack's name.
    pub pack: String,
    /// The emoji's shortcode now.
    pub shortcode: String,
    /// Its new shortcode.
    pub new_shortcode: String,
    /// Its new file name (moved when it differs).
    pub new_filename: String,
    /// Take `newShortcode` even when another emoji has it.
    #[graphql(default)]
    pub force: bool,
}

/// An emoji to remove.
#[derive(InputObject)]
pub struct DeleteEmojiFileInput {
    /// The pack's name.
    pub pack: String,
    /// The emoji's shortcode.
    pub shortcode: String,
}

/// After a pack change (holding the index's guard): store the working copy and tell every
/// process sharing the database to reload its index.
async fn changed(ctx: &Context<'_>, index: &domain::EmojiIndex) -> Result<(), AppError> {
    index.publish(ctx.settings()).await?;
    notify(ctx).await
}

/// Count a change to the emoji packs, so every process reloads its index.
async fn notify(ctx: &Context<'_>) -> Result<(), AppError> {
    if let Some(live) = ctx.data_opt::<std::sync::Arc<crate::domain::config_db::LiveSettings>>() {
        live.files_changed().await.map_err(AppError::from)?;
    }
    Ok(())
}

fn payload(pack: pack::Pack, ctx: &Context<'_>) -> EmojiPackPayload {
    EmojiPackPayload { pack: EmojiPack { pack, index: index(ctx) } }
}

/// The last path segment of a URL (Pleroma's `Path.basename(url)`).
fn url_file_name(url: &str) -> String {
    let path = url::Url::parse(url).map(|u| u.path().to_string()).unwrap_or_else(|_| url.to_string());
    path.rsplit('/').next().unwrap_or_default().to_string()
}

/// Emoji changes (staff with `emoji_manage_emoji`; Pleroma keeps no moderation-log entry for
/// them). Each one reloads the index.
#[derive(Default)]
pub struct EmojiMutation;

#[Object]
impl EmojiMutation {
    /// Load the emoji directory again (this process, from the shared storage; every process loads
    /// at start and after any process changed a pack).
    async fn reload_emoji(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "input", default, desc = "Nothing is needed; may be left out.")]
        _input: super::inputs::NoParametersInput,
    ) -> async_graphql::Result<ReloadEmojiPayload> {
        let count = domain::refresh(ctx.settings()).await?;
        Ok(ReloadEmojiPayload { emoji_count: count as u64 })
    }

    /// Write a pack.json for every pack directory without one (from its emoji.txt, else its
    /// image files).
    async fn import_emoji_packs(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "input", default, desc = "Nothing is needed; may be left out.")]
        _input: super::inputs::NoParametersInput,
    ) -> async_graphql::Result<ImportEmojiPacksPayload> {
        let index = index(ctx);
        let _guard = index.begin(ctx.settings()).await?;
        let extensions = ctx.settings().emoji.pack_extensions.clone();
        let work = index.clone();
        let names = blocking(move || pack::import_from_filesystem(&work, &extensions)).await?;
        changed(ctx, &index).await?;
        Ok(ImportEmojiPacksPayload { names })
    }

    /// Create an empty pack. `CONFLICT` when the name is taken.
    async fn create_emoji_pack(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: EmojiPackNameInput,
    ) -> async_graphql::Result<EmojiPackPayload> {
        let name = domain::pack_name(&input.name)?;
        let index = index(ctx);
        let _guard = index.begin(ctx.settings()).await?;
        let work = index.clone();
        let pack = blocking(move || pack::create(&work, &name)).await?;
        changed(ctx, &index).await?;
        Ok(payload(pack, ctx))
    }

    /// Replace a pack's metadata.
    async fn update_emoji_pack_metadata(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UpdateEmojiPackMetadataInput,
    ) -> async_graphql::Result<EmojiPackPayload> {
        let name = domain::pack_name(&input.name)?;
        let index = index(ctx);
        let _guard = index.begin(ctx.settings()).await?;
        let current = pack::load(&index, &name).ok_or_else(|| does_not_exist(&name))?;
        let mut metadata = input.metadata.0;
        if let Some(Value::String(src)) = metadata.get("fallback-src").cloned() {
            if current.metadata.get("fallback-src") != Some(&Value::String(src.clone())) {
                let sha = remote::fallback_sha256(ctx.settings(), &current, &src).await?;
                metadata.insert("fallback-src-sha256".into(), Value::String(sha));
            }
        }
        let work = index.clone();
        let pack = blocking(move || pack::save_metadata(&work, current, metadata)).await?;
        changed(ctx, &index).await?;
        Ok(payload(pack, ctx))
    }

    /// Delete a pack and its files. `NOT_FOUND` for an unknown pack.
    async fn delete_emoji_pack(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: EmojiPackNameInput,
    ) -> async_graphql::Result<DeleteEmojiPackPayload> {
        let name = domain::pack_name(&input.name)?;
        let index = index(ctx);
        let _guard = index.begin(ctx.settings()).await?;
        let (work, deleted) = (index.clone(), name.clone());
        blocking(move || pack::delete(&work, &deleted)).await?;
        changed(ctx, &index).await?;
        Ok(DeleteEmojiPackPayload { name })
    }

    /// Download a pack another instance shares (its archive, or its fallback-src), check the
    /// SHA-256 it announces, and install it under `saveAs` (default: its name). `UPSTREAM` when
    /// the instance does not share packs or the checksum does not match; `CONFLICT` when a
    /// local pack has the name.
    async fn download_emoji_pack(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: DownloadEmojiPackInput,
    ) -> async_graphql::Result<EmojiPackPayload> {
        let base = remote::base_url(&input.url)?;
        let remote_name = input.name.trim().to_string();
        let local = domain::pack_name(input.save_as.as_deref().unwrap_or(&remote_name))?;
        let index = index(ctx);
        if pack::load(&index, &local).is_some() {
            return Err(AppError::Conflict {
                message: format!("A pack named \"{local}\" already exists"),
                details: Value::Null,
            }
            .into());
        }
        let pack = remote::download(ctx.settings(), &index, &base, &remote_name, &local).await?;
        notify(ctx).await?;
        Ok(payload(pack, ctx))
    }

    /// Add an emoji from an upload or a URL (only images: PNG, APNG, GIF, JPEG, WebP, AVIF,
    /// within the size limit). `CONFLICT` when the shortcode is taken, `NOT_FOUND` for an unknown
    /// pack, `VALIDATION_FAILED` for a blank shortcode or file name.
    async fn add_emoji_file(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: AddEmojiFileInput,
    ) -> async_graphql::Result<EmojiPackPayload> {
        let config = ctx.settings().emoji.clone();
        let index = index(ctx);
        let name = input.pack.trim().to_string();
        if name.is_empty() {
            return Err(AppError::invalid("name", "pack name, shortcode or filename cannot be empty").into());
        }
        let name = domain::pack_name(&name)?;
        let current = pack::load_for_files(&index, &name)?;
        let (given_name, bytes) = match (&input.file, &input.file_url) {
            (Some(upload), _) => {
                let upload = upload.value(ctx).map_err(|e| AppError::BadRequest(format!("Unreadable upload: {e}")))?;
                let name = upload.filename.clone();
                let mut bytes = Vec::new();
                upload
                    .into_read()
                    .take(config.max_archive_size.max(config.max_file_size) + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| AppError::BadRequest(format!("Unreadable upload: {e}")))?;
                (name, bytes)
            }
            (None, Some(url)) => {
                let (_, bytes) = remote::fetch(ctx.settings(), url.trim(), config.max_file_size).await?;
                (url_file_name(url.trim()), bytes)
            }
            (None, None) => return Err(AppError::BadRequest("Missing field: file.".into()).into()),
        };
        let _guard = index.begin(ctx.settings()).await?;
        let work = index.clone();
        let is_zip = input.file.is_some() && infer::get(&bytes).is_some_and(|t| t.mime_type() == "application/zip");
        let pack = if is_zip {
            blocking(move || pack::add_zip(&work, current, &bytes, Limits::of(&config))).await?
        } else {
            let filename = input.filename.unwrap_or(given_name);
            let shortcode = input.shortcode.unwrap_or_else(|| {
                let base = filename.rsplit('/').next().unwrap_or(&filename);
                base.rsplit_once('.').map_or(base, |(stem, _)| stem).to_string()
            });
            blocking(move || pack::add_file(&work, current, &shortcode, &filename, &bytes, config.max_file_size))
                .await?
        };
        changed(ctx, &index).await?;
        Ok(payload(pack, ctx))
    }

    /// Rename an emoji and/or move its file. `BAD_REQUEST` for an unknown shortcode,
    /// `CONFLICT` when the new shortcode is taken (unless `force`).
    async fn update_emoji_file(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UpdateEmojiFileInput,
    ) -> async_graphql::Result<EmojiPackPayload> {
        let index = index(ctx);
        let name = domain::pack_name(&input.pack)?;
        let _guard = index.begin(ctx.settings()).await?;
        let current = pack::load_for_files(&index, &name)?;
        let work = index.clone();
        let pack = blocking(move || {
            pack::update_file(&work, current, &input.shortcode, &input.new_shortcode, &input.new_filename, input.force)
        })
        .await?;
        changed(ctx, &index).await?;
        Ok(payload(pack, ctx))
    }

    /// Remove an emoji and its file. `BAD_REQUEST` for an unknown shortcode.
    async fn delete_emoji_file(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: DeleteEmojiFileInput,
    ) -> async_graphql::Result<EmojiPackPayload> {
        let index = index(ctx);
        let name = domain::pack_name(&input.pack)?;
        let _guard = index.begin(ctx.settings()).await?;
        let current = pack::load_for_files(&index, &name)?;
        let work = index.clone();
        let pack = blocking(move || pack::delete_file(&work, current, &input.shortcode)).await?;
        changed(ctx, &index).await?;
        Ok(payload(pack, ctx))
    }
}
