//! What the store-facing commands share: the configuration (the same loader `serve` uses) and
//! the store it names.

use anyhow::Context;
use sockudo::app::{self, Database};
use sockudo::config::{self, Config};
use std::path::Path;

pub fn load_config(file: Option<&Path>) -> anyhow::Result<Config> {
    let lookup = |name: &str| std::env::var(name).ok();
    Ok(config::load(file, &lookup)?.config)
}

/// Opens the configured store, or says why it cannot.
pub async fn open(config: &Config) -> anyhow::Result<Database> {
    let settings = config.database_settings().map_err(anyhow::Error::msg)?;
    app::open(&settings)
        .await
        .with_context(|| format!("cannot open the app store ({})", settings.describe()))
}

/// A mistake in how the command was called: exit code 2, like clap's own usage errors.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
