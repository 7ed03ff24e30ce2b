//! `sockudo config check` and `sockudo config print`: the same loader `serve` uses.

use anyhow::Context;
use sockudo::config::{self, Config};
use std::path::Path;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Load the configuration as `serve` would and report every problem.
    Check,
    /// Print the effective configuration (file, environment and defaults) with secrets masked.
    Print {
        /// Print JSON instead of TOML.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(file: Option<&Path>, command: Command) -> anyhow::Result<()> {
    let lookup = |name: &str| std::env::var(name).ok();
    let loaded = config::load(file, &lookup)?;
    match command {
        Command::Check => {
            for key in &loaded.unknown_keys {
                println!("warning: unknown key {key:?} is ignored");
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

fn masked(mut config: Config) -> Config {
    for app in &mut config.app_manager.array.apps {
        app.secret = "********".into();
    }
    config
}
