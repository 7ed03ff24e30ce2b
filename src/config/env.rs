//! Environment variables, with the names the Sockudo README uses. They override the file.

use super::Config;
use crate::app::App;
use crate::lenient::parse_bool;
use std::str::FromStr;

/// Looks a variable up; tests pass a map instead of the process environment.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

struct Env<'a> {
    lookup: Lookup<'a>,
    problems: Vec<String>,
}

impl Env<'_> {
    fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    fn number<T: FromStr>(&mut self, name: &str, target: &mut T) {
        if let Some(text) = self.get(name) {
            match text.parse() {
                Ok(value) => *target = value,
                Err(_) => self
                    .problems
                    .push(format!("{name}: expected a number, found {text:?}")),
            }
        }
    }

    fn optional_number<T: FromStr>(&mut self, name: &str, target: &mut Option<T>) {
        if let Some(text) = self.get(name) {
            if text.starts_with('-') {
                *target = None;
                return;
            }
            match text.parse() {
                Ok(parsed) => *target = Some(parsed),
                Err(_) => self
                    .problems
                    .push(format!("{name}: expected a number, found {text:?}")),
            }
        }
    }

    fn flag(&mut self, name: &str, target: &mut bool) {
        if let Some(text) = self.get(name) {
            match parse_bool(&text) {
                Some(value) => *target = value,
                None => self
                    .problems
                    .push(format!("{name}: expected true or false, found {text:?}")),
            }
        }
    }

    fn text(&mut self, name: &str, target: &mut String) {
        if let Some(text) = self.get(name) {
            *target = text;
        }
    }

    /// A `driver` key: any name parses (an unknown one is reported by `Config::problems`).
    fn driver<T: for<'a> From<&'a str>>(&mut self, name: &str, target: &mut T) {
        if let Some(text) = self.get(name) {
            *target = T::from(&text);
        }
    }
}

