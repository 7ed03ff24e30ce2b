//! `sockudo apps`: manage apps in the configured store, for people and for scripts (`--json`).

use crate::store::{self, UsageError};
use anyhow::{bail, Context};
use serde_json::{json, Value};
use sockudo::app::{App, AppStore, StoreError, Webhook};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Create an app; id, key and secret are generated when not given. The secret is shown once.
    Create {
        /// The app id (default: a random number).

        #[arg(long)]
        id: Option<String>,
        /// The key clients connect with (default: random).

        #[arg(long)]
        key: Option<String>,
        /// The secret that signs (default: random; shown once).

        #[arg(long)]
        secret: Option<String>,
        #[command(flatten)]
        fields: Fields,
        /// Print the result as JSON, for scripts.

        #[arg(long)]
        json: bool,
    },
    /// List apps (secrets masked unless --show-secrets).
    List {
        /// Show secrets instead of masking them.

        #[arg(long)]
        show_secrets: bool,
        /// Print the result as JSON, for scripts.

        #[arg(long)]
        json: bool,
    },
    /// Show one app.
    Show {
        /// The app's id.
        id: String,
        /// Show secrets instead of masking them.

        #[arg(long)]
        show_secrets: bool,
        /// Print the result as JSON, for scripts.

        #[arg(long)]
        json: bool,
    },
    /// Change any field of an app.
    Update {
        /// The app's id.
        id: String,
        /// A new key.
        #[arg(long)]
        key: Option<String>,
        #[command(flatten)]
        fields: Fields,
        /// Print the result as JSON, for scripts.

        #[arg(long)]
        json: bool,
    },
    /// Enable an app.
    Enable {
        /// The app's id.
        id: String,
        /// Print the result as JSON, for scripts.

        #[arg(long)]
        json: bool,
    },
    /// Disable an app: its sockets are closed (4003) and new ones refused.
    Disable {
        /// The app's id.
        id: String,
        /// Print the result as JSON, for scripts.

        #[arg(long)]
        json: bool,
    },
    /// Delete an app (asks first unless --yes).
    Delete {
        /// The app's id.
        id: String,
        /// Do not ask for confirmation.

        #[arg(long)]
        yes: bool,
        /// Print the result as JSON, for scripts.

        #[arg(long)]
        json: bool,
    },
    /// Replace an app's secret with a new random one, shown once.
    RotateSecret {
        /// The app's id.
        id: String,
        /// Print the result as JSON, for scripts.

        #[arg(long)]
        json: bool,
    },
    /// Print every app, with secrets, as JSON (the format `import` reads).
    Export {
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Create apps from JSON: our export, or a Sockudo/soketi config's app list.
    Import {
        /// The JSON file to read.
        file: PathBuf,
        /// Update apps whose id already exists instead of refusing.
        #[arg(long)]
        overwrite: bool,
        /// Print the result as JSON, for scripts.

        #[arg(long)]
        json: bool,
    },
}

/// A limit on the command line: a number, or `none` for the global default.
#[derive(Clone, Copy, Debug)]
pub struct Limit(Option<u64>);

fn parse_limit(text: &str) -> Result<Limit, String> {
    match text {
        "none" | "default" => Ok(Limit(None)),
        _ => text
            .parse()
            .map(|n| Limit(Some(n)))
            .map_err(|_| format!("{text:?} is not a number or \"none\"")),
    }
}

/// Fields `create` and `update` can set. Unset flags leave the field as it is.
#[derive(clap::Args, Default)]
pub struct Fields {
    /// A name for people.

    #[arg(long)]
    name: Option<String>,
    /// Accept connections and API calls (false: refuse them).

    #[arg(long, value_name = "BOOL")]
    enabled: Option<bool>,
    /// Allow client- events on private and presence channels.
    #[arg(long, value_name = "BOOL")]
    client_messages: Option<bool>,
    /// Allow pusher:signin.
    #[arg(long, value_name = "BOOL")]
    user_authentication: Option<bool>,
    /// Send online/offline events of watched users.

    #[arg(long, value_name = "BOOL")]
    watchlist_events: Option<bool>,
    /// Send pusher_internal:subscription_count to subscribers.

    #[arg(long, value_name = "BOOL")]
    subscription_count: Option<bool>,
    /// Sockets the app may have at once (none: no limit).

    #[arg(long, value_name = "N|none", value_parser = parse_limit)]
    max_connections: Option<Limit>,
    /// Client events one socket may send per second (none: the global default).

    #[arg(long, value_name = "N|none", value_parser = parse_limit)]
    max_client_events_per_second: Option<Limit>,
    /// Events the HTTP API may publish per second (none: no limit).

    #[arg(long, value_name = "N|none", value_parser = parse_limit)]
    max_backend_events_per_second: Option<Limit>,
    /// HTTP API reads per second (none: no limit).

