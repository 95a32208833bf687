//! The GraphQL API: schema, context accessors, access control, limits and the HTTP handler.
pub mod accounts;
pub mod announcements;
pub mod backups;
pub mod bookmarks;
pub mod captcha;
pub mod chats;
pub mod config;
pub mod conversations;
pub mod credentials;
pub mod document_limits;
pub mod documents;
pub mod emoji;
pub mod errors;
pub mod events;
pub mod favourites;
mod field_rules;
pub mod frontends;
pub mod inputs;
pub mod instance;
pub mod invites;
pub mod loaders;
pub mod media_proxy;
pub mod mfa;
pub mod moderation_log;
pub mod notifications;
pub mod oauth_apps;
pub mod own_account;
pub mod pagination;
pub mod pins;
pub mod plain;
pub mod polls;
pub mod purge;
pub mod relays;
pub mod reports;
pub mod rules;
pub mod scalars;
pub mod scrobbles;
pub mod shared;
pub mod statuses;
pub mod users;
pub mod viewer;

use std::sync::Arc;

use async_graphql::{
    dataloader::{DataLoader, HashMapCache},
    EmptySubscription, MergedObject, Schema,
};

pub use field_rules::{field_rules, within_rules, FieldRule, Root, Rules, Within};

use crate::{
    auth::Viewer, config::Settings, db::Db, domain::config_db::LiveSettings, domain::mail::Mailer, error::AppError,
};

/// Every query, one object per area.
#[derive(MergedObject, Default)]
pub struct Query(
    viewer::ViewerQuery,
    users::UsersQuery,
    moderation_log::ModerationQuery,
    accounts::AccountsQuery,
    instance::InstanceQuery,
    invites::InvitesQuery,
    rules::RulesQuery,
    announcements::AnnouncementsQuery,
    oauth_apps::OAuthAppsQuery,
    reports::ReportsQuery,
    statuses::StatusesQuery,
    documents::DocumentsQuery,
    frontends::FrontendsQuery,
    backups::BackupsQuery,
    media_proxy::MediaProxyQuery,
    relays::RelaysQuery,
    chats::ChatsQuery,
    own_account::OwnAccountQuery,
    emoji::EmojiQuery,
    config::ConfigQuery,
    captcha::CaptchaQuery,
    events::EventsQuery,
    mfa::MfaQuery,
    oauth_apps::OwnAppsQuery,
    bookmarks::BookmarksQuery,
    conversations::ConversationsQuery,
    scrobbles::ScrobblesQuery,
    favourites::FavouritesQuery,
    notifications::NotificationsQuery,
    polls::PollsQuery,
);

/// Every mutation, one object per area.
#[derive(MergedObject, Default)]
pub struct Mutation(
    credentials::CredentialsMutation,
    users::UsersMutation,
    statuses::StatusesMutation,
    accounts::AccountsMutation,
    purge::PurgeMutation,
    reports::ReportsMutation,
    documents::DocumentsMutation,
    frontends::FrontendsMutation,
    backups::BackupsMutation,
    media_proxy::MediaProxyMutation,
    relays::RelaysMutation,
    invites::InvitesMutation,
    rules::RulesMutation,
    announcements::AnnouncementsMutation,
    oauth_apps::OAuthAppsMutation,
    chats::ChatsMutation,
    own_account::OwnAccountMutation,
    emoji::EmojiMutation,
    config::ConfigMutation,
    events::EventsMutation,
    mfa::MfaMutation,
    bookmarks::BookmarksMutation,
    conversations::ConversationsMutation,
    scrobbles::ScrobblesMutation,
    favourites::FavouritesMutation,
    notifications::NotificationsMutation,
    pins::PinsMutation,
    polls::PollsMutation,
);

/// The gateway's schema type.
pub type GatewaySchema = Schema<Query, Mutation, EmptySubscription>;

/// Limits on what one request may ask for (async-graphql sets none by default).
pub const MAX_DEPTH: usize = 16;
/// Complexity counts every field once per item a list field may return (connections multiply
/// their selection by the page size), so this is roughly "values resolved": admin-fe's largest
/// screen, a page of 50 reports with their accounts, statuses and notes (~40 000), fits; the
/// same selection over a page of 100 does not.
pub const MAX_COMPLEXITY: usize = 50_000;
pub const MAX_ALIASES: usize = 150;
pub const MAX_BATCH: usize = 10;
pub use document_limits::{nesting_exceeds, WorkBudget, MAX_NESTING};

/// The name of the [`not`] directive.
pub(crate) const NOT: &str = "not";

