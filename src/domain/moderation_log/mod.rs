//! Pleroma's moderation log: what an admin or moderator did, rendered and stored exactly as
//! Pleroma's `Pleroma.ModerationLog` does it.
//!
//! Each entry keeps Pleroma's `data` map (`{"actor": {...}, "action": "...", "message": "...",
//! ...}`) and the rendered message. Users are stored as `{"id", "nickname", "type": "user"}`.
//! Callers write one entry per admin request, inside the request's own transaction.

mod query;
mod render;

pub use query::{list, LogFilter};

use chrono::{SubsecRound, Utc};
use entity::{moderation_log, user};
use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, ConnectionTrait, DbErr, Set};
use serde_json::Value;

/// The admin or moderator who performed the action (`data.actor`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The actor's user id.
    pub id: String,
    /// The actor's nickname, without `@`.
    pub nickname: String,
    /// The operator at the command line, who is no user. Pleroma's mix tasks log nothing; here
    /// every change is logged, with `data.actor` `{"id": null, "nickname": "operator", "type":
    /// "operator"}` and messages that begin "The operator (command line)".
    pub operator: bool,
}

impl Actor {
    /// The operator running a command of the command line.
    pub fn operator() -> Actor {
        Actor { id: String::new(), nickname: OPERATOR.into(), operator: true }
    }

    /// How messages name the actor: `@nickname`, or the operator.
    fn named(&self) -> String {
        if self.operator {
            "The operator (command line)".into()
        } else {
            format!("@{}", self.nickname)
        }
    }
}

/// The operator's `data.actor.nickname`; a user may bear it too, `data.actor.type` (`operator`,
/// not `user`) and the null id tell them apart.
pub const OPERATOR: &str = "operator";

/// A user the action was applied to (`data.subject`, `data.subjects`, `data.followed`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    /// The user's id.
    pub id: String,
    /// The user's nickname, without `@`.
    pub nickname: String,
}

impl Subject {
    /// A subject from a user's id and nickname.
    pub fn new(id: impl Into<String>, nickname: impl Into<String>) -> Self {
        Self { id: id.into(), nickname: nickname.into() }
    }
}

impl From<&user::Model> for Actor {
    fn from(user: &user::Model) -> Self {
        Actor { id: user.id.clone(), nickname: user.nickname.clone(), operator: false }
    }
}

impl From<&user::Model> for Subject {
    fn from(user: &user::Model) -> Self {
        Subject::new(user.id.clone(), user.nickname.clone())
    }
}

/// The users an action was applied to, in the given order.
pub fn subjects(users: &[user::Model]) -> Vec<Subject> {
    users.iter().map(Subject::from).collect()
}

/// A permission group that `grant` and `revoke` change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// `is_admin`.
    Admin,
    /// `is_moderator`.
    Moderator,
}

impl Permission {
    /// Pleroma's name for the group: `admin` or `moderator`.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Admin => "admin",
            Permission::Moderator => "moderator",
        }
    }
}

/// A report (a `Flag` activity) as Pleroma stores it: `{"type": "report", "id", "state"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRef {
    /// The report's activity id.
    pub id: String,
    /// The report's state after the action (`open`, `resolved`, `closed`), if any.
    pub state: Option<String>,
}

