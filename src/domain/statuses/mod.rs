//! Statuses: posting (Pleroma's `CommonAPI.post` and `ActivityDraft`), reblogs, deletion, who
//! may see a status (`activity_pub/visibility.ex`), and the batched reads the views need.
//!
//! Content is rendered as Pleroma renders it: `text/plain` is escaped and its line breaks become
//! `<br/>`, `text/markdown` goes through pulldown-cmark, `text/html` is taken as written; then
//! mentions are linked and the HTML is cleaned by ammonia (never by hand), so a `<script>` never
//! survives.
mod content;
mod create;
mod delete;
mod lists;
mod moderation;
mod page;
mod reads;
mod reblog;
mod visibility;

use crate::config::Settings;

pub use content::*;
pub use create::*;
pub use delete::*;
pub use lists::*;
pub use moderation::*;
pub use page::*;
pub use reads::*;
pub use reblog::*;
pub use visibility::*;

/// Visibilities Pleroma knows, most open first.
pub const VISIBILITIES: [&str; 4] = ["public", "unlisted", "private", "direct"];

/// Visibilities every reader may see (`Visibility.is_public?`).
pub const PUBLIC: [&str; 2] = ["public", "unlisted"];

/// Post formats accepted in `content_type` (Pleroma's `:instance, :allowed_post_formats`).
pub const POST_FORMATS: [&str; 3] = ["text/plain", "text/markdown", "text/html"];

/// Pleroma's message for a status with neither text nor media.
pub const EMPTY_STATUS: &str = "Cannot post an empty status without attachments";
/// Pleroma's message for a status longer than the instance's limit.
pub const TOO_LONG: &str = "The status is over the character limit";
/// Pleroma's message for a reply to a status that no longer exists.
pub const REPLY_DELETED: &str = "The post being replied to was deleted";
/// Pleroma's message for a reply to a direct message that is not direct itself.
pub const MUST_BE_DIRECT: &str = "The message visibility must be direct";

/// A status as its author asks for it (`POST /api/v1/statuses`).
#[derive(Debug, Clone, Default)]
pub struct NewStatus {
    pub status: Option<String>,
    pub media_ids: Vec<String>,
    pub in_reply_to_id: Option<String>,
    pub quote_id: Option<String>,
    pub sensitive: Option<bool>,
    pub spoiler_text: Option<String>,
    /// `public`, `unlisted`, `private`, `direct`; by default the parent's for a reply, else
    /// `public`.
    pub visibility: Option<String>,
    pub content_type: Option<String>,
    pub language: Option<String>,
    /// The client's `Idempotency-Key`: the same key from the same author gives the same status.
    pub idempotency_key: Option<String>,
    /// A poll to attach.
    pub poll: Option<crate::domain::polls::NewPoll>,
}

/// A random UUID (version 4) for ActivityPub ids, as Pleroma's `Utils.generate_object_id`.
fn uuid_v4() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// The ActivityPub id of a new object.
pub fn object_id(settings: &Settings) -> String {
    format!("{}/objects/{}", settings.instance_url, uuid_v4())
}

/// The context IRI of a new thread.
pub fn context_id(settings: &Settings) -> String {
    format!("{}/contexts/{}", settings.instance_url, uuid_v4())
}

/// Pleroma's `conversation_id`: the CRC-32 of the context, without its top bit.
pub fn conversation_id(context: &str) -> i64 {
    let mut crc: u32 = 0xFFFF_FFFF;
    for byte in context.bytes() {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    i64::from(!crc & 0x7FFF_FFFF)
}

/// Where uploads are stored: `Pleroma.Uploaders.Local, :uploads`, under the data directory
/// when relative.
pub fn uploads_dir(settings: &Settings) -> std::path::PathBuf {
    settings.data_dir.join(&settings.upload.uploads)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversation_id_is_crc32_without_top_bit() {
        // crc32("hello") = 0x3610a686
        assert_eq!(conversation_id("hello"), 0x3610_a686);
    }
}