/// Negates a Boolean field's value (`null` stays `null`): `deactivated: isActive @not`. The REST
/// facade writes the Admin API's older inverse flags with it.
#[async_graphql::Directive(location = "Field")]
fn not() -> impl async_graphql::CustomDirective {
    Not
}

struct Not;

#[async_graphql::async_trait::async_trait]
impl async_graphql::CustomDirective for Not {
    async fn resolve_field(
        &self,
        ctx: &async_graphql::Context<'_>,
        resolve: async_graphql::ResolveFut<'_>,
    ) -> async_graphql::ServerResult<Option<async_graphql::Value>> {
        use async_graphql::Value;
        match resolve.await? {
            Some(Value::Boolean(b)) => Ok(Some(Value::Boolean(!b))),
            value @ (None | Some(Value::Null)) => Ok(value),
            Some(_) => Err(async_graphql::ServerError::new("@not applies to Boolean fields", Some(ctx.item.pos))),
        }
    }
}

/// The schema's types, described (generated connection types carry no doc of their own).
fn builder() -> async_graphql::SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .directive(not)
        .override_output_type_description::<users::UserConnection>("A page of users, with the total count.")
        .override_output_type_description::<moderation_log::LogConnection>(
            "A page of moderation-log entries, with the total count.",
        )
        .override_output_type_description::<reports::ReportConnection>("A page of reports, with the total count.")
        .override_output_type_description::<statuses::StatusConnection>("A page of statuses, with the total count.")
        .override_output_type_description::<media_proxy::BannedMediaUrlConnection>(
            "A page of banned media-proxy URLs, with the total count.",
        )
        .override_output_type_description::<invites::InviteConnection>("A page of invites, with the total count.")
        .override_output_type_description::<rules::RuleConnection>("A page of instance rules, with the total count.")
        .override_output_type_description::<oauth_apps::OAuthAppConnection>("A page of OAuth apps, with the counts.")
        .override_output_type_description::<announcements::AnnouncementConnection>(
            "A page of announcements, with the total count.",
        )
        .override_output_type_description::<emoji::EmojiPackConnection>("A page of emoji packs, with the total count.")
        .override_output_type_description::<emoji::EmojiFileConnection>(
            "A page of a pack's emoji, with the total count.",
        )
        .override_output_type_description::<notifications::NotificationConnection>(
            "A page of the caller's notifications, newest first.",
        )
        .override_output_type_description::<events::EventParticipationConnection>(
            "A page of an event's participations.",
        )
        .override_output_type_description::<chats::ChatConnection>(
            "A page of chats, last active first, with the total count (counted when selected).",
        )
        .override_output_type_description::<chats::ChatMessageConnection>(
            "A page of a chat's messages, newest first, with the total count (counted when selected).",
        )
        .override_output_type_description::<accounts::RelationshipConnection>(
            "The caller's relationships with the accounts asked for, with their count.",
        )
        .override_output_type_description::<statuses::StatusListConnection>(
            "A Mastodon-paged page of statuses, newest first, with the total count (counted when selected).",
        )
        .override_output_type_description::<bookmarks::BookmarkConnection>(
            "A Mastodon-paged page of the caller's bookmarks, newest first, with the total count (counted when \
             selected).",
        )
        .override_output_type_description::<conversations::ConversationConnection>(
            "A Mastodon-paged page of the caller's conversations, most recently active first, with the total count \
             (counted when selected).",
        )
        .override_output_type_description::<events::ParticipationRequestConnection>(
            "A Mastodon-paged page of pending requests to join an event, newest first, with the total count \
             (counted when selected).",
        )
        .override_output_type_description::<scrobbles::ScrobbleConnection>(
            "A Mastodon-paged page of an account's scrobbles, newest first, with the total count (counted when \
             selected).",
        )
        .override_output_type_description::<accounts::AccountConnection>(
            "An offset-paged page of accounts found by a search, with the total count (counted when selected).",
        )
        .override_output_type_description::<reports::ReportGroupConnection>(
            "A page of reports grouped by reported status, with the total count.",
        )
}

/// The REST facade's documents are fixed at start-up and only their page sizes vary (clamped to
/// `pagination::MAX_PAGE_SIZE`), so the facade runs them under this larger complexity limit: a
/// page of 50 reports, each with two AdminAccounts, three MastoStatuses and its notes, is some
/// 40 000 points, and the largest page ten times that.
pub const FACADE_MAX_COMPLEXITY: usize = 500_000;

/// Marks the schema that runs only prechecked requests: there, a type may resolve a selection
/// of plain fields in one pass (no access rule is left to check per field; see
/// `users::types::User`).
pub struct Prechecked;

