//! The import document's entries and what an import wrote.
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// The document.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    #[serde(default)]
    pub actors: Vec<Actor>,
    #[serde(default)]
    pub statuses: Vec<Status>,
    #[serde(default)]
    pub follows: Vec<Follow>,
    #[serde(default)]
    pub reports: Vec<Report>,
}

/// A remote actor.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    pub ap_id: String,
    /// `nick@domain`.
    pub nickname: String,
    #[serde(default)]
    pub name: Option<String>,
    /// `Person` (default), `Service` or `Application`.
    #[serde(default)]
    pub actor_type: Option<String>,
    #[serde(default)]
    pub avatar: Option<String>,
    #[serde(default)]
    pub banner: Option<String>,
    #[serde(default)]
    pub bio: Option<String>,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
}

/// A status of an actor (local or remote, known by its ap_id).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Status {
    pub ap_id: String,
    /// The author's ap_id.
    pub actor: String,
    /// `public` (default), `unlisted`, `private` or `direct`.
    #[serde(default)]
    pub visibility: Option<String>,
    /// HTML; sanitised on import.
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub spoiler_text: Option<String>,
    #[serde(default)]
    pub sensitive: bool,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// The ap_id of the status this one answers.
    #[serde(default)]
    pub in_reply_to: Option<String>,
    /// The ap_id of the status this one reblogs (its content is then ignored).
    #[serde(default)]
    pub reblog_of: Option<String>,
    /// URLs of its attachments.
    #[serde(default)]
    pub attachments: Vec<String>,
    /// Descriptions of attachments by URL (an ActivityPub attachment's `name`).
    #[serde(default)]
    pub descriptions: std::collections::BTreeMap<String, String>,
    /// ap_ids of the actors it mentions (addresses).
    #[serde(default)]
    pub mentions: Vec<String>,
}

/// `follower` follows `followed` (ap_ids of any actors).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Follow {
    pub follower: String,
    pub followed: String,
}

/// A report filed from a remote instance.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    pub ap_id: String,
    /// The reporter's ap_id.
    pub actor: String,
    /// The reported account's ap_id.
    pub account: String,
    /// ap_ids of the reported statuses.
    #[serde(default)]
    pub statuses: Vec<String>,
    #[serde(default)]
    pub content: Option<String>,
    /// `open` (default), `closed` or `resolved`.
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
}

/// What an import wrote.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub actors: usize,
    pub statuses: usize,
    pub follows: usize,
    pub reports: usize,
    /// Entries the moderation policies or the `remote_limit` refused (or that named one
    /// refused), left out.
    pub rejected: usize,
}
