//! The embedded default store: one SQLite file (bundled SQLite through rusqlite). WAL mode and a
//! busy timeout let `sockudo serve` and `sockudo apps` use the same file at the same time. Calls
//! run on tokio's blocking pool so the async runtime never waits on disk.

use super::migrations::{self, Dialect, Migration, Schema};
use super::row::AppRow;
use super::{App, AppStore, StoreError};
use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone)]
pub struct SqliteStore {
    connection: Arc<Mutex<Connection>>,
}

fn unavailable(error: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("sqlite: {error}"))
}

/// Creates `path` empty with mode 0600 unless it exists; an existing file is left as it is.
fn create_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other.map(drop),
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        // It holds every app's secret: a new file is readable by its owner only, and SQLite gives
        // its -wal and -shm files the same permissions.
        create_private(path).map_err(|e| {
            StoreError::Unavailable(format!(
                "cannot create SQLite database {}: {e}",
                path.display()
            ))
        })?;
        let connection = Connection::open(path).map_err(|e| {
            StoreError::Unavailable(format!(
                "cannot open SQLite database {}: {e}",
                path.display()
            ))
        })?;
        connection
            .busy_timeout(Duration::from_secs(5))
            .map_err(unavailable)?;
        connection
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| {
                StoreError::Unavailable(format!(
                    "cannot use SQLite database {}: {e}",
                    path.display()
                ))
            })?;
        Ok(SqliteStore {
            connection: Arc::new(Mutex::new(connection)),
        })
    }

    async fn with<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let connection = self.connection.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = connection
                .lock()
                .map_err(|_| unavailable("connection lock poisoned"))?;
            work(&mut guard)
        })
        .await
        .map_err(unavailable)?
    }

    async fn find_where(
        &self,
        column: &'static str,
        value: &str,
    ) -> Result<Option<Arc<App>>, StoreError> {
        let value = value.to_owned();
        self.with(move |c| {
            let sql = format!("SELECT {SELECT_COLUMNS} FROM apps WHERE {column} = ?1");
            let row = c
                .query_row(&sql, [value], read_row)
                .optional()
                .map_err(missing_schema_or_unavailable)?;
            row.map(|r| r.into_app().map(Arc::new)).transpose()
        })
        .await
    }
}

const SELECT_COLUMNS: &str = "id, app_key, secret, enabled, settings, created_at, updated_at";

fn read_row(row: &rusqlite::Row) -> rusqlite::Result<AppRow> {
    Ok(AppRow {
        id: row.get(0)?,
        key: row.get(1)?,
        secret: row.get(2)?,
        enabled: row.get::<_, i64>(3)? != 0,
        settings: row.get(4)?,
        created_at: row.get(5)?,
        updated_at: row.get(6)?,
    })
}

fn missing_schema_or_unavailable(error: rusqlite::Error) -> StoreError {
    if error.to_string().contains("no such table") {
        return StoreError::Unavailable(
            "sqlite: the schema is missing; run `sockudo migrate`".into(),
        );
    }
    unavailable(error)
}

/// A UNIQUE violation is the caller's mistake (a taken id or key), not an outage.
fn write_error(error: rusqlite::Error, app: &App) -> StoreError {
    match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation) => StoreError::Conflict(format!(
            "an app with id {:?} or key {:?} already exists",
            app.id, app.key
        )),
        _ => missing_schema_or_unavailable(error),
    }
}

#[async_trait]
impl AppStore for SqliteStore {
    async fn find_by_id(&self, id: &str) -> Result<Option<Arc<App>>, StoreError> {
        self.find_where("id", id).await
    }

    async fn find_by_key(&self, key: &str) -> Result<Option<Arc<App>>, StoreError> {
        self.find_where("app_key", key).await
    }

    async fn all(&self) -> Result<Vec<Arc<App>>, StoreError> {
        self.with(|c| {
            let mut statement = c
                .prepare(&format!("SELECT {SELECT_COLUMNS} FROM apps ORDER BY id"))
                .map_err(missing_schema_or_unavailable)?;
            let rows = statement
                .query_map([], read_row)
                .map_err(unavailable)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(unavailable)?;
            rows.into_iter()
                .map(|r| r.into_app().map(Arc::new))
                .collect()
        })
        .await
    }

    async fn create(&self, app: &App) -> Result<(), StoreError> {
        let now = migrations::now();
        let row = AppRow::from_app(app, now, now);
        let app = app.clone();
        self.with(move |c| {
            c.execute(
                "INSERT INTO apps (id, app_key, secret, enabled, settings, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![row.id, row.key, row.secret, row.enabled as i64, row.settings, row.created_at, row.updated_at],
            )
            .map_err(|e| write_error(e, &app))?;
            Ok(())
        })
        .await
    }

    async fn update(&self, app: &App) -> Result<(), StoreError> {
        let row = AppRow::from_app(app, 0, migrations::now());
        let app = app.clone();
        self.with(move |c| {
            let changed = c
                .execute(
                    "UPDATE apps SET app_key = ?2, secret = ?3, enabled = ?4, settings = ?5, updated_at = ?6 WHERE id = ?1",
                    params![row.id, row.key, row.secret, row.enabled as i64, row.settings, row.updated_at],
                )
                .map_err(|e| write_error(e, &app))?;
            if changed == 0 {
                return Err(StoreError::NotFound(app.id.clone()));
            }
            Ok(())
        })
        .await
    }

    async fn delete(&self, id: &str) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.with(move |c| {
            let removed = c
                .execute("DELETE FROM apps WHERE id = ?1", [id])
                .map_err(missing_schema_or_unavailable)?;
            Ok(removed > 0)
        })
        .await
    }
}

#[async_trait]
impl Schema for SqliteStore {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn applied(&self) -> Result<Vec<i64>, StoreError> {
        self.with(|c| {
            c.execute(migrations::bookkeeping_table(Dialect::Sqlite), [])
                .map_err(unavailable)?;
            let mut statement = c
                .prepare("SELECT version FROM sockudo_migrations ORDER BY version")
                .map_err(unavailable)?;
            let versions = statement
                .query_map([], |row| row.get(0))
                .map_err(unavailable)?
                .collect::<Result<Vec<i64>, _>>()
                .map_err(unavailable)?;
            Ok(versions)
        })
        .await
    }

    async fn apply(&self, migration: &Migration) -> Result<(), StoreError> {
        let statements: Vec<String> = migration.statements(Dialect::Sqlite).collect();
        let (version, name) = (migration.version, migration.name);
        self.with(move |c| {
            let transaction = c.transaction().map_err(unavailable)?;
            for statement in &statements {
                transaction.execute(statement, []).map_err(unavailable)?;
            }
            transaction
                .execute(
                    "INSERT INTO sockudo_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                    params![version, name, migrations::now()],
                )
                .map_err(unavailable)?;
            transaction.commit().map_err(unavailable)
        })
        .await
    }
}