/// The schema, built twice. Once any extension is installed, async-graphql runs the chain of
/// them around every field it resolves (a boxed future per extension, the field's registry entry
/// looked up): about half the CPU of a page of 500 users, where only access control does
/// anything per field. `guarded` has them all: access control per field, the input and alias
/// limits, the batch budget. `prechecked` has none; it runs only single requests that passed
/// every one of those checks before execution ([`field_rules::Rules::allow`],
/// [`document_limits::within_limits`]), so it answers what `guarded` would. Requests that fail a check
/// run on `guarded`, which reports the failure where it occurs (a refused field is null with its
/// error, the rest of the answer intact).
#[derive(Clone)]
pub struct Executor {
    guarded: GatewaySchema,
    prechecked: GatewaySchema,
    rules: Arc<field_rules::Rules>,
}

impl Executor {
    /// The executor of the GraphQL endpoint.
    pub fn new(db: Db, settings: Arc<Settings>, mailer: Arc<Mailer>) -> Self {
        Self::limited(db, settings, mailer, MAX_COMPLEXITY)
    }

    /// The executor of the REST facade ([`FACADE_MAX_COMPLEXITY`]).
    pub fn facade(db: Db, settings: Arc<Settings>, mailer: Arc<Mailer>) -> Self {
        Self::limited(db, settings, mailer, FACADE_MAX_COMPLEXITY)
    }

    fn limited(db: Db, settings: Arc<Settings>, mailer: Arc<Mailer>, complexity: usize) -> Self {
        let build = || {
            builder()
                .data(db.clone())
                .data(settings.clone())
                .data(mailer.clone())
                .limit_depth(MAX_DEPTH)
                .limit_complexity(complexity)
                .limit_recursive_depth(64)
                .limit_directives(8)
        };
        let prechecked = build().data(Prechecked).finish();
        // One set of rules for both schemas: the extension decides with it field by field, the
        // precheck over the whole document.
        let rules = gateway_rules(prechecked.sdl());
        let guarded = build()
            .extension(document_limits::InputGuard)
            .extension(field_rules::AccessControl::new(rules.clone()))
            .extension(document_limits::AliasLimit(MAX_ALIASES))
            .extension(document_limits::BatchBudget)
            .finish();
        Executor { guarded, prechecked, rules }
    }

    /// The access rules both schemas decide by.
    pub fn rules(&self) -> &Arc<Rules> {
        &self.rules
    }

    /// The schema's SDL.
    pub fn sdl(&self) -> String {
        self.guarded.sdl()
    }

    /// Run one request prepared by [`request_data_in`].
    pub async fn execute(&self, mut request: async_graphql::Request) -> async_graphql::Response {
        if self.passes_checks(&mut request) {
            self.prechecked.execute(request).await
        } else {
            self.guarded.execute(request).await
        }
    }

    /// Run one request prepared by [`request_data_in`] with the per-field checks whatever it is
    /// (the differential test compares this with [`Executor::execute`]).
    pub async fn execute_guarded(&self, request: async_graphql::Request) -> async_graphql::Response {
        self.guarded.execute(request).await
    }

    /// Whether [`Executor::execute`] runs `request` without the per-field checks.
    pub fn runs_prechecked(&self, request: &mut async_graphql::Request) -> bool {
        self.passes_checks(request)
    }

    /// Run a request or batch prepared by [`request_data_in`].
    pub async fn execute_batch(&self, batch: async_graphql::BatchRequest) -> async_graphql::BatchResponse {
        match batch {
            async_graphql::BatchRequest::Single(request) => {
                async_graphql::BatchResponse::Single(self.execute(request).await)
            }
            // The operations of a batch share one complexity budget, which only the extension charges.
            batch => self.guarded.execute_batch(batch).await,
        }
    }

    /// Whether `request` passes, before it runs, every check the extensions make while it runs.
    fn passes_checks(&self, request: &mut async_graphql::Request) -> bool {
        if document_limits::nesting_exceeds(&request.query, MAX_NESTING) {
            return false;
        }
        // The document is parsed (and kept) through `&mut request`: hold the rest apart meanwhile.
        let variables = std::mem::take(&mut request.variables);
        let data = std::mem::take(&mut request.data);
        let passes = match (request.parsed_query(), data_of::<Viewer>(&data), data_of::<Arc<Settings>>(&data)) {
            (Ok(document), Some(viewer), Some(settings)) => {
                document_limits::within_limits(&variables, document)
                    && self.rules.allow(document, viewer, &settings.instance)
            }
            _ => false,
        };
        request.variables = variables;
        request.data = data;
        passes
    }
}

