//! Follow, block and mute imports (Pleroma's `UserImportController` and `User.Import`): the list
//! is parsed at once and applied by a durable job, one relationship change per known account;
//! accounts that are unknown, or refuse the change (a block), are skipped silently.
use entity::user;
use sea_orm::EntityTrait;
use serde_json::{json, Value};

use super::{
    relationships::{self, Change},
    users,
};
use crate::{
    config::Settings,
    db::Db,
    error::{AppError, AppResult},
};

/// The job kind of an import.
pub const IMPORT: &str = "user_import";

/// Most accounts one import names (a list beyond it is refused, not truncated).
pub const MAX_ACCOUNTS: usize = 20_000;

/// What an import does to each account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    Follows,
    Blocks,
    Mutes,
}

impl ImportKind {
    fn name(self) -> &'static str {
        match self {
            ImportKind::Follows => "follows",
            ImportKind::Blocks => "blocks",
            ImportKind::Mutes => "mutes",
        }
    }
}

/// The accounts of a follow import: a Mastodon CSV export (the first column; the header
/// "Account address" skipped) or one account per line, a leading `@` stripped.
pub fn follow_list(list: &str) -> Vec<String> {
    list.split('\n')
        .map(|line| line.split(',').next().unwrap_or_default().trim().trim_start_matches('@').to_string())
        .filter(|a| !a.is_empty() && a != "Account address")
        .collect()
}

/// The accounts of a block or mute import: separated by white space, a leading `@` stripped.
pub fn plain_list(list: &str) -> Vec<String> {
    list.split_whitespace().map(|a| a.trim_start_matches('@').to_string()).filter(|a| !a.is_empty()).collect()
}

/// Queue the import of `accounts` for `user`.
pub async fn start(db: &Db, user: &user::Model, kind: ImportKind, accounts: Vec<String>) -> AppResult<()> {
    if accounts.len() > MAX_ACCOUNTS {
        return Err(AppError::BadRequest(format!("The list names more than {MAX_ACCOUNTS} accounts")));
    }
    let args = json!({"user_id": user.id, "kind": kind.name(), "accounts": accounts});
    crate::jobs::enqueue(&db.write, IMPORT, args).await?;
    Ok(())
}

/// Run an import job: each known account followed, blocked or muted by the job's user (a follow
/// the moderation policies refuse is skipped, as a blocked one is).
pub async fn perform(db: &Db, settings: &Settings, args: &Value) -> AppResult<()> {
    let field = |key: &str| args.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
    let Some(user) = user::Entity::find_by_id(field("user_id")).one(&db.read).await? else {
        return Ok(()); // the account is gone: nothing to import for
    };
    let change = match field("kind").as_str() {
        "follows" => Change::Follow { reblogs: None, notify: None },
        "blocks" => Change::Block,
        "mutes" => Change::Mute { notifications: None },
        other => return Err(AppError::internal(format!("unknown import kind {other}"))),
    };
    let accounts = args.get("accounts").and_then(Value::as_array).cloned().unwrap_or_default();
    for account in accounts.iter().filter_map(Value::as_str) {
        let Some(target) = users::find_by_nickname(&db.read, account).await? else { continue };
        if target.id == user.id {
            continue;
        }
        if let Change::Follow { .. } = change {
            match super::mrf::check_follow(&db.read, settings, &user, &target).await {
                Ok(()) => {}
                Err(AppError::Forbidden(_)) => continue,
                Err(err) => return Err(err),
            }
        }
        match relationships::change(db, &user, &target, change).await {
            Ok(_) | Err(AppError::Forbidden(_) | AppError::BadRequest(_)) => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_as_pleroma_reads_them() {
        let csv = "Account address,Show boosts\n@bob@remote.example,true\ncarol,false\n\n";
        assert_eq!(follow_list(csv), ["bob@remote.example", "carol"]);
        assert_eq!(plain_list(" @bob\ncarol  dave@x.example\n"), ["bob", "carol", "dave@x.example"]);
    }
}
