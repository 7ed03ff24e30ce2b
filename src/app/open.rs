//! Opening the configured store.

use super::migrations::Schema;
use super::{AppStore, MemoryAppStore, SqlStore, SqliteStore, StoreError};
use std::path::PathBuf;
use std::sync::Arc;

/// Which persistent store to use, resolved from `app_manager.driver` and `database.*`.
#[derive(Debug, Clone)]
pub enum DatabaseSettings {
    /// Static apps only.
    Memory,
    Sqlite {
        path: PathBuf,
    },
    /// PostgreSQL or MySQL, by URL scheme.
    Sql {
        url: String,
        pool_min: u32,
        pool_max: u32,
    },
    /// A DynamoDB table (the `aws` feature).
    #[cfg(feature = "aws")]
    DynamoDb {
        aws: crate::aws::Settings,
        table: String,
    },
}

impl DatabaseSettings {
    /// What the store is, for messages (never includes a password).
    pub fn describe(&self) -> String {
        match self {
            DatabaseSettings::Memory => "memory (config apps only)".into(),
            DatabaseSettings::Sqlite { path } => format!("sqlite at {}", path.display()),
            DatabaseSettings::Sql { url, .. } => {
                let scheme = url.split("://").next().unwrap_or("sql");
                let location = url
                    .rsplit('@')
                    .next()
                    .unwrap_or("")
                    .split('?')
                    .next()
                    .unwrap_or("");
                format!("{scheme} at {location}")
            }
            #[cfg(feature = "aws")]
            DatabaseSettings::DynamoDb { aws, table } => format!(
                "dynamodb table {table:?}{}",
                aws.endpoint_url
                    .as_deref()
                    .map(|endpoint| format!(" at {endpoint}"))
                    .unwrap_or_default()
            ),
        }
    }
}

/// An opened store: the apps, and the schema when the store has one.
pub struct Database {
    pub apps: Arc<dyn AppStore>,
    pub schema: Option<Arc<dyn Schema>>,
}

/// Opens the store, failing clearly when it cannot be reached.
pub async fn open(settings: &DatabaseSettings) -> Result<Database, StoreError> {
    Ok(match settings {
        DatabaseSettings::Memory => Database {
            apps: Arc::new(MemoryAppStore::default()),
            schema: None,
        },
        DatabaseSettings::Sqlite { path } => {
            let store = SqliteStore::open(path)?;
            Database {
                apps: Arc::new(store.clone()),
                schema: Some(Arc::new(store)),
            }
        }
        DatabaseSettings::Sql {
            url,
            pool_min,
            pool_max,
        } => {
            let store = SqlStore::connect(url, *pool_min, *pool_max).await?;
            Database {
                apps: Arc::new(store.clone()),
                schema: Some(Arc::new(store)),
            }
        }
        #[cfg(feature = "aws")]
        DatabaseSettings::DynamoDb { aws, table } => {
            let store = super::DynamoDbStore::connect(aws, table).await;
            Database {
                apps: Arc::new(store.clone()),
                schema: Some(Arc::new(store)),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_never_show_passwords() {
        let settings = DatabaseSettings::Sql {
            url: "postgres://user:hunter2@db.local:5432/sockudo".into(),
            pool_min: 1,
            pool_max: 2,
        };
        let text = settings.describe();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("db.local:5432/sockudo"), "{text}");
    }
}
