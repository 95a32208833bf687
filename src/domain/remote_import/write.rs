//! The whole document checked, then written in one transaction.
use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entity::{follow, media_attachment, mention, report, report_status, status, user};
use sea_orm::{sea_query::OnConflict, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::{
    rows::{bad, content_type_of, is_url, remote_user, sanitize, statuses_by_ap_id, users_by_ap_id},
    screen::screen,
    Document, ImportReport,
};
use crate::{config::Settings, db::Db, error::AppError, ids};

/// An attachment's URL and description.
type Attachment = (String, Option<String>);

/// Check the whole document, pass it through the moderation policies (`settings.mrf`), then
/// write what they let through in one transaction.
pub async fn import(db: &Db, settings: &Settings, doc: &Document) -> Result<ImportReport, AppError> {
    let now = Utc::now();
    let txn = db.begin().await?;
    let (screened, rejected) = screen(&txn, settings, doc, now).await?;
    let doc = &screened;

    // ---- actors
    let mut referenced: Vec<String> = doc.actors.iter().map(|a| a.ap_id.clone()).collect();
    referenced.extend(doc.statuses.iter().map(|s| s.actor.clone()));
    referenced.extend(doc.follows.iter().flat_map(|f| [f.follower.clone(), f.followed.clone()]));
    referenced.extend(doc.reports.iter().flat_map(|r| [r.actor.clone(), r.account.clone()]));
    // Stored users may be mentioned without being in the document.
    referenced.extend(doc.statuses.iter().flat_map(|s| s.mentions.clone()));
    referenced.sort();
    referenced.dedup();
    let existing_users = users_by_ap_id(&txn, &referenced).await?;
    // ap_id → user id, for every actor the document may name.
    let mut actor_ids: HashMap<String, String> =
        existing_users.iter().map(|(ap, row)| (ap.clone(), row.id.clone())).collect();
    let mut user_rows = Vec::new();
    let mut seen = HashSet::new();
    let nicknames: Vec<String> = doc.actors.iter().map(|a| a.nickname.clone()).collect();
    let mut taken: HashMap<String, String> = HashMap::new();
    for chunk in nicknames.chunks(500) {
        for row in user::Entity::find().filter(user::Column::Nickname.is_in(chunk.to_vec())).all(&txn).await? {
            taken.insert(row.nickname.clone(), row.ap_id.clone());
        }
    }
    for (i, actor) in doc.actors.iter().enumerate() {
        let entry = format!("actors[{i}]");
        if !is_url(&actor.ap_id) {
            return Err(bad(entry, format!("ap_id is not an http(s) URL: {}", actor.ap_id)));
        }
        if !seen.insert(actor.ap_id.clone()) {
            return Err(bad(entry, format!("duplicate actor {}", actor.ap_id)));
        }
        let Some((nick, domain)) = actor.nickname.split_once('@') else {
            return Err(bad(entry, format!("nickname must be nick@domain: {}", actor.nickname)));
        };
        if nick.is_empty() || domain.is_empty() || domain.contains('@') || nick.contains(char::is_whitespace) {
            return Err(bad(entry, format!("nickname must be nick@domain: {}", actor.nickname)));
        }
        let actor_type = actor.actor_type.as_deref().unwrap_or("Person");
        if !matches!(actor_type, "Person" | "Service" | "Application") {
            return Err(bad(entry, format!("actor_type must be Person, Service or Application, not {actor_type}")));
        }
        if let Some(owner) = taken.get(&actor.nickname) {
            if owner != &actor.ap_id {
                return Err(bad(entry, format!("nickname {} belongs to another actor ({owner})", actor.nickname)));
            }
        }
        let id = match existing_users.get(&actor.ap_id) {
            Some(row) if row.local => return Err(bad(entry, format!("{} is a local user", actor.ap_id))),
            Some(row) => row.id.clone(),
            None => ids::flake_id_at(actor.created_at.unwrap_or(now), rand::random::<u64>() >> 16),
        };
        actor_ids.insert(actor.ap_id.clone(), id.clone());
        user_rows.push(remote_user(id, actor, &domain.to_lowercase(), actor_type, now));
    }

    // ---- statuses
    let mut status_refs: Vec<String> = doc.statuses.iter().map(|s| s.ap_id.clone()).collect();
    status_refs.extend(doc.statuses.iter().filter_map(|s| s.in_reply_to.clone()));
    status_refs.extend(doc.statuses.iter().filter_map(|s| s.reblog_of.clone()));
    status_refs.extend(doc.reports.iter().flat_map(|r| r.statuses.clone()));
    status_refs.sort();
    status_refs.dedup();
    let existing_statuses = statuses_by_ap_id(&txn, &status_refs).await?;
    // ap_id → (id, author id, context) of every status the document may name.
    let mut known: HashMap<String, (String, String, String)> = existing_statuses
        .iter()
        .map(|(ap, row)| (ap.clone(), (row.id.clone(), row.user_id.clone(), row.context.clone())))
        .collect();
    let mut seen = HashSet::new();
    for (i, s) in doc.statuses.iter().enumerate() {
        let entry = format!("statuses[{i}]");
        if !is_url(&s.ap_id) {
            return Err(bad(entry, format!("ap_id is not an http(s) URL: {}", s.ap_id)));
        }
        if !seen.insert(s.ap_id.clone()) {
            return Err(bad(entry, format!("duplicate status {}", s.ap_id)));
        }
        let Some(author) = actor_ids.get(&s.actor) else {
            return Err(bad(entry, format!("unknown actor {}", s.actor)));
        };
        let id = match existing_statuses.get(&s.ap_id) {
            Some(row) if row.local => return Err(bad(entry, format!("{} is a local status", s.ap_id))),
            Some(row) => row.id.clone(),
            None => ids::flake_id_at(s.created_at.unwrap_or(now), rand::random::<u64>() >> 16),
        };
        known.insert(s.ap_id.clone(), (id, author.clone(), s.ap_id.clone()));
    }
    let mut status_rows = Vec::new();
    // Per status: the mentioned users' ids and the attachments' URLs and descriptions.
    let mut addressed: Vec<(String, String, Vec<String>, Vec<Attachment>)> = Vec::new();
    for (i, s) in doc.statuses.iter().enumerate() {
        let entry = format!("statuses[{i}]");
        let visibility = s.visibility.as_deref().unwrap_or("public");
        if !matches!(visibility, "public" | "unlisted" | "private" | "direct") {
            return Err(bad(
                entry,
                format!("visibility must be public, unlisted, private or direct, not {visibility}"),
            ));
        }
        let lookup = |ap: &Option<String>, what: &str| -> Result<Option<(String, String, String)>, AppError> {
            match ap {
                None => Ok(None),
                Some(ap) => {
                    known.get(ap).cloned().map(Some).ok_or_else(|| bad(entry.clone(), format!("unknown {what} {ap}")))
                }
            }
        };
        let parent = lookup(&s.in_reply_to, "in_reply_to status")?;
        let reblogged = lookup(&s.reblog_of, "reblog_of status")?;
        let (id, author, _) = known.get(&s.ap_id).cloned().unwrap_or_default();
        let mut mentioned = Vec::new();
        for ap in &s.mentions {
            let user = actor_ids.get(ap).ok_or_else(|| bad(entry.clone(), format!("unknown mentioned actor {ap}")))?;
            if !mentioned.contains(user) {
                mentioned.push(user.clone());
            }
        }
        if let Some(url) = s.attachments.iter().find(|url| !is_url(url)) {
            return Err(bad(entry, format!("attachment is not an http(s) URL: {url}")));
        }
        let attachments = s.attachments.iter().map(|url| (url.clone(), s.descriptions.get(url).cloned())).collect();
        addressed.push((id.clone(), author.clone(), mentioned, attachments));
        let context = parent.as_ref().map(|(_, _, ctx)| ctx.clone()).unwrap_or_else(|| s.ap_id.clone());
        status_rows.push(status::Model {
            id,
            ap_id: s.ap_id.clone(),
            user_id: author,
            content: if reblogged.is_some() { String::new() } else { sanitize(&s.content) },
            source: None,
            content_type: "text/html".into(),
            visibility: visibility.to_string(),
            sensitive: s.sensitive,
            spoiler_text: s.spoiler_text.clone().unwrap_or_default(),
            in_reply_to_id: parent.as_ref().map(|(id, _, _)| id.clone()),
            in_reply_to_user_id: parent.as_ref().map(|(_, user, _)| user.clone()),
            reblog_of_id: reblogged.map(|(id, _, _)| id),
            quote_of_id: None,
            context,
            language: None,
            local: false,
            idempotency_key: None,
            created_at: s.created_at.unwrap_or(now),
            edited_at: None,
            replies_count: 0,
            reblogs_count: 0,
            quotes_count: 0,
            favourites_count: 0,
        });
    }

    // ---- follows
    let mut follow_rows = Vec::new();
    for (i, f) in doc.follows.iter().enumerate() {
        let entry = format!("follows[{i}]");
        let follower =
            actor_ids.get(&f.follower).ok_or_else(|| bad(entry.clone(), format!("unknown actor {}", f.follower)))?;
        let followed =
            actor_ids.get(&f.followed).ok_or_else(|| bad(entry.clone(), format!("unknown actor {}", f.followed)))?;
        if follower == followed {
            return Err(bad(entry, "an actor cannot follow itself"));
        }
        follow_rows.push((follower.clone(), followed.clone()));
    }

    // ---- reports
    let existing_reports: HashMap<String, report::Model> = {
        let aps: Vec<String> = doc.reports.iter().map(|r| r.ap_id.clone()).collect();
        let mut out = HashMap::new();
        for chunk in aps.chunks(500) {
            for row in report::Entity::find().filter(report::Column::ApId.is_in(chunk.to_vec())).all(&txn).await? {
                out.insert(row.ap_id.clone(), row);
            }
        }
        out
    };
    let mut report_rows = Vec::new();
    let mut seen = HashSet::new();
    for (i, r) in doc.reports.iter().enumerate() {
        let entry = format!("reports[{i}]");
        if !is_url(&r.ap_id) {
            return Err(bad(entry, format!("ap_id is not an http(s) URL: {}", r.ap_id)));
        }
        if !seen.insert(r.ap_id.clone()) {
            return Err(bad(entry, format!("duplicate report {}", r.ap_id)));
        }
        let actor = actor_ids.get(&r.actor).ok_or_else(|| bad(entry.clone(), format!("unknown actor {}", r.actor)))?;
        let account =
            actor_ids.get(&r.account).ok_or_else(|| bad(entry.clone(), format!("unknown account {}", r.account)))?;
        let state = r.state.as_deref().unwrap_or("open");
        if !matches!(state, "open" | "closed" | "resolved") {
            return Err(bad(entry, format!("state must be open, closed or resolved, not {state}")));
        }
        let mut cited = Vec::new();
        for ap in &r.statuses {
            let Some((id, _, _)) = known.get(ap) else { return Err(bad(entry, format!("unknown status {ap}"))) };
            if !cited.contains(id) {
                cited.push(id.clone());
            }
        }
        let id = match existing_reports.get(&r.ap_id) {
            Some(row) => row.id.clone(),
            None => ids::flake_id_at(r.created_at.unwrap_or(now), rand::random::<u64>() >> 16),
        };
        let created = existing_reports.get(&r.ap_id).map(|row| row.created_at).unwrap_or(r.created_at.unwrap_or(now));
        report_rows.push((
            report::Model {
                id,
                ap_id: r.ap_id.clone(),
                actor_id: actor.clone(),
                account_id: account.clone(),
                content: r.content.clone(),
                state: state.to_string(),
                forwarded: false,
                rule_ids: json!([]),
                created_at: created,
                updated_at: now,
            },
            cited,
        ));
    }

    // ---- write
    for row in &user_rows {
        let model: user::ActiveModel = row.clone().into();
        let mut model = sea_orm::ActiveModelTrait::reset_all(model);
        model.search_text = Set(row.search_text.clone());
        user::Entity::insert(model)
            .on_conflict(
                OnConflict::column(user::Column::ApId)
                    .update_columns([
                        user::Column::Nickname,
                        user::Column::Name,
                        user::Column::Bio,
                        user::Column::ActorType,
                        user::Column::Avatar,
                        user::Column::Banner,
                        user::Column::Domain,
                        user::Column::SearchText,
                        user::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    // Parents first, so that the statuses a file holds can refer to each other in any order.
    for chunk in status_rows.chunks(200) {
        let models: Vec<status::ActiveModel> = chunk
            .iter()
            .map(|row| sea_orm::ActiveModelTrait::reset_all(status::ActiveModel::from(row.clone())))
            .collect();
        status::Entity::insert_many(models)
            .on_conflict(
                OnConflict::column(status::Column::ApId)
                    .update_columns([
                        status::Column::Content,
                        status::Column::Visibility,
                        status::Column::Sensitive,
                        status::Column::SpoilerText,
                        status::Column::InReplyToId,
                        status::Column::InReplyToUserId,
                        status::Column::ReblogOfId,
                        status::Column::Context,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    // Mentions and attachments as the file (after the policies) has them.
    let imported: Vec<String> = addressed.iter().map(|(id, ..)| id.clone()).collect();
    for chunk in imported.chunks(500) {
        mention::Entity::delete_many().filter(mention::Column::StatusId.is_in(chunk.to_vec())).exec(&txn).await?;
        media_attachment::Entity::delete_many()
            .filter(media_attachment::Column::StatusId.is_in(chunk.to_vec()))
            .filter(media_attachment::Column::RemoteUrl.is_not_null())
            .exec(&txn)
            .await?;
    }
    for (status_id, author, mentioned, attachments) in &addressed {
        if !mentioned.is_empty() {
            mention::Entity::insert_many(
                mentioned
                    .iter()
                    .map(|user| mention::ActiveModel { status_id: Set(status_id.clone()), user_id: Set(user.clone()) }),
            )
            .exec_without_returning(&txn)
            .await?;
        }
        for (url, description) in attachments {
            media_attachment::Entity::insert(media_attachment::ActiveModel {
                id: Set(ids::flake_id()),
                user_id: Set(author.clone()),
                status_id: Set(Some(status_id.clone())),
                file_name: Set(String::new()),
                content_type: Set(content_type_of(url).to_string()),
                size: Set(0),
                description: Set(description.clone()),
                remote_url: Set(Some(url.clone())),
                inserted_at: Set(now),
            })
            .exec_without_returning(&txn)
            .await?;
        }
    }
    let now_follow = Utc::now();
    for chunk in follow_rows.chunks(500) {
        let models: Vec<follow::ActiveModel> = chunk
            .iter()
            .map(|(follower, followed)| follow::ActiveModel {
                follower_id: Set(follower.clone()),
                following_id: Set(followed.clone()),
                inserted_at: Set(now_follow),
                show_reblogs: Set(true),
                notify: Set(false),
            })
            .collect();
        follow::Entity::insert_many(models)
            .on_conflict(
                OnConflict::columns([follow::Column::FollowerId, follow::Column::FollowingId]).do_nothing().to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    let statuses_now: HashMap<String, status::Model> = {
        let cited: Vec<String> = report_rows.iter().flat_map(|(_, c)| c.clone()).collect();
        let mut out = HashMap::new();
        for chunk in cited.chunks(500) {
            for row in status::Entity::find().filter(status::Column::Id.is_in(chunk.to_vec())).all(&txn).await? {
                out.insert(row.id.clone(), row);
            }
        }
        out
    };
    for (row, cited) in &report_rows {
        let model = sea_orm::ActiveModelTrait::reset_all(report::ActiveModel::from(row.clone()));
        report::Entity::insert(model)
            .on_conflict(
                OnConflict::column(report::Column::ApId)
                    .update_columns([
                        report::Column::ActorId,
                        report::Column::AccountId,
                        report::Column::Content,
                        report::Column::State,
                        report::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
        report_status::Entity::delete_many()
            .filter(report_status::Column::ReportId.eq(row.id.as_str()))
            .exec(&txn)
            .await?;
        for (position, id) in cited.iter().enumerate() {
            let Some(status) = statuses_now.get(id) else { continue };
            report_status::Entity::insert(report_status::ActiveModel {
                report_id: Set(row.id.clone()),
                status_id: Set(id.clone()),
                position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
                snapshot: Set(crate::domain::reports::snapshot(status)),
            })
            .exec_without_returning(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    // Fresh planner statistics for every table the file filled.
    crate::domain::counters::analyze(
        &db.write,
        &[
            "users",
            "statuses",
            "mentions",
            "media_attachments",
            "follows",
            "reports",
            "report_statuses",
            "report_groups",
        ],
    )
    .await?;
    Ok(ImportReport {
        actors: user_rows.len(),
        statuses: status_rows.len(),
        follows: follow_rows.len(),
        reports: report_rows.len(),
        rejected,
    })
}