/// Applies the environment to `config`, and returns the default app that
/// `SOCKUDO_DEFAULT_APP_ID/KEY/SECRET` describe, if any.
pub fn apply(config: &mut Config, lookup: Lookup) -> Result<Option<App>, Vec<String>> {
    let mut env = Env {
        lookup,
        problems: Vec::new(),
    };
    env.flag("DEBUG", &mut config.debug);
    env.text("HOST", &mut config.host);
    env.number("PORT", &mut config.port);
    env.number("ACTIVITY_TIMEOUT", &mut config.activity_timeout);
    env.number("SHUTDOWN_GRACE_PERIOD", &mut config.shutdown_grace_period);
    env.number(
        "WEBSOCKET_MAX_PAYLOAD_KB",
        &mut config.websocket_max_payload_kb,
    );
    env.optional_number("MAX_CONNECTIONS", &mut config.max_connections);
    env.number(
        "HTTP_HEADER_TIMEOUT_SECS",
        &mut config.http.header_timeout_secs,
    );
    env.number(
        "HTTP_REQUEST_TIMEOUT_SECS",
        &mut config.http.request_timeout_secs,
    );
    env.number("HTTP_MAX_CONNECTIONS", &mut config.http.max_connections);
    env.number(
        "CHANNEL_LIMITS_MAX_CHANNELS_PER_CONNECTION",
        &mut config.channel_limits.max_channels_per_connection,
    );
    env.number(
        "CHANNEL_LIMITS_MAX_SUBSCRIPTIONS_PER_SECOND",
        &mut config.channel_limits.max_subscriptions_per_second,
    );
    env.driver("ADAPTER_DRIVER", &mut config.adapter.driver);
    env.number(
        "ADAPTER_OUTBOX_LIMIT_MB",
        &mut config.adapter.outbox_limit_mb,
    );
    env.driver("APP_MANAGER_DRIVER", &mut config.app_manager.driver);
    env.number(
        "APP_MANAGER_CACHE_MAX_MISSES_PER_SECOND",
        &mut config.app_manager.cache.max_misses_per_second,
    );
    env.driver("CACHE_DRIVER", &mut config.cache.driver);
    env.driver("QUEUE_DRIVER", &mut config.queue.driver);
    env.number("QUEUE_MAX_LENGTH", &mut config.queue.max_length);
    aws(&mut env, config);
    if let Some(url) = env.get("REDIS_URL") {
        config.database.redis.url = Some(url);
    }
    env.text("REDIS_KEY_PREFIX", &mut config.database.redis.key_prefix);
    let list = |text: String| {
        text.split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    };
    if let Some(nodes) = env.get("REDIS_CLUSTER_NODES") {
        config.adapter.cluster.nodes = list(nodes);
    }
    if let Some(origins) = env.get("CORS_ORIGINS") {
        config.cors.origin = list(origins);
    }
    if let Some(servers) = env.get("NATS_SERVERS").or_else(|| env.get("NATS_URL")) {
        config.adapter.nats.servers = list(servers);
    }
    for (name, target) in [
        ("NATS_USERNAME", &mut config.adapter.nats.username),
        ("NATS_PASSWORD", &mut config.adapter.nats.password),
        ("NATS_TOKEN", &mut config.adapter.nats.token),
        ("ADAPTER_SECRET", &mut config.adapter.secret),
    ] {
        if let Some(value) = env.get(name) {
            *target = Some(value);
        }
    }
    env.text("NATS_PREFIX", &mut config.adapter.prefix);

    env.flag("METRICS_ENABLED", &mut config.metrics.enabled);
    env.text("METRICS_HOST", &mut config.metrics.host);
    env.number("METRICS_PORT", &mut config.metrics.port);
    if let Some(token) = env.get("METRICS_STATS_TOKEN") {
        config.metrics.stats_token = Some(token);
    }

    env.number("WEBSOCKET_MAX_MESSAGES", &mut config.websocket.max_messages);
    env.number("WEBSOCKET_MAX_BYTES", &mut config.websocket.max_bytes);
    env.flag(
        "WEBSOCKET_DISCONNECT_ON_BUFFER_FULL",
        &mut config.websocket.disconnect_on_buffer_full,
    );
    env.number(
        "WEBSOCKET_MAX_FRAME_SIZE",
        &mut config.websocket.max_frame_size,
    );
    env.number(
        "WEBSOCKET_WRITE_BUFFER_SIZE",
        &mut config.websocket.write_buffer_size,
    );
    if let Some(size) = env.get("WEBSOCKET_MAX_MESSAGE_SIZE") {
        match size.parse() {
            Ok(size) => config.websocket.max_message_size = Some(size),
            Err(_) => env.problems.push(format!(
                "WEBSOCKET_MAX_MESSAGE_SIZE: expected a number of bytes, found {size:?}"
            )),
        }
    }
    env.number(
        "WEBSOCKET_MAX_BACKPRESSURE",
        &mut config.websocket.max_backpressure,
    );
    env.flag("WEBSOCKET_AUTO_PING", &mut config.websocket.auto_ping);
    env.number(
        "WEBSOCKET_PING_INTERVAL",
        &mut config.websocket.ping_interval,
    );
    env.number("WEBSOCKET_IDLE_TIMEOUT", &mut config.websocket.idle_timeout);
    env.text("WEBSOCKET_COMPRESSION", &mut config.websocket.compression);
    database(&mut env, config);
    if let Some(format) = env.get("LOG_OUTPUT_FORMAT") {
        config.logging.format = Some(format);
    }
    env.flag("CONSOLE_ENABLED", &mut config.console.enabled);
    env.flag(
        "DELTA_COMPRESSION_ENABLED",
        &mut config.delta_compression.enabled,
    );
    env.flag("TAG_FILTERING_ENABLED", &mut config.tag_filtering.enabled);
    env.flag("RATE_LIMITER_ENABLED", &mut config.rate_limiter.enabled);
    env.driver("RATE_LIMITER_DRIVER", &mut config.rate_limiter.driver);
    env.text("CONSOLE_PATH", &mut config.console.path);
    if let Some(token) = env.get("CONSOLE_TOKEN") {
        config.console.token = Some(token);
    }
    env.flag(
        "EVENT_LIMITS_TERMINATE_ON_LIMIT",
        &mut config.event_limits.terminate_on_limit,
    );
    cleanup(&mut env, &mut config.cleanup);
    ssl(&mut env, config);
    let default_app = default_app(&mut env);
    if env.problems.is_empty() {
        Ok(default_app)
    } else {
        Err(env.problems)
    }
}

