//! Typed configuration: defaults <- file (TOML, or Sockudo's JSON) <- environment <- flags.
//!
//! Every section accepts the key names of Sockudo's `config.json` (see SOCKUDO-CONFIG.md), so an
//! operator's existing file loads unchanged. Keys we do not use are reported as warnings by the
//! loader, never silently dropped.

mod adapter;
mod app_store;
mod cleanup;
mod delta;
mod drivers;
mod env;
mod limits;
mod load;
mod metrics;
mod redis;
mod server;
mod webhooks;

pub use adapter::{AdapterConfig, ClusterHealth, NatsConfig, RedisClusterConfig};
pub use app_store::{
    AppArray, AppCacheConfig, AppManagerConfig, DatabaseConfig, DatabasePooling, SqlServerConfig,
    SqliteConfig,
};
pub use cleanup::{CleanupConfig, WorkerThreads};
pub use delta::{DeltaCompressionConfig, TagFilteringConfig};
pub use drivers::{
    AdapterDriver, AppStoreDriver, CacheDriver, MetricsDriver, QueueDriver, RateLimiterDriver,
};
pub use limits::{
    ChannelLimits, EventLimits, PresenceLimits, RateLimitConfig, RateLimiterConfig,
    RateLimiterRedis,
};
#[doc(hidden)]
pub use load::load_text;
pub use load::{development_app, line_of_key, load, load_checked, LoadError, Loaded};
pub use metrics::{MetricsConfig, PrometheusConfig};
pub use redis::{CacheConfig, RedisClusterNodes, RedisConfig};
pub use server::{
    ConsoleConfig, CorsConfig, HttpApiConfig, HttpConfig, LoggingConfig, SslConfig, WebsocketConfig,
};
pub use webhooks::{
    LambdaConfig, QueueConfig, SqsConfig, WebhookBatching, WebhookRetry, WebhooksConfig,
};

use crate::app::{DatabaseSettings, LimitDefaults};
use crate::delta::settings::DeltaDefaults;
use crate::lenient;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    #[serde(deserialize_with = "lenient::boolean")]
    pub debug: bool,
    pub host: String,
    #[serde(deserialize_with = "lenient::number")]
    pub port: u16,
    /// Seconds of client silence before the server pings (sent to clients in connection_established).
    #[serde(deserialize_with = "lenient::number")]
    pub activity_timeout: u64,
    /// Seconds to wait for a `pusher:pong` after our ping before closing with 4201.
    #[serde(deserialize_with = "lenient::number")]
    pub pong_timeout: u64,
    /// Seconds the server waits for sockets to close on shutdown.
    #[serde(deserialize_with = "lenient::number")]
    pub shutdown_grace_period: u64,
    /// Largest inbound WebSocket message, in KiB.
    #[serde(deserialize_with = "lenient::number")]
    pub websocket_max_payload_kb: u64,
    /// Most sockets this node accepts; `None` for no limit beyond the file-descriptor limit.
    #[serde(deserialize_with = "lenient::optional_number")]
    pub max_connections: Option<u64>,
    pub metrics: MetricsConfig,
    pub adapter: AdapterConfig,
    pub cluster_health: ClusterHealth,
    pub app_manager: AppManagerConfig,
    pub database: DatabaseConfig,
    pub webhooks: WebhooksConfig,
    pub database_pooling: DatabasePooling,
    pub cache: CacheConfig,
    pub queue: QueueConfig,
    pub channel_limits: ChannelLimits,
    pub event_limits: EventLimits,
    pub presence: PresenceLimits,
    pub http_api: HttpApiConfig,
    pub http: HttpConfig,
    pub websocket: WebsocketConfig,
    pub logging: LoggingConfig,
    pub console: ConsoleConfig,
    pub delta_compression: DeltaCompressionConfig,
    pub tag_filtering: TagFilteringConfig,
    pub rate_limiter: RateLimiterConfig,
    pub cors: CorsConfig,
    pub ssl: SslConfig,
    pub cleanup: CleanupConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            debug: false,
            host: "0.0.0.0".into(),
            port: 6001,
            activity_timeout: 120,
            pong_timeout: 30,
            shutdown_grace_period: 10,
            websocket_max_payload_kb: 64,
            max_connections: None,
            metrics: MetricsConfig::default(),
            adapter: AdapterConfig::default(),
            cluster_health: ClusterHealth::default(),

            app_manager: AppManagerConfig::default(),
            database: DatabaseConfig::default(),
            webhooks: WebhooksConfig::default(),
            database_pooling: DatabasePooling::default(),
            cache: CacheConfig::default(),
            queue: QueueConfig::default(),
            channel_limits: ChannelLimits::default(),
            event_limits: EventLimits::default(),
            presence: PresenceLimits::default(),
            http_api: HttpApiConfig::default(),
            http: HttpConfig::default(),
            websocket: WebsocketConfig::default(),
            logging: LoggingConfig::default(),
            console: ConsoleConfig::default(),
            delta_compression: DeltaCompressionConfig::default(),
            tag_filtering: TagFilteringConfig::default(),
            rate_limiter: RateLimiterConfig::default(),
            cors: CorsConfig::default(),
            ssl: SslConfig::default(),
            cleanup: CleanupConfig::default(),
        }
    }
}