/// One action Pleroma writes to the moderation log, with its subjects.
///
/// Fields: `subjects`/`subject` are the users acted on, in request order; `follower` and
/// `followed` the two sides of a follow; `nicknames` and `tags` the raw request lists;
/// `report` the report acted on; `subject_actor` the report's own actor (Pleroma's
/// `report.user_actor`: the account that *filed* the report, although the message says
/// "on user"); `text` a report note's content; `status_id`/`message_id` activity ids.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// `create`: accounts created by an admin (one entry for the whole batch).
    Create { subjects: Vec<Subject> },
    /// `delete`: accounts deleted.
    Delete { subjects: Vec<Subject> },
    /// `activate`: accounts activated.
    Activate { subjects: Vec<Subject> },
    /// `deactivate`: accounts deactivated.
    Deactivate { subjects: Vec<Subject> },
    /// `approve`: pending registrations approved.
    Approve { subjects: Vec<Subject> },
    /// `add_suggestion`: users added to the suggested accounts.
    AddSuggestion { subjects: Vec<Subject> },
    /// `remove_suggestion`: users removed from the suggested accounts.
    RemoveSuggestion { subjects: Vec<Subject> },
    /// `follow`: the admin made `follower` follow `followed`.
    Follow { follower: Subject, followed: Subject },
    /// `unfollow`: the admin made `follower` unfollow `followed`.
    Unfollow { follower: Subject, followed: Subject },
    /// `tag`: tags added; Pleroma stores the nicknames as given in the request.
    Tag { nicknames: Vec<String>, tags: Vec<String> },
    /// `untag`: tags removed; Pleroma stores the nicknames as given in the request.
    Untag { nicknames: Vec<String>, tags: Vec<String> },
    /// `grant`: a permission group given.
    Grant { subjects: Vec<Subject>, permission: Permission },
    /// `revoke`: a permission group taken away.
    Revoke { subjects: Vec<Subject>, permission: Permission },
    /// `force_password_reset`: users must reset their password.
    ForcePasswordReset { subjects: Vec<Subject> },
    /// `confirm_email`: email addresses confirmed by an admin.
    ConfirmEmail { subjects: Vec<Subject> },
    /// `unconfirm_email`: email addresses marked unconfirmed by the operator (`user unconfirm`);
    /// the gateway's own action, as Pleroma's admin API cannot unconfirm.
    UnconfirmEmail { subjects: Vec<Subject> },
    /// `resend_confirmation_email`: confirmation emails sent again.
    ResendConfirmationEmail { subjects: Vec<Subject> },
    /// `updated_users`: account credentials changed by an admin.
    UpdatedUsers { subjects: Vec<Subject> },
    /// `create_backup`: an account backup requested; the subject is one user, not a list.
    CreateBackup { subject: Subject },
    /// `relay_follow`: the instance relay followed `target` (an actor URL).
    RelayFollow { target: String },
    /// `relay_unfollow`: the instance relay unfollowed `target`.
    RelayUnfollow { target: String },
    /// `report_update`: a report's state changed.
    ReportUpdate { report: ReportRef, subject_actor: Option<Subject> },
    /// `report_assigned`: a report assigned to `assigned_account` (a nickname).
    ReportAssigned { report: ReportRef, subject_actor: Option<Subject>, assigned_account: String },
    /// `report_unassigned`: a report's assignee removed.
    ReportUnassigned { report: ReportRef, subject_actor: Option<Subject> },
    /// `report_note`: a note added to a report.
    ReportNote { report: ReportRef, subject_actor: Option<Subject>, text: String },
    /// `report_note_delete`: a note removed from a report.
    ReportNoteDelete { report: ReportRef, subject_actor: Option<Subject>, text: String },
    /// `report_response`: a direct status posted in answer to a report (the older
    /// `POST /admin/reports/:id/respond`); `text` is the status text.
    ReportResponse { report: ReportRef, text: String },
    /// `status_update`: a status's sensitivity and/or visibility changed.
    StatusUpdate { status_id: String, sensitive: Option<bool>, visibility: Option<String> },
    /// `status_delete`: someone else's status deleted by a privileged user.
    StatusDelete { status_id: String },
    /// `chat_message_delete`: someone else's chat message deleted by a privileged user.
    ChatMessageDelete { message_id: String },
    /// `config_update`: settings saved or removed through the API (the gateway's own action:
    /// Pleroma does not log configuration changes).
    ConfigUpdate { changes: Vec<ConfigChange> },
    /// `emoji_pack_get`: packs downloaded from a manifest (`emoji get-packs`; the gateway's
    /// own, Pleroma logs no emoji changes).
    EmojiPackGet { packs: Vec<String> },
}

