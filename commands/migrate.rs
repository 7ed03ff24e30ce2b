//! `sockudo migrate`: apply pending schema migrations (idempotent), list them, or print their SQL.

use crate::store;
use serde_json::json;
use sockudo::app::migrations::{self, MIGRATIONS};
use std::path::Path;

#[derive(clap::Args)]
pub struct Args {
    /// List applied and pending migrations instead of applying.
    #[arg(long, conflicts_with = "dry_run")]
    status: bool,
    /// Print the SQL of pending migrations without applying it.
    #[arg(long)]
    dry_run: bool,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

pub fn run(file: Option<&Path>, args: Args) -> anyhow::Result<()> {
    let config = store::load_config(file)?;
    store::runtime()?.block_on(async {
        let database = store::open(&config).await?;
        let Some(schema) = database.schema else {
            if args.json {
                println!(
                    "{}",
                    json!({"store": "memory", "applied": [], "pending": []})
                );
            } else {
                println!("app_manager.driver is memory: there is no schema to migrate");
            }
            return Ok(());
        };
        let dialect = schema.dialect();
        let pending = migrations::pending(schema.as_ref()).await?;
        let names =
            |list: &[&migrations::Migration]| list.iter().map(|m| m.name).collect::<Vec<_>>();
        if args.status {
            let applied = schema.applied().await?;
            let applied: Vec<&str> = MIGRATIONS
                .iter()
                .filter(|m| applied.contains(&m.version))
                .map(|m| m.name)
                .collect();
            if args.json {
                println!(
                    "{}",
                    json!({"store": dialect.name(), "applied": applied, "pending": names(&pending)})
                );
            } else {
                for name in &applied {
                    println!("applied  {name}");
                }
                for migration in &pending {
                    println!("pending  {}", migration.name);
                }
            }
        } else if args.dry_run {
            if args.json {
                let sql: Vec<_> = pending
                    .iter()
                    .map(|m| json!({"name": m.name, "sql": m.sql(dialect)}))
                    .collect();
                println!("{}", json!({"store": dialect.name(), "pending": sql}));
            } else if pending.is_empty() {
                println!("-- schema is up to date: nothing to apply");
            } else {
                for migration in &pending {
                    println!(
                        "-- {}\n{}",
                        migration.name,
                        migration.sql(dialect).trim_end()
                    );
                }
            }
        } else {
            let applied = migrations::migrate(schema.as_ref()).await?;
            if args.json {
                println!(
                    "{}",
                    json!({"store": dialect.name(), "applied": names(&applied)})
                );
            } else if applied.is_empty() {
                println!("schema is up to date");
            } else {
                for migration in &applied {
                    println!("applied  {}", migration.name);
                }
            }
        }
        Ok(())
    })
}