/// `url` with the TLS settings of `server` as the driver's query parameters (PostgreSQL's
/// `sslmode` / `sslrootcert`, MySQL's `ssl-mode` / `ssl-ca`).
fn with_tls(mut url: String, scheme: &str, server: &SqlServerConfig) -> String {
    let (mode_key, ca_key) = match scheme {
        "postgres" => ("sslmode", "sslrootcert"),
        _ => ("ssl-mode", "ssl-ca"),
    };
    let set = |value: &Option<String>| value.clone().filter(|v| !v.is_empty());
    for (key, value) in [
        (mode_key, set(&server.ssl_mode)),
        (ca_key, set(&server.ca_path)),
    ] {
        if let Some(value) = value {
            let value: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&format!("{key}={value}"));
        }
    }
    url
}

impl Config {
    pub fn delta_defaults(&self) -> DeltaDefaults {
        let d = &self.delta_compression;
        DeltaDefaults {
            enabled: d.enabled,
            algorithm: d.algorithm,
            full_message_interval: d.full_message_interval,
            min_message_size: d.min_message_size,
            max_state_age: std::time::Duration::from_secs(d.max_state_age_secs),
            max_channel_states_per_socket: d.max_channel_states_per_socket,
            max_conflation_states_per_channel: d.max_conflation_states_per_channel.max(1),
            conflation_key_path: d.conflation_key_path.clone().filter(|p| !p.is_empty()),
            omit_delta_algorithm: d.omit_delta_algorithm,
        }
    }