    #[arg(long, value_name = "N|none", value_parser = parse_limit)]
    max_read_requests_per_second: Option<Limit>,
    /// Members one presence channel may have (none: the global default).

    #[arg(long, value_name = "N|none", value_parser = parse_limit)]
    max_presence_members_per_channel: Option<Limit>,
    /// Size of one member's user_info in KiB (none: the global default).

    #[arg(long, value_name = "N|none", value_parser = parse_limit)]
    max_presence_member_size_in_kb: Option<Limit>,
    /// Longest channel name (none: the global default).

    #[arg(long, value_name = "N|none", value_parser = parse_limit)]
    max_channel_name_length: Option<Limit>,
    /// Channels one connection may be subscribed to at once (none: the global default).
    #[arg(long, value_name = "N|none", value_parser = parse_limit)]
    max_channels_per_connection: Option<Limit>,
    /// Channels one API event may name (none: the global default).

    #[arg(long, value_name = "N|none", value_parser = parse_limit)]
    max_event_channels_at_once: Option<Limit>,
    /// Longest event name (none: the global default).

    #[arg(long, value_name = "N|none", value_parser = parse_limit)]
    max_event_name_length: Option<Limit>,
    /// Largest event data in KiB (none: the global default).

    #[arg(long, value_name = "N|none", value_parser = parse_limit)]
    max_event_payload_in_kb: Option<Limit>,
    /// Events one batch call may carry (none: the global default).

    #[arg(long, value_name = "N|none", value_parser = parse_limit)]
    max_event_batch_size: Option<Limit>,
    /// Allowed origins, comma-separated (`*` wildcards); an empty value clears them.
    #[arg(long, value_name = "LIST")]
    allowed_origins: Option<String>,
    /// Add a webhook URL (with --webhook-events and --webhook-channel-prefix).
    #[arg(long, value_name = "URL")]
    add_webhook: Option<String>,
    /// Event types for --add-webhook, comma-separated (e.g. channel_occupied,channel_vacated).
    #[arg(long, value_name = "LIST", requires = "add_webhook")]
    webhook_events: Option<String>,
    /// Only send channels with this prefix to the --add-webhook URL.
    #[arg(long, value_name = "PREFIX", requires = "add_webhook")]
    webhook_channel_prefix: Option<String>,
    /// Remove every webhook with this URL.
    #[arg(long, value_name = "URL")]
    remove_webhook: Option<String>,
}

impl Fields {
    fn apply(self, app: &mut App) -> anyhow::Result<()> {
        let set_flag = |target: &mut bool, value: Option<bool>| {
            if let Some(value) = value {
                *target = value;
            }
        };
        if let Some(name) = self.name {
            app.name = Some(name).filter(|n| !n.is_empty());
        }
        set_flag(&mut app.enabled, self.enabled);
        set_flag(&mut app.enable_client_messages, self.client_messages);
        set_flag(
            &mut app.enable_user_authentication,
            self.user_authentication,
        );
        set_flag(&mut app.enable_watchlist_events, self.watchlist_events);
        set_flag(&mut app.enable_subscription_count, self.subscription_count);
        let limits = [
            (&mut app.max_connections, self.max_connections),
            (
                &mut app.max_client_events_per_second,
                self.max_client_events_per_second,
            ),
            (
                &mut app.max_backend_events_per_second,
                self.max_backend_events_per_second,
            ),
            (
                &mut app.max_read_requests_per_second,
                self.max_read_requests_per_second,
            ),
            (
                &mut app.max_presence_members_per_channel,
                self.max_presence_members_per_channel,
            ),
            (
                &mut app.max_presence_member_size_in_kb,
                self.max_presence_member_size_in_kb,
            ),
            (
                &mut app.max_channel_name_length,
                self.max_channel_name_length,
            ),
            (
                &mut app.max_channels_per_connection,
                self.max_channels_per_connection,
            ),
            (
                &mut app.max_event_channels_at_once,
                self.max_event_channels_at_once,
            ),
            (&mut app.max_event_name_length, self.max_event_name_length),
            (
                &mut app.max_event_payload_in_kb,
                self.max_event_payload_in_kb,
            ),
            (&mut app.max_event_batch_size, self.max_event_batch_size),
        ];
        for (target, value) in limits {
            if let Some(Limit(value)) = value {
                *target = value;
            }
        }
        if let Some(origins) = self.allowed_origins {
            app.allowed_origins = split_list(&origins);
        }
        if let Some(url) = self.remove_webhook {
            let before = app.webhooks.len();
            app.webhooks.retain(|w| w.url != url);
            if app.webhooks.len() == before {
                bail!(UsageError(format!(
                    "app {:?} has no webhook {url:?}",
                    app.id
                )));
            }
        }
        if let Some(url) = self.add_webhook {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                bail!(UsageError(format!(
                    "webhook URL {url:?} must start with http:// or https://"
                )));
            }
            app.webhooks.push(Webhook {
                url,
                event_types: self
                    .webhook_events
                    .as_deref()
                    .map(split_list)
                    .unwrap_or_default(),
                filter: self
                    .webhook_channel_prefix
                    .map(|prefix| sockudo::app::WebhookFilter {
                        channel_prefix: Some(prefix),
                        ..Default::default()
                    }),
                ..Webhook::default()
            });
        }
        Ok(())
    }
}

fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// Lowercase hex from the thread's CSPRNG (ChaCha seeded by the OS).
fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::fill(&mut buffer[..]);
    hex::encode(buffer)
}

fn random_id() -> String {
    rand::random_range(1_000_000u32..10_000_000).to_string()
}

pub fn run(file: Option<&Path>, command: Command) -> anyhow::Result<()> {
    let config = store::load_config(file)?;
    store::runtime()?.block_on(async {
        let database = store::open(&config).await?;
        if database.schema.is_none() {
            bail!("app_manager.driver is memory: its apps come from the configuration; use sqlite, postgres, mysql or dynamodb to manage apps here");
        }
        if let Some(schema) = &database.schema {
            let pending = sockudo::app::migrations::pending(schema.as_ref()).await?;
            if !pending.is_empty() {
                bail!("the app store's schema is behind ({} migration(s) pending): run `sockudo migrate`", pending.len());
            }
        }
        execute(database.apps.as_ref(), command).await
    })
}

async fn execute(store: &dyn AppStore, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Create {
            id,
            key,
            secret,
            fields,
            json,
        } => {
            let mut app = App::new(
                &id.unwrap_or_else(random_id),
                &key.unwrap_or_else(|| random_hex(10)),
                &secret.unwrap_or_else(|| random_hex(20)),
            );
            fields.apply(&mut app)?;
            if app.id.is_empty() || app.key.is_empty() || app.secret.is_empty() {
                bail!(UsageError("id, key and secret must not be empty".into()));
            }
            store.create(&app).await?;
            let created = fetch(store, &app.id).await?;
            print_app(&created, true, json, "created");
            if !json {
                println!("The secret is shown only now; keep it safe.");
            }
        }
        Command::List { show_secrets, json } => {
            let apps = store.all().await?;
            if json {
                let list: Vec<Value> = apps.iter().map(|a| app_json(a, show_secrets)).collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else if apps.is_empty() {
                println!("no apps");
            } else {
                println!(
                    "{:<12} {:<22} {:<8} {:<12} NAME",
                    "ID", "KEY", "ENABLED", "SECRET"
                );
                for app in &apps {
                    let secret = if show_secrets {
                        app.secret.as_str()
                    } else {
                        crate::secrets::MASK
                    };
                    println!(
                        "{:<12} {:<22} {:<8} {:<12} {}",
                        app.id,
                        app.key,
                        app.enabled,
                        secret,
                        app.name.as_deref().unwrap_or("")
                    );
                }
            }
        }
        Command::Show {
            id,
            show_secrets,
            json,
        } => {
            let app = fetch(store, &id).await?;
            print_app(&app, show_secrets, json, "");
        }
        Command::Update {
            id,
            key,
            fields,
            json,
        } => {
            let mut app = (*fetch(store, &id).await?).clone();
            if let Some(key) = key {
                app.key = key;
            }
            fields.apply(&mut app)?;
            store.update(&app).await?;
            print_app(&fetch(store, &id).await?, false, json, "updated");
        }
        Command::Enable { id, json } => set_enabled(store, &id, true, json).await?,
        Command::Disable { id, json } => set_enabled(store, &id, false, json).await?,
        Command::Delete { id, yes, json } => {
            fetch(store, &id).await?;
            if !yes
                && !confirm(&format!(
                    "Delete app {id:?}? Its clients will be disconnected. [y/N] "
                ))?
            {
                bail!("not deleted");
            }
            store.delete(&id).await?;
            if json {
                println!("{}", json!({"deleted": id}));
            } else {
                println!("deleted app {id}");
            }
        }
        Command::RotateSecret { id, json } => {
            let mut app = (*fetch(store, &id).await?).clone();
            app.secret = random_hex(20);
            store.update(&app).await?;
            print_app(
                &fetch(store, &id).await?,
                true,
                json,
                "rotated the secret of",
            );
        }
        Command::Export { output } => {
            let apps: Vec<Value> = store
                .all()
                .await?
                .iter()
                .map(|a| app_json(a, true))
                .collect();
            let text = serde_json::to_string_pretty(&json!({ "apps": apps }))?;
            match output {
                // Every secret is in it: readable by its owner only.
                Some(path) => write_private(&path, &(text + "\n"))
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => println!("{text}"),
            }
        }
        Command::Import {
            file,
            overwrite,
            json,
        } => import(store, &file, overwrite, json).await?,
    }
    Ok(())
}

