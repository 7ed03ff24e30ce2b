//! `sockudo man <DIR>`: one man page per command (`sockudo.1`, `sockudo-apps-create.1`, ...),
//! from the same clap definition as `--help` and the completions.

use anyhow::Context;
use clap::CommandFactory;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The directory to write the pages into (created if missing).
    dir: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    clap_mangen::generate_to(crate::Cli::command(), &args.dir)
        .with_context(|| format!("cannot write man pages into {}", args.dir.display()))
}