/// The AWS SDKs' variable names, for the SQS queue, Lambda webhook targets and the DynamoDB store.
fn aws(env: &mut Env, config: &mut Config) {
    let sqs = &mut config.queue.sqs;
    let lambda = &mut config.webhooks.lambda;
    env.text("SQS_QUEUE_URL", &mut sqs.queue_url);
    if let Some(region) = env
        .get("AWS_REGION")
        .or_else(|| env.get("AWS_DEFAULT_REGION"))
    {
        sqs.region = Some(region.clone());
        lambda.region = region;
    }
    let endpoint = env.get("AWS_ENDPOINT_URL");
    if let Some(url) = env.get("AWS_ENDPOINT_URL_SQS").or_else(|| endpoint.clone()) {
        sqs.endpoint_url = Some(url);
    }
    if let Some(url) = env.get("AWS_ENDPOINT_URL_LAMBDA").or(endpoint) {
        lambda.endpoint_url = Some(url);
    }
    // Credentials (AWS_ACCESS_KEY_ID, AWS_PROFILE, AWS_WEB_IDENTITY_TOKEN_FILE...) are the SDK's
    // to read: its default chain starts with the environment.
}

/// `CLEANUP_*`: the disconnect cleanup workers.
fn cleanup(env: &mut Env, cleanup: &mut crate::config::CleanupConfig) {
    env.flag("CLEANUP_ASYNC_ENABLED", &mut cleanup.async_enabled);
    env.flag("CLEANUP_FALLBACK_TO_SYNC", &mut cleanup.fallback_to_sync);
    env.number("CLEANUP_QUEUE_BUFFER_SIZE", &mut cleanup.queue_buffer_size);
    env.number("CLEANUP_BATCH_SIZE", &mut cleanup.batch_size);
    env.number("CLEANUP_BATCH_TIMEOUT_MS", &mut cleanup.batch_timeout_ms);
    env.number(
        "CLEANUP_MAX_RETRY_ATTEMPTS",
        &mut cleanup.max_retry_attempts,
    );
    if let Some(threads) = env.get("CLEANUP_WORKER_THREADS") {
        match threads.parse() {
            Ok(threads) => cleanup.worker_threads = threads,
            Err(problem) => env
                .problems
                .push(format!("CLEANUP_WORKER_THREADS: {problem}")),
        }
    }
}

/// Sockudo's `SSL_*` variables.
fn ssl(env: &mut Env, config: &mut Config) {
    let ssl = &mut config.ssl;
    env.flag("SSL_ENABLED", &mut ssl.enabled);
    env.text("SSL_CERT_PATH", &mut ssl.cert_path);
    env.text("SSL_KEY_PATH", &mut ssl.key_path);
    // Not trimmed: spaces may be part of a passphrase.
    if let Some(passphrase) = (env.lookup)("SSL_PASSPHRASE").filter(|p| !p.is_empty()) {
        ssl.passphrase = Some(passphrase);
    }
    if let Some(path) = env.get("SSL_CA_PATH") {
        ssl.ca_path = Some(path);
    }
    env.flag("SSL_REDIRECT_HTTP", &mut ssl.redirect_http);
    env.number("SSL_HTTP_PORT", &mut ssl.http_port);
}

