//! Uploads (`POST /api/v1/media`): files stored under the data directory's `uploads/`, their
//! rows in `media_attachments`, attached to a status when it is posted.
use std::io::{Read, Write};

use chrono::Utc;
use entity::{media_attachment, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::{
    config::Settings,
    db::Db,
    error::{AppError, AppResult},
};

/// The refusal of a file over the upload limit.
pub const TOO_LARGE: &str = "File is too large";
/// The refusal of an empty file.
pub const EMPTY: &str = "Empty file";
/// The refusal of an alt text over the limit.
pub const DESCRIPTION_TOO_LONG: &str = "Description is too long";

/// Types served from this origin only if they cannot run script in it.
const REFUSED_TYPES: [&str; 4] = ["text/html", "application/xhtml+xml", "image/svg+xml", "application/xml"];

/// The types served inline from `/media`: Pleroma's `ReverseProxy` `@inline_content_types`
/// (what it lets a browser show in place), without `image/svg+xml`, which can run script and is
/// refused at upload here.
const INLINE_TYPES: [&str; 9] = [
    "image/gif",
    "image/jpeg",
    "image/jpg",
    "image/png",
    "audio/mpeg",
    "audio/mp3",
    "video/webm",
    "video/mp4",
    "video/quicktime",
];

/// How a stored upload is served: its content type and whether inline. Anything Pleroma does
/// not show inline is an attachment; image, audio and video types keep their type (players
/// and `<img>` still load them), every other type (scripts, XML, feeds, text, HTML-ish) is
/// served as `application/octet-stream`, so no browser treats it as a document of this origin.
pub fn served_as(stored_type: &str) -> (&str, bool) {
    let bare = stored_type.split(';').next().unwrap_or("").trim();
    if INLINE_TYPES.iter().any(|t| t.eq_ignore_ascii_case(bare)) {
        return (bare, true);
    }
    let lower = bare.to_ascii_lowercase();
    let media = ["image/", "audio/", "video/"].iter().any(|p| lower.starts_with(p));
    if media && !lower.contains("xml") && !lower.contains("html") {
        (bare, false)
    } else {
        ("application/octet-stream", false)
    }
}

/// An upload as received.
pub struct NewMedia {
    pub filename: String,
    pub content_type: Option<String>,
    pub file: std::fs::File,
    pub description: Option<String>,
}

fn extension(filename: &str) -> String {
    filename
        .rsplit_once('.')
        .map(|(_, ext)| ext.chars().filter(char::is_ascii_alphanumeric).take(8).collect::<String>())
        .filter(|e| !e.is_empty())
        .map(|e| format!(".{}", e.to_ascii_lowercase()))
        .unwrap_or_default()
}

/// The content type of a file: as declared, or guessed from its first bytes.
fn content_type(declared: Option<&str>, head: &[u8]) -> String {
    let declared = declared.map(|t| t.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
    match declared.filter(|t| !t.is_empty() && t != "application/octet-stream") {
        Some(t) => t,
        None => image_type(head).unwrap_or("application/octet-stream").into(),
    }
}

/// The image type a file's first bytes show (PNG, JPEG, GIF, WebP), if any.
pub fn image_type(head: &[u8]) -> Option<&'static str> {
    match head {
        [0x89, b'P', b'N', b'G', ..] => Some("image/png"),
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [b'G', b'I', b'F', b'8', ..] => Some("image/gif"),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some("image/webp"),
        _ => None,
    }
}

/// Store an upload of `owner`: size (the instance's `upload_limit`), type (nothing that would
/// run script on this origin) and description length (`description_limit`) checked; refusals
/// are `VALIDATION_FAILED` with the reason. Then `Pleroma.Upload`'s filters: metadata stripped
/// from images (`Exiftool.StripLocation`, `Exiftool.StripMetadata`), the content's hash as
/// the file name (`Dedupe`), the shown name anonymized (`AnonymizeFilename`). Without a
/// description the shown name is the description, as Pleroma's `name`.
pub async fn store(
    db: &Db,
    settings: &Settings,
    owner: &user::Model,
    mut new: NewMedia,
) -> AppResult<media_attachment::Model> {
    let limits = &settings.limits;
    if new.description.as_ref().is_some_and(|d| d.chars().count() > limits.description_limit) {
        return Err(AppError::invalid("description", DESCRIPTION_TOO_LONG));
    }
    let size = new.file.metadata().map_err(AppError::internal)?.len();
    if size > limits.upload_limit {
        return Err(AppError::invalid("file", TOO_LARGE));
    }
    if size == 0 {
        return Err(AppError::invalid("file", EMPTY));
    }
    let mut head = [0u8; 16];
    let read = new.file.read(&mut head).map_err(AppError::internal)?;
    let content_type = content_type(new.content_type.as_deref(), &head[..read]);
    if REFUSED_TYPES.contains(&content_type.as_str()) {
        return Err(AppError::invalid("file", &format!("Unsupported file type: {content_type}")));
    }
    let id = crate::ids::flake_id();
    let extension = extension(&new.filename);
    let upload = settings.upload.clone();
    let dir = super::statuses::uploads_dir(settings);
    let mut source = new.file;
    let kind = content_type.clone();
    let random_name = format!("{id}-{:032x}{extension}", rand::random::<u128>());
    let (file_name, size) = tokio::task::spawn_blocking(move || -> std::io::Result<(String, u64)> {
        use std::io::Seek;
        source.rewind()?;
        let mut body = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        source.read_to_end(&mut body)?;
        if let Some(stripped) = super::upload_filters::strip_metadata(&upload, &kind, &body) {
            body = stripped;
        }
        // Anyone holding an upload's URL may read it (Pleroma's `UploadedMedia` serves /media/
        // to all), published or not: without `Dedupe` its name carries 128 random bits, so the
        // URL cannot be guessed from the time-ordered id; with it, the name is the content's
        // hash, known only to who has the content. The sender's file name gives only a
        // sanitised extension.
        let file_name = if upload.has_filter("Dedupe") {
            super::upload_filters::dedupe_name(&body, &extension)
        } else {
            random_name
        };
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(&file_name);
        if !path.exists() {
            // Written beside and renamed, so a reader never sees half a file.
            let part = dir.join(format!(".{file_name}.{:016x}.part", rand::random::<u64>()));
            let mut out = std::fs::File::create(&part)?;
            out.write_all(&body)?;
            out.flush()?;
            std::fs::rename(&part, &path)?;
        }
        Ok((file_name, body.len() as u64))
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::internal)?;
    // Into the storage every process serves from (the local copy goes once stored elsewhere).
    let written = super::statuses::uploads_dir(settings).join(&file_name);
    super::storage::push_file(settings, &written).await?;
    if !super::storage::store(settings).is_working_copy() {
        if let Err(error) = tokio::fs::remove_file(&written).await {
            tracing::warn!(%error, "cannot remove the local copy of a stored upload");
        }
    }
    let shown = if settings.upload.has_filter("AnonymizeFilename") {
        super::upload_filters::anonymized_name(&settings.upload, &new.filename)
    } else {
        new.filename.clone()
    };
    let description = new.description.take().filter(|d| !d.is_empty()).or(Some(shown).filter(|n| !n.is_empty()));
    let row = media_attachment::ActiveModel {
        id: Set(id),
        user_id: Set(owner.id.clone()),
        status_id: Set(None),
        file_name: Set(file_name),
        content_type: Set(content_type),
        size: Set(i64::try_from(size).unwrap_or(i64::MAX)),
        description: Set(description),
        remote_url: Set(None),
        inserted_at: Set(Utc::now()),
    };
    Ok(row.insert(&db.write).await?)
}

/// Whether another upload row still names `file_name` (`Dedupe` shares files).
pub async fn file_in_use<C: ConnectionTrait>(conn: &C, file_name: &str) -> AppResult<bool> {
    Ok(by_file_name(conn, file_name).await?.is_some())
}

/// The stored upload served under `file_name`, if any.
pub async fn by_file_name<C: ConnectionTrait>(conn: &C, file_name: &str) -> AppResult<Option<media_attachment::Model>> {
    Ok(media_attachment::Entity::find()
        .filter(media_attachment::Column::FileName.eq(file_name))
        .filter(media_attachment::Column::RemoteUrl.is_null())
        .one(conn)
        .await?)
}

#[cfg(test)]
mod served_tests {
    use super::served_as;

    #[test]
    fn only_pleromas_inline_types_are_inline() {
        assert_eq!(served_as("image/png"), ("image/png", true));
        assert_eq!(served_as("video/mp4; codecs=avc1"), ("video/mp4", true));
        assert_eq!(served_as("image/webp"), ("image/webp", false));
        for unsafe_type in ["text/javascript", "text/xml", "application/rss+xml", "text/plain", "image/svg+xml", ""] {
            assert_eq!(served_as(unsafe_type), ("application/octet-stream", false), "{unsafe_type}");
        }
    }
}