    /// The store `app_manager.driver` and `database.*` describe.
    pub fn database_settings(&self) -> Result<DatabaseSettings, String> {
        let server =
            |config: &SqlServerConfig, scheme: &str, default_port: u16, default_user: &str| {
                let url = self
                    .database
                    .url
                    .clone()
                    .or_else(|| config.url.clone())
                    .unwrap_or_else(|| {
                        let user = config.username.as_deref().unwrap_or(default_user);
                        let password = config
                            .password
                            .as_deref()
                            .map(|p| {
                                format!(
                                    ":{}",
                                    form_urlencoded::byte_serialize(p.as_bytes())
                                        .collect::<String>()
                                )
                            })
                            .unwrap_or_default();
                        format!(
                            "{scheme}://{user}{password}@{}:{}/{}",
                            config.host.as_deref().unwrap_or("127.0.0.1"),
                            config.port.unwrap_or(default_port),
                            config.database.as_deref().unwrap_or("sockudo"),
                        )
                    });
                let url = with_tls(url, scheme, config);
                let pooling = &self.database_pooling;
                let (min, max) = if pooling.enabled {
                    (pooling.min, pooling.max)
                } else {
                    (1, 1)
                };
                DatabaseSettings::Sql {
                    url,
                    pool_min: config.pool_min.unwrap_or(min),
                    pool_max: config.pool_max.unwrap_or(max),
                }
            };
        match &self.app_manager.driver {
            AppStoreDriver::Memory => Ok(DatabaseSettings::Memory),
            AppStoreDriver::Sqlite => Ok(DatabaseSettings::Sqlite {
                path: self.database.sqlite.path.clone().into(),
            }),
            AppStoreDriver::Postgres => Ok(server(&self.database.postgres, "postgres", 5432, "postgres")),
            AppStoreDriver::Mysql => Ok(server(&self.database.mysql, "mysql", 3306, "root")),
            #[cfg(feature = "aws")]
            AppStoreDriver::Dynamodb => {
                let dynamodb = &self.database.dynamodb;
                Ok(DatabaseSettings::DynamoDb {
                    aws: crate::aws::Settings {
                        region: Some(dynamodb.region.clone()),
                        endpoint_url: dynamodb.endpoint_url.clone(),
                        access_key_id: dynamodb.aws_access_key_id.clone(),
                        secret_access_key: dynamodb.aws_secret_access_key.clone(),
                        session_token: None,
                        profile: dynamodb.aws_profile_name.clone(),
                        attempt_timeout: None,
                        sdk_retries: true,
                    },
                    table: dynamodb.table_name.clone(),
                })
            }
            #[cfg(not(feature = "aws"))]
            AppStoreDriver::Dynamodb => Err(
                "app_manager.driver: \"dynamodb\" needs a build with the `aws` feature (cargo build --features aws)".into(),
            ),
            AppStoreDriver::Unknown(other) => Err(format!(
                "app_manager.driver: unknown driver {other:?}; use \"sqlite\", \"postgres\", \"mysql\", \"dynamodb\" or \"memory\""
            )),
        }
    }

    /// The global defaults that apps inherit for the limits they leave unset.
    pub fn limit_defaults(&self) -> LimitDefaults {
        LimitDefaults {
            max_channel_name_length: self.channel_limits.max_name_length,
            max_channels_per_connection: self.channel_limits.max_channels_per_connection,
            max_subscriptions_per_second: self.channel_limits.max_subscriptions_per_second,
            max_event_channels_at_once: self.event_limits.max_channels_at_once,
            max_event_name_length: self.event_limits.max_name_length,
            max_event_payload_in_kb: self.event_limits.max_payload_in_kb,
            max_event_batch_size: self.event_limits.max_batch_size,
            max_presence_members_per_channel: self.presence.max_members_per_channel,
            max_presence_member_size_in_kb: self.presence.max_member_size_in_kb,
            max_client_events_per_second: self.event_limits.max_client_events_per_second,
            terminate_on_client_event_limit: self.event_limits.terminate_on_limit,
        }
    }

