//! Versioned schema migrations, kept in `migrations/{dialect}/NNNN_name.sql` and embedded in the
//! binary. Each store records what it applied in a `sockudo_migrations` table; applying is
//! idempotent because only versions missing from that table run.

use super::StoreError;
use async_trait::async_trait;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
    Mysql,
    /// No SQL: the migration's text says what the store does (`src/app/dynamodb`).
    DynamoDb,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
            Dialect::DynamoDb => "dynamodb",
        }
    }
}

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
    mysql: &'static str,
    dynamodb: &'static str,
}

impl Migration {
    pub fn sql(&self, dialect: Dialect) -> &'static str {
        match dialect {
            Dialect::Sqlite => self.sqlite,
            Dialect::Postgres => self.postgres,
            Dialect::Mysql => self.mysql,
            Dialect::DynamoDb => self.dynamodb,
        }
    }

    /// The statements of this migration, one at a time (drivers differ on multi-statement text).
    pub fn statements(&self, dialect: Dialect) -> impl Iterator<Item = String> + '_ {
        let without_comments: String = self
            .sql(dialect)
            .lines()
            .filter(|line| !line.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        without_comments
            .split(';')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .into_iter()
    }
}

macro_rules! migration {
    ($version:literal, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../../migrations/sqlite/", $name, ".sql")),
            postgres: include_str!(concat!("../../migrations/postgres/", $name, ".sql")),
            mysql: include_str!(concat!("../../migrations/mysql/", $name, ".sql")),
            dynamodb: include_str!(concat!("../../migrations/dynamodb/", $name, ".txt")),
        }
    };
}

/// Every migration, oldest first.
pub static MIGRATIONS: [Migration; 1] = [migration!(1, "0001_create_apps")];

/// The bookkeeping table, created before anything else runs.
pub fn bookkeeping_table(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Mysql => {
            "CREATE TABLE IF NOT EXISTS sockudo_migrations (version BIGINT PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at BIGINT NOT NULL)"
        }
        _ => "CREATE TABLE IF NOT EXISTS sockudo_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    }
}

/// A store with a schema.
#[async_trait]
pub trait Schema: Send + Sync {
    fn dialect(&self) -> Dialect;
    /// Versions already applied (empty for a fresh database).
    async fn applied(&self) -> Result<Vec<i64>, StoreError>;
    /// Runs one migration and records it, atomically where the database allows.
    async fn apply(&self, migration: &Migration) -> Result<(), StoreError>;
}

/// Migrations the store has not applied yet, oldest first.
pub async fn pending(schema: &dyn Schema) -> Result<Vec<&'static Migration>, StoreError> {
    let applied = schema.applied().await?;
    Ok(MIGRATIONS
        .iter()
        .filter(|m| !applied.contains(&m.version))
        .collect())
}

/// Applies every pending migration; returns the ones applied.
pub async fn migrate(schema: &dyn Schema) -> Result<Vec<&'static Migration>, StoreError> {
    let pending = pending(schema).await?;
    for migration in &pending {
        schema.apply(migration).await?;
    }
    Ok(pending)
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_ordered_and_split_into_statements() {
        let versions: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
        let mut sorted = versions.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(versions, sorted);
        for dialect in [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql] {
            let statements: Vec<String> = MIGRATIONS[0].statements(dialect).collect();
            assert_eq!(statements.len(), 1, "{dialect:?}");
            assert!(statements[0].starts_with("CREATE TABLE apps"));
        }
    }
}
