//! `seed --statuses N --reports N`: deterministic content over the seeded users.
use ::seed;
use entity::{report, report_status, status};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::common::TestApp;

async fn seeded() -> (TestApp, seed::ContentReport) {
    let app = TestApp::new().await;
    let options = seed::SeedOptions { users: 300, seed: 3, ..Default::default() };
    seed::seed_users(&app.state.db.write, &options, "x").await.unwrap();
    let content =
        seed::ContentOptions { statuses: 4_000, reports: 60, seed: 3, instance_url: "http://localhost:4000".into() };
    let report = seed::seed_content(&app.state.db.write, &content).await.unwrap();
    (app, report)
}

#[tokio::test]
async fn seeded_content_is_plausible_and_deterministic() {
    let (app, report) = seeded().await;
    let db = &app.state.db.read;
    assert_eq!((report.statuses, report.reports), (4_000, 60));
    assert!((600..1000).contains(&report.replies) && (300..500).contains(&report.reblogs), "{report:?}");
    assert_eq!(status::Entity::find().count(db).await.unwrap(), 4_000);
    let reblogs = status::Entity::find().filter(status::Column::ReblogOfId.is_not_null()).all(db).await.unwrap();
    assert!(reblogs.iter().all(|s| s.content.is_empty() && s.visibility == "public"));
    // A reblog or a reply names a post, never a reblog (as Pleroma's Announce and inReplyTo do).
    let reblog_ids: std::collections::HashSet<&str> = reblogs.iter().map(|s| s.id.as_str()).collect();
    let named = status::Entity::find()
        .filter(status::Column::ReblogOfId.is_in(reblog_ids.iter().copied()))
        .count(db)
        .await
        .unwrap()
        + status::Entity::find()
            .filter(status::Column::InReplyToId.is_in(reblog_ids.iter().copied()))
            .count(db)
            .await
            .unwrap();
    assert_eq!(named, 0, "statuses naming a reblog");
    // Replies answer earlier statuses in the same thread.
    let replies = status::Entity::find().filter(status::Column::InReplyToId.is_not_null()).all(db).await.unwrap();
    for reply in replies.iter().take(50) {
        let parent = status::Entity::find_by_id(reply.in_reply_to_id.clone().unwrap()).one(db).await.unwrap().unwrap();
        assert!(parent.id < reply.id);
        assert_eq!(
            (parent.context.as_str(), Some(parent.user_id.as_str())),
            (reply.context.as_str(), reply.in_reply_to_user_id.as_deref())
        );
    }
    // Reported statuses belong to the reported account.
    for cited in report_status::Entity::find().all(db).await.unwrap() {
        let flag = report::Entity::find_by_id(cited.report_id.clone()).one(db).await.unwrap().unwrap();
        let status = status::Entity::find_by_id(cited.status_id.clone()).one(db).await.unwrap().unwrap();
        assert_eq!(status.user_id, flag.account_id);
    }
    // The same options give the same rows.
    let (other, _) = seeded().await;
    let ids = |app: &TestApp| {
        let db = app.state.db.read.clone();
        async move {
            let rows = status::Entity::find().order_by_asc(status::Column::Id).all(&db).await.unwrap();
            rows.into_iter().map(|s| (s.id, s.ap_id, s.in_reply_to_id, s.reblog_of_id)).collect::<Vec<_>>()
        }
    };
    assert_eq!(ids(&app).await, ids(&other).await);
}
