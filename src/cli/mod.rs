//! The command line's subcommands that need more than a few lines (the binary's own modules:
//! they call the domain, as the GraphQL layer does).
pub mod backup;
pub mod config;
pub mod counters;
pub mod database;
pub mod emoji;
pub mod instance;
pub mod progress;
pub mod user;
