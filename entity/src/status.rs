use sea_orm::entity::prelude::*;

/// A post (Pleroma's Note activity and object in one row). A reblog is a row whose
/// `reblog_of_id` names the reblogged status and whose content is empty.
/// Serialisable: a report keeps a deleted status as this row in JSON (`report_statuses.snapshot`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "statuses")]
pub struct Model {
    /// Flake id, base62; the string order is the time order.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(unique)]
    pub ap_id: String,
    /// The author.
    pub user_id: String,
    /// Sanitised HTML.
    pub content: String,
    /// The text as the author typed it (local statuses).
    pub source: Option<String>,
    pub content_type: String,
    /// `public`, `unlisted`, `private` or `direct`.
    pub visibility: String,
    pub sensitive: bool,
    pub spoiler_text: String,
    pub in_reply_to_id: Option<String>,
    pub in_reply_to_user_id: Option<String>,
    pub reblog_of_id: Option<String>,
    pub quote_of_id: Option<String>,
    /// The conversation's context IRI, shared by a thread.
    pub context: String,
    pub language: Option<String>,
    pub local: bool,
    /// The client's `Idempotency-Key`, unique per author.
    pub idempotency_key: Option<String>,
    pub created_at: DateTimeUtc,
    pub edited_at: Option<DateTimeUtc>,
    /// Kept counter: public and unlisted replies (moved by triggers; `counters repair`).
    #[serde(default)]
    pub replies_count: i64,
    /// Kept counter: reblogs.
    #[serde(default)]
    pub reblogs_count: i64,
    /// Kept counter: public and unlisted quotes.
    #[serde(default)]
    pub quotes_count: i64,
    /// Kept counter: favourites.
    #[serde(default)]
    pub favourites_count: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
