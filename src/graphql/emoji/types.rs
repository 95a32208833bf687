//! Custom emoji and emoji pack types.
use std::sync::Arc;

use async_graphql::{
    connection::{Connection, CursorType, EmptyFields, OpaqueCursor},
    Context, Json, Object, SimpleObject,
};
use serde_json::Value;

use crate::{
    domain::emoji::{self as domain, pack::Pack, Emoji, EmojiIndex},
    error::AppError,
    graphql::pagination::{ListMeta, Window},
};

/// A custom emoji of this instance.
pub struct CustomEmoji {
    pub emoji: Emoji,
    pub base_url: String,
}

/// A custom emoji: `:shortcode:` in statuses shows its image.
#[Object]
impl CustomEmoji {
    /// The shortcode, without colons.
    async fn shortcode(&self) -> &str {
        &self.emoji.shortcode
    }
    /// The image's path on this instance (`/emoji/<pack>/<file>`), Pleroma's `image_url`.
    async fn image_url(&self) -> &str {
        &self.emoji.file
    }
    /// The image's absolute URL.
    async fn url(&self) -> String {
        absolute(&self.base_url, &self.emoji.file)
    }
    /// The still image's absolute URL (the same image: Pleroma keeps no still copy).
    async fn static_url(&self) -> String {
        absolute(&self.base_url, &self.emoji.file)
    }
    /// Tags: `pack:<name>` for emoji of a pack with a pack.json, else `Custom` or emoji.txt's.
    async fn tags(&self) -> &[String] {
        &self.emoji.tags
    }
    /// Mastodon's category: the tags but `Custom`, joined by commas.
    async fn category(&self) -> String {
        self.emoji.tags.iter().filter(|t| *t != "Custom").cloned().collect::<Vec<_>>().join(",")
    }
    /// Always true: every emoji shows in pickers.
    async fn visible_in_picker(&self) -> bool {
        true
    }
}

fn absolute(base: &str, path: &str) -> String {
    if path.starts_with("http://") || path.starts_with("https://") {
        path.to_string()
    } else if path.starts_with('/') {
        format!("{base}{path}")
    } else {
        format!("{base}/{path}")
    }
}

/// One emoji of a pack.
#[derive(SimpleObject)]
pub struct EmojiFile {
    /// The shortcode.
    pub shortcode: String,
    /// The file, relative to the pack's directory.
    pub filename: String,
}

/// A page of a pack's emoji, by shortcode, with the total count.
pub type EmojiFileConnection = Connection<OpaqueCursor<u64>, EmojiFile, ListMeta, EmptyFields>;

/// A local emoji pack.
pub struct EmojiPack {
    pub pack: Pack,
    pub index: Arc<EmojiIndex>,
}

impl EmojiPack {
    fn text(&self, key: &str) -> Option<String> {
        self.pack.metadata.get(key).and_then(Value::as_str).map(String::from)
    }
}

/// A directory of custom emoji with its pack.json: files and metadata.
#[Object]
impl EmojiPack {
    /// The pack's name (its directory).
    async fn name(&self) -> &str {
        &self.pack.name
    }
    /// The pack's emoji by shortcode: all of them, or a page (`first`/`after`, or 1-based
    /// `page` and `pageSize`, as the REST API pages them).
    async fn files(
        &self,
        #[graphql(desc = "Page size: at most this many items (cursor paging).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`).")] after: Option<String>,
        #[graphql(desc = "1-based page number (page paging, as the REST API pages); ignored with `after`.")]
        page: Option<i32>,
        #[graphql(desc = "Page size (page paging); `first` wins when both are given.")] page_size: Option<i32>,
    ) -> async_graphql::Result<EmojiFileConnection> {
        let total = self.pack.files.len() as u64;
        let size = match first.or(page_size) {
            Some(n) => u64::try_from(n).map_err(|_| AppError::BadRequest("page size must not be negative".into()))?,
            None => total,
        };
        let offset = match (after, page) {
            (Some(cursor), _) => {
                let OpaqueCursor(position) = OpaqueCursor::<u64>::decode_cursor(&cursor)
                    .map_err(|_| AppError::BadRequest("invalid cursor".into()))?;
                position + 1
            }
            (None, Some(page)) => u64::try_from(page.max(1) - 1).unwrap_or(0).saturating_mul(size),
            (None, None) => 0,
        };
        let window = Window { offset, limit: size };
        let nodes = self
            .pack
            .files
            .iter()
            .skip(usize::try_from(window.offset).unwrap_or(usize::MAX))
            .take(usize::try_from(window.limit).unwrap_or(usize::MAX))
            .map(|(shortcode, filename)| EmojiFile { shortcode: shortcode.clone(), filename: filename.clone() })
            .collect();
        Ok(window.connection(nodes, total))
    }
    /// How many emoji the pack has.
    async fn files_count(&self) -> u64 {
        self.pack.files.len() as u64
    }
    /// The `pack` section of pack.json as stored (license, homepage, description, fallback-src,
    /// fallback-src-sha256, share-files, and any other key an admin saved).
    async fn metadata(&self) -> Json<serde_json::Map<String, Value>> {
        Json(self.pack.metadata.clone())
    }
    /// The pack's license.
    async fn license(&self) -> Option<String> {
        self.text("license")
    }
    /// The pack's homepage.
    async fn homepage(&self) -> Option<String> {
        self.text("homepage")
    }
    /// The pack's description.
    async fn description(&self) -> Option<String> {
        self.text("description")
    }
    /// An archive other instances may download the pack from instead of this one.
    async fn fallback_src(&self) -> Option<String> {
        self.text("fallback-src")
    }
    /// The SHA-256 of the fallback archive (upper-case hex), set when fallback-src changes.
    async fn fallback_src_sha256(&self) -> Option<String> {
        self.text("fallback-src-sha256")
    }
    /// Whether other instances may download the pack from this one.
    async fn share_files(&self) -> bool {
        self.pack.metadata.get("share-files").is_some_and(|v| !matches!(v, Value::Null | Value::Bool(false)))
    }
    /// Whether the pack can be downloaded now: shared, and every file present.
    async fn can_download(&self) -> bool {
        domain::pack::downloadable(&self.pack)
    }
    /// The SHA-256 (upper-case hex) of the pack's archive, when it can be downloaded.
    async fn download_sha256(&self) -> async_graphql::Result<Option<String>> {
        if !domain::pack::downloadable(&self.pack) {
            return Ok(None);
        }
        let (index, pack) = (self.index.clone(), self.pack.clone());
        let built = blocking(move || domain::pack::archive(&index, &pack)).await?;
        Ok(Some(built.sha256.clone()))
    }
}

/// A pack's zip archive, as other instances download it.
#[derive(SimpleObject)]
pub struct EmojiPackArchive {
    /// `<name>.zip`.
    pub filename: String,
    /// The archive, base64.
    pub data: String,
    /// Its SHA-256 (upper-case hex).
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
}

/// A page of local packs, with the total count.
pub type EmojiPackConnection = Connection<OpaqueCursor<u64>, EmojiPack, ListMeta, EmptyFields>;

/// Run filesystem work off the async threads.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work).await.map_err(AppError::internal)?
}

/// The index of the instance the request is served by.
pub fn index(ctx: &Context<'_>) -> Arc<EmojiIndex> {
    use crate::graphql::ContextExt;
    domain::index(ctx.settings())
}
