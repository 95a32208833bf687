//! Types of the statuses area: a status as Mastodon clients see it (Pleroma's `StatusView`),
//! its mentions and media.
use async_graphql::{Context, Json, Object, SimpleObject, ID};
use entity::{media_attachment, status, user};

use super::loaders::{CountsOf, MediaOf, MentionsOf, MutedBy, RebloggedBy, StatusById, VisibleTo};
use crate::{
    domain::statuses as domain,
    graphql::{
        accounts::Account, accounts::AccountEmoji, load_error, scalars::DateTime, shared::Shared, users::UserById,
        ContextExt,
    },
};

/// A status (post or reblog).
pub struct Status {
    row: status::Model,
    with_source: bool,
    /// The caller's participation in the status's conversation, when shown as a
    /// conversation's last status.
    direct_conversation_id: Option<i64>,
}

impl Status {
    /// Wrap a status row (a live one, or a report's snapshot of a deleted one).
    pub fn from_row(row: status::Model) -> Self {
        Status { row, with_source: false, direct_conversation_id: None }
    }

    /// Wrap a status shown as the last status of the caller's conversation `participation`.
    pub fn in_conversation(row: status::Model, participation: i64) -> Self {
        Status { row, with_source: false, direct_conversation_id: Some(participation) }
    }

    /// Wrap a status row whose `text` shows the source (a deleted status, for redrafting).
    pub fn with_source(row: status::Model) -> Self {
        Status { row, with_source: true, direct_conversation_id: None }
    }

    /// Show `viewer`'s participation in the status's thread as `directConversationId`, as
    /// Pleroma's `StatusController` does for a single status (`with_direct_conversation_id`).
    pub async fn with_conversation<C: sea_orm::ConnectionTrait>(
        mut self,
        conn: &C,
        viewer: Option<&str>,
    ) -> crate::error::AppResult<Self> {
        let Some(viewer) = viewer else { return Ok(self) };
        let found =
            crate::domain::conversations::participation_ids(conn, viewer, std::slice::from_ref(&self.row.context))
                .await?;
        self.direct_conversation_id = found.get(&self.row.context).copied();
        Ok(self)
    }

    /// The row.
    pub fn row(&self) -> &status::Model {
        &self.row
    }

    fn is_reblog(&self) -> bool {
        self.row.reblog_of_id.is_some()
    }

    fn viewer_id<'a>(ctx: &'a Context<'_>) -> Option<&'a str> {
        ctx.viewer().user.as_ref().map(|u| u.id.as_str())
    }

    async fn status_by_id(ctx: &Context<'_>, id: &str) -> async_graphql::Result<Option<status::Model>> {
        ctx.loader().load_one(StatusById(id.to_string())).await.map_err(load_error)
    }

    async fn user_by_id(ctx: &Context<'_>, id: &str) -> async_graphql::Result<Option<user::Model>> {
        ctx.loader().load_one(UserById(id.to_string())).await.map_err(load_error)
    }

