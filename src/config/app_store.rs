//! Where apps are kept: `app_manager` and the SQL stores of `database`.

use super::AppStoreDriver;
use super::RedisConfig;
use crate::app::App;
use crate::lenient;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AppManagerConfig {
    /// `sqlite` (default), `postgres` (or `pgsql`), `mysql`, `dynamodb` (the `aws` feature), or
    /// `memory` (config apps only).
    pub driver: AppStoreDriver,
    pub array: AppArray,
    pub cache: AppCacheConfig,
}

impl Default for AppManagerConfig {
    fn default() -> Self {
        AppManagerConfig {
            driver: AppStoreDriver::Sqlite,
            array: AppArray::default(),
            cache: AppCacheConfig::default(),
        }
    }
}

/// How long `serve` trusts an app it read from the store: edits made with `sockudo apps` (or SQL)
/// reach the running server within `ttl` seconds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AppCacheConfig {
    #[serde(deserialize_with = "lenient::boolean")]
    pub enabled: bool,
    #[serde(deserialize_with = "lenient::number")]
    pub ttl: u64,
    /// App lookups one client IP may make per second that the cache cannot answer (each is a
    /// store query): a flood of random keys or ids is refused with 429 beyond it. 0: no limit.
    #[serde(deserialize_with = "lenient::number")]
    pub max_misses_per_second: u64,
}

impl Default for AppCacheConfig {
    fn default() -> Self {
        AppCacheConfig {
            enabled: true,
            ttl: 5,
            max_misses_per_second: 20,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DatabaseConfig {
    /// A full URL (`postgres://...` or `mysql://...`) that overrides the per-database fields.
    pub url: Option<String>,
    pub redis: RedisConfig,
    pub sqlite: SqliteConfig,
    pub postgres: SqlServerConfig,
    pub mysql: SqlServerConfig,
    pub dynamodb: DynamoDbConfig,
}

/// The DynamoDB app store (`app_manager.driver = "dynamodb"`, builds with the `aws` feature),
/// keyed as upstream Sockudo's. Credentials: the two keys here, else the SDK's default chain
/// (env, `aws_profile_name` or `AWS_PROFILE`, web identity, ECS task role, instance profile).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DynamoDbConfig {
    pub region: String,
    pub table_name: String,
    /// A local DynamoDB or a VPC endpoint; none: AWS's (or `AWS_ENDPOINT_URL_DYNAMODB`).
    pub endpoint_url: Option<String>,
    pub aws_access_key_id: Option<String>,
    pub aws_secret_access_key: Option<String>,
    pub aws_profile_name: Option<String>,
}

impl Default for DynamoDbConfig {
    fn default() -> Self {
        DynamoDbConfig {
            region: "us-east-1".into(),
            table_name: "sockudo-applications".into(),
            endpoint_url: None,
            aws_access_key_id: None,
            aws_secret_access_key: None,
            aws_profile_name: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SqliteConfig {
    pub path: String,
}

impl Default for SqliteConfig {
    fn default() -> Self {
        SqliteConfig {
            path: "sockudo.db".into(),
        }
    }
}

/// A PostgreSQL or MySQL server. Unset fields take the usual defaults for that database.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SqlServerConfig {
    pub url: Option<String>,
    pub host: Option<String>,
    #[serde(deserialize_with = "lenient::optional_number")]
    pub port: Option<u16>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub database: Option<String>,
    /// TLS to the server: PostgreSQL's `sslmode` (`disable` ... `require`, `verify-ca`,
    /// `verify-full`) or MySQL's `ssl-mode` (`DISABLED` ... `REQUIRED`, `VERIFY_CA`,
    /// `VERIFY_IDENTITY`), added to the connection URL.
    pub ssl_mode: Option<String>,
    /// PEM file of the CA that signed the server's certificate (`sslrootcert` / `ssl-ca`);
    /// without one, the system's roots (or `SSL_CERT_FILE`).
    pub ca_path: Option<String>,
    /// Per-database pool overrides of `database_pooling`.
    #[serde(deserialize_with = "lenient::optional_number")]
    pub pool_min: Option<u32>,
    #[serde(deserialize_with = "lenient::optional_number")]
    pub pool_max: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DatabasePooling {
    #[serde(deserialize_with = "lenient::boolean")]
    pub enabled: bool,
    #[serde(deserialize_with = "lenient::number")]
    pub min: u32,
    #[serde(deserialize_with = "lenient::number")]
    pub max: u32,
}

impl Default for DatabasePooling {
    fn default() -> Self {
        DatabasePooling {
            enabled: true,
            min: 1,
            max: 10,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AppArray {
    pub apps: Vec<App>,
}