fn database(env: &mut Env, config: &mut Config) {
    let database = &mut config.database;
    env.text("DATABASE_SQLITE_PATH", &mut database.sqlite.path);
    if let Some(url) = env.get("DATABASE_URL") {
        database.url = Some(url);
    }
    for (prefix, server) in [
        ("DATABASE_POSTGRES", &mut database.postgres),
        ("DATABASE_MYSQL", &mut database.mysql),
    ] {
        for (field, target) in [
            ("URL", &mut server.url),
            ("HOST", &mut server.host),
            ("USERNAME", &mut server.username),
            ("PASSWORD", &mut server.password),
            ("DATABASE", &mut server.database),
            ("SSL_MODE", &mut server.ssl_mode),
            ("CA_PATH", &mut server.ca_path),
        ] {
            if let Some(value) = env.get(&format!("{prefix}_{field}")) {
                *target = Some(value);
            }
        }
        env.optional_number(&format!("{prefix}_PORT"), &mut server.port);
        env.optional_number(&format!("{prefix}_POOL_MIN"), &mut server.pool_min);
        env.optional_number(&format!("{prefix}_POOL_MAX"), &mut server.pool_max);
    }
    env.flag(
        "DATABASE_POOLING_ENABLED",
        &mut config.database_pooling.enabled,
    );
    env.number("DATABASE_POOL_MIN", &mut config.database_pooling.min);
    let dynamodb = &mut database.dynamodb;
    env.text("DATABASE_DYNAMODB_REGION", &mut dynamodb.region);
    env.text("DATABASE_DYNAMODB_TABLE_NAME", &mut dynamodb.table_name);
    if let Some(url) = env.get("DATABASE_DYNAMODB_ENDPOINT_URL") {
        dynamodb.endpoint_url = Some(url);
    }
    env.number("DATABASE_POOL_MAX", &mut config.database_pooling.max);
    env.flag(
        "APP_MANAGER_CACHE_ENABLED",
        &mut config.app_manager.cache.enabled,
    );
    env.number("APP_MANAGER_CACHE_TTL", &mut config.app_manager.cache.ttl);
}

fn default_app(env: &mut Env) -> Option<App> {
    let id = env.get("SOCKUDO_DEFAULT_APP_ID");
    let key = env.get("SOCKUDO_DEFAULT_APP_KEY");
    let secret = env.get("SOCKUDO_DEFAULT_APP_SECRET");
    let (id, key, secret) = match (id, key, secret) {
        (None, None, None) => return None,
        (Some(id), Some(key), Some(secret)) => (id, key, secret),
        _ => {
            env.problems.push(
                "SOCKUDO_DEFAULT_APP_ID, SOCKUDO_DEFAULT_APP_KEY and SOCKUDO_DEFAULT_APP_SECRET must be set together".into(),
            );
            return None;
        }
    };
    let mut app = App::new(&id, &key, &secret);
    env.flag("SOCKUDO_DEFAULT_APP_ENABLED", &mut app.enabled);
    env.flag(
        "SOCKUDO_DEFAULT_APP_ENABLE_CLIENT_MESSAGES",
        &mut app.enable_client_messages,
    );
    env.flag(
        "SOCKUDO_DEFAULT_APP_ENABLE_USER_AUTHENTICATION",
        &mut app.enable_user_authentication,
    );
    env.flag(
        "SOCKUDO_DEFAULT_APP_ENABLE_WATCHLIST_EVENTS",
        &mut app.enable_watchlist_events,
    );
    env.flag(
        "SOCKUDO_DEFAULT_APP_ENABLE_SUBSCRIPTION_COUNT",
        &mut app.enable_subscription_count,
    );
    env.optional_number(
        "SOCKUDO_DEFAULT_APP_MAX_CONNECTIONS",
        &mut app.max_connections,
    );
    env.optional_number(
        "SOCKUDO_DEFAULT_APP_MAX_CLIENT_EVENTS_PER_SECOND",
        &mut app.max_client_events_per_second,
    );
    Some(app)
}