    /// The reblogged status of a reblog.
    async fn reblog_row(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<status::Model>> {
        match &self.row.reblog_of_id {
            Some(id) => Self::status_by_id(ctx, id).await,
            None => Ok(None),
        }
    }

    /// The row whose content this status shows: the reblogged one for a reblog.
    async fn shown(&self, ctx: &Context<'_>) -> async_graphql::Result<status::Model> {
        Ok(match self.reblog_row(ctx).await? {
            Some(row) => row,
            None => self.row.clone(),
        })
    }

    async fn visible(ctx: &Context<'_>, id: &str) -> async_graphql::Result<bool> {
        let key = VisibleTo(Self::viewer_id(ctx).map(String::from), id.to_string());
        Ok(ctx.loader().load_one(key).await.map_err(load_error)?.unwrap_or(false))
    }
}

/// A user a status mentions.
#[derive(SimpleObject)]
pub struct StatusMention {
    /// Flake id of the account.
    pub id: ID,
    /// `alice` or `alice@example.org`.
    pub acct: String,
    /// The nickname without the domain.
    pub username: String,
    /// Profile URL.
    pub url: String,
}

impl From<&user::Model> for StatusMention {
    fn from(u: &user::Model) -> Self {
        StatusMention {
            id: ID(u.id.clone()),
            acct: u.nickname.clone(),
            username: u.nickname.split('@').next().unwrap_or(&u.nickname).to_string(),
            url: u.ap_id.clone(),
        }
    }
}

/// What Elixir's `URI.encode` leaves as is, of what a hashtag holds: ASCII letters, digits, `-_.~`.
const URI_ENCODE: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// A hashtag of a status.
#[derive(SimpleObject)]
pub struct StatusTag {
    /// The tag without `#`.
    pub name: String,
    /// The tag's timeline URL.
    pub url: String,
}

/// The client a status was posted with.
#[derive(SimpleObject)]
pub struct StatusApplication {
    /// The client's name.
    pub name: String,
    /// The client's website.
    pub website: Option<String>,
}

/// A media attachment (an uploaded file).
pub struct Attachment(pub media_attachment::Model);

/// Pleroma's additions to an attachment.
#[derive(SimpleObject)]
pub struct AttachmentPleroma {
    /// The file's MIME type.
    pub mime_type: String,
}

/// The URL a stored upload is served at: under `Pleroma.Upload, :base_url` when set (a CDN),
/// else this server's `/media/`.
pub fn media_url(settings: &crate::config::Settings, file_name: &str) -> String {
    match settings.upload.base_url.as_deref() {
        Some(base) => format!("{}/{file_name}", base.trim_end_matches('/')),
        None => format!("{}/media/{file_name}", settings.instance_url),
    }
}

/// Where an attachment's file is: its remote location, or where this server serves the upload.
pub fn file_url(settings: &crate::config::Settings, media: &media_attachment::Model) -> String {
    media.remote_url.clone().unwrap_or_else(|| media_url(settings, &media.file_name))
}

/// A media attachment as Mastodon clients see it.
#[Object]
impl Attachment {
    /// Attachment id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// Where the file is served (a remote file through the media proxy when it is on).
    async fn url(&self, ctx: &Context<'_>) -> String {
        crate::graphql::media_proxy::proxied(ctx, file_url(ctx.settings(), &self.0)).await
    }
    /// The file's original location.
    async fn remote_url(&self, ctx: &Context<'_>) -> String {
        file_url(ctx.settings(), &self.0)
    }
    /// Preview image URL (the file itself, through the media proxy as `url`).
    async fn preview_url(&self, ctx: &Context<'_>) -> String {
        crate::graphql::media_proxy::proxied(ctx, file_url(ctx.settings(), &self.0)).await
    }
    /// Text URL (the file itself).
    async fn text_url(&self, ctx: &Context<'_>) -> String {
        file_url(ctx.settings(), &self.0)
    }
    /// `image`, `video`, `audio` or `unknown`, from the MIME type.
    #[graphql(name = "type")]
    async fn kind(&self) -> &'static str {
        match self.0.content_type.split('/').next() {
            Some("image") => "image",
            Some("video") => "video",
            Some("audio") => "audio",
            _ => "unknown",
        }
    }
    /// Alt text.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Pleroma's additions.
    async fn pleroma(&self) -> AttachmentPleroma {
        AttachmentPleroma { mime_type: self.0.content_type.clone() }
    }
    /// BlurHash of the image (not computed: `null`).
    async fn blurhash(&self) -> Option<String> {
        None
    }
    /// Size in bytes.
    async fn size(&self) -> i64 {
        self.0.size
    }
}