    /// Every problem that makes this config unusable, each with its key path.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut check = |ok: bool, message: String| {
            if !ok {
                problems.push(message);
            }
        };
        check(
            self.activity_timeout > 0,
            "activity_timeout: must be greater than 0 (pusher-js refuses 0)".into(),
        );
        check(
            self.pong_timeout > 0,
            "pong_timeout: must be greater than 0".into(),
        );
        check(
            self.websocket_max_payload_kb > 0,
            "websocket_max_payload_kb: must be greater than 0".into(),
        );
        check(
            self.websocket.max_messages > 0,
            "websocket.max_messages: must be greater than 0".into(),
        );
        check(
            self.cleanup.queue_buffer_size > 0,
            "cleanup.queue_buffer_size: must be greater than 0".into(),
        );
        check(
            self.cleanup.batch_size > 0,
            "cleanup.batch_size: must be greater than 0".into(),
        );
        check(
            self.cleanup.worker_threads != WorkerThreads::Count(0),
            "cleanup.worker_threads: must be \"auto\" or at least 1".into(),
        );
        let compression = self.websocket.compression_mode();
        check(compression.is_ok(), compression.err().unwrap_or_default());
        check(
            self.websocket
                .max_message_size
                .is_none_or(|size| size >= self.websocket_max_payload_kb as usize * 1024),
            "websocket.max_message_size: must be at least websocket_max_payload_kb, or the transport drops messages Pusher clients may send".into(),
        );
        check(
            self.channel_limits.max_name_length > 0 && self.channel_limits.max_name_length <= 200,
            "channel_limits.max_name_length: must be between 1 and 200".into(),
        );
        for (value, key) in [
            (self.http.header_timeout_secs, "http.header_timeout_secs"),
            (self.http.request_timeout_secs, "http.request_timeout_secs"),
            (self.http.max_connections as u64, "http.max_connections"),
            (self.queue.max_length as u64, "queue.max_length"),
            (
                self.adapter.outbox_limit_mb as u64,
                "adapter.outbox_limit_mb",
            ),
            (
                self.channel_limits.max_channels_per_connection,
                "channel_limits.max_channels_per_connection",
            ),
            (
                self.channel_limits.max_subscriptions_per_second,
                "channel_limits.max_subscriptions_per_second",
            ),
        ] {
            check(value > 0, format!("{key}: must be at least 1"));
        }
        check(
            !matches!(self.adapter.driver, AdapterDriver::Unknown(_)),
            format!(
                "adapter.driver: unknown driver {:?}; use \"local\", \"redis\", \"redis-cluster\" or \"nats\"",
                self.adapter.driver.as_str()
            ),
        );
        check(
            self.adapter.driver != AdapterDriver::RedisCluster
                || !self.adapter.cluster.nodes.is_empty(),
            "adapter.cluster.nodes: the redis-cluster adapter needs at least one node URL".into(),
        );
        check(
            self.adapter.driver != AdapterDriver::Nats || !self.adapter.nats.servers.is_empty(),
            "adapter.nats.servers: the nats adapter needs at least one server".into(),
        );
        check(
            self.cluster_health.heartbeat_interval_ms > 0
                && self.cluster_health.node_timeout_ms > self.cluster_health.heartbeat_interval_ms,
            "cluster_health: node_timeout_ms must be greater than heartbeat_interval_ms (> 0)"
                .into(),
        );

        let database = self.database_settings();
        check(database.is_ok(), database.err().unwrap_or_default());
        check(
            self.database_pooling.min <= self.database_pooling.max && self.database_pooling.max > 0,
            "database_pooling: min must not exceed max, and max must be at least 1".into(),
        );
        check(
            !matches!(self.cache.driver, CacheDriver::Unknown(_)),
            format!(
                "cache.driver: unknown driver {:?}; use \"memory\", \"redis\", \"redis-cluster\" or \"none\"",
                self.cache.driver.as_str()
            ),
        );
        check(
            self.metrics.driver == MetricsDriver::Prometheus,
            format!(
                "metrics.driver: unknown driver {:?}; the only one is \"prometheus\"",
                self.metrics.driver.as_str()
            ),
        );
        check(
            self.logging.format.as_deref().is_none_or(|format| {
                format.eq_ignore_ascii_case("human") || format.eq_ignore_ascii_case("json")
            }),
            format!(
                "logging.format (LOG_OUTPUT_FORMAT): unknown format {:?}; use \"human\" or \"json\"",
                self.logging.format.as_deref().unwrap_or_default()
            ),
        );
        check(
            self.cache.driver != CacheDriver::RedisCluster
                || !self.adapter.cluster.nodes.is_empty(),
            "cache.driver: redis-cluster needs adapter.cluster.nodes (or REDIS_CLUSTER_NODES)"
                .into(),
        );

        for method in &self.cors.methods {
            check(
                axum::http::Method::from_bytes(method.as_bytes()).is_ok(),
                format!("cors.methods: {method:?} is not an HTTP method"),
            );
        }
        for header in &self.cors.allowed_headers {
            check(
                axum::http::HeaderName::from_bytes(header.as_bytes()).is_ok(),
                format!("cors.allowed_headers: {header:?} is not a header name"),
            );
        }
        for origin in &self.cors.origin {
            check(
                !origin.is_empty() && axum::http::HeaderValue::from_str(origin).is_ok(),
                format!(
                    "cors.origin: {origin:?} is not an origin (use \"*\" or https://host[:port])"
                ),
            );
        }

        let limiter = &self.rate_limiter;
        check(
            !matches!(limiter.driver, RateLimiterDriver::Unknown(_)),
            format!(
                "rate_limiter.driver: unknown driver {:?}; use \"memory\", \"redis\" or \"redis-cluster\"",
                limiter.driver.as_str()
            ),
        );
        check(
            !(limiter.driver == RateLimiterDriver::RedisCluster
                || (limiter.driver == RateLimiterDriver::Redis && limiter.redis.cluster_mode))
                || !self.adapter.cluster.nodes.is_empty(),
            "rate_limiter.driver: redis-cluster needs adapter.cluster.nodes (or REDIS_CLUSTER_NODES)"
                .into(),
        );
        for (name, limit) in [
            ("api_rate_limit", &limiter.api_rate_limit),
            ("websocket_rate_limit", &limiter.websocket_rate_limit),
        ] {
            check(
                !limit.identifier.is_empty(),
                format!("rate_limiter.{name}.identifier: must not be empty"),
            );
            check(
                limit.window_seconds > 0,
                format!("rate_limiter.{name}.window_seconds: must be at least 1"),
            );
        }

        let sqs = cfg!(feature = "aws") && self.queue.driver == QueueDriver::Sqs;
        check(
            sqs || !matches!(
                self.queue.driver,
                QueueDriver::Sqs | QueueDriver::Unknown(_)
            ),
            if self.queue.driver == QueueDriver::Sqs {
                "queue.driver: \"sqs\" needs a build with the `aws` feature (cargo build --features aws)".into()
            } else {
                format!(
                    "queue.driver: {:?} is not available in this build; use \"memory\", \"redis\", \"sqs\" or \"none\"",
                    self.queue.driver.as_str()
                )
            },
        );
        check(
            !sqs || !self.queue.sqs.queue_url.is_empty(),
            "queue.sqs.queue_url: the sqs driver needs a queue URL (env SQS_QUEUE_URL)".into(),
        );
        for (section, id, secret) in [
            (
                "queue.sqs",
                &self.queue.sqs.access_key_id,
                &self.queue.sqs.secret_access_key,
            ),
            (
                "webhooks.lambda",
                &self.webhooks.lambda.access_key_id,
                &self.webhooks.lambda.secret_access_key,
            ),
            (
                "database.dynamodb",
                &self.database.dynamodb.aws_access_key_id,
                &self.database.dynamodb.aws_secret_access_key,
            ),
        ] {
            let set = |value: &Option<String>| value.as_deref().is_some_and(|v| !v.is_empty());
            check(
                set(id) == set(secret),
                format!("{section}: an access key id and a secret access key go together; leave both out to use the AWS credential chain (env, profile, web identity, ECS, instance profile)"),
            );
        }
        check(
            self.webhooks.batching.size > 0,
            "webhooks.batching.size: must be at least 1".into(),
        );
        check(
            self.webhooks.request_timeout_ms > 0,
            "webhooks.request_timeout_ms: must be greater than 0".into(),
        );
        check(
            self.console.path.starts_with('/')
                && self.console.path.trim_end_matches('/').len() > 1
                && !["/app", "/apps", "/up"]
                    .iter()
                    .any(|taken| self.console.path.trim_end_matches('/') == *taken),
            format!(
                "console.path: {:?} must start with '/' and not be \"/\", \"/app\", \"/apps\" or \"/up\"",
                self.console.path
            ),
        );
        for (index, app) in self.app_manager.array.apps.iter().enumerate() {
            let path = format!("app_manager.array.apps[{index}]");
            check(!app.id.is_empty(), format!("{path}.id: must not be empty"));
            check(
                !app.key.is_empty(),
                format!("{path}.key: must not be empty"),
            );
            check(
                !app.secret.is_empty(),
                format!("{path}.secret: must not be empty"),
            );
        }
        if let Err(clash) =
            crate::app::MemoryAppStore::new(self.app_manager.array.apps.iter().cloned())
        {
            problems.push(format!("app_manager.array.apps: {clash}"));
        }
        problems.extend(self.ssl.problems(self.port));
        problems
    }
}
