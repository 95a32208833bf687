//! Rendering the rows of a page as the wire structs of the parent module.
use super::*;

impl Writer {
    /// The account of `user` (`graphql::accounts::Account` with `AdminAccount`'s selection).
    pub(super) fn account<'a>(&'a self, data: &'a PageData, user: &'a user::Model, admin: bool) -> WireAccount<'a> {
        let is_self = self.viewer_id() == Some(user.id.as_str());
        let (followers, following) = users::follow_counts_of_row(user);
        let stats = AuthorStats::of(user);
        let display_name = user.name.as_deref().filter(|n| !n.is_empty()).unwrap_or(&user.nickname);
        let avatar = user.avatar.clone().unwrap_or_else(|| format!("{}/images/avi.png", self.settings.instance_url));
        let header = self.proxied(
            user.banner.clone().unwrap_or_else(|| format!("{}/images/banner.png", self.settings.instance_url)),
        );
        let shows_role = is_self || user.show_role;
        let tags = data.tags.get(&user.id).map_or(NO_TAGS, Vec::as_slice);
        WireAccount {
            id: &user.id,
            username: user.nickname.split('@').next().unwrap_or(&user.nickname),
            acct: &user.nickname,
            display_name,
            locked: user.is_locked,
            created_at: pleroma_time(&user.inserted_at),
            followers_count: if user.hide_followers_count && user.hide_followers && !is_self { 0 } else { followers },
            following_count: if user.hide_follows_count && user.hide_follows && !is_self { 0 } else { following },
            statuses_count: stats.statuses,
            note: &user.bio,
            url: &user.ap_id,
            avatar_static: self.proxied(avatar.clone()),
            avatar: if admin { avatar } else { self.proxied(avatar) },
            header_static: header.clone(),
            header,
            emojis: [],
            fields: profile_fields(&user.fields),
            bot: matches!(user.actor_type.as_str(), "Service" | "Group"),
            source: WireSource {
                note: user.raw_bio.as_deref().unwrap_or(&user.bio),
                sensitive: false,
                fields: profile_fields(&user.raw_fields),
                pleroma: SourcePleroma { discoverable: user.is_discoverable, actor_type: &user.actor_type },
            },
            last_status_at: stats.last_status_at.map(|t| t.format("%Y-%m-%d").to_string()),
            fqn: if user.local { format!("{}@{}", user.nickname, self.settings.host()) } else { user.nickname.clone() },
            pleroma: WireAccountPleroma {
                ap_id: &user.ap_id,
                also_known_as: serde_json::from_value(user.also_known_as.clone()).unwrap_or_default(),
                is_confirmed: user.is_confirmed,
                is_suggested: user.is_suggested,
                tags,
                hide_followers_count: user.hide_followers_count,
                hide_follows_count: user.hide_follows_count,
                hide_followers: user.hide_followers,
                hide_follows: user.hide_follows,
                hide_favorites: user.hide_favorites,
                relationship: Empty {},
                skip_thread_containment: user.skip_thread_containment,
                background_image: user.background.as_deref(),
                accepts_chat_messages: user.accepts_chat_messages,
                favicon: None,
                avatar_description: &user.avatar_description,
                header_description: &user.header_description,
                is_admin: shows_role.then_some(user.is_admin),
                is_moderator: shows_role.then_some(user.is_moderator),
                privileges: shows_role.then(|| {
                    Privilege::held_by(user, &self.settings.instance).into_iter().map(Privilege::as_str).collect()
                }),
                deactivated: self.sees_deactivation.then_some(!user.is_active),
            },
            admin: admin.then(|| AdminSide {
                email: user.email.as_deref(),
                nickname: &user.nickname,
                is_active: user.is_active,
                local: user.local,
                roles: Roles { admin: user.is_admin, moderator: user.is_moderator },
                tags,
                is_confirmed: user.is_confirmed,
                is_approved: user.is_approved,
                is_suggested: user.is_suggested,
                registration_reason: user.registration_reason.as_deref(),
                actor_type: &user.actor_type,
            }),
        }
    }

    /// `row` as `graphql::statuses::Status` answers `MastoStatus` (`Quoted`: the quote's
    /// `MastoStatusBody` and account), then as `rest::statuses::Status` puts it on the wire.
    pub(super) fn status<'a>(&'a self, data: &'a PageData, row: &'a status::Model, nesting: Nesting) -> WireStatus<'a> {
        let reblog_row = row.reblog_of_id.as_ref().and_then(|id| data.loaded.get(id));
        let is_reblog = row.reblog_of_id.is_some();
        let shown = reblog_row.unwrap_or(row);
        let target = row.reblog_of_id.as_deref().unwrap_or(&row.id);
        let mark = data.marked.get(target);
        let counts = if is_reblog { Counts::default() } else { Counts::of(row) };
        let viewer = self.viewer_id();
        let pinned_at =
            mark.and_then(|m| m.pin.as_ref()).filter(|(user, _)| *user == row.user_id).map(|(_, at)| pleroma_time(at));
        let bookmark = if viewer.is_some() { mark.and_then(|m| m.bookmark.as_ref()) } else { None };
        let instance_url = self.settings.instance_url.as_str();
        let mentions: Vec<WireMention<'a>> = match (is_reblog, reblog_row) {
            (true, Some(original)) => data.users.get(&original.user_id).into_iter().map(mention).collect(),
            _ => data
                .marked
                .get(&row.id)
                .filter(|_| !is_reblog)
                .map(|m| m.mentioned.iter().filter_map(|u| data.users.get(u)).map(mention).collect())
                .unwrap_or_default(),
        };
        let text = statuses_domain::plain_text(&shown.content);
        let tags = crate::domain::mrf::hashtags_in(&text)
            .into_iter()
            .map(|name| {
                let path = percent_encoding::utf8_percent_encode(&name, URI_ENCODE).to_string();
                WireTag { url: format!("{instance_url}/tag/{path}"), name }
            })
            .collect();
        let emojis = if row.local { self.emojis(&[&shown.content, &row.spoiler_text]) } else { Vec::new() };
        let media =
            data.media.get(target).map(|list| list.iter().map(|m| self.attachment(m)).collect()).unwrap_or_default();
        let reblog = match nesting {
            Nesting::Top => reblog_row.map(|r| Box::new(self.status(data, r, Nesting::Top))),
            Nesting::Quoted => None,
        };
        let post = (!is_reblog).then(|| {
            let quote = match (nesting, &row.quote_of_id) {
                (Nesting::Top, Some(id)) if data.visible.contains(id) => {
                    data.loaded.get(id).map(|q| Box::new(self.status(data, q, Nesting::Quoted)))
                }
                _ => None,
            };
            PostPleroma {
                conversation_id: statuses_domain::conversation_id(&row.context),
                context: &row.context,
                in_reply_to_account_acct: row
                    .in_reply_to_user_id
                    .as_ref()
                    .and_then(|id| data.users.get(id))
                    .map(|u| u.nickname.as_str()),
                quote_id: row.quote_of_id.as_deref(),
                quote_url: row.quote_of_id.as_ref().and_then(|id| data.loaded.get(id)).map(|q| q.ap_id.as_str()),
                quote_visible: row.quote_of_id.as_ref().is_some_and(|id| data.visible.contains(id)),
                content: PlainText { plain: text.clone() },
                spoiler_text: PlainText { plain: row.spoiler_text.clone() },
                expires_at: None,
                direct_conversation_id: None,
                thread_muted: false,
                emoji_reactions: self.reactions(data, &row.id),
                parent_visible: row.in_reply_to_id.as_ref().is_some_and(|id| data.visible.contains(id)),
                quotes_count: counts.quotes,
                list_id: None,
                quote,
            }
        });
        WireStatus {
            id: &row.id,
            url: Some(if row.local && !is_reblog {
                format!("{instance_url}/notice/{}", row.id)
            } else {
                row.ap_id.clone()
            }),
            in_reply_to_id: Some(row.in_reply_to_id.as_deref()),
            in_reply_to_account_id: Some(row.in_reply_to_user_id.as_deref()),
            card: (!is_reblog).then_some(()),
            content: &shown.content,
            text: (!is_reblog).then_some(()),
            created_at: pleroma_time(&row.created_at),
            edited_at: (!is_reblog).then(|| row.edited_at.as_ref().map(pleroma_time)),
            reblogs_count: counts.reblogs,
            replies_count: counts.replies,
            favourites_count: if is_reblog { 0 } else { statuses_domain::served(row.favourites_count) },
            reblogged: viewer.is_some() && mark.is_some_and(|m| m.reblogged),
            favourited: viewer.is_some() && mark.is_some_and(|m| m.favourited),
            bookmarked: bookmark.is_some(),
            muted: viewer.is_some() && !is_reblog && data.muted.contains(&row.user_id),
            pinned: pinned_at.is_some(),
            sensitive: !is_reblog && row.sensitive,
            spoiler_text: if is_reblog { "" } else { &row.spoiler_text },
            poll: (!is_reblog).then(|| data.tallies.get(&row.id).map(|t| self.poll(data, row, t))),
            mentions,
            tags,
            application: None,
            language: shown.language.as_deref(),
            emojis,
            account: data.users.get(&row.user_id).map(|u| self.account(data, u, false)),
            uri: &row.ap_id,
            visibility: &row.visibility,
            media_attachments: media,
            reblog,
            pleroma: WireStatusPleroma {
                local: row.local,
                post,
                pinned_at,
                bookmark_folder: bookmark.and_then(|f| f.as_deref()),
            },
        }
    }

    pub(super) fn emojis(&self, texts: &[&str]) -> Vec<WireEmoji> {
        let base = &self.settings.instance_url;
        self.emoji
            .used_in(texts)
            .into_iter()
            .map(|emoji| {
                let url = format!("{base}{}", emoji.file);
                WireEmoji { shortcode: emoji.shortcode, static_url: url.clone(), url, visible_in_picker: true }
            })
            .collect()
    }

    pub(super) fn attachment<'a>(&self, media: &'a media_attachment::Model) -> WireAttachment<'a> {
        let file = crate::graphql::statuses::file_url(&self.settings, media);
        WireAttachment {
            id: &media.id,
            url: self.proxied(file.clone()),
            preview_url: self.proxied(file.clone()),
            remote_url: file.clone(),
            text_url: file,
            kind: match media.content_type.split('/').next() {
                Some("image") => "image",
                Some("video") => "video",
                Some("audio") => "audio",
                _ => "unknown",
            },
            description: media.description.as_deref(),
            pleroma: MimeType { mime_type: &media.content_type },
            blurhash: None,
        }
    }

    /// Reactions without those of accounts the viewer blocks or mutes (`reactions_for`).
    pub(super) fn reactions<'a>(&self, data: &'a PageData, id: &str) -> Vec<WireReaction<'a>> {
        let Some(groups) = data.reactions.get(id) else { return Vec::new() };
        let viewer = self.viewer_id();
        let (blocked, muted) = match (&data.hidden, viewer) {
            (Some((blocked, muted)), Some(_)) => (Some(blocked), Some(muted)),
            _ => (None, None),
        };
        groups
            .iter()
            .filter_map(|g| {
                let ids: Vec<&'a str> = g
                    .user_ids
                    .iter()
                    .filter(|u| !blocked.is_some_and(|b| b.contains(*u)) && !muted.is_some_and(|m| m.contains(*u)))
                    .map(String::as_str)
                    .collect();
                (!ids.is_empty()).then(|| WireReaction {
                    name: g.name(&self.settings.instance_url),
                    count: ids.len() as u64,
                    me: viewer.is_some_and(|v| ids.contains(&v)),
                    url: g.url.as_deref(),
                    account_ids: ids,
                })
            })
            .collect()
    }

    pub(super) fn poll<'a>(&self, data: &'a PageData, row: &'a status::Model, tally: &'a Tally) -> WirePoll<'a> {
        let titles = polls::titles(&tally.row);
        let mut texts: Vec<&str> = vec![&row.content, &row.spoiler_text];
        texts.extend(titles.iter().map(String::as_str));
        let emojis = self.emojis(&texts);
        let own = data.votes.get(&row.id).map_or(&[][..], Vec::as_slice);
        let viewer = self.viewer_id();
        WirePoll {
            id: &tally.row.status_id,
            expires_at: pleroma_time(&tally.row.expires_at),
            expired: tally.row.expires_at < chrono::Utc::now(),
            multiple: tally.row.multiple,
            votes_count: tally.votes.iter().sum(),
            emojis,
            pleroma: NonAnonymous { non_anonymous: false },
            voters_count: tally.voters,
            options: titles
                .into_iter()
                .enumerate()
                .map(|(i, title)| WirePollOption { title, votes_count: tally.votes.get(i).copied().unwrap_or(0) })
                .collect(),
            voted: viewer.map(|v| !own.is_empty() || v == row.user_id),
            own_votes: viewer.map(|_| own),
        }
    }
}
