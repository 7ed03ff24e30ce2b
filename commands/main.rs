//! The `sockudo` binary: parse the command line, set up logging, dispatch to one module per
//! subcommand, and map the outcome to an exit code in one place (0 ok, 1 failure, 2 usage).

mod apps;
mod bench;
mod completions;
mod config;
mod man;
mod migrate;
mod notify;
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
    /// Write the man pages, one per command, into a directory.
    Man(man::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = cli.config.as_deref();
    let outcome = match cli.command {
        Command::Serve(args) => serve::run(config, args),
        Command::Config(command) => config::run(config, command),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(args),
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

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every flag and argument of every subcommand, as `sockudo ... --help` lists it, by path.
    fn undocumented(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for arg in command.get_arguments() {
            let builtin = matches!(arg.get_id().as_str(), "help" | "version");
            if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
                missing.push(format!("{path} {}", arg.get_id()));
            }
        }
        for sub in command.get_subcommands() {
            if sub.get_about().is_none() && sub.get_long_about().is_none() {
                missing.push(format!("{path} {} (the subcommand)", sub.get_name()));
            }
            undocumented(sub, &format!("{path} {}", sub.get_name()), missing);
        }
    }

    #[test]
    fn every_flag_argument_and_subcommand_has_help() {
        let mut missing = Vec::new();
        undocumented(&Cli::command(), "sockudo", &mut missing);
        assert!(missing.is_empty(), "no help text:\n{}", missing.join("\n"));
    }
}
