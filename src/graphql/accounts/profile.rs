//! The caller's profile as `PATCH /api/v1/accounts/update_credentials` changes it.
use async_graphql::{Context, InputObject, Json, Object, SimpleObject, Upload};

use super::Account;
use crate::{
    domain::{
        accounts::{self as domain, ImageChange, ProfileUpdate},
        media::NewMedia,
    },
    error::AppError,
    graphql::{credentials::ProfileFieldInput, ContextExt},
};

/// Posting defaults, as Mastodon's `source`.
#[derive(InputObject, Default)]
pub struct ProfileSourceInput {
    /// Default post visibility: `public`, `unlisted`, `private` or `direct`.
    pub privacy: Option<String>,
    /// Mark posts sensitive by default (accepted; Pleroma does not keep it either).
    pub sensitive: Option<bool>,
    /// Default post language (accepted, not kept).
    pub language: Option<String>,
}

/// A change of the caller's profile; what is left out stays as it is.
#[derive(InputObject, Default)]
pub struct UpdateOwnProfileInput {
    /// Display name (`""` shows the nickname again). At most `user_name_length` characters.
    pub display_name: Option<String>,
    /// Bio as typed, rendered to HTML. At most `user_bio_length` characters.
    pub note: Option<String>,
    /// A new avatar image (at most `avatar_upload_limit` bytes).
    pub avatar: Option<Upload>,
    /// The avatar given as text: `""` removes it (Pleroma's reset); any other text is refused
    /// (`FORBIDDEN` "Invalid request": images are uploads).
    pub avatar_text: Option<String>,
    /// A new header image (at most `banner_upload_limit` bytes).
    pub header: Option<Upload>,
    /// The header given as text: `""` removes it.
    pub header_text: Option<String>,
    /// A new profile background (at most `background_upload_limit` bytes).
    pub background: Option<Upload>,
    /// The background given as text: `""` removes it.
    pub background_text: Option<String>,
    /// Follows need approval.
    pub locked: Option<bool>,
    /// An automated account (`Service` actor; `false`: `Person`).
    pub bot: Option<bool>,
    /// `Person`, `Service` or `Group` (over `bot`).
    pub actor_type: Option<String>,
    /// Listed in the directory and search engines.
    pub discoverable: Option<bool>,
    /// Profile fields (entries with an empty name are dropped); at most `max_account_fields`.
    pub fields: Option<Vec<ProfileFieldInput>>,
    /// Default post visibility: `public`, `unlisted`, `private` or `direct` (Pleroma's
    /// `default_scope`; `source.privacy` wins).
    pub privacy: Option<String>,
    /// Posting defaults.
    pub source: Option<ProfileSourceInput>,
    /// Posts are plain text only.
    pub no_rich_text: Option<bool>,
    /// Hide the followers list.
    pub hide_followers: Option<bool>,
    /// Hide the follows list.
    pub hide_follows: Option<bool>,
    /// Hide the followers count.
    pub hide_followers_count: Option<bool>,
    /// Hide the follows count.
    pub hide_follows_count: Option<bool>,
    /// Hide favourites.
    pub hide_favorites: Option<bool>,
    /// Show the staff role on the profile.
    pub show_role: Option<bool>,
    /// Skip thread containment.
    pub skip_thread_containment: Option<bool>,
    /// Follow along when followed accounts move.
    pub allow_following_move: Option<bool>,
    /// Accept chat messages.
    pub accepts_chat_messages: Option<bool>,
    /// Show the birthday on the profile.
    pub show_birthday: Option<bool>,
    /// `YYYY-MM-DD`; `""` removes it.
    pub birthday: Option<String>,
    /// Other actor ids of the same person.
    pub also_known_as: Option<Vec<String>>,
    /// Alt text of the avatar.
    pub avatar_description: Option<String>,
    /// Alt text of the header.
    pub header_description: Option<String>,
    /// Keys merged into the frontend settings store.
    pub settings_store: Option<Json<serde_json::Value>>,
}

/// The profile after the change.
#[derive(SimpleObject)]
pub struct OwnProfilePayload {
    /// The caller's account, with the fields only its owner sees.
    pub account: Account,
    /// The avatar's URL, `null` when none is set (the account shows the default image).
    pub avatar_url: Option<String>,
    /// The header's URL, `null` when none is set.
    pub header_url: Option<String>,
    /// The background's URL, `null` when none is set.
    pub background_url: Option<String>,
}

/// Profile changes.
#[derive(Default)]
pub struct ProfileMutation;

fn image(
    ctx: &Context<'_>,
    upload: Option<Upload>,
    text: Option<String>,
) -> async_graphql::Result<Option<ImageChange>> {
    if let Some(upload) = upload {
        let value = upload.value(ctx).map_err(|e| AppError::BadRequest(e.to_string()))?;
        return Ok(Some(ImageChange::Upload(NewMedia {
            filename: value.filename,
            content_type: value.content_type,
            file: value.content,
            description: None,
        })));
    }
    Ok(text.map(|t| if t.is_empty() { ImageChange::Clear } else { ImageChange::Text }))
}

#[Object]
impl ProfileMutation {
    /// Change the caller's profile (Pleroma's `update_credentials`). Refusals: `TOO_LARGE` with
    /// Pleroma's messages ("Bio is too long", "Name is too long", "Too many field entries",
    /// "One or more field entries are too long", "Avatar description is too long", "File is
    /// too large"), `FORBIDDEN` "Invalid request" for an unknown actor type or an image given
    /// as text, `BAD_REQUEST` for a bad visibility or date.
    async fn update_own_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UpdateOwnProfileInput,
    ) -> async_graphql::Result<OwnProfilePayload> {
        let user = ctx.viewer().require_user()?.clone();
        let update = ProfileUpdate {
            avatar: image(ctx, input.avatar, input.avatar_text)?,
            header: image(ctx, input.header, input.header_text)?,
            background: image(ctx, input.background, input.background_text)?,
            display_name: input.display_name,
            note: input.note,
            locked: input.locked,
            bot: input.bot,
            actor_type: input.actor_type,
            discoverable: input.discoverable,
            fields: input.fields.map(|f| f.into_iter().map(|f| (f.name, f.value)).collect()),
            default_scope: input.source.and_then(|s| s.privacy).or(input.privacy),
            no_rich_text: input.no_rich_text,
            hide_followers: input.hide_followers,
            hide_follows: input.hide_follows,
            hide_followers_count: input.hide_followers_count,
            hide_follows_count: input.hide_follows_count,
            hide_favorites: input.hide_favorites,
            show_role: input.show_role,
            skip_thread_containment: input.skip_thread_containment,
            allow_following_move: input.allow_following_move,
            accepts_chat_messages: input.accepts_chat_messages,
            show_birthday: input.show_birthday,
            birthday: input.birthday,
            also_known_as: input.also_known_as,
            avatar_description: input.avatar_description,
            header_description: input.header_description,
            settings_store: input.settings_store.map(|j| j.0),
        };
        let saved = domain::update_profile(ctx.db(), ctx.settings(), &user, update).await?;
        Ok(OwnProfilePayload {
            avatar_url: saved.avatar.clone(),
            header_url: saved.banner.clone(),
            background_url: saved.background.clone(),
            account: Account::new(saved),
        })
    }
}
