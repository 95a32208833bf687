//! Every background job kind (see `crate::jobs`) and what a job runs with. To add a kind:
//! define its arguments type beside the code it runs and `impl Job` for it, then list it here.
use std::sync::Arc;

use super::{
    backups,
    config_db::LiveSettings,
    federation::{deliveries, instances, publisher, questions, relays},
    frontends, imports,
    mail::Mailer,
    polls, purge,
};
use crate::{config::Settings, db::Db, error::AppError};

/// What every job runs with; settings are read when a job starts (a restart may change them).
#[derive(Clone)]
pub struct JobContext {
    pub db: Db,
    pub live: Arc<LiveSettings>,
    pub mailer: Arc<Mailer>,
}

impl JobContext {
    /// The settings in force now.
    pub fn settings(&self) -> Arc<Settings> {
        self.live.current()
    }
}

crate::job_kinds!(pub fn registry() -> Registry<JobContext> {
    backups::ProcessBackup,
    deliveries::FederationDeliver,
    publisher::FederationPublish,
    publisher::FederationPublishOne,
    frontends::InstallFrontend,
    instances::InstanceMetadata,
    imports::UserImport,
    polls::PollEnd,
    questions::PollRefresh,
    purge::DeleteUser,
    purge::DeleteInstance,
    relays::RelayFollow,
    relays::RelayUndo,
});

/// A failed attempt's reason as stored in `last_error` (an internal error's detail as is: it is
/// for the admin who reads the row).
pub fn failure(error: AppError) -> String {
    match error {
        AppError::Internal(detail) => detail,
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use crate::jobs::{Job, Queue};

    #[test]
    fn every_kind_keeps_its_name_and_queue() {
        let registry = super::registry();
        // The names are in existing rows: they never change.
        assert_eq!(
            registry.names(),
            [
                "delete_instance",
                "delete_user",
                "federation_deliver",
                "federation_publish",
                "federation_publish_one",
                "install_frontend",
                "instance_metadata",
                "poll_end",
                "poll_refresh",
                "process_backup",
                "relay_follow",
                "relay_undo",
                "user_import"
            ]
        );
        assert_eq!(registry.queue_of("relay_follow"), Some(Queue::Federation));
        assert_eq!(registry.queue_of("federation_publish_one"), Some(Queue::Federation));
        assert_eq!(registry.queue_of("install_frontend"), Some(Queue::Slow));
        assert_eq!(registry.queue_of("delete_instance"), Some(Queue::Purge));
        assert_eq!(registry.queue_of("relay_"), None);
        // Pleroma's BackupWorker and frontend install run once.
        assert_eq!(super::backups::ProcessBackup::MAX_ATTEMPTS, 1);
        assert_eq!(super::frontends::InstallFrontend::MAX_ATTEMPTS, 1);
    }
}
