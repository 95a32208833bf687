use sea_orm::{entity::prelude::*, Set};

/// A local or remote account.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    /// Flake id, base62.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// `alice` for local users, `alice@example.org` for remote ones.
    #[sea_orm(unique)]
    pub nickname: String,
    pub email: Option<String>,
    /// Display name.
    pub name: Option<String>,
    pub bio: String,
    pub password_hash: Option<String>,
    #[sea_orm(unique)]
    pub ap_id: String,
    pub local: bool,
    /// Host of a remote account; `None` for local ones.
    pub domain: Option<String>,
    pub actor_type: String,
    pub is_admin: bool,
    pub is_moderator: bool,
    pub is_active: bool,
    pub is_confirmed: bool,
    pub is_approved: bool,
    pub is_suggested: bool,
    pub is_locked: bool,
    pub is_discoverable: bool,
    pub no_rich_text: bool,
    pub default_scope: String,
    pub hide_follows: bool,
    pub hide_followers: bool,
    pub hide_followers_count: bool,
    pub hide_follows_count: bool,
    pub hide_favorites: bool,
    pub allow_following_move: bool,
    pub show_role: bool,
    pub skip_thread_containment: bool,
    /// Profile fields rendered to HTML: `[{"name", "value"}]`.
    pub fields: Json,
    /// Profile fields as the user typed them.
    pub raw_fields: Json,
    pub avatar: Option<String>,
    pub banner: Option<String>,
    pub background: Option<String>,
    pub registration_reason: Option<String>,
    pub password_reset_pending: bool,
    pub mfa_enabled: bool,
    /// Pleroma's per-frontend settings store.
    pub settings_store: Json,
    pub also_known_as: Json,
    /// The bio as typed (`bio` is rendered); `None` for accounts never edited here.
    pub raw_bio: Option<String>,
    /// `YYYY-MM-DD`, when the user gave it.
    pub birthday: Option<String>,
    pub show_birthday: bool,
    pub accepts_chat_messages: bool,
    /// Alt text of the avatar.
    pub avatar_description: String,
    /// Alt text of the header.
    pub header_description: String,
    /// Lower-cased `nickname name email`, what admin search matches.
    pub search_text: String,
    pub inserted_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Kept counter (Pleroma's `note_count`): public and unlisted posts, reblogs excluded
    /// (moved by triggers; `counters repair`).
    pub statuses_count: i64,
    /// Kept counter: accounts following this one.
    pub followers_count: i64,
    /// Kept counter: accounts this one follows.
    pub following_count: i64,
    /// Kept: creation time of the newest status (reblogs included).
    pub last_status_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::user_tag::Entity")]
    Tags,
}

impl Related<super::user_tag::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tags.def()
    }
}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    /// Keep `search_text` in step with nickname, display name and email on every save.
    async fn before_save<C>(mut self, _db: &C, _insert: bool) -> Result<Self, DbErr>
    where
        C: ConnectionTrait + 'async_trait,
    {
        if let (Some(nickname), Some(name), Some(email)) =
            (self.nickname.try_as_ref(), self.name.try_as_ref(), self.email.try_as_ref())
        {
            let text = search_text(nickname, name.as_deref(), email.as_deref());
            self.search_text = Set(text);
        }
        Ok(self)
    }
}

impl Model {
    /// A user row with Pleroma's defaults for a new `%User{}` (local, active, confirmed and
    /// approved, public posts, favourites hidden, no counts): the one constructor registration's
    /// peers (remote actor import, the seeder, the admin token's user) build their rows from,
    /// setting what differs with `..Model::new(..)`.
    pub fn new(id: String, nickname: String, ap_id: String, now: chrono::DateTime<chrono::Utc>) -> Model {
        Model {
            search_text: search_text(&nickname, None, None),
            id,
            nickname,
            email: None,
            name: None,
            bio: String::new(),
            password_hash: None,
            ap_id,
            local: true,
            domain: None,
            actor_type: "Person".into(),
            is_admin: false,
            is_moderator: false,
            is_active: true,
            is_confirmed: true,
            is_approved: true,
            is_suggested: false,
            is_locked: false,
            is_discoverable: false,
            no_rich_text: false,
            default_scope: "public".into(),
            hide_follows: false,
            hide_followers: false,
            hide_followers_count: false,
            hide_follows_count: false,
            hide_favorites: true,
            allow_following_move: true,
            show_role: true,
            skip_thread_containment: false,
            fields: serde_json::json!([]),
            raw_fields: serde_json::json!([]),
            avatar: None,
            banner: None,
            background: None,
            registration_reason: None,
            password_reset_pending: false,
            mfa_enabled: false,
            settings_store: serde_json::json!({}),
            also_known_as: serde_json::json!([]),
            raw_bio: None,
            birthday: None,
            show_birthday: false,
            accepts_chat_messages: true,
            avatar_description: String::new(),
            header_description: String::new(),
            inserted_at: now,
            updated_at: now,
            statuses_count: 0,
            followers_count: 0,
            following_count: 0,
            last_status_at: None,
        }
    }
}

/// What admin search matches: lower-cased nickname, display name and email.
pub fn search_text(nickname: &str, name: Option<&str>, email: Option<&str>) -> String {
    format!("{} {} {}", nickname, name.unwrap_or(""), email.unwrap_or("")).trim().to_lowercase()
}