async fn fetch(store: &dyn AppStore, id: &str) -> anyhow::Result<Arc<App>> {
    store
        .find_by_id(id)
        .await?
        .ok_or_else(|| StoreError::NotFound(id.to_owned()).into())
}

async fn set_enabled(
    store: &dyn AppStore,
    id: &str,
    enabled: bool,
    json: bool,
) -> anyhow::Result<()> {
    let mut app = (*fetch(store, id).await?).clone();
    app.enabled = enabled;
    store.update(&app).await?;
    print_app(
        &fetch(store, id).await?,
        false,
        json,
        if enabled { "enabled" } else { "disabled" },
    );
    Ok(())
}

fn confirm(question: &str) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!(UsageError(
            "refusing to delete without confirmation: pass --yes".into()
        ));
    }
    eprint!("{question}");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

/// The app as JSON; unless `show_secret`, with its secrets masked (none of their characters).
fn app_json(app: &App, show_secret: bool) -> Value {
    let mut shown = app.clone();
    if !show_secret {
        crate::secrets::mask_app(&mut shown);
    }
    serde_json::to_value(&shown).unwrap_or(Value::Null)
}

fn print_app(app: &Arc<App>, show_secret: bool, json: bool, verb: &str) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&app_json(app, show_secret)).unwrap_or_default()
        );
        return;
    }
    if !verb.is_empty() {
        println!("{verb} app {}", app.id);
    }
    let value = app_json(app, show_secret);
    if let Value::Object(fields) = value {
        for (name, field) in fields {
            let shown = match &field {
                Value::Null => continue,
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            println!("  {name:<34} {shown}");
        }
    }
}

/// Reads apps from our export (`{"apps": [...]}` or a bare list) or a Sockudo/soketi config
/// (`app_manager.array.apps` / `appManager.array.apps`).
fn apps_in(document: Value) -> anyhow::Result<Vec<App>> {
    let list = match document {
        Value::Array(list) => list,
        Value::Object(mut map) => {
            if let Some(Value::Array(list)) = map.remove("apps") {
                list
            } else if let Some(manager) = map
                .remove("app_manager")
                .or_else(|| map.remove("appManager"))
            {
                match manager.pointer("/array/apps") {
                    Some(Value::Array(list)) => list.clone(),
                    _ => bail!("the config has no app_manager.array.apps list"),
                }
            } else {
                bail!("expected {{\"apps\": [...]}}, a list of apps, or a config with app_manager.array.apps");
            }
        }
        _ => bail!("expected a JSON object or list"),
    };
    list.into_iter()
        .enumerate()
        .map(|(index, value)| {
            serde_json::from_value(value)
                .with_context(|| format!("apps[{index}] is not a valid app"))
        })
        .collect()
}

async fn import(
    store: &dyn AppStore,
    file: &Path,
    overwrite: bool,
    json: bool,
) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let document: Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON", file.display()))?;
    let apps = apps_in(document)?;
    // Check every app before writing any, so a conflict imports nothing.
    sockudo::app::MemoryAppStore::new(apps.iter().cloned())
        .map_err(|e| anyhow::anyhow!("the file itself is inconsistent: {e}"))?;
    let mut existing = Vec::new();
    for app in &apps {
        let by_id = store.find_by_id(&app.id).await?;
        let by_key = store.find_by_key(&app.key).await?;
        if by_key.as_ref().is_some_and(|other| other.id != app.id) {
            bail!(
                "key {:?} of app {:?} already belongs to app {:?}",
                app.key,
                app.id,
                by_key.map(|a| a.id.clone()).unwrap_or_default()
            );
        }
        if by_id.is_some() {
            if !overwrite {
                bail!(
                    "app {:?} already exists: pass --overwrite to update it",
                    app.id
                );
            }
            existing.push(app.id.clone());
        }
    }
    let (mut created, mut updated) = (Vec::new(), Vec::new());
    for app in &apps {
        if existing.contains(&app.id) {
            store.update(app).await?;
            updated.push(app.id.clone());
        } else {
            store.create(app).await?;
            created.push(app.id.clone());
        }
    }
    if json {
        println!("{}", json!({"created": created, "updated": updated}));
    } else {
        println!(
            "imported {} app(s): {} created, {} updated",
            apps.len(),
            created.len(),
            updated.len()
        );
    }
    Ok(())
}

/// Writes `text` to `path`, created (or truncated) with mode 0600.
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    // An existing file keeps its mode through open(2): narrow it too.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    file.write_all(text.as_bytes())
}
