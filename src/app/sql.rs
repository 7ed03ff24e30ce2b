//! PostgreSQL and MySQL/MariaDB stores through sqlx's `Any` driver: one implementation, with the
//! SQL text adjusted for each dialect's placeholders.

use super::migrations::{self, Dialect, Migration, Schema};
use super::row::AppRow;
use super::{App, AppStore, StoreError};
use async_trait::async_trait;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct SqlStore {
    pool: AnyPool,
    dialect: Dialect,
}

fn unavailable(dialect: Dialect, error: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("{}: {error}", dialect.name()))
}

impl SqlStore {
    /// Connects to `url` (`postgres://...` or `mysql://...`) with a pool of `min..=max` connections.
    pub async fn connect(url: &str, min: u32, max: u32) -> Result<SqlStore, StoreError> {
        let dialect = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Dialect::Postgres
        } else if url.starts_with("mysql://") || url.starts_with("mariadb://") {
            Dialect::Mysql
        } else {
            return Err(StoreError::Unavailable(format!(
                "database URL must start with postgres:// or mysql:// (got {:?})",
                url.split(':').next().unwrap_or("")
            )));
        };
        let url = url.replacen("mariadb://", "mysql://", 1);
        sqlx::any::install_default_drivers();
        let pool = AnyPoolOptions::new()
            .min_connections(min)
            .max_connections(max.max(1))
            .acquire_timeout(Duration::from_secs(5))
            .connect(&url)
            .await
            .map_err(|e| unavailable(dialect, e))?;
        Ok(SqlStore { pool, dialect })
    }

    /// `sql` with `?` placeholders rewritten as `$1, $2, ...` for PostgreSQL.
    fn sql(&self, sql: &str) -> String {
        if self.dialect != Dialect::Postgres {
            return sql.to_owned();
        }
        let mut out = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                out.push_str(&format!("${n}"));
            } else {
                out.push(c);
            }
        }
        out
    }

    fn error(&self, error: sqlx::Error) -> StoreError {
        let text = error.to_string();
        if text.contains("apps")
            && (text.contains("does not exist") || text.contains("doesn't exist"))
        {
            return StoreError::Unavailable(format!(
                "{}: the schema is missing; run `sockudo migrate`",
                self.dialect.name()
            ));
        }
        unavailable(self.dialect, error)
    }

    fn write_error(&self, error: sqlx::Error, app: &App) -> StoreError {
        if let sqlx::Error::Database(db) = &error {
            if db.is_unique_violation() {
                return StoreError::Conflict(format!(
                    "an app with id {:?} or key {:?} already exists",
                    app.id, app.key
                ));
            }
        }
        self.error(error)
    }

    async fn find_where(&self, column: &str, value: &str) -> Result<Option<Arc<App>>, StoreError> {
        let sql = self.sql(&format!(
            "SELECT {SELECT_COLUMNS} FROM apps WHERE {column} = ?"
        ));
        let row = sqlx::query(&sql)
            .bind(value.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.error(e))?;
        row.map(|r| {
            read_row(&r)
                .map_err(|e| self.error(e))?
                .into_app()
                .map(Arc::new)
        })
        .transpose()
    }
}

const SELECT_COLUMNS: &str = "id, app_key, secret, enabled, settings, created_at, updated_at";

fn read_row(row: &AnyRow) -> Result<AppRow, sqlx::Error> {
    Ok(AppRow {
        id: row.try_get(0)?,
        key: row.try_get(1)?,
        secret: row.try_get(2)?,
        enabled: row.try_get::<i32, _>(3)? != 0,
        settings: text_column(row, 4)?,
        created_at: row.try_get(5)?,
        updated_at: row.try_get(6)?,
    })
}

/// A TEXT column: MySQL's rows reach the `Any` driver as BLOBs, so accept bytes too.
fn text_column(row: &AnyRow, index: usize) -> Result<String, sqlx::Error> {
    row.try_get::<String, _>(index).or_else(|_| {
        let bytes: Vec<u8> = row.try_get(index)?;
        String::from_utf8(bytes).map_err(|e| sqlx::Error::Decode(Box::new(e)))
    })
}

