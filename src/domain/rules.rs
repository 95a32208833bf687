//! Instance rules (Pleroma's `Rule`): listed by priority then id, shown in the instance
//! entity, cited by reports. Pleroma does not write rule changes to the moderation log.
use std::collections::HashMap;

use chrono::Utc;
use entity::rule;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::error::{AppError, AppResult};

/// A new rule.
#[derive(Debug, Clone, Default)]
pub struct NewRule {
    pub text: String,
    pub hint: Option<String>,
    /// Ordering (default 0).
    pub priority: Option<i32>,
}

/// Changes to a rule; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct RuleChange {
    pub text: Option<String>,
    pub hint: Option<String>,
    pub priority: Option<i32>,
}

/// A rule id as the API shows it (a string); anything that is not one of ours matches nothing.
fn parse_id(id: &str) -> Option<i64> {
    id.trim().parse().ok()
}

/// Every rule, by priority then id (`Rule.query`).
pub async fn list<C: ConnectionTrait>(conn: &C) -> AppResult<Vec<rule::Model>> {
    Ok(rule::Entity::find().order_by_asc(rule::Column::Priority).order_by_asc(rule::Column::Id).all(conn).await?)
}

/// The rule with this id.
pub async fn by_id<C: ConnectionTrait>(conn: &C, id: &str) -> AppResult<Option<rule::Model>> {
    let Some(id) = parse_id(id) else { return Ok(None) };
    Ok(rule::Entity::find_by_id(id).one(conn).await?)
}

/// The rules with these ids, by id (one statement; none without ids).
pub async fn by_ids<C: ConnectionTrait>(conn: &C, ids: &[String]) -> AppResult<HashMap<String, rule::Model>> {
    let ids: Vec<i64> = ids.iter().filter_map(|id| parse_id(id)).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = rule::Entity::find().filter(rule::Column::Id.is_in(ids)).all(conn).await?;
    Ok(rows.into_iter().map(|r| (r.id.to_string(), r)).collect())
}

/// The ids among `ids` that name a rule, in their order (Pleroma's `get_report_rules` keeps
/// only existing rules).
pub async fn existing<C: ConnectionTrait>(conn: &C, ids: &[String]) -> AppResult<Vec<String>> {
    let found = by_ids(conn, ids).await?;
    Ok(ids.iter().filter_map(|id| found.get(id.trim()).map(|r| r.id.to_string())).collect())
}

fn blank_text() -> AppError {
    AppError::invalid("text", "can't be blank")
}

/// Create a rule. Blank text is `VALIDATION_FAILED` (`text: can't be blank`).
pub async fn create<C: ConnectionTrait>(conn: &C, new: &NewRule) -> AppResult<rule::Model> {
    if new.text.trim().is_empty() {
        return Err(blank_text());
    }
    let now = Utc::now();
    Ok(rule::ActiveModel {
        priority: Set(new.priority.unwrap_or(0)),
        text: Set(new.text.clone()),
        hint: Set(new.hint.clone()),
        inserted_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?)
}

/// Change a rule. An unknown id is `NOT_FOUND` (Pleroma crashes), blank text
/// `VALIDATION_FAILED`.
pub async fn update<C: ConnectionTrait>(conn: &C, id: &str, change: &RuleChange) -> AppResult<rule::Model> {
    let found = by_id(conn, id).await?.ok_or_else(AppError::not_found)?;
    let mut row: rule::ActiveModel = found.into();
    if let Some(text) = &change.text {
        if text.trim().is_empty() {
            return Err(blank_text());
        }
        row.text = Set(text.clone());
    }
    if let Some(hint) = &change.hint {
        row.hint = Set(Some(hint.clone()));
    }
    if let Some(priority) = change.priority {
        row.priority = Set(priority);
    }
    row.updated_at = Set(Utc::now());
    Ok(row.update(conn).await?)
}

/// Delete a rule. An unknown id is `NOT_FOUND` (Pleroma crashes).
pub async fn delete<C: ConnectionTrait>(conn: &C, id: &str) -> AppResult<rule::Model> {
    let found = by_id(conn, id).await?.ok_or_else(AppError::not_found)?;
    rule::Entity::delete_by_id(found.id).exec(conn).await?;
    Ok(found)
}