/// One setting changed by `config_update`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigChange {
    /// `:pleroma`.
    pub group: String,
    /// `:instance`.
    pub key: String,
    /// Removed rather than saved.
    pub delete: bool,
    /// The sub-keys saved or removed (empty: the whole key removed).
    pub subkeys: Vec<String>,
}

impl ConfigChange {
    /// `:pleroma, :instance (:name, :limit)`, or `… removed`.
    fn describe(&self) -> String {
        let subkeys = if self.subkeys.is_empty() { String::new() } else { format!(" ({})", self.subkeys.join(", ")) };
        let removed = if self.delete { " removed" } else { "" };
        format!("{}, {}{subkeys}{removed}", self.group, self.key)
    }
}

/// Writes one log entry for `action` by `actor`; call it inside the action's transaction.
///
/// `inserted_at` is now, truncated to whole seconds as Pleroma's `timestamps()` are. `actor_id`
/// is `data.actor.id`, so `chat_message_delete` entries (no actor id, as in Pleroma) have none.
pub async fn record<C: ConnectionTrait>(conn: &C, actor: &Actor, action: &Action) -> Result<(), DbErr> {
    let data = action.data(actor);
    let actor_id = data.get("actor").and_then(|a| a.get("id")).and_then(Value::as_str).map(str::to_owned);
    let row = moderation_log::ActiveModel {
        id: NotSet,
        actor_id: Set(actor_id),
        data: Set(data),
        message: Set(action.message(actor)),
        inserted_at: Set(Utc::now().trunc_subsecs(0)),
    };
    row.insert(conn).await?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::query::escape_like;
    use super::*;
    use chrono::TimeZone;
    use sea_orm::{Database, DatabaseConnection, Schema};
    use serde_json::json;

    fn admin() -> Actor {
        Actor { id: "A1".into(), nickname: "admin".into(), operator: false }
    }

    fn bob() -> Subject {
        Subject::new("B1", "bob")
    }

    fn carol() -> Subject {
        Subject::new("C1", "carol")
    }

    fn report(state: Option<&str>) -> ReportRef {
        ReportRef { id: "9m9I1F4p8ftrTP6QTI".into(), state: state.map(str::to_owned) }
    }

    fn msg(action: Action) -> String {
        action.message(&admin())
    }

    #[test]
    fn user_list_messages() {
        let two = || vec![bob(), carol()];
        let cases = [
            (Action::Create { subjects: two() }, "@admin created users: @bob, @carol"),
            (Action::Delete { subjects: vec![bob()] }, "@admin deleted users: @bob"),
            (Action::Activate { subjects: two() }, "@admin activated users: @bob, @carol"),
            (Action::Deactivate { subjects: two() }, "@admin deactivated users: @bob, @carol"),
            (Action::Approve { subjects: two() }, "@admin approved users: @bob, @carol"),
            (Action::AddSuggestion { subjects: two() }, "@admin added suggested users: @bob, @carol"),
            (Action::RemoveSuggestion { subjects: two() }, "@admin removed suggested users: @bob, @carol"),
            (Action::ForcePasswordReset { subjects: two() }, "@admin forced password reset for users: @bob, @carol"),
            (Action::ConfirmEmail { subjects: two() }, "@admin confirmed email for users: @bob, @carol"),
            (
                Action::ResendConfirmationEmail { subjects: two() },
                "@admin re-sent confirmation email for users: @bob, @carol",
            ),
            (Action::UpdatedUsers { subjects: vec![bob()] }, "@admin updated users: @bob"),
            (Action::CreateBackup { subject: bob() }, "@admin requested account backup for @bob"),
        ];
        for (action, expected) in cases {
            assert_eq!(msg(action), expected);
        }
    }

    #[test]
    fn follow_tag_and_permission_messages() {
        // Pleroma: "@#{admin} made @#{follower} follow @#{followed}".
        assert_eq!(msg(Action::Follow { follower: carol(), followed: bob() }), "@admin made @carol follow @bob");
        assert_eq!(msg(Action::Unfollow { follower: carol(), followed: bob() }), "@admin made @carol unfollow @bob");
        let tag = |untag: bool| {
            let nicknames = vec!["bob".to_owned(), "carol".to_owned()];
            let tags = vec!["foo".to_owned(), "bar".to_owned()];
            if untag {
                Action::Untag { nicknames, tags }
            } else {
                Action::Tag { nicknames, tags }
            }
        };
        assert_eq!(msg(tag(false)), "@admin added tags: foo, bar to users: @bob, @carol");
        assert_eq!(msg(tag(true)), "@admin removed tags: foo, bar from users: @bob, @carol");
        assert_eq!(
            msg(Action::Grant { subjects: vec![bob()], permission: Permission::Moderator }),
            "@admin made @bob moderator"
        );
        assert_eq!(
            msg(Action::Grant { subjects: vec![bob(), carol()], permission: Permission::Admin }),
            "@admin made @bob, @carol admin"
        );
        assert_eq!(
            msg(Action::Revoke { subjects: vec![bob()], permission: Permission::Admin }),
            "@admin revoked admin role from @bob"
        );
    }

    #[test]
    fn relay_report_status_and_chat_messages() {
        let relay = "https://example.org/relay".to_owned();
        assert_eq!(
            msg(Action::RelayFollow { target: relay.clone() }),
            "@admin followed relay: https://example.org/relay"
        );
        assert_eq!(msg(Action::RelayUnfollow { target: relay }), "@admin unfollowed relay: https://example.org/relay");
        assert_eq!(
            msg(Action::ReportUpdate { report: report(Some("resolved")), subject_actor: Some(bob()) }),
            "@admin updated report #9m9I1F4p8ftrTP6QTI (on user @bob) with 'resolved' state"
        );
        assert_eq!(
            msg(Action::ReportUpdate { report: report(Some("closed")), subject_actor: None }),
            "@admin updated report #9m9I1F4p8ftrTP6QTI with 'closed' state"
        );
        assert_eq!(
            msg(Action::ReportAssigned {
                report: report(Some("open")),
                subject_actor: Some(bob()),
                assigned_account: "carol".into()
            }),
            "@admin assigned report #9m9I1F4p8ftrTP6QTI (on user @bob) to user carol"
        );
        assert_eq!(
            msg(Action::ReportUnassigned { report: report(Some("open")), subject_actor: Some(bob()) }),
            "@admin unassigned report #9m9I1F4p8ftrTP6QTI (on user @bob) from a user"
        );
        assert_eq!(
            msg(Action::ReportNote { report: report(None), subject_actor: None, text: "look at this".into() }),
            "@admin added note 'look at this' to report #9m9I1F4p8ftrTP6QTI"
        );
        assert_eq!(
            msg(Action::ReportNote { report: report(None), subject_actor: Some(bob()), text: "look at this".into() }),
            "@admin added note 'look at this' to report #9m9I1F4p8ftrTP6QTI on user @bob"
        );
        // From Pleroma's ModerationLogViewTest.
        let b612 = Subject::new("A1I7G8", "b-612");
        assert_eq!(
            msg(Action::ReportNoteDelete {
                report: ReportRef { id: "A1I7be".into(), state: Some("open".into()) },
                subject_actor: Some(b612),
                text: "mistake".into()
            }),
            "@admin deleted note 'mistake' from report #A1I7be on user @b-612"
        );
        let status = |sensitive: Option<bool>, visibility: Option<&str>| Action::StatusUpdate {
            status_id: "S1".into(),
            sensitive,
            visibility: visibility.map(str::to_owned),
        };
        assert_eq!(msg(status(Some(true), None)), "@admin updated status #S1, set sensitive: 'true'");
        assert_eq!(msg(status(None, Some("private"))), "@admin updated status #S1, set visibility: 'private'");
        assert_eq!(
            msg(status(Some(true), Some("private"))),
            "@admin updated status #S1, set sensitive: 'true', visibility: 'private'"
        );
        assert_eq!(msg(status(None, None)), "@admin updated status #S1, set visibility: ''");
        assert_eq!(msg(Action::StatusDelete { status_id: "S1".into() }), "@admin deleted status #S1");
        assert_eq!(msg(Action::ChatMessageDelete { message_id: "M1".into() }), "@admin deleted chat message #M1");
    }

    #[test]
    fn data_maps_match_pleroma() {
        let actor = json!({"id": "A1", "nickname": "admin", "type": "user"});
        let user = |id: &str, nick: &str| json!({"id": id, "nickname": nick, "type": "user"});

        assert_eq!(
            Action::Deactivate { subjects: vec![bob(), carol()] }.data(&admin()),
            json!({
                "actor": actor,
                "action": "deactivate",
                "message": "@admin deactivated users: @bob, @carol",
                "subject": [user("B1", "bob"), user("C1", "carol")],
            })
        );
        assert_eq!(
            Action::Create { subjects: vec![bob()] }.data(&admin()),
            json!({
                "actor": actor,
                "action": "create",
                "message": "@admin created users: @bob",
                "subjects": [user("B1", "bob")],
            })
        );
        assert_eq!(
            Action::Follow { follower: carol(), followed: bob() }.data(&admin()),
            json!({
                "actor": actor,
                "action": "follow",
                "message": "@admin made @carol follow @bob",
                "follower": user("C1", "carol"),
                "followed": user("B1", "bob"),
            })
        );
        assert_eq!(
            Action::Tag { nicknames: vec!["bob".into()], tags: vec!["foo".into()] }.data(&admin()),
            json!({
                "actor": actor,
                "action": "tag",
                "message": "@admin added tags: foo to users: @bob",
                "nicknames": ["bob"],
                "tags": ["foo"],
            })
        );
        assert_eq!(
            Action::Revoke { subjects: vec![bob()], permission: Permission::Moderator }.data(&admin()),
            json!({
                "actor": actor,
                "action": "revoke",
                "message": "@admin revoked moderator role from @bob",
                "subject": [user("B1", "bob")],
                "permission": "moderator",
            })
        );
        assert_eq!(
            Action::CreateBackup { subject: bob() }.data(&admin()),
            json!({
                "actor": actor,
                "action": "create_backup",
                "message": "@admin requested account backup for @bob",
                "subject": user("B1", "bob"),
            })
        );
        assert_eq!(
            Action::RelayFollow { target: "https://r.example/actor".into() }.data(&admin()),
            json!({
                "actor": actor,
                "action": "relay_follow",
                "message": "@admin followed relay: https://r.example/actor",
                "target": "https://r.example/actor",
            })
        );
        // The exact map from Pleroma's ModerationLogViewTest.
        let pleroma_admin = Actor { id: "A1I7G8".into(), nickname: "admin".into(), operator: false };
        assert_eq!(
            Action::ReportNoteDelete {
                report: ReportRef { id: "A1I7be".into(), state: Some("open".into()) },
                subject_actor: Some(Subject::new("A1I7G8", "b-612")),
                text: "mistake".into()
            }
            .data(&pleroma_admin),
            json!({
                "action": "report_note_delete",
                "actor": {"id": "A1I7G8", "nickname": "admin", "type": "user"},
                "message": "@admin deleted note 'mistake' from report #A1I7be on user @b-612",
                "subject": {"id": "A1I7be", "state": "open", "type": "report"},
                "subject_actor": {"id": "A1I7G8", "nickname": "b-612", "type": "user"},
                "text": "mistake"
            })
        );
        assert_eq!(
            Action::ReportAssigned {
                report: report(Some("open")),
                subject_actor: None,
                assigned_account: "carol".into()
            }
            .data(&admin()),
            json!({
                "actor": actor,
                "action": "report_assigned",
                "message": "@admin assigned report #9m9I1F4p8ftrTP6QTI to user carol",
                "subject": {"id": "9m9I1F4p8ftrTP6QTI", "state": "open", "type": "report"},
                "assigned_account": "carol",
            })
        );
        assert_eq!(
            Action::StatusUpdate { status_id: "S1".into(), sensitive: Some(false), visibility: None }.data(&admin()),
            json!({
                "actor": actor,
                "action": "status_update",
                "message": "@admin updated status #S1, set sensitive: 'false'",
                "subject": {"type": "status", "id": "S1"},
                "sensitive": false,
                "visibility": null,
            })
        );
        assert_eq!(
            Action::StatusDelete { status_id: "S1".into() }.data(&admin()),
            json!({
                "actor": actor,
                "action": "status_delete",
                "message": "@admin deleted status #S1",
                "subject_id": "S1",
            })
        );
        assert_eq!(
            Action::ChatMessageDelete { message_id: "M1".into() }.data(&admin()),
            json!({
                "actor": {"nickname": "admin"},
                "action": "chat_message_delete",
                "message": "@admin deleted chat message #M1",
                "subject_id": "M1",
            })
        );
    }

    #[test]
    fn like_escaping() {
        assert_eq!(escape_like(r"50%_a\b"), r"50\%\_a\\b");
    }

    async fn db() -> DatabaseConnection {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        let schema = Schema::new(db.get_database_backend());
        db.execute(&schema.create_table_from_entity(moderation_log::Entity)).await.unwrap();
        db
    }

    #[tokio::test]
    async fn record_then_list_with_filters() {
        let db = db().await;
        let other = Actor { id: "O1".into(), nickname: "other".into(), operator: false };
        record(&db, &admin(), &Action::Deactivate { subjects: vec![bob()] }).await.unwrap();
        record(
            &db,
            &other,
            &Action::Grant { subjects: vec![Subject::new("X", "50%_off")], permission: Permission::Admin },
        )
        .await
        .unwrap();
        record(&db, &admin(), &Action::ChatMessageDelete { message_id: "M1".into() }).await.unwrap();

        let (all, total) = list(&db, &LogFilter::default(), 0, 50).await.unwrap();
        assert_eq!(total, 3);
        let messages: Vec<_> = all.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            ["@admin deleted chat message #M1", "@other made @50%_off admin", "@admin deactivated users: @bob",]
        );
        assert_eq!(all[2].actor_id.as_deref(), Some("A1"));
        assert_eq!(all[0].actor_id, None);
        assert_eq!(all[2].data["message"], "@admin deactivated users: @bob");

        let (page, total) = list(&db, &LogFilter::default(), 1, 1).await.unwrap();
        assert_eq!(total, 3);
        assert_eq!(page.len(), 1);
        assert_eq!(page[0].message, "@other made @50%_off admin");

        let by_user = LogFilter { user_id: Some("A1".into()), ..Default::default() };
        let (items, total) = list(&db, &by_user, 0, 50).await.unwrap();
        assert_eq!((items.len(), total), (1, 1));

        let search = |s: &str| LogFilter { search: Some(s.into()), ..Default::default() };
        assert_eq!(list(&db, &search("DEACTIVATED"), 0, 50).await.unwrap().1, 1);
        assert_eq!(list(&db, &search("0%_O"), 0, 50).await.unwrap().1, 1);
        assert_eq!(list(&db, &search("%"), 0, 50).await.unwrap().1, 1);
        assert_eq!(list(&db, &search("_"), 0, 50).await.unwrap().1, 1);
        assert_eq!(list(&db, &search(""), 0, 50).await.unwrap().1, 3);

        let future = Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0).unwrap();
        let past = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap();
        let after_future = LogFilter { start_date: Some(future), ..Default::default() };
        assert_eq!(list(&db, &after_future, 0, 50).await.unwrap().1, 0);
        let between = LogFilter { start_date: Some(past), end_date: Some(future), ..Default::default() };
        assert_eq!(list(&db, &between, 0, 50).await.unwrap().1, 3);
        let before_past = LogFilter { end_date: Some(past), ..Default::default() };
        assert_eq!(list(&db, &before_past, 0, 50).await.unwrap().1, 0);
        assert_eq!(all[2].message, "@admin deactivated users: @bob");
        assert_eq!(all[2].data["action"], "deactivate");
    }
}
