//! Reports grouped by the status they cite (the removed `GET /admin/grouped_reports`): for each
//! cited status, the reports citing it, newest first; groups ordered by their latest report,
//! newest first, then by status id. Pleroma built every group on each call (its order was
//! `DISTINCT`'s); here the groups are kept in `report_groups` (a row per cited status with its
//! latest report, moved by triggers on `report_statuses`, migration `m20261218_01`) and walked
//! by a keyset over its index, so a page costs the same wherever it is in the list.
use std::collections::{HashMap, HashSet};

use entity::{report, report_status};
use sea_orm::{
    sea_query::{Alias, Cond, Expr, ExprTrait, Order, Query},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Statement,
};
use serde::{Deserialize, Serialize};

use crate::error::AppResult;

/// Where a group stands in the list (its latest report, its status): a page starts after one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupKey {
    /// The id of the group's latest report.
    pub latest: String,
    /// The cited status's id.
    pub status: String,
}

/// One group: the cited status (in `key`) and the reports citing it, newest first.
#[derive(Debug, Clone)]
pub struct Group {
    pub key: GroupKey,
    pub reports: Vec<report::Model>,
}

/// At most `limit` groups after `after` (from the first when `None`). Three statements whatever
/// the page size: the page of groups (an index range), their links, their reports.
pub async fn grouped_page<C: ConnectionTrait>(conn: &C, after: Option<&GroupKey>, limit: u64) -> AppResult<Vec<Group>> {
    let (latest, status) = (Alias::new("latest_report_id"), Alias::new("status_id"));
    let mut query = Query::select();
    query.columns([status.clone(), latest.clone()]).from(Alias::new("report_groups"));
    if let Some(key) = after {
        // `latest <= L AND (latest < L OR status > S)`: the first term is a range both engines
        // start the index walk from (an `OR` alone would walk from the list's head).
        query.cond_where(
            Cond::all().add(Expr::col(latest.clone()).lte(key.latest.as_str())).add(
                Cond::any()
                    .add(Expr::col(latest.clone()).lt(key.latest.as_str()))
                    .add(Expr::col(status.clone()).gt(key.status.as_str())),
            ),
        );
    }
    query.order_by(latest, Order::Desc).order_by(status, Order::Asc).limit(limit);
    let statement: Statement = conn.get_database_backend().build(&query);
    let mut page = Vec::new();
    for row in conn.query_all_raw(statement).await? {
        page.push(GroupKey { status: row.try_get_by_index(0)?, latest: row.try_get_by_index(1)? });
    }
    if page.is_empty() {
        return Ok(Vec::new());
    }
    let status_ids: Vec<String> = page.iter().map(|k| k.status.clone()).collect();
    let links: Vec<(String, String)> = report_status::Entity::find()
        .select_only()
        .column(report_status::Column::StatusId)
        .column(report_status::Column::ReportId)
        .filter(report_status::Column::StatusId.is_in(status_ids))
        .into_tuple()
        .all(conn)
        .await?;
    let report_ids: Vec<String> = links.iter().map(|(_, r)| r.clone()).collect::<HashSet<_>>().into_iter().collect();
    let reports: HashMap<String, report::Model> =
        super::by_ids(conn, &report_ids).await?.into_iter().map(|r| (r.id.clone(), r)).collect();
    let mut groups: HashMap<String, Vec<report::Model>> = HashMap::new();
    for (status_id, report_id) in links {
        if let Some(report) = reports.get(&report_id) {
            groups.entry(status_id).or_default().push(report.clone());
        }
    }
    Ok(page
        .into_iter()
        .filter_map(|key| {
            let mut reports = groups.remove(&key.status)?;
            reports.sort_by(|a, b| b.id.cmp(&a.id));
            Some(Group { key, reports })
        })
        .collect())
}

/// How many statuses reports cite (the number of groups of [`grouped_page`]).
pub async fn grouped_count<C: ConnectionTrait>(conn: &C) -> AppResult<u64> {
    let backend = conn.get_database_backend();
    let row = conn.query_one_raw(Statement::from_string(backend, "SELECT COUNT(*) FROM report_groups")).await?;
    let count: i64 = match row {
        Some(row) => row.try_get_by_index(0)?,
        None => 0,
    };
    Ok(u64::try_from(count).unwrap_or(0))
}
