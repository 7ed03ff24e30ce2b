//! `sockudo config check` and `sockudo config print`: the same loader `serve` uses.

use crate::store;
use anyhow::{bail, Context};
use sockudo::app::migrations;
use sockudo::config::{self, Config, QueueDriver};
use sockudo::webhooks::RedisQueue;
use std::path::Path;

mod report;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Load the configuration as `serve` would and report every problem (exit 1 if any).
    Check {
        /// Also reject keys sockudo does not use.
        #[arg(long)]
        strict: bool,
        /// Also check that the configured app store answers and its schema is current.
        #[arg(long, conflicts_with = "json")]
        connect: bool,
        /// Print the outcome as JSON: {"valid", "problems": [{"key", "line", "message",
        /// "severity"}]}; the exit code is the same.
        #[arg(long)]
        json: bool,
    },
    /// Print the effective configuration (file, environment and defaults) with secrets masked.
    Print {
        /// Print JSON instead of TOML.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(file: Option<&Path>, command: Command) -> anyhow::Result<()> {
    let lookup = |name: &str| std::env::var(name).ok();
    if let Command::Check {
        strict, json: true, ..
    } = command
    {
        return report::check_json(file, &lookup, strict);
    }
    let loaded = config::load_checked(file, &lookup, &sockudo::tls::file_problems)?;
    match command {
        Command::Check {
            strict, connect, ..
        } => {
            if strict && !loaded.unknown_keys.is_empty() {
                let keys: Vec<String> = loaded
                    .unknown_keys
                    .iter()
                    .map(|k| format!("{k}: unknown key"))
                    .collect();
                bail!(
                    "invalid configuration (--strict):\n  - {}",
                    keys.join("\n  - ")
                );
            }
            for key in &loaded.unknown_keys {
                println!("warning: {key}: unknown key is ignored");
            }
            if connect {
                check_connections(&loaded.config)?;
            }
            println!("configuration is valid");
        }
        Command::Print { json } => {
            let masked = masked(loaded.config);
            let text = if json {
                serde_json::to_string_pretty(&masked)?
            } else {
                toml::to_string_pretty(&masked)
                    .context("cannot render the configuration as TOML")?
            };
            println!("{text}");
        }
    }
    Ok(())
}

fn check_connections(config: &Config) -> anyhow::Result<()> {
    store::runtime()?.block_on(async {
        let database = store::open(config).await?;
        if let Some(schema) = database.schema {
            let pending = migrations::pending(schema.as_ref()).await?;
            if !pending.is_empty() {
                bail!(
                    "app store: {} migration(s) pending: run `sockudo migrate`",
                    pending.len()
                );
            }
        }
        database
            .apps
            .all()
            .await
            .context("app store did not answer a query")?;
        println!("app store answers");
        if sockudo::server::connect_bus(config)
            .await
            .with_context(|| format!("adapter {}", config.adapter.driver))?
            .is_some()
        {
            println!("adapter {} answers", config.adapter.driver);
        }
        if config.queue.driver == QueueDriver::Redis {
            let redis = &config.database.redis;
            RedisQueue::connect(
                &redis.connection_url(),
                &redis.key_prefix,
                config.queue.max_length,
            )
            .await
            .context("queue.driver redis")?;
            println!("webhook queue (redis) answers");
        }
        if sockudo::server::connect_shared_cache(config)
            .await?
            .is_some()
        {
            println!("cache {} answers", config.cache.driver);
        }
        Ok(())
    })
}

/// The config with every secret replaced by [`MASK`]: app secrets and encryption keys, webhook
/// headers, database, Redis and NATS credentials (in URLs too), AWS keys, tokens, the TLS
/// passphrase. A masked value shows none of its characters.
fn masked(mut config: Config) -> Config {
    use crate::secrets::{mask_app, mask_option, mask_url, mask_url_option};
    for app in &mut config.app_manager.array.apps {
        mask_app(app);
    }
    for server in [&mut config.database.postgres, &mut config.database.mysql] {
        mask_option(&mut server.password);
        mask_url_option(&mut server.url);
    }
    mask_url_option(&mut config.database.url);
    let redis = &mut config.database.redis;
    mask_option(&mut redis.password);
    mask_url_option(&mut redis.url);
    for nodes in [
        &mut redis.cluster_nodes,
        &mut redis.cluster.nodes,
        &mut config.adapter.cluster.nodes,
        &mut config.adapter.nats.servers,
    ] {
        for node in nodes.iter_mut() {
            *node = mask_url(node);
        }
    }
    let nats = &mut config.adapter.nats;
    mask_option(&mut nats.password);
    mask_option(&mut nats.token);
    let sqs = &mut config.queue.sqs;
    let lambda = &mut config.webhooks.lambda;
    for secret in [
        &mut sqs.secret_access_key,
        &mut sqs.session_token,
        &mut lambda.secret_access_key,
        &mut lambda.session_token,
        &mut config.database.dynamodb.aws_secret_access_key,
        &mut config.console.token,
        &mut config.adapter.secret,
        &mut config.metrics.stats_token,
        &mut config.ssl.passphrase,
    ] {
        mask_option(secret);
    }
    config
}