#[async_trait]
impl AppStore for SqlStore {
    async fn find_by_id(&self, id: &str) -> Result<Option<Arc<App>>, StoreError> {
        self.find_where("id", id).await
    }

    async fn find_by_key(&self, key: &str) -> Result<Option<Arc<App>>, StoreError> {
        self.find_where("app_key", key).await
    }

    async fn all(&self) -> Result<Vec<Arc<App>>, StoreError> {
        let sql = format!("SELECT {SELECT_COLUMNS} FROM apps ORDER BY id");
        let rows = sqlx::query(&sql)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.error(e))?;
        rows.iter()
            .map(|r| {
                read_row(r)
                    .map_err(|e| self.error(e))?
                    .into_app()
                    .map(Arc::new)
            })
            .collect()
    }

    async fn create(&self, app: &App) -> Result<(), StoreError> {
        let now = migrations::now();
        let row = AppRow::from_app(app, now, now);
        let sql = self.sql(
            "INSERT INTO apps (id, app_key, secret, enabled, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        );
        sqlx::query(&sql)
            .bind(row.id)
            .bind(row.key)
            .bind(row.secret)
            .bind(row.enabled as i32)
            .bind(row.settings)
            .bind(row.created_at)
            .bind(row.updated_at)
            .execute(&self.pool)
            .await
            .map_err(|e| self.write_error(e, app))?;
        Ok(())
    }

    async fn update(&self, app: &App) -> Result<(), StoreError> {
        let row = AppRow::from_app(app, 0, migrations::now());
        let sql = self.sql("UPDATE apps SET app_key = ?, secret = ?, enabled = ?, settings = ?, updated_at = ? WHERE id = ?");
        let result = sqlx::query(&sql)
            .bind(row.key)
            .bind(row.secret)
            .bind(row.enabled as i32)
            .bind(row.settings)
            .bind(row.updated_at)
            .bind(row.id)
            .execute(&self.pool)
            .await
            .map_err(|e| self.write_error(e, app))?;
        if result.rows_affected() == 0 && self.find_by_id(&app.id).await?.is_none() {
            return Err(StoreError::NotFound(app.id.clone()));
        }
        Ok(())
    }

    async fn delete(&self, id: &str) -> Result<bool, StoreError> {
        let sql = self.sql("DELETE FROM apps WHERE id = ?");
        let result = sqlx::query(&sql)
            .bind(id.to_owned())
            .execute(&self.pool)
            .await
            .map_err(|e| self.error(e))?;
        Ok(result.rows_affected() > 0)
    }
}

#[async_trait]
impl Schema for SqlStore {
    fn dialect(&self) -> Dialect {
        self.dialect
    }

    async fn applied(&self) -> Result<Vec<i64>, StoreError> {
        sqlx::query(migrations::bookkeeping_table(self.dialect))
            .execute(&self.pool)
            .await
            .map_err(|e| self.error(e))?;
        let rows = sqlx::query("SELECT version FROM sockudo_migrations ORDER BY version")
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.error(e))?;
        rows.iter()
            .map(|r| r.try_get::<i64, _>(0).map_err(|e| self.error(e)))
            .collect()
    }

    async fn apply(&self, migration: &Migration) -> Result<(), StoreError> {
        // PostgreSQL runs DDL in the transaction; MySQL commits DDL implicitly, so there the
        // bookkeeping row is what makes a re-run skip the migration.
        let mut transaction = self.pool.begin().await.map_err(|e| self.error(e))?;
        for statement in migration.statements(self.dialect) {
            sqlx::query(&statement)
                .execute(&mut *transaction)
                .await
                .map_err(|e| self.error(e))?;
        }
        let record =
            self.sql("INSERT INTO sockudo_migrations (version, name, applied_at) VALUES (?, ?, ?)");
        sqlx::query(&record)
            .bind(migration.version)
            .bind(migration.name.to_owned())
            .bind(migrations::now())
            .execute(&mut *transaction)
            .await
            .map_err(|e| self.error(e))?;
        transaction.commit().await.map_err(|e| self.error(e))
    }
}
