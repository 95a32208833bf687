//! The moderation log's entries rendered as Pleroma renders them: the stored `data` map and the
//! message (`Pleroma.ModerationLog.get_log_entry_message/1` and the `insert_log` clauses).

use serde_json::{json, Map, Value};

use super::{Action, Actor, ConfigChange, ReportRef, Subject};

impl Action {
    /// Pleroma's action name, stored in `data.action`.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Create { .. } => "create",
            Action::Delete { .. } => "delete",
            Action::Activate { .. } => "activate",
            Action::Deactivate { .. } => "deactivate",
            Action::Approve { .. } => "approve",
            Action::AddSuggestion { .. } => "add_suggestion",
            Action::RemoveSuggestion { .. } => "remove_suggestion",
            Action::Follow { .. } => "follow",
            Action::Unfollow { .. } => "unfollow",
            Action::Tag { .. } => "tag",
            Action::Untag { .. } => "untag",
            Action::Grant { .. } => "grant",
            Action::Revoke { .. } => "revoke",
            Action::ForcePasswordReset { .. } => "force_password_reset",
            Action::ConfirmEmail { .. } => "confirm_email",
            Action::UnconfirmEmail { .. } => "unconfirm_email",
            Action::ResendConfirmationEmail { .. } => "resend_confirmation_email",
            Action::UpdatedUsers { .. } => "updated_users",
            Action::CreateBackup { .. } => "create_backup",
            Action::RelayFollow { .. } => "relay_follow",
            Action::RelayUnfollow { .. } => "relay_unfollow",
            Action::ReportUpdate { .. } => "report_update",
            Action::ReportAssigned { .. } => "report_assigned",
            Action::ReportUnassigned { .. } => "report_unassigned",
            Action::ReportNote { .. } => "report_note",
            Action::ReportNoteDelete { .. } => "report_note_delete",
            Action::ReportResponse { .. } => "report_response",
            Action::StatusUpdate { .. } => "status_update",
            Action::StatusDelete { .. } => "status_delete",
            Action::ChatMessageDelete { .. } => "chat_message_delete",
            Action::ConfigUpdate { .. } => "config_update",
            Action::EmojiPackGet { .. } => "emoji_pack_get",
        }
    }

    /// The full `data` map Pleroma stores, including `actor`, `action` and `message`.
    pub fn data(&self, actor: &Actor) -> Value {
        let mut data = Map::new();
        // `chat_message_delete` is the one action whose actor map holds only the nickname.
        let actor_map = match self {
            _ if actor.operator => json!({ "id": null, "nickname": actor.nickname, "type": "operator" }),
            Action::ChatMessageDelete { .. } => json!({ "nickname": actor.nickname }),
            _ => user_map(&actor.id, &actor.nickname),
        };
        data.insert("actor".into(), actor_map);
        data.insert("action".into(), self.name().into());
        data.insert("message".into(), self.message(actor).into());

        match self {
            Action::Create { subjects } => {
                data.insert("subjects".into(), users_json(subjects));
            }
            Action::Delete { subjects }
            | Action::Activate { subjects }
            | Action::Deactivate { subjects }
            | Action::Approve { subjects }
            | Action::AddSuggestion { subjects }
            | Action::RemoveSuggestion { subjects }
            | Action::ForcePasswordReset { subjects }
            | Action::ConfirmEmail { subjects }
            | Action::UnconfirmEmail { subjects }
            | Action::ResendConfirmationEmail { subjects }
            | Action::UpdatedUsers { subjects } => {
                data.insert("subject".into(), users_json(subjects));
            }
            Action::CreateBackup { subject } => {
                data.insert("subject".into(), subject_json(subject));
            }
            Action::Follow { follower, followed } | Action::Unfollow { follower, followed } => {
                data.insert("follower".into(), subject_json(follower));
                data.insert("followed".into(), subject_json(followed));
            }
            Action::Tag { nicknames, tags } | Action::Untag { nicknames, tags } => {
                data.insert("nicknames".into(), json!(nicknames));
                data.insert("tags".into(), json!(tags));
            }
            Action::Grant { subjects, permission } | Action::Revoke { subjects, permission } => {
                data.insert("subject".into(), users_json(subjects));
                data.insert("permission".into(), permission.as_str().into());
            }
            Action::RelayFollow { target } | Action::RelayUnfollow { target } => {
                data.insert("target".into(), target.as_str().into());
            }
            Action::ReportUpdate { report, subject_actor } | Action::ReportUnassigned { report, subject_actor } => {
                insert_report(&mut data, report, subject_actor.as_ref());
            }
            Action::ReportAssigned { report, subject_actor, assigned_account } => {
                insert_report(&mut data, report, subject_actor.as_ref());
                data.insert("assigned_account".into(), assigned_account.as_str().into());
            }
            Action::ReportNote { report, subject_actor, text }
            | Action::ReportNoteDelete { report, subject_actor, text } => {
                insert_report(&mut data, report, subject_actor.as_ref());
                data.insert("text".into(), text.as_str().into());
            }
            Action::ReportResponse { report, text } => {
                insert_report(&mut data, report, None);
                data.insert("text".into(), text.as_str().into());
            }
            Action::StatusUpdate { status_id, sensitive, visibility } => {
                data.insert("subject".into(), json!({ "type": "status", "id": status_id }));
                data.insert("sensitive".into(), json!(sensitive));
                data.insert("visibility".into(), json!(visibility));
            }
            Action::StatusDelete { status_id } => {
                data.insert("subject_id".into(), status_id.as_str().into());
            }
            Action::ChatMessageDelete { message_id } => {
                data.insert("subject_id".into(), message_id.as_str().into());
            }
            Action::ConfigUpdate { changes } => {
                let configs: Vec<Value> = changes
                    .iter()
                    .map(|c| json!({ "group": c.group, "key": c.key, "delete": c.delete, "subkeys": c.subkeys }))
                    .collect();
                data.insert("configs".into(), Value::Array(configs));
            }
            Action::EmojiPackGet { packs } => {
                data.insert("packs".into(), json!(packs));
            }
        }
        Value::Object(data)
    }

    /// The message exactly as Pleroma words it, e.g. `@admin deactivated users: @bob, @carol`.
    pub fn message(&self, actor: &Actor) -> String {
        let a = actor.named();
        match self {
            Action::Create { subjects } => format!("{a} created users: {}", nicks(subjects)),
            Action::Delete { subjects } => format!("{a} deleted users: {}", nicks(subjects)),
            Action::Activate { subjects } => format!("{a} activated users: {}", nicks(subjects)),
            Action::Deactivate { subjects } => {
                format!("{a} deactivated users: {}", nicks(subjects))
            }
            Action::Approve { subjects } => format!("{a} approved users: {}", nicks(subjects)),
            Action::AddSuggestion { subjects } => {
                format!("{a} added suggested users: {}", nicks(subjects))
            }
            Action::RemoveSuggestion { subjects } => {
                format!("{a} removed suggested users: {}", nicks(subjects))
            }
            Action::Follow { follower, followed } => {
                format!("{a} made @{} follow @{}", follower.nickname, followed.nickname)
            }
            Action::Unfollow { follower, followed } => {
                format!("{a} made @{} unfollow @{}", follower.nickname, followed.nickname)
            }
            Action::Tag { nicknames, tags } => format!(
                "{a} added tags: {} to users: {}",
                tags.join(", "),
                at_list(nicknames.iter().map(String::as_str))
            ),
            Action::Untag { nicknames, tags } => format!(
                "{a} removed tags: {} from users: {}",
                tags.join(", "),
                at_list(nicknames.iter().map(String::as_str))
            ),
            Action::Grant { subjects, permission } => format!("{a} made {} {}", nicks(subjects), permission.as_str()),
            Action::Revoke { subjects, permission } => {
                format!("{a} revoked {} role from {}", permission.as_str(), nicks(subjects))
            }
            Action::ForcePasswordReset { subjects } => {
                format!("{a} forced password reset for users: {}", nicks(subjects))
            }
            Action::ConfirmEmail { subjects } => {
                format!("{a} confirmed email for users: {}", nicks(subjects))
            }
            Action::UnconfirmEmail { subjects } => {
                format!("{a} unconfirmed email for users: {}", nicks(subjects))
            }
            Action::ResendConfirmationEmail { subjects } => {
                format!("{a} re-sent confirmation email for users: {}", nicks(subjects))
            }
            Action::UpdatedUsers { subjects } => {
                format!("{a} updated users: {}", nicks(subjects))
            }
            Action::CreateBackup { subject } => {
                format!("{a} requested account backup for @{}", subject.nickname)
            }
            Action::RelayFollow { target } => format!("{a} followed relay: {target}"),
            Action::RelayUnfollow { target } => format!("{a} unfollowed relay: {target}"),
            Action::ReportUpdate { report, subject_actor } => format!(
                "{a} updated report #{}{} with '{}' state",
                report.id,
                on_user(subject_actor.as_ref(), " (on user ", ")"),
                report.state.as_deref().unwrap_or("")
            ),
            Action::ReportAssigned { report, subject_actor, assigned_account } => format!(
                "{a} assigned report #{}{} to user {assigned_account}",
                report.id,
                on_user(subject_actor.as_ref(), " (on user ", ")")
            ),
            Action::ReportUnassigned { report, subject_actor } => format!(
                "{a} unassigned report #{}{} from a user",
                report.id,
                on_user(subject_actor.as_ref(), " (on user ", ")")
            ),
            Action::ReportNote { report, subject_actor, text } => format!(
                "{a} added note '{text}' to report #{}{}",
                report.id,
                on_user(subject_actor.as_ref(), " on user ", "")
            ),
            Action::ReportNoteDelete { report, subject_actor, text } => format!(
                "{a} deleted note '{text}' from report #{}{}",
                report.id,
                on_user(subject_actor.as_ref(), " on user ", "")
            ),
            Action::ReportResponse { report, text } => {
                format!("{a} responded with '{text}' to report #{}", report.id)
            }
            Action::StatusUpdate { status_id, sensitive, visibility } => {
                // Pleroma's clauses in order: a missing `sensitive` wins, even when
                // `visibility` is missing too.
                match (sensitive, visibility.as_deref()) {
                    (None, v) => format!("{a} updated status #{status_id}, set visibility: '{}'", v.unwrap_or("")),
                    (Some(s), None) => {
                        format!("{a} updated status #{status_id}, set sensitive: '{s}'")
                    }
                    (Some(s), Some(v)) => {
                        format!("{a} updated status #{status_id}, set sensitive: '{s}', visibility: '{v}'")
                    }
                }
            }
            Action::StatusDelete { status_id } => format!("{a} deleted status #{status_id}"),
            Action::ChatMessageDelete { message_id } => {
                format!("{a} deleted chat message #{message_id}")
            }
            Action::ConfigUpdate { changes } => {
                let list: Vec<String> = changes.iter().map(ConfigChange::describe).collect();
                format!("{a} updated configuration: {}", list.join("; "))
            }
            Action::EmojiPackGet { packs } => format!("{a} downloaded emoji packs: {}", packs.join(", ")),
        }
    }
}

