//! Follow, block and mute imports (Pleroma's `UserImportController` and `User.Import`): the list
//! is parsed at once and applied by a durable job, one relationship change per known account;
//! accounts that are unknown, or refuse the change (a block), are skipped silently.
use entity::user;
use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};

use super::{
    relationships::{self, Change},
    users,
};
use crate::{
    config::Settings,
    db::Db,
    error::{AppError, AppResult},
    jobs::{Attempt, Failure, Job, Queue},
};

/// The job that applies an import ([`perform`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserImport {
    pub user_id: String,
    pub kind: ImportKind,
    pub accounts: Vec<String>,
}

impl Job for UserImport {
    const NAME: &'static str = "user_import";
    const QUEUE: Queue = Queue::Default;
    type Context = super::job_kinds::JobContext;

    async fn run(self, ctx: Self::Context, _: Attempt) -> Result<(), Failure> {
        perform(&ctx.db, &ctx.settings(), self).await.map_err(super::job_kinds::failure)
    }
}

/// Most accounts one import names (a list beyond it is refused, not truncated).
pub const MAX_ACCOUNTS: usize = 20_000;

/// What an import does to each account (stored as `follows`, `blocks` or `mutes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportKind {
    Follows,
    Blocks,
    Mutes,
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
    crate::jobs::enqueue(&db.write, &UserImport { user_id: user.id.clone(), kind, accounts }).await?;
    Ok(())
}

/// Run an import job: each known account followed, blocked or muted by the job's user (a follow
/// the moderation policies refuse is skipped, as a blocked one is).
pub async fn perform(db: &Db, settings: &Settings, job: UserImport) -> AppResult<()> {
    let Some(user) = user::Entity::find_by_id(job.user_id).one(&db.read).await? else {
        return Ok(()); // the account is gone: nothing to import for
    };
    let change = match job.kind {
        ImportKind::Follows => Change::Follow { reblogs: None, notify: None },
        ImportKind::Blocks => Change::Block,
        ImportKind::Mutes => Change::Mute { notifications: None },
    };
    for account in &job.accounts {
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