/// A post or a reblog, as Mastodon clients see it, with Pleroma's additions. A reblog shows the
/// reblogged status under `reblog` and its content, media and tags; its own counters are 0.
#[Object]
impl Status {
    /// Flake id.
    async fn id(&self) -> ID {
        ID(self.row.id.clone())
    }
    /// ActivityPub id.
    async fn uri(&self) -> &str {
        &self.row.ap_id
    }
    /// Web page of the status (`/notice/:id` for local statuses).
    async fn url(&self, ctx: &Context<'_>) -> String {
        if self.row.local && !self.is_reblog() {
            format!("{}/notice/{}", ctx.settings().instance_url, self.row.id)
        } else {
            self.row.ap_id.clone()
        }
    }
    /// The author (the reblogger of a reblog).
    async fn account(&self, ctx: &Context<'_>) -> async_graphql::Result<Shared<Account>> {
        let user = Self::user_by_id(ctx, &self.row.user_id)
            .await?
            .ok_or_else(|| crate::error::AppError::internal(format!("status {} has no author", self.row.id)))?;
        // Answered once per field and author in an execution (`graphql::shared`).
        Ok(Shared::new(self.row.user_id.as_str(), Account::new(user)))
    }
    /// Id of the status replied to.
    async fn in_reply_to_id(&self) -> Option<ID> {
        self.row.in_reply_to_id.clone().map(ID)
    }
    /// Id of the author replied to.
    async fn in_reply_to_account_id(&self) -> Option<ID> {
        self.row.in_reply_to_user_id.clone().map(ID)
    }
    /// The reblogged status (reblogs only).
    // A nested status is at most one per status, resolved through the same batched loaders as
    // the page: it is counted at a quarter of its selection, so that a page of 50 admin
    // statuses (each with a reblog and quotes) fits the complexity limit.
    #[graphql(complexity = "1 + child_complexity / 4")]
    async fn reblog(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Status>> {
        Ok(self.reblog_row(ctx).await?.map(Status::from_row))
    }
    /// Link preview card (not fetched by this gateway: `null`).
    async fn card(&self) -> Option<Json<serde_json::Value>> {
        None
    }
    /// Sanitised HTML.
    async fn content(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        Ok(self.shown(ctx).await?.content)
    }
    /// The text as typed, when `withSource` or for a status just deleted by its author
    /// (otherwise `null`, as Pleroma renders statuses).
    async fn text(
        &self,
        #[graphql(default = false, desc = "Whether to return the source text (Pleroma's `with_source`).")] with_source: bool,
    ) -> Option<&str> {
        if with_source || self.with_source {
            self.row.source.as_deref()
        } else {
            None
        }
    }
    /// The format the text was typed in (`text/plain`, `text/markdown`, `text/html`).
    async fn content_type(&self) -> &str {
        &self.row.content_type
    }
    /// When it was posted.
    async fn created_at(&self) -> DateTime {
        DateTime(self.row.created_at)
    }
    /// When it was last edited.
    async fn edited_at(&self) -> Option<DateTime> {
        self.row.edited_at.map(DateTime)
    }
    /// Reblogs of it (0 for a reblog).
    async fn reblogs_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        Ok(self.counts(ctx).await?.reblogs)
    }
    /// Public and unlisted replies to it (0 for a reblog).
    async fn replies_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        Ok(self.counts(ctx).await?.replies)
    }
    /// How many favourited it (0 for a reblog).
    async fn favourites_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        if self.is_reblog() {
            return Ok(0);
        }
        let key = crate::graphql::favourites::FavouriteCountOf(self.row.id.clone());
        Ok(ctx.loader().load_one(key).await.map_err(load_error)?.unwrap_or(0))
    }
    /// Public and unlisted quotes of it (0 for a reblog).
    async fn quotes_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        Ok(self.counts(ctx).await?.quotes)
    }
    /// Whether the caller reblogged it (for a reblog: the reblogged status).
    async fn reblogged(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let Some(viewer) = Self::viewer_id(ctx) else { return Ok(false) };
        let id = self.row.reblog_of_id.clone().unwrap_or_else(|| self.row.id.clone());
        Ok(ctx.loader().load_one(RebloggedBy(viewer.to_string(), id)).await.map_err(load_error)?.unwrap_or(false))
    }
    /// Whether the caller favourited it (for a reblog: the reblogged status).
    async fn favourited(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let Some(viewer) = Self::viewer_id(ctx) else { return Ok(false) };
        let id = self.row.reblog_of_id.clone().unwrap_or_else(|| self.row.id.clone());
        let key = crate::graphql::favourites::FavouritedBy(viewer.to_string(), id);
        Ok(ctx.loader().load_one(key).await.map_err(load_error)?.unwrap_or(false))
    }
    /// Whether the caller bookmarked it (for a reblog: the reblogged status).
    async fn bookmarked(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(self.bookmark(ctx).await?.is_some())
    }
    /// Whether the caller muted its author (`false` for a reblog, as Pleroma renders one).
    async fn muted(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let Some(viewer) = Self::viewer_id(ctx) else { return Ok(false) };
        if self.is_reblog() {
            return Ok(false);
        }
        let key = MutedBy(viewer.to_string(), self.row.user_id.clone());
        Ok(ctx.loader().load_one(key).await.map_err(load_error)?.unwrap_or(false))
    }
    /// Whether its author pinned it to their profile (a reblog: whether the reblogger pinned
    /// the reblogged status, i.e. reblogged their own pinned post).
    async fn pinned(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(self.pinned_at(ctx).await?.is_some())
    }
    /// Marked sensitive (`false` for a reblog).
    async fn sensitive(&self) -> bool {
        !self.is_reblog() && self.row.sensitive
    }
    /// Content warning (`""` for a reblog).
    async fn spoiler_text(&self) -> &str {
        if self.is_reblog() {
            ""
        } else {
            &self.row.spoiler_text
        }
    }
    /// `public`, `unlisted`, `private` or `direct`.
    async fn visibility(&self) -> &str {
        &self.row.visibility
    }
    /// Attached media (for a reblog: the reblogged status's).
    async fn media_attachments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Attachment>> {
        let id = self.row.reblog_of_id.clone().unwrap_or_else(|| self.row.id.clone());
        let media = ctx.loader().load_one(MediaOf(id)).await.map_err(load_error)?.unwrap_or_default();
        Ok(media.into_iter().map(Attachment).collect())
    }
    /// Its poll (`null` without one, and for a reblog).
    async fn poll(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<crate::graphql::polls::Poll>> {
        if self.is_reblog() {
            return Ok(None);
        }
        crate::graphql::polls::Poll::of(ctx, &self.row).await
    }
    /// Mentioned users (for a reblog: the reblogged status's author).
    async fn mentions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<StatusMention>> {
        if let Some(original) = self.reblog_row(ctx).await? {
            let author = Self::user_by_id(ctx, &original.user_id).await?;
            return Ok(author.iter().map(StatusMention::from).collect());
        }
        let users = ctx.loader().load_one(MentionsOf(self.row.id.clone())).await.map_err(load_error)?;
        Ok(users.unwrap_or_default().iter().map(StatusMention::from).collect())
    }
    /// Hashtags of its text, lower-cased, each with this instance's tag timeline URL (Pleroma's
    /// `build_tags` of the object's `tag`, which its formatter fills from the text); for a
    /// reblog, the reblogged status's.
    async fn tags(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<StatusTag>> {
        let shown = self.shown(ctx).await?;
        let base = &ctx.settings().instance_url;
        let text = crate::domain::statuses::plain_text(&shown.content);
        Ok(crate::domain::mrf::hashtags_in(&text)
            .into_iter()
            .map(|name| {
                // Elixir's `URI.encode`: letters beyond ASCII are percent-encoded.
                let path = percent_encoding::utf8_percent_encode(&name, URI_ENCODE).to_string();
                StatusTag { url: format!("{base}/tag/{path}"), name }
            })
            .collect())
    }
    /// The client it was posted with (not recorded: `null`).
    async fn application(&self) -> Option<StatusApplication> {
        None
    }
    /// Language code given by the author.
    async fn language(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        Ok(self.shown(ctx).await?.language)
    }
    /// This instance's custom emoji its text and content warning name as `:shortcode:`, by
    /// shortcode (local statuses; remote ones carry no emoji here: `[]`).
    async fn emojis(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AccountEmoji>> {
        if !self.row.local {
            return Ok(vec![]);
        }
        let shown = self.shown(ctx).await?;
        let base = &ctx.settings().instance_url;
        let index = crate::domain::emoji::index(ctx.settings());
        Ok(index
            .used_in(&[&shown.content, &self.row.spoiler_text])
            .into_iter()
            .map(|emoji| {
                let url = format!("{base}{}", emoji.file);
                AccountEmoji { shortcode: emoji.shortcode, static_url: url.clone(), url, visible_in_picker: true }
            })
            .collect())
    }
    /// Pleroma's additions.
    async fn pleroma(&self) -> StatusPleroma<'_> {
        StatusPleroma(self)
    }
}

impl Status {
    /// When the status's author (the reblogger, for a reblog) pinned it or the reblogged one.
    async fn pinned_at(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<DateTime>> {
        let id = self.row.reblog_of_id.clone().unwrap_or_else(|| self.row.id.clone());
        let pin = ctx.loader().load_one(crate::graphql::pins::PinOf(id)).await.map_err(load_error)?.flatten();
        Ok(pin.filter(|(user, _)| *user == self.row.user_id).map(|(_, at)| DateTime(at)))
    }

    /// The caller's bookmark of it (of the reblogged status for a reblog): `Some(folder)`.
    async fn bookmark(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Option<String>>> {
        let Some(viewer) = Self::viewer_id(ctx) else { return Ok(None) };
        let id = self.row.reblog_of_id.clone().unwrap_or_else(|| self.row.id.clone());
        let key = crate::graphql::bookmarks::BookmarkOf(viewer.to_string(), id);
        let found = ctx.loader().load_one(key).await.map_err(load_error)?;
        Ok(found.and_then(|(bookmarked, folder)| bookmarked.then_some(folder)))
    }

    async fn counts(&self, ctx: &Context<'_>) -> async_graphql::Result<domain::Counts> {
        if self.is_reblog() {
            return Ok(domain::Counts::default());
        }
        Ok(ctx.loader().load_one(CountsOf(self.row.id.clone())).await.map_err(load_error)?.unwrap_or_default())
    }
}

/// Pleroma's `pleroma` block of a status.
pub struct StatusPleroma<'a>(&'a Status);

/// Pleroma's extensions of a status.
#[Object]
impl StatusPleroma<'_> {
    /// Whether it was posted on this instance.
    async fn local(&self) -> bool {
        self.0.row.local
    }
    /// Pleroma's numeric conversation id (from the context).
    async fn conversation_id(&self) -> i64 {
        domain::conversation_id(&self.0.row.context)
    }
    /// The thread's context IRI.
    async fn context(&self) -> &str {
        &self.0.row.context
    }
    /// Nickname of the author replied to.
    async fn in_reply_to_account_acct(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        match &self.0.row.in_reply_to_user_id {
            Some(id) => Ok(Status::user_by_id(ctx, id).await?.map(|u| u.nickname)),
            None => Ok(None),
        }
    }
    /// The quoted status, when the caller may see it.
    #[graphql(complexity = "1 + child_complexity / 4")]
    async fn quote(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Status>> {
        let Some(id) = &self.0.row.quote_of_id else { return Ok(None) };
        if !Status::visible(ctx, id).await? {
            return Ok(None);
        }
        Ok(Status::status_by_id(ctx, id).await?.map(Status::from_row))
    }
    /// Id of the quoted status.
    async fn quote_id(&self) -> Option<ID> {
        self.0.row.quote_of_id.clone().map(ID)
    }
    /// ActivityPub id of the quoted status.
    async fn quote_url(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        match &self.0.row.quote_of_id {
            Some(id) => Ok(Status::status_by_id(ctx, id).await?.map(|s| s.ap_id)),
            None => Ok(None),
        }
    }
    /// Whether the caller may see the quoted status.
    async fn quote_visible(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        match &self.0.row.quote_of_id {
            Some(id) => Status::visible(ctx, id).await,
            None => Ok(false),
        }
    }
    /// The content as plain text, keyed by MIME type (`{"text/plain": …}`).
    async fn content(&self, ctx: &Context<'_>) -> async_graphql::Result<Json<serde_json::Value>> {
        let shown = self.0.shown(ctx).await?;
        Ok(Json(serde_json::json!({ "text/plain": domain::plain_text(&shown.content) })))
    }
    /// The content warning as plain text, keyed by MIME type.
    async fn spoiler_text(&self) -> Json<serde_json::Value> {
        Json(serde_json::json!({ "text/plain": self.0.row.spoiler_text }))
    }
    /// When it expires (expiring statuses are not supported: `null`).
    async fn expires_at(&self) -> Option<DateTime> {
        None
    }
    /// Id of the caller's conversation (participation) in the status's thread, when the status
    /// is shown alone (`status`, `createStatus`, `deleteStatus`) or as a conversation's last
    /// status (`null` in lists, as Pleroma).
    async fn direct_conversation_id(&self) -> Option<i64> {
        self.0.direct_conversation_id
    }
    /// Whether the caller muted the thread.
    async fn thread_muted(&self) -> bool {
        false
    }
    /// Emoji reactions, emoji in the order first used, without those of accounts the caller
    /// blocks or mutes (Pleroma's `emoji_reactions`).
    async fn emoji_reactions(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::graphql::favourites::EmojiReaction>> {
        crate::graphql::favourites::reactions_for(ctx, &self.0.row.id, false).await
    }
    /// Whether the caller may see the status replied to.
    async fn parent_visible(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        match &self.0.row.in_reply_to_id {
            Some(id) => Status::visible(ctx, id).await,
            None => Ok(false),
        }
    }
    /// When its author pinned it (`null` when not pinned).
    async fn pinned_at(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<DateTime>> {
        self.0.pinned_at(ctx).await
    }
    /// Public and unlisted quotes of it.
    async fn quotes_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        Ok(self.0.counts(ctx).await?.quotes)
    }
    /// The caller's bookmark folder holding it.
    async fn bookmark_folder(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ID>> {
        Ok(self.0.bookmark(ctx).await?.flatten().map(ID))
    }
    /// The list it was posted to.
    async fn list_id(&self) -> Option<ID> {
        None
    }
    /// The event this status is (`null` for other statuses and for reblogs).
    async fn event(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<crate::graphql::events::StatusEvent>> {
        if self.0.is_reblog() {
            return Ok(None);
        }
        crate::graphql::events::StatusEvent::of(ctx, &self.0.row.id, &self.0.row.user_id).await
    }
}