fn user_map(id: &str, nickname: &str) -> Value {
    // The admin token's actor has neither (Pleroma's `%User{}`: both `nil`).
    let or_null = |s: &str| if s.is_empty() { Value::Null } else { Value::String(s.to_string()) };
    json!({ "id": or_null(id), "nickname": or_null(nickname), "type": "user" })
}

fn subject_json(subject: &Subject) -> Value {
    user_map(&subject.id, &subject.nickname)
}

fn users_json(subjects: &[Subject]) -> Value {
    Value::Array(subjects.iter().map(subject_json).collect())
}

fn insert_report(data: &mut Map<String, Value>, report: &ReportRef, subject_actor: Option<&Subject>) {
    data.insert("subject".into(), json!({ "type": "report", "id": report.id, "state": report.state }));
    if let Some(user) = subject_actor {
        data.insert("subject_actor".into(), subject_json(user));
    }
}

/// `@a, @b` from nicknames.
fn at_list<'a>(nicknames: impl Iterator<Item = &'a str>) -> String {
    nicknames.map(|n| format!("@{n}")).collect::<Vec<_>>().join(", ")
}

fn nicks(subjects: &[Subject]) -> String {
    at_list(subjects.iter().map(|s| s.nickname.as_str()))
}

/// Pleroma's `subject_actor_nickname/3`: `prefix @nick postfix`, or nothing without a user.
fn on_user(subject_actor: Option<&Subject>, prefix: &str, postfix: &str) -> String {
    subject_actor.map(|u| format!("{prefix}@{}{postfix}", u.nickname)).unwrap_or_default()
}
