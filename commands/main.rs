//! The `sockudo` binary: parse the command line, set up logging, dispatch to one module per
//! subcommand, and map the outcome to an exit code in one place (0 ok, 1 failure, 2 usage).

mod apps;
mod bench;
mod completions;
mod config;
mod migrate;
mod secrets;
mod serve;
mod store;
#[cfg(feature = "top")]
mod top;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// jemalloc rather than the system allocator: see "Memory per socket" in docs/benchmarks.md.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(
    name = "sockudo",
    version,
    about = "A realtime WebSocket server speaking the Pusher Channels protocol"
)]
pub struct Cli {
    /// Config file (.toml, or Sockudo's config.json). Without one, embedded defaults are used.
    #[arg(long, global = true, env = "SOCKUDO_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server: WebSocket + HTTP API on one port, metrics on another.
    Serve(serve::Args),
    /// Manage apps in the configured store.
    #[command(subcommand)]
    Apps(Box<apps::Command>),
    /// Prepare or upgrade the app store's schema.
    Migrate(migrate::Args),
    /// Validate or print the configuration.
    #[command(subcommand)]
    Config(config::Command),
    /// Generate load against a Pusher-compatible server and report what it measured.
    Bench(Box<bench::Args>),
    /// Live terminal dashboard of a running server.
    #[cfg(feature = "top")]
    Top(top::Args),
    /// Print shell completions.
    Completions(completions::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = cli.config.as_deref();
    let outcome = match cli.command {
        Command::Serve(args) => serve::run(config, args),
        Command::Config(command) => config::run(config, command),
        Command::Completions(args) => completions::run(args),
        Command::Apps(command) => apps::run(config, *command),
        Command::Migrate(args) => migrate::run(config, args),
        Command::Bench(args) => bench::run(config, *args),
        #[cfg(feature = "top")]
        Command::Top(args) => top::run(config, args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            if error.downcast_ref::<store::UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