/// A request's data of type `T` (what [`request_data_in`] put there).
fn data_of<T: std::any::Any>(data: &async_graphql::Data) -> Option<&T> {
    data.get(&std::any::TypeId::of::<T>()).and_then(|value| value.downcast_ref::<T>())
}

/// The gateway's access rules over the schema `sdl`: made once per process (the schema is fixed
/// in a build; walking it takes a while unoptimised, and every `AppState` has two executors).
fn gateway_rules(sdl: String) -> Arc<Rules> {
    static RULES: std::sync::Mutex<Option<(String, Arc<Rules>)>> = std::sync::Mutex::new(None);
    let mut cached = RULES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, rules)) = cached.as_ref().filter(|(cached_sdl, _)| *cached_sdl == sdl) {
        return rules.clone();
    }
    let rules = Arc::new(field_rules::Rules::gateway(&sdl));
    *cached = Some((sdl, rules.clone()));
    rules
}

/// The schema's SDL, as kept in `schema.graphql`: fields and enum values sorted, so that areas
/// added side by side do not reorder each other's lines.
pub fn sdl() -> String {
    builder().finish().sdl_with_options(async_graphql::SDLExportOptions::new().sorted_fields().sorted_enum_items())
}

/// A request's DataLoader. It keeps what it loaded for the rest of the request, so a list
/// field can load everything its page needs up front (`feed_many`) and the nested fields find it
/// there: the statements a page costs then do not depend on how resolution happens to batch.
pub type RequestLoader = DataLoader<loaders::DbLoader, HashMapCache>;

/// A request's per-request data: the viewer, the settings in force (a snapshot, so resolvers'
/// `ctx.data::<Arc<Settings>>()` see one version for the whole request) and a fresh DataLoader.
/// Operations of one HTTP request share a [`WorkBudget`]; see [`request_data_in`].
pub fn request_data(
    request: async_graphql::Request,
    viewer: Viewer,
    db: &Db,
    live: &Arc<LiveSettings>,
) -> async_graphql::Request {
    request_data_in(request, viewer, db, live, &WorkBudget::new(MAX_COMPLEXITY))
}

/// [`request_data`], charging the operation's complexity to `budget`.
pub fn request_data_in(
    mut request: async_graphql::Request,
    viewer: Viewer,
    db: &Db,
    live: &Arc<LiveSettings>,
    budget: &WorkBudget,
) -> async_graphql::Request {
    let loader = DataLoader::with_cache(loaders::DbLoader { db: db.clone() }, tokio::spawn, HashMapCache::default());
    // A mutation may change what an earlier field of the same document loaded (tags, counts…):
    // documents with mutations keep nothing, so each field reads what is committed.
    let mutates = request.parsed_query().is_ok_and(|document| {
        document.operations.iter().any(|(_, op)| op.node.ty == async_graphql::parser::types::OperationType::Mutation)
    });
    if mutates {
        loader.enable_all_cache(false);
    } else {
        // Objects answered once per field and key (`shared`): only where nothing changes them.
        request = request.data(shared::Rendered::default());
    }
    request
        .data(viewer)
        .data(budget.clone())
        .data(loader)
        .data(live.current())
        .data(live.clone())
        .data(media_proxy::ProxyKey::default())
}

/// Typed access to the context's data, instead of `ctx.data().unwrap()`.
pub trait ContextExt {
    /// The database.
    fn db(&self) -> &Db;
    /// Settings.
    fn settings(&self) -> &Settings;
    /// The mailer.
    fn mailer(&self) -> &Mailer;
    /// The caller.
    fn viewer(&self) -> &Viewer;
    /// The request's DataLoader.
    fn loader(&self) -> &RequestLoader;
}

/// Any context: a field's, or a selection set's (`plain`).
impl<T> ContextExt for async_graphql::ContextBase<'_, T> {
    fn db(&self) -> &Db {
        self.data_unchecked::<Db>()
    }
    fn settings(&self) -> &Settings {
        self.data_unchecked::<Arc<Settings>>()
    }
    fn mailer(&self) -> &Mailer {
        self.data_unchecked::<Arc<Mailer>>()
    }
    fn viewer(&self) -> &Viewer {
        self.data_opt::<Viewer>().unwrap_or_else(|| Viewer::anonymous_ref())
    }
    fn loader(&self) -> &RequestLoader {
        self.data_unchecked::<RequestLoader>()
    }
}

/// A loader failure as a GraphQL error.
pub fn load_error(err: loaders::LoadError) -> async_graphql::Error {
    AppError::clone(&err).into()
}
