//! Apps: the tenant model, the [`AppStore`] trait, and its stores.
//!
//! - [`MemoryAppStore`]: the static apps of the config and environment (read-only).
//! - [`SqliteStore`]: the embedded default, a SQLite file (WAL, shared safely by `serve` and `apps`).
//! - [`SqlStore`]: PostgreSQL or MySQL/MariaDB through sqlx.
//! - [`DynamoDbStore`]: an Amazon DynamoDB table (the `aws` feature).
//! - [`LayeredStore`]: what `serve` uses: static apps first, then a persistent store behind a
//!   short-lived cache, so store edits reach the running server within the cache TTL.
//!
//! Persistent stores keep a versioned schema ([`migrations`]).

#[cfg(feature = "aws")]
mod dynamodb;
mod layered;
mod memory;
pub mod migrations;
mod model;
mod open;
mod row;
mod sql;
mod sqlite;

#[cfg(feature = "aws")]
pub use dynamodb::DynamoDbStore;
pub use layered::LayeredStore;
pub use memory::{AppSetError, MemoryAppStore};
pub use model::{App, LimitDefaults, Limits, Webhook, WebhookFilter};
pub use open::{open, Database, DatabaseSettings};
pub use sql::SqlStore;
pub use sqlite::SqliteStore;

use async_trait::async_trait;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("app store is unavailable: {0}")]
    Unavailable(String),
    #[error("{0}")]
    Conflict(String),
    #[error("no app with id {0:?}")]
    NotFound(String),
    #[error("the {0} app store is read-only: its apps come from the configuration")]
    ReadOnly(&'static str),
    #[error("stored app {id:?} is unreadable: {reason}")]
    Corrupt { id: String, reason: String },
}

/// Where apps live. Lookups happen on every connection and every HTTP call, so `serve` puts a
/// cache in front of persistent stores ([`LayeredStore`]).
#[async_trait]
pub trait AppStore: Send + Sync {
    async fn find_by_id(&self, id: &str) -> Result<Option<Arc<App>>, StoreError>;
    async fn find_by_key(&self, key: &str) -> Result<Option<Arc<App>>, StoreError>;
    async fn all(&self) -> Result<Vec<Arc<App>>, StoreError>;
    /// Adds an app; a taken id or key is a [`StoreError::Conflict`].
    async fn create(&self, app: &App) -> Result<(), StoreError>;
    /// Replaces the app with the same id; [`StoreError::NotFound`] if there is none.
    async fn update(&self, app: &App) -> Result<(), StoreError>;
    /// Removes an app; false when there was none.
    async fn delete(&self, id: &str) -> Result<bool, StoreError>;
    /// Drops whatever lookups this store caches, so the next ones read the backing store.
    fn forget_cached(&self) {}
    /// The answer for `app` without a query: `Some` when this store holds it in memory or in
    /// its cache (`Some(None)`: known not to exist), `None` when only a query can tell.
    fn cached(&self, _app: AppRef<'_>) -> Option<Option<Arc<App>>> {
        None
    }
}

/// An app with a field of every kind set (text, flag, number, list), for the stores' round-trip
/// tests.
#[cfg(test)]
pub(crate) fn sample_app() -> App {
    let mut app = App::new("a", "k", "s");
    app.name = Some("Name".into());
    app.enabled = false;
    app.max_connections = Some(7);
    app.enable_client_messages = true;
    app.allowed_origins = vec!["https://*.example.com".into()];
    app
}

/// How a request names an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppRef<'a> {
    Id(&'a str),
    Key(&'a str),
}
