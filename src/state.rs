//! Shared application state.
use std::sync::Arc;

use crate::{auth::RateLimits, config::Settings, db::Db, domain::mail::Mailer, graphql::GatewaySchema, rest::Facade};

/// Everything a request handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub schema: GatewaySchema,
    pub facade: Arc<Facade>,
    pub mailer: Arc<Mailer>,
    pub rate_limits: Arc<RateLimits>,
}

impl AppState {
    /// Build the state over a connected database.
    pub fn new(db: Db, settings: Settings) -> Result<AppState, String> {
        let settings = Arc::new(settings);
        let mailer = Arc::new(Mailer::new(&settings)?);
        let schema = crate::graphql::schema(db.clone(), settings.clone(), mailer.clone());
        let facade = Arc::new(Facade::new(&schema)?);
        Ok(AppState {
            rate_limits: Arc::new(RateLimits::new(settings.rate_limit.clone())),
            db,
            settings,
            schema,
            facade,
            mailer,
        })
    }
}
