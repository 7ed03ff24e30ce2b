//! Typed configuration: defaults <- file (TOML, or Sockudo's JSON) <- environment <- flags.
//!
//! Every section accepts the key names of Sockudo's `config.json` (see SOCKUDO-CONFIG.md), so an
//! operator's existing file loads unchanged. Keys we do not use are reported as warnings by the
//! loader, never silently dropped.

mod env;
mod load;

#[doc(hidden)]
pub use load::load_text;
pub use load::{development_app, load, load_checked, LoadError, Loaded};

use crate::app::{App, DatabaseSettings, LimitDefaults};
use crate::delta::settings::DeltaDefaults;
use crate::delta::Algorithm;
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

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricsConfig {
    #[serde(deserialize_with = "lenient::boolean")]
    pub enabled: bool,
    pub driver: String,
    pub host: String,
    #[serde(deserialize_with = "lenient::number")]
    pub port: u16,
    pub prometheus: PrometheusConfig,
    /// Bearer token for `GET /stats` (what `sockudo top` reads); without one, only loopback
    /// clients get stats.
    pub stats_token: Option<String>,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            enabled: true,
            driver: "prometheus".into(),
            host: "0.0.0.0".into(),
            port: 9601,
            prometheus: PrometheusConfig::default(),
            stats_token: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct PrometheusConfig {
    pub prefix: String,
}

impl Default for PrometheusConfig {
    fn default() -> Self {
        PrometheusConfig {
            prefix: "sockudo_".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AdapterConfig {
    /// `local` (one node), `redis`, `redis-cluster` or `nats`.
    pub driver: String,
    /// Prefix of the bus channel, so several deployments can share one Redis or NATS; empty means
    /// `database.redis.key_prefix` (for every driver). `cluster.prefix` and `nats.prefix` win for
    /// their drivers.
    pub prefix: String,
    /// Accepted for Sockudo compatibility; sockudo never falls back to local silently.
    #[serde(deserialize_with = "lenient::boolean")]
    pub fallback_to_local: bool,
    /// Broadcasts waiting for the bus may hold this many MiB; above it they are dropped and
    /// counted (`sockudo_adapter_messages_total{direction="dropped"}`).
    pub outbox_limit_mb: usize,
    /// Shared by every node: bus messages are signed with it (HMAC-SHA256) and unsigned or
    /// wrongly signed ones are refused. None: messages are not signed.
    pub secret: Option<String>,
    pub cluster: RedisClusterConfig,
    pub nats: NatsConfig,
}

impl Default for AdapterConfig {
    fn default() -> Self {
        AdapterConfig {
            driver: "local".into(),
            prefix: String::new(),
            fallback_to_local: false,
            outbox_limit_mb: 64,
            secret: None,
            cluster: RedisClusterConfig::default(),
            nats: NatsConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RedisClusterConfig {
    /// Node URLs, e.g. `redis://127.0.0.1:7000` (env REDIS_CLUSTER_NODES, comma-separated); empty:
    /// `database.redis.cluster_nodes`.
    #[serde(deserialize_with = "redis_nodes")]
    pub nodes: Vec<String>,
    /// Bus channel prefix for the `redis-cluster` adapter (Sockudo's key); unset: `adapter.prefix`.
    pub prefix: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct NatsConfig {
    pub servers: Vec<String>,
    /// Subject prefix for the `nats` adapter (Sockudo's key); unset: `adapter.prefix`.
    pub prefix: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub token: Option<String>,
}

impl Default for NatsConfig {
    fn default() -> Self {
        NatsConfig {
            servers: vec!["nats://127.0.0.1:4222".into()],
            prefix: None,
            username: None,
            password: None,
            token: None,
        }
    }
}

/// How nodes notice each other's death.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterHealth {
    #[serde(deserialize_with = "lenient::boolean")]
    pub enabled: bool,
    #[serde(deserialize_with = "lenient::number")]
    pub heartbeat_interval_ms: u64,
    /// A node silent this long is dead: its sockets' memberships and counts are removed.
    #[serde(deserialize_with = "lenient::number")]
    pub node_timeout_ms: u64,
    #[serde(deserialize_with = "lenient::number")]
    pub cleanup_interval_ms: u64,
}

impl Default for ClusterHealth {
    fn default() -> Self {
        ClusterHealth {
            enabled: true,
            heartbeat_interval_ms: 2000,
            node_timeout_ms: 10_000,
            cleanup_interval_ms: 1000,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AppManagerConfig {
    /// `sqlite` (default), `postgres` (or `pgsql`), `mysql`, or `memory` (config apps only).
    pub driver: String,
    pub array: AppArray,
    pub cache: AppCacheConfig,
}

impl Default for AppManagerConfig {
    fn default() -> Self {
        AppManagerConfig {
            driver: "sqlite".into(),
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

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CacheConfig {
    pub driver: String,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            driver: "memory".into(),
        }
    }
}

/// Where webhook deliveries wait: `memory` (this process), `redis` (durable, shared by nodes),
/// `sqs` (an Amazon SQS queue; builds with the `aws` feature), or `none` (webhooks off).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct QueueConfig {
    pub driver: String,
    /// Jobs one webhook queue (an app's URL) may hold in the memory and redis drivers; beyond,
    /// new webhooks are dropped and counted.
    #[serde(deserialize_with = "lenient::number")]
    pub max_length: usize,
    pub sqs: SqsConfig,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            driver: "memory".into(),
            max_length: 10_000,
            sqs: SqsConfig::default(),
        }
    }
}

/// The `sqs` queue driver (env `SQS_QUEUE_URL`, `AWS_REGION`, `AWS_ENDPOINT_URL(_SQS)`,
/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SqsConfig {
    /// The queue; a URL ending in `.fifo` is a FIFO queue, which keeps each URL's order.
    pub queue_url: String,
    /// None: the region in an AWS queue URL, else `us-east-1`.
    pub region: Option<String>,
    /// None: the queue URL's own host.
    pub endpoint_url: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
    /// Seconds a received job stays invisible to other consumers (renewed while it is retried).
    #[serde(deserialize_with = "lenient::number")]
    pub visibility_timeout: u64,
    /// Seconds an idle node long-polls for jobs (0 to 20).
    #[serde(deserialize_with = "lenient::number")]
    pub wait_time_seconds: u64,
}

impl Default for SqsConfig {
    fn default() -> Self {
        SqsConfig {
            queue_url: String::new(),
            region: None,
            endpoint_url: None,
            access_key_id: None,
            secret_access_key: None,
            session_token: None,
            visibility_timeout: 30,
            wait_time_seconds: 1,
        }
    }
}

/// AWS Lambda webhook targets (builds with the `aws` feature); env `AWS_REGION`,
/// `AWS_ENDPOINT_URL(_LAMBDA)`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LambdaConfig {
    /// The region of functions whose webhook names none (and that are not ARNs).
    pub region: String,
    pub endpoint_url: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
}

impl Default for LambdaConfig {
    fn default() -> Self {
        LambdaConfig {
            region: "us-east-1".into(),
            endpoint_url: None,
            access_key_id: None,
            secret_access_key: None,
            session_token: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhooksConfig {
    pub batching: WebhookBatching,
    pub retry: WebhookRetry,
    /// Milliseconds one delivery attempt may take.
    #[serde(deserialize_with = "lenient::number")]
    pub request_timeout_ms: u64,
    pub lambda: LambdaConfig,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        WebhooksConfig {
            batching: WebhookBatching::default(),
            retry: WebhookRetry::default(),
            request_timeout_ms: 5000,
            lambda: LambdaConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhookBatching {
    #[serde(deserialize_with = "lenient::boolean")]
    pub enabled: bool,
    /// Milliseconds events for one URL are gathered before they are sent together.
    #[serde(deserialize_with = "lenient::number")]
    pub duration: u64,
    /// Most events in one request.
    #[serde(deserialize_with = "lenient::number")]
    pub size: usize,
}

impl Default for WebhookBatching {
    fn default() -> Self {
        WebhookBatching {
            enabled: true,
            duration: 50,
            size: 100,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhookRetry {
    /// Seconds a delivery keeps being retried before it is given up (and logged and counted).
    #[serde(deserialize_with = "lenient::number")]
    pub max_elapsed_secs: u64,
    #[serde(deserialize_with = "lenient::number")]
    pub initial_backoff_ms: u64,
    #[serde(deserialize_with = "lenient::number")]
    pub max_backoff_ms: u64,
}

impl Default for WebhookRetry {
    fn default() -> Self {
        WebhookRetry {
            max_elapsed_secs: 300,
            initial_backoff_ms: 500,
            max_backoff_ms: 30_000,
        }
    }
}

/// A Redis server (Sockudo's `database.redis`); `REDIS_URL` overrides it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RedisConfig {
    pub url: Option<String>,
    pub host: String,
    #[serde(deserialize_with = "lenient::number")]
    pub port: u16,
    #[serde(deserialize_with = "lenient::number")]
    pub db: u32,
    pub username: Option<String>,
    pub password: Option<String>,
    /// Prefix of every key, so several deployments can share one Redis.
    pub key_prefix: String,
    /// Sockudo's place for Redis Cluster nodes: `{"host": ..., "port": ...}` objects or URLs.
    /// Used when `adapter.cluster.nodes` is empty.
    #[serde(deserialize_with = "redis_nodes")]
    pub cluster_nodes: Vec<String>,
    /// The same, as Sockudo's `database.redis.cluster.nodes`.
    pub cluster: RedisClusterNodes,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RedisClusterNodes {
    #[serde(deserialize_with = "redis_nodes")]
    pub nodes: Vec<String>,
}

/// Redis node entries as URL strings or Sockudo's `{"host": "127.0.0.1", "port": 7000}` objects.
fn redis_nodes<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Node {
        Url(String),
        Address {
            host: String,
            #[serde(deserialize_with = "lenient::number")]
            port: u16,
        },
    }
    let nodes = Vec::<Node>::deserialize(deserializer)?;
    Ok(nodes
        .into_iter()
        .map(|node| match node {
            Node::Url(url) => url,
            Node::Address { host, port } => format!("redis://{host}:{port}"),
        })
        .collect())
}

impl Default for RedisConfig {
    fn default() -> Self {
        RedisConfig {
            url: None,
            host: "127.0.0.1".into(),
            port: 6379,
            db: 0,
            username: None,
            password: None,
            key_prefix: "sockudo:".into(),
            cluster_nodes: Vec::new(),
            cluster: RedisClusterNodes::default(),
        }
    }
}

impl AdapterConfig {
    /// The bus channel prefix: the driver's own `prefix` key, else `prefix`, else `key_prefix`.
    pub fn bus_prefix(&self, key_prefix: &str) -> String {
        let own = match self.driver.as_str() {
            "redis-cluster" => self.cluster.prefix.as_deref(),
            "nats" => self.nats.prefix.as_deref(),
            _ => None,
        };
        match own.filter(|p| !p.is_empty()).unwrap_or(&self.prefix) {
            "" => key_prefix.to_owned(),
            prefix => prefix.to_owned(),
        }
    }
}

impl RedisConfig {
    pub fn connection_url(&self) -> String {
        if let Some(url) = &self.url {
            return url.clone();
        }
        let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let credentials = match (&self.username, &self.password) {
            (Some(user), Some(password)) => format!("{}:{}@", encode(user), encode(password)),
            (None, Some(password)) => format!(":{}@", encode(password)),
            (Some(user), None) => format!("{}@", encode(user)),
            (None, None) => String::new(),
        };
        format!(
            "redis://{credentials}{}:{}/{}",
            self.host, self.port, self.db
        )
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ChannelLimits {
    #[serde(deserialize_with = "lenient::number")]
    pub max_name_length: u64,
    /// Channels one connection may be subscribed to at once.
    #[serde(deserialize_with = "lenient::number")]
    pub max_channels_per_connection: u64,
    /// Subscribe messages one connection may send per second once its first burst (as many as
    /// `max_channels_per_connection`) is spent.
    #[serde(deserialize_with = "lenient::number")]
    pub max_subscriptions_per_second: u64,
    /// Seconds a cache channel keeps its last event.
    #[serde(deserialize_with = "lenient::number")]
    pub cache_ttl: u64,
}

impl Default for ChannelLimits {
    fn default() -> Self {
        let d = LimitDefaults::default();
        ChannelLimits {
            max_name_length: d.max_channel_name_length,
            max_channels_per_connection: d.max_channels_per_connection,
            max_subscriptions_per_second: d.max_subscriptions_per_second,
            cache_ttl: 1800,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct EventLimits {
    #[serde(deserialize_with = "lenient::number")]
    pub max_channels_at_once: u64,
    #[serde(deserialize_with = "lenient::number")]
    pub max_name_length: u64,
    #[serde(deserialize_with = "lenient::number")]
    pub max_payload_in_kb: u64,
    #[serde(deserialize_with = "lenient::number")]
    pub max_batch_size: u64,
    #[serde(deserialize_with = "lenient::number")]
    pub max_client_events_per_second: u64,
    /// Over the client-event rate: `false` drops the event with a 4301 `pusher:error`, `true`
    /// also closes the connection with 4301.
    #[serde(deserialize_with = "lenient::boolean")]
    pub terminate_on_limit: bool,
}

impl Default for EventLimits {
    fn default() -> Self {
        let d = LimitDefaults::default();
        EventLimits {
            max_channels_at_once: d.max_event_channels_at_once,
            max_name_length: d.max_event_name_length,
            max_payload_in_kb: d.max_event_payload_in_kb,
            max_batch_size: d.max_event_batch_size,
            max_client_events_per_second: d.max_client_events_per_second,
            terminate_on_limit: false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct PresenceLimits {
    #[serde(deserialize_with = "lenient::number")]
    pub max_members_per_channel: u64,
    #[serde(deserialize_with = "lenient::number")]
    pub max_member_size_in_kb: u64,
}

impl Default for PresenceLimits {
    fn default() -> Self {
        let d = LimitDefaults::default();
        PresenceLimits {
            max_members_per_channel: d.max_presence_members_per_channel,
            max_member_size_in_kb: d.max_presence_member_size_in_kb,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpApiConfig {
    /// Largest HTTP API request body, in MiB.
    #[serde(deserialize_with = "lenient::number")]
    pub request_limit_in_mb: u64,
}

/// Bounds on the main port's HTTP connections (before a WebSocket upgrade, and API calls), so a
/// client that opens connections and sends little or nothing cannot hold them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpConfig {
    /// Seconds a connection has to send a whole request head (also between keep-alive requests).
    #[serde(deserialize_with = "lenient::number")]
    pub header_timeout_secs: u64,
    /// Seconds one request may take, body included, before it is answered 408.
    #[serde(deserialize_with = "lenient::number")]
    pub request_timeout_secs: u64,
    /// Connections this node holds in their HTTP phase at once (an upgraded WebSocket has left
    /// it); further ones are closed as soon as they are accepted.
    #[serde(deserialize_with = "lenient::number")]
    pub max_connections: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            header_timeout_secs: 15,
            request_timeout_secs: 30,
            max_connections: 4096,
        }
    }
}

impl Default for HttpApiConfig {
    fn default() -> Self {
        HttpApiConfig {
            request_limit_in_mb: 10,
        }
    }
}

/// Per-socket transport settings (Sockudo's `websocket` section).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct WebsocketConfig {
    /// Frames one socket may have queued for sending before the slow-consumer policy applies.
    #[serde(deserialize_with = "lenient::number")]
    pub max_messages: usize,
    /// Bytes one socket may have queued for sending before the slow-consumer policy applies.
    #[serde(deserialize_with = "lenient::number")]
    pub max_bytes: usize,
    /// When the queue is full: `true` closes the socket with 4100, `false` drops the frame.
    #[serde(deserialize_with = "lenient::boolean")]
    pub disconnect_on_buffer_full: bool,
    /// Largest WebSocket frame accepted, in bytes (messages are capped by `websocket_max_payload_kb`).
    #[serde(deserialize_with = "lenient::number")]
    pub max_frame_size: usize,
    #[serde(deserialize_with = "lenient::number")]
    pub write_buffer_size: usize,
    /// Largest WebSocket message the transport reads, in bytes; unset: twice
    /// `websocket_max_payload_kb`, so an oversized Pusher message still gets its error and 1009.
    #[serde(deserialize_with = "lenient::optional_number")]
    pub max_message_size: Option<usize>,
    /// Encoded bytes the transport may hold for one socket before a write waits (the per-socket
    /// queue above is what bounds memory; this tunes batching).
    #[serde(deserialize_with = "lenient::number")]
    pub max_backpressure: usize,
    /// WebSocket-level pings after `ping_interval` seconds of client silence (Pusher-level
    /// pings, `activity_timeout`, are separate and always on).
    #[serde(deserialize_with = "lenient::boolean")]
    pub auto_ping: bool,
    #[serde(deserialize_with = "lenient::number")]
    pub ping_interval: u32,
    /// Seconds of client silence after which the transport closes the socket (0: never).
    #[serde(deserialize_with = "lenient::number")]
    pub idle_timeout: u32,
    /// permessage-deflate: `disabled`, `dedicated`, `shared`, or a window size `window1kb` ...
    /// `window32kb`.
    pub compression: String,
}

impl Default for WebsocketConfig {
    fn default() -> Self {
        WebsocketConfig {
            max_messages: 1000,
            max_bytes: 1024 * 1024,
            disconnect_on_buffer_full: true,
            max_frame_size: 128 * 1024,
            write_buffer_size: 16 * 1024,
            max_message_size: None,
            max_backpressure: 1024 * 1024,
            auto_ping: true,
            ping_interval: 30,
            idle_timeout: 120,
            compression: "disabled".into(),
        }
    }
}

impl WebsocketConfig {
    /// The permessage-deflate mode named by `compression`.
    pub fn compression_mode(&self) -> Result<sockudo_ws::Compression, String> {
        use sockudo_ws::Compression::*;
        Ok(match self.compression.to_ascii_lowercase().as_str() {
            "disabled" | "none" | "off" | "" => Disabled,
            "dedicated" => Dedicated,
            "shared" => Shared,
            "window1kb" => Window1KB,
            "window2kb" => Window2KB,
            "window4kb" => Window4KB,
            "window8kb" => Window8KB,
            "window16kb" => Window16KB,
            "window32kb" => Window32KB,
            "window256b" | "window512b" => {
                return Err(format!(
                    "websocket.compression: {:?} is smaller than the transport supports; the smallest window is \"window1kb\"",
                    self.compression
                ))
            }
            _ => {
                return Err(format!(
                    "websocket.compression: unknown mode {:?}; use \"disabled\", \"dedicated\", \"shared\" or \"window1kb\" ... \"window32kb\"",
                    self.compression
                ))
            }
        })
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LoggingConfig {
    /// `human` (default) or `json`.
    pub format: Option<String>,
}

/// The web console (`sockudo serve --console`): a page on the main port to watch and drive
/// channels. Loopback clients only, unless the request carries `token`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsoleConfig {
    #[serde(deserialize_with = "lenient::boolean")]
    pub enabled: bool,
    /// Where the page is served; its API lives under `{path}/api`.
    pub path: String,
    /// Admin token that lets non-loopback clients in (header or `?token=`); `None`: loopback only.
    pub token: Option<String>,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig {
            enabled: false,
            path: "/console".into(),
            token: None,
        }
    }
}

/// Delta compression for clients that opt in (see docs/delta-compression.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DeltaCompressionConfig {
    /// Off: clients asking for deltas are told so, and get plain frames.
    #[serde(deserialize_with = "lenient::boolean")]
    pub enabled: bool,
    /// For clients that enable deltas without naming algorithms.
    pub algorithm: Algorithm,
    /// Every n-th message of a stream goes out full (0: only when needed).
    #[serde(deserialize_with = "lenient::number")]
    pub full_message_interval: u32,
    /// Event data smaller than this many bytes always goes out full.
    #[serde(deserialize_with = "lenient::number")]
    pub min_message_size: usize,
    /// A socket's place in a stream is forgotten after this many seconds without a message.
    #[serde(deserialize_with = "lenient::number")]
    pub max_state_age_secs: u64,
    /// Delta-enabled subscriptions per socket; further ones get plain frames.
    #[serde(deserialize_with = "lenient::number")]
    pub max_channel_states_per_socket: usize,
    /// Streams (conflation values) tracked per channel; the least recently used is dropped.
    #[serde(deserialize_with = "lenient::number")]
    pub max_conflation_states_per_channel: usize,
    /// Dot path into each event's data JSON that names its stream, e.g. `symbol`.
    pub conflation_key_path: Option<String>,
    /// Accepted for Sockudo compatibility and ignored: sequence numbers here are per node, and a
    /// socket is only ever on one node, so nodes need not agree on them.
    #[serde(deserialize_with = "lenient::boolean")]
    pub cluster_coordination: bool,
    /// Leave `algorithm` out of delta messages (the client knows what it negotiated).
    #[serde(deserialize_with = "lenient::boolean")]
    pub omit_delta_algorithm: bool,
}

impl Default for DeltaCompressionConfig {
    fn default() -> Self {
        DeltaCompressionConfig {
            enabled: true,
            algorithm: Algorithm::Fossil,
            full_message_interval: 10,
            min_message_size: 100,
            max_state_age_secs: 300,
            max_channel_states_per_socket: 100,
            max_conflation_states_per_channel: 100,
            conflation_key_path: None,
            cluster_coordination: false,
            omit_delta_algorithm: false,
        }
    }
}

/// Disconnect cleanup on worker threads (see src/cleanup.rs and docs/configuration.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CleanupConfig {
    /// Off: every socket leaves its channels on its own task as it closes.
    #[serde(deserialize_with = "lenient::boolean")]
    pub async_enabled: bool,
    /// When the queue is full, the closing socket cleans up itself instead of waiting for room.
    #[serde(deserialize_with = "lenient::boolean")]
    pub fallback_to_sync: bool,
    /// Closed sockets that may wait for cleanup, per worker.
    #[serde(deserialize_with = "lenient::number")]
    pub queue_buffer_size: usize,
    #[serde(deserialize_with = "lenient::number")]
    pub batch_size: usize,
    /// Longest a worker waits for a batch to fill once it has one socket to clean up.
    #[serde(deserialize_with = "lenient::number")]
    pub batch_timeout_ms: u64,
    pub worker_threads: WorkerThreads,
    /// Further workers a closing socket tries when its first choice is full.
    #[serde(deserialize_with = "lenient::number")]
    pub max_retry_attempts: usize,
}

impl Default for CleanupConfig {
    fn default() -> Self {
        CleanupConfig {
            async_enabled: true,
            fallback_to_sync: true,
            queue_buffer_size: 50_000,
            batch_size: 25,
            batch_timeout_ms: 50,
            worker_threads: WorkerThreads::Auto,
            max_retry_attempts: 2,
        }
    }
}

/// `"auto"` (one per four cores, at least one) or a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerThreads {
    Auto,
    Count(usize),
}

impl WorkerThreads {
    pub fn resolve(self) -> usize {
        match self {
            WorkerThreads::Auto => {
                let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
                (cores / 4).max(1)
            }
            WorkerThreads::Count(n) => n.max(1),
        }
    }
}

impl std::str::FromStr for WorkerThreads {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("auto") {
            return Ok(WorkerThreads::Auto);
        }
        text.parse()
            .map(WorkerThreads::Count)
            .map_err(|_| format!("expected \"auto\" or a number of threads, found {text:?}"))
    }
}

impl Serialize for WorkerThreads {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            WorkerThreads::Auto => serializer.serialize_str("auto"),
            WorkerThreads::Count(n) => serializer.serialize_u64(*n as u64),
        }
    }
}

impl<'de> Deserialize<'de> for WorkerThreads {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Count(usize),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Count(n) => Ok(WorkerThreads::Count(n)),
            Raw::Text(text) => text.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// Server-side tag filtering (see docs/tag-filtering.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct TagFilteringConfig {
    /// Off: subscriptions with a filter are refused.
    #[serde(deserialize_with = "lenient::boolean")]
    pub enabled: bool,
    /// Delivered frames carry the event's `tags` (only while filtering is enabled).
    #[serde(deserialize_with = "lenient::boolean")]
    pub enable_tags: bool,
}

impl Default for TagFilteringConfig {
    fn default() -> Self {
        TagFilteringConfig {
            enabled: false,
            enable_tags: true,
        }
    }
}

/// Cross-origin access to the HTTP server for browsers (see docs/configuration.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CorsConfig {
    /// Let browsers send cookies and Authorization; with origin `*` the request's origin is
    /// echoed back, as browsers refuse `*` with credentials.
    #[serde(deserialize_with = "lenient::boolean")]
    pub credentials: bool,
    /// Allowed origins: `*`, exact origins, or patterns with `*` (`https://*.example.com`).
    pub origin: Vec<String>,
    pub methods: Vec<String>,
    pub allowed_headers: Vec<String>,
}

impl Default for CorsConfig {
    fn default() -> Self {
        CorsConfig {
            credentials: false,
            origin: vec!["*".into()],
            methods: vec!["GET".into(), "POST".into(), "OPTIONS".into()],
            allowed_headers: vec![
                "Authorization".into(),
                "Content-Type".into(),
                "X-Requested-With".into(),
                "Accept".into(),
            ],
        }
    }
}

/// TLS on the main listener (Sockudo's `ssl`; see docs/configuration.md#tls). The metrics
/// listener stays plain HTTP.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SslConfig {
    #[serde(deserialize_with = "lenient::boolean")]
    pub enabled: bool,
    /// PEM certificate chain, leaf first (Let's Encrypt's `fullchain.pem`).
    pub cert_path: String,
    /// PEM private key: PKCS#8, RSA (PKCS#1) or EC (SEC1); or PKCS#8-encrypted with `passphrase`.
    pub key_path: String,
    pub passphrase: Option<String>,
    /// PEM CA bundle; when set, clients must present a certificate it signed (mutual TLS).
    pub ca_path: Option<String>,
    /// Also listen for plain HTTP on `http_port` and redirect every request to https.
    #[serde(deserialize_with = "lenient::boolean")]
    pub redirect_http: bool,
    #[serde(deserialize_with = "lenient::number")]
    pub http_port: u16,
}

impl Default for SslConfig {
    fn default() -> Self {
        SslConfig {
            enabled: false,
            cert_path: String::new(),
            key_path: String::new(),
            passphrase: None,
            ca_path: None,
            redirect_http: false,
            http_port: 80,
        }
    }
}

impl SslConfig {
    /// With TLS on, the problems this section has on its own (the files are read by
    /// `tls::file_problems`, which `serve` and `config check` add: config reads no files).
    fn problems(&self, port: u16) -> Vec<String> {
        if self.enabled && self.redirect_http && self.http_port == port && port != 0 {
            return vec![format!(
                "ssl.http_port: {} is also `port`; the redirect needs a port of its own",
                self.http_port
            )];
        }
        Vec::new()
    }
}

/// Per-client-IP limits, and where every rate-limit counter lives (see docs/configuration.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimiterConfig {
    /// Turns on the per-IP limits below. Per-app quotas (`max_backend_events_per_second`,
    /// `max_read_requests_per_second`) apply whenever an app sets them.
    #[serde(deserialize_with = "lenient::boolean")]
    pub enabled: bool,
    /// `memory` (per node), `redis` or `redis-cluster` (shared by the nodes; Redis from
    /// `database.redis` / `adapter.cluster.nodes`).
    pub driver: String,
    pub api_rate_limit: RateLimitConfig,
    pub websocket_rate_limit: RateLimitConfig,
    pub redis: RateLimiterRedis,
}

/// Sockudo's `rate_limiter.redis`: where the Redis drivers keep their counters.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimiterRedis {
    /// Key prefix of the counters (default: `database.redis.key_prefix` + `ratelimit:`).
    pub prefix: Option<String>,
    /// Use the Redis Cluster of `adapter.cluster.nodes` (as `driver = "redis-cluster"`).
    #[serde(deserialize_with = "lenient::boolean")]
    pub cluster_mode: bool,
}

impl Default for RateLimiterConfig {
    fn default() -> Self {
        RateLimiterConfig {
            enabled: false,
            driver: "memory".into(),
            api_rate_limit: RateLimitConfig {
                max_requests: 100,
                window_seconds: 1,
                identifier: "api".into(),
                trust_hops: 0,
            },
            websocket_rate_limit: RateLimitConfig {
                max_requests: 20,
                window_seconds: 1,
                identifier: "websocket_connect".into(),
                trust_hops: 0,
            },
            redis: RateLimiterRedis::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimitConfig {
    /// Requests allowed per window per client; 0 turns this limit off.
    #[serde(deserialize_with = "lenient::number")]
    pub max_requests: u64,
    #[serde(deserialize_with = "lenient::number")]
    pub window_seconds: u64,
    /// Names this limit's counters (clients are told apart by IP); limits with the same name
    /// share counts.
    pub identifier: String,
    /// Proxies in front of the server whose `X-Forwarded-For` entry is trusted (0: the peer).
    #[serde(deserialize_with = "lenient::number")]
    pub trust_hops: usize,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimiterConfig::default().api_rate_limit
    }
}

impl RateLimitConfig {
    /// The quota, if this limit is on.
    pub fn quota(&self) -> Option<crate::ratelimit::Quota> {
        (self.max_requests > 0).then(|| crate::ratelimit::Quota {
            max: self.max_requests,
            window: std::time::Duration::from_secs(self.window_seconds.max(1)),
        })
    }
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
        match self.app_manager.driver.as_str() {
            "memory" | "array" => Ok(DatabaseSettings::Memory),
            "sqlite" => Ok(DatabaseSettings::Sqlite {
                path: self.database.sqlite.path.clone().into(),
            }),
            "postgres" | "postgresql" | "pgsql" => Ok(server(&self.database.postgres, "postgres", 5432, "postgres")),
            "mysql" | "mariadb" => Ok(server(&self.database.mysql, "mysql", 3306, "root")),
            other => Err(format!(
                "app_manager.driver: unknown driver {other:?}; use \"sqlite\", \"postgres\", \"mysql\" or \"memory\""
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
            matches!(self.adapter.driver.as_str(), "local" | "redis" | "redis-cluster" | "nats"),
            format!(
                "adapter.driver: unknown driver {:?}; use \"local\", \"redis\", \"redis-cluster\" or \"nats\"",
                self.adapter.driver
            ),
        );
        check(
            self.adapter.driver != "redis-cluster" || !self.adapter.cluster.nodes.is_empty(),
            "adapter.cluster.nodes: the redis-cluster adapter needs at least one node URL".into(),
        );
        check(
            self.adapter.driver != "nats" || !self.adapter.nats.servers.is_empty(),
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
            matches!(self.cache.driver.as_str(), "memory" | "redis" | "redis-cluster" | "none"),
            format!(
                "cache.driver: unknown driver {:?}; use \"memory\", \"redis\", \"redis-cluster\" or \"none\"",
                self.cache.driver
            ),
        );
        check(
            self.metrics.driver.eq_ignore_ascii_case("prometheus"),
            format!(
                "metrics.driver: unknown driver {:?}; the only one is \"prometheus\"",
                self.metrics.driver
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
            self.cache.driver != "redis-cluster" || !self.adapter.cluster.nodes.is_empty(),
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
            matches!(limiter.driver.as_str(), "memory" | "redis" | "redis-cluster"),
            format!(
                "rate_limiter.driver: unknown driver {:?}; use \"memory\", \"redis\" or \"redis-cluster\"",
                limiter.driver
            ),
        );
        check(
            !(limiter.driver == "redis-cluster"
                || (limiter.driver == "redis" && limiter.redis.cluster_mode))
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

        let sqs = cfg!(feature = "aws") && self.queue.driver == "sqs";
        check(
            sqs || matches!(self.queue.driver.as_str(), "memory" | "redis" | "none"),
            if self.queue.driver == "sqs" {
                "queue.driver: \"sqs\" needs a build with the `aws` feature (cargo build --features aws)".into()
            } else {
                format!(
                    "queue.driver: {:?} is not available in this build; use \"memory\", \"redis\", \"sqs\" or \"none\"",
                    self.queue.driver
                )
            },
        );
        check(
            !sqs || !self.queue.sqs.queue_url.is_empty(),
            "queue.sqs.queue_url: the sqs driver needs a queue URL (env SQS_QUEUE_URL)".into(),
        );
        check(
            !sqs || (self.queue.sqs.access_key_id.is_some() && self.queue.sqs.secret_access_key.is_some()),
            "queue.sqs: the sqs driver needs access_key_id and secret_access_key (env AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)".into(),
        );
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
