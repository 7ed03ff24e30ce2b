//! `sockudo apps`, `migrate`, `config check` and `completions`, run as a user or script would,
//! against every real store; and a running server seeing store changes.

use crate::databases::{self, Kind};
use crate::support::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Output;

/// A config file for `store`, written into `dir`, as JSON.
fn store_config(dir: &Path, store: &Value) -> (PathBuf, Value) {
    let mut config = json!({"app_manager": {"driver": store["driver"], "cache": {"ttl": 1}}});
    match store["driver"].as_str() {
        Some("sqlite") => config["database"] = json!({"sqlite": {"path": dir.join("apps.db")}}),
        _ => config["database"] = json!({"url": store["url"]}),
    }
    let path = dir.join("config.json");
    std::fs::write(&path, config.to_string()).unwrap();
    (path, config)
}

fn run(config: &Path, args: &[&str]) -> Output {
    sockudo()
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .unwrap()
}

fn ok_json(config: &Path, args: &[&str]) -> Value {
    let output = run(config, args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn ok(config: &Path, args: &[&str]) {
    let output = run(config, args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

async fn stores() -> Vec<Value> {
    let mut stores = vec![json!({"driver": "sqlite"})];
    if let Some(url) = databases::fresh(Kind::Postgres).await {
        stores.push(json!({"driver": "postgres", "url": url}));
    }
    if let Some(url) = databases::fresh(Kind::Mysql).await {
        stores.push(json!({"driver": "mysql", "url": url}));
    }
    stores
}

/// Reads frames until the server closes; returns the close code.
async fn closed_with(client: &mut Client) -> Ended {
    client.ended().await
}

#[tokio::test]
async fn an_app_created_with_the_cli_serves_at_once_and_disable_and_delete_take_effect() {
    for store in stores().await {
        let driver = store["driver"].as_str().unwrap().to_owned();
        let dir = tempfile::tempdir().unwrap();
        let (path, config) = store_config(dir.path(), &store);
        // A store whose schema is behind: serve refuses (sqlite initialises a new file itself).
        if driver != "sqlite" {
            let refused = sockudo()
                .arg("serve")
                .arg("--config")
                .arg(&path)
                .env("PORT", "0")
                .output()
                .unwrap();
            assert_eq!(refused.status.code(), Some(1), "{driver}");
            assert!(
                stderr(&refused).contains("sockudo migrate"),
                "{driver}: {}",
                stderr(&refused)
            );
        }
        assert_eq!(
            ok_json(&path, &["migrate", "--json"])["applied"],
            json!(["0001_create_apps"]),
            "{driver}"
        );
        assert_eq!(
            ok_json(&path, &["migrate", "--json"])["applied"],
            json!([]),
            "migrating twice is a no-op"
        );

        let server = Server::with_config(config).await;
        let created = ok_json(
            &path,
            &[
                "apps",
                "create",
                "--id",
                "demo",
                "--client-messages",
                "true",
                "--json",
            ],
        );
        let key = created["key"].as_str().unwrap().to_owned();
        assert_eq!(
            created["secret"].as_str().unwrap().len(),
            40,
            "the secret is printed once, whole"
        );
        let listed = ok_json(&path, &["apps", "list", "--json"]);
        assert_eq!(listed[0]["id"], "demo");
        assert!(
            listed[0]["secret"].as_str().unwrap().ends_with("********"),
            "list masks secrets"
        );

        let (mut client, _) = server.connected(&key).await;
        ok_json(&path, &["apps", "disable", "demo", "--json"]);
        assert_eq!(
            closed_with(&mut client).await,
            Ended::Closed(Some(4003)),
            "{driver}: disable closes"
        );
        assert_eq!(
            first_answer_code(&server, &key, 4003).await,
            4003,
            "{driver}: new connections refused"
        );

        ok_json(&path, &["apps", "enable", "demo", "--json"]);
        let mut client = wait_for_welcome(&server, &key).await;
        let output = run(&path, &["apps", "delete", "demo", "--yes"]);
        assert!(output.status.success(), "{}", stderr(&output));
        assert_eq!(
            closed_with(&mut client).await,
            Ended::Closed(Some(4001)),
            "{driver}: delete closes"
        );
        assert_eq!(
            first_answer_code(&server, &key, 4001).await,
            4001,
            "{driver}: unknown after delete"
        );
        assert_eq!(ok_json(&path, &["apps", "list", "--json"]), json!([]));
    }
}

/// Every secret a config can hold, each a distinct word the output must not contain.
const SECRETS: [&str; 15] = [
    "app-secret-x1",
    "master-key-x2",
    "hook-header-x3",
    "pg-password-x4",
    "db-url-pw-x5",
    "redis-pw-x6",
    "redis-url-pw-x7",
    "nats-pw-x8",
    "nats-token-x9",
    "sqs-key-x10",
    "lambda-token-x11",
    "console-token-x12",
    "stats-token-x13",
    "cluster-pw-x14",
    "dynamodb-key-x15",
];

#[test]
fn config_print_and_apps_json_show_no_character_of_any_secret() {
    let dir = tempfile::tempdir().unwrap();
    let app = json!({"id": "a", "key": "k", "secret": SECRETS[0],
        "encryption_master_key_base64": "bWFzdGVyLWtleS14Mi0wMTIzNDU2Nzg5YWJjZGVmZ2g=",
        "webhooks": [{"url": "http://127.0.0.1:9/hook", "headers": {"X-Auth": SECRETS[2]}}]});
    let config = json!({
        "app_manager": {"driver": "memory", "array": {"apps": [app]}},
        "database": {
            "postgres": {"password": SECRETS[3]},
            "url": format!("postgres://user:{}@127.0.0.1/db", SECRETS[4]),
            "redis": {"password": SECRETS[5], "url": format!("redis://:{}@127.0.0.1:6379", SECRETS[6])},
            "dynamodb": {"aws_access_key_id": "id", "aws_secret_access_key": SECRETS[14]},
        },
        "adapter": {"nats": {"password": SECRETS[7], "token": SECRETS[8]},
                    "cluster": {"nodes": [format!("redis://u:{}@127.0.0.1:7000", SECRETS[13])]}},
        "queue": {"sqs": {"access_key_id": "id", "secret_access_key": SECRETS[9]}},
        "webhooks": {"lambda": {"session_token": SECRETS[10]}},
        "console": {"token": SECRETS[11]},
        "metrics": {"stats_token": SECRETS[12]},
    });
    let path = dir.path().join("config.json");
    std::fs::write(&path, config.to_string()).unwrap();
    for args in [&["config", "print"][..], &["config", "print", "--json"]] {
        let output = run(&path, args);
        assert!(output.status.success(), "{}", stderr(&output));
        let printed = String::from_utf8_lossy(&output.stdout);
        // The master key's base64 starts "bWFz": none of it may show either.
        for secret in SECRETS.iter().chain(&["bWFz"]) {
            assert!(
                !printed.contains(secret),
                "{args:?} shows {secret}: {printed}"
            );
        }
        assert!(printed.contains("********"), "{printed}");
    }

    // The same app in a store, through `apps` with --json.
    let (store, _) = store_config(dir.path(), &json!({"driver": "sqlite"}));
    let import = dir.path().join("import.json");
    std::fs::write(
        &import,
        json!({"apps": [config["app_manager"]["array"]["apps"][0]]}).to_string(),
    )
    .unwrap();
    ok_json(&store, &["migrate", "--json"]);
    ok(&store, &["apps", "import", import.to_str().unwrap()]);
    let views = [
        ok_json(&store, &["apps", "list", "--json"]).to_string(),
        ok_json(&store, &["apps", "show", "a", "--json"]).to_string(),
        ok_json(&store, &["apps", "disable", "a", "--json"]).to_string(),
        ok_json(&store, &["apps", "enable", "a", "--json"]).to_string(),
        ok_json(
            &store,
            &["apps", "update", "a", "--name", "renamed", "--json"],
        )
        .to_string(),
    ];
    for view in views {
        for secret in [SECRETS[0], SECRETS[2], "bWFz"] {
            assert!(!view.contains(secret), "shows {secret}: {view}");
        }
    }
    let shown = ok_json(&store, &["apps", "show", "a", "--show-secrets", "--json"]);
    assert_eq!(shown["secret"], SECRETS[0], "--show-secrets shows it whole");
}

/// The app store and exports hold every secret: only their owner may read them.
#[test]
fn the_sqlite_store_and_exports_are_private_files() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = store_config(dir.path(), &json!({"driver": "sqlite"}));
    ok_json(&path, &["migrate", "--json"]);
    ok_json(&path, &["apps", "create", "--id", "private", "--json"]);
    let export = dir.path().join("export.json");
    std::fs::write(&export, "").unwrap();
    std::fs::set_permissions(&export, std::fs::Permissions::from_mode(0o644)).unwrap();
    ok(
        &path,
        &["apps", "export", "--output", export.to_str().unwrap()],
    );
    let files = std::fs::read_dir(dir.path()).unwrap();
    let mut checked = Vec::new();
    for file in files.flatten() {
        let name = file.file_name().to_string_lossy().into_owned();
        if name.starts_with("apps.db") || name == "export.json" {
            let mode = file.metadata().unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{name} is {mode:o}");
            checked.push(name);
        }
    }
    assert!(checked.contains(&"apps.db".to_owned()), "{checked:?}");
    assert!(checked.contains(&"export.json".to_owned()), "{checked:?}");
}

/// SIGHUP is how operators ask for a reload: it never stops the server (its default action would,
/// and did while TLS was off), and it forgets cached app lookups, so an app created in the store
/// is served at once rather than after `app_manager.cache.ttl`.
#[tokio::test]
async fn sighup_clears_the_app_cache_and_never_stops_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut config) = store_config(dir.path(), &json!({"driver": "sqlite"}));
    config["app_manager"]["cache"]["ttl"] = json!(3600);
    std::fs::write(&path, config.to_string()).unwrap();
    ok_json(&path, &["migrate", "--json"]);
    let mut server = Server::with_config(config).await;
    // The refusal is cached for an hour.
    let mut early = server.connect("later-key").await;
    assert_eq!(early.next().await["data"]["code"], 4001);
    ok_json(
        &path,
        &[
            "apps",
            "create",
            "--id",
            "later",
            "--key",
            "later-key",
            "--json",
        ],
    );
    let mut cached = server.connect("later-key").await;
    assert_eq!(cached.next().await["data"]["code"], 4001, "still cached");

    server.hangup();
    let log = poll(
        POLL_BOUND,
        || std::future::ready(server.stderr()),
        |log| log.contains("SIGHUP: app cache cleared"),
    )
    .await;
    assert!(log.contains("SIGHUP: app cache cleared"), "{log}");
    assert!(server.running(), "SIGHUP stopped the server: {log}");
    let (_welcomed, _) = server.connected("later-key").await;
}

/// Connects until the server refuses `key` with `code` (its app cache may still hold the old
/// answer for up to the TTL); returns the last error code seen.
async fn first_answer_code(server: &Server, key: &str, code: u64) -> u64 {
    let answer = move || async move {
        let frame = server.connect(key).await.next().await;
        frame["data"]["code"].as_u64().unwrap_or(0)
    };
    poll(POLL_BOUND, answer, |seen| *seen == code).await
}

/// Connects until the server welcomes `key` (the app cache may still remember a refusal).
async fn wait_for_welcome(server: &Server, key: &str) -> Client {
    let welcomed = move || async move {
        let mut client = server.connect(key).await;
        (client.next().await["event"] == "pusher:connection_established").then_some(client)
    };
    poll(POLL_BOUND, welcomed, Option::is_some)
        .await
        .unwrap_or_else(|| panic!("the server never accepted {key}"))
}

#[test]
fn apps_commands_and_their_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = store_config(dir.path(), &json!({"driver": "sqlite"}));
    // Before migrate, apps commands say what to do.
    let output = run(&path, &["apps", "list"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("sockudo migrate"),
        "{}",
        stderr(&output)
    );
    ok_json(&path, &["migrate", "--json"]);

    let created = ok_json(&path, &["apps", "create", "--json"]);
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(
        id.parse::<u32>().is_ok(),
        "generated ids are numeric like Pusher's: {id}"
    );
    assert_eq!(created["key"].as_str().unwrap().len(), 20);
    let shown = ok_json(&path, &["apps", "show", &id, "--json"]);
    assert_ne!(shown["secret"], created["secret"], "show masks the secret");
    let shown = ok_json(&path, &["apps", "show", &id, "--json", "--show-secrets"]);
    assert_eq!(shown["secret"], created["secret"]);

    let updated = ok_json(
        &path,
        &[
            "apps",
            "update",
            &id,
            "--name",
            "Shop",
            "--max-connections",
            "5",
            "--user-authentication",
            "true",
            "--add-webhook",
            "https://example.com/hook",
            "--webhook-events",
            "channel_occupied,member_added",
            "--json",
        ],
    );
    assert_eq!(updated["name"], "Shop");
    assert_eq!(updated["max_connections"], 5);
    assert_eq!(updated["enable_user_authentication"], true);
    assert_eq!(
        updated["webhooks"][0]["event_types"],
        json!(["channel_occupied", "member_added"])
    );
    let updated = ok_json(
        &path,
        &[
            "apps",
            "update",
            &id,
            "--max-connections",
            "none",
            "--remove-webhook",
            "https://example.com/hook",
            "--json",
        ],
    );
    assert_eq!(updated["max_connections"], Value::Null);
    assert_eq!(updated["webhooks"], json!([]));

    let rotated = ok_json(&path, &["apps", "rotate-secret", &id, "--json"]);
    assert_ne!(rotated["secret"], created["secret"]);
    assert_eq!(rotated["secret"].as_str().unwrap().len(), 40);

    let duplicate = run(&path, &["apps", "create", "--id", &id]);
    assert_eq!(duplicate.status.code(), Some(1));
    assert!(
        stderr(&duplicate).contains("already exists"),
        "{}",
        stderr(&duplicate)
    );
    let missing = run(&path, &["apps", "show", "nope"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("no app with id \"nope\""));
    let unconfirmed = run(&path, &["apps", "delete", &id]);
    assert_eq!(
        unconfirmed.status.code(),
        Some(2),
        "no --yes and no terminal"
    );
    assert_eq!(
        run(&path, &["apps", "update", &id, "--max-connections", "many"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(
            &path,
            &["apps", "update", &id, "--remove-webhook", "https://absent"]
        )
        .status
        .code(),
        Some(2)
    );
    assert_eq!(run(&path, &["apps", "frobnicate"]).status.code(), Some(2));
    assert!(
        ok_json(&path, &["apps", "show", &id, "--json"])["id"] == id.as_str(),
        "refused commands changed nothing"
    );

    let memory = dir.path().join("memory.json");
    std::fs::write(&memory, r#"{"app_manager": {"driver": "memory"}}"#).unwrap();
    let output = run(&memory, &["apps", "list"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("memory"));
}

#[test]
fn import_reads_sockudo_and_soketi_configs_and_our_export() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = store_config(dir.path(), &json!({"driver": "sqlite"}));
    ok(&path, &["migrate"]);
    let sockudo_config = dir.path().join("sockudo.json");
    std::fs::write(
        &sockudo_config,
        r#"{"port": 6001, "app_manager": {"driver": "memory", "array": {"apps": [
            {"id": "s1", "key": "sk1", "secret": "ss1", "enabled": "true", "max_connections": "100",
             "enable_client_messages": true, "webhooks": [{"url": "http://h/1", "event_types": ["channel_vacated"]}]}]}}}"#,
    )
    .unwrap();
    assert_eq!(
        ok_json(
            &path,
            &["apps", "import", sockudo_config.to_str().unwrap(), "--json"]
        )["created"],
        json!(["s1"])
    );
    let soketi_config = dir.path().join("soketi.json");
    std::fs::write(
        &soketi_config,
        r#"{"appManager": {"array": {"apps": [{"id": "k1", "key": "kk1", "secret": "ks1", "maxConnections": 7, "enableClientMessages": true}]}}}"#,
    )
    .unwrap();
    ok_json(
        &path,
        &["apps", "import", soketi_config.to_str().unwrap(), "--json"],
    );
    let s1 = ok_json(&path, &["apps", "show", "s1", "--json"]);
    assert_eq!(s1["max_connections"], 100);
    assert_eq!(s1["webhooks"][0]["url"], "http://h/1");
    assert_eq!(
        ok_json(&path, &["apps", "show", "k1", "--json"])["max_connections"],
        7
    );

    // Importing again conflicts and changes nothing; --overwrite updates.
    let again = run(&path, &["apps", "import", sockudo_config.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("--overwrite"));
    assert_eq!(
        ok_json(
            &path,
            &[
                "apps",
                "import",
                sockudo_config.to_str().unwrap(),
                "--overwrite",
                "--json"
            ]
        )["updated"],
        json!(["s1"])
    );

    // Export, then import into an empty store: the same apps, secrets included.
    let export = dir.path().join("export.json");
    let output = run(
        &path,
        &["apps", "export", "--output", export.to_str().unwrap()],
    );
    assert!(output.status.success());
    let other = tempfile::tempdir().unwrap();
    let (other_path, _) = store_config(other.path(), &json!({"driver": "sqlite"}));
    ok(&other_path, &["migrate"]);
    ok(&other_path, &["apps", "import", export.to_str().unwrap()]);
    let original = ok_json(&path, &["apps", "list", "--json", "--show-secrets"]);
    let copied = ok_json(&other_path, &["apps", "list", "--json", "--show-secrets"]);
    let strip = |apps: Value| -> Vec<Value> {
        apps.as_array()
            .unwrap()
            .iter()
            .map(|a| {
                let mut a = a.clone();
                a.as_object_mut()
                    .unwrap()
                    .retain(|k, _| k != "created_at" && k != "updated_at");
                a
            })
            .collect()
    };
    assert_eq!(strip(original), strip(copied));

    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, r#"{"apps": [{"id": "x"}]}"#).unwrap();
    let output = run(&path, &["apps", "import", broken.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("apps[0]"), "{}", stderr(&output));
}

#[tokio::test]
async fn serve_refuses_an_unreachable_store_and_clashing_apps() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let unreachable = dir.path().join("down.json");
    std::fs::write(&unreachable, json!({"app_manager": {"driver": "postgres"}, "database": {"url": format!("postgres://u:secret@127.0.0.1:{port}/db")}}).to_string()).unwrap();
    let output = sockudo()
        .arg("serve")
        .arg("--config")
        .arg(&unreachable)
        .env("PORT", "0")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("unavailable"),
        "{}",
        stderr(&output)
    );
    assert!(
        !stderr(&output).contains("secret@"),
        "no password in messages"
    );

    let (path, _) = store_config(dir.path(), &json!({"driver": "sqlite"}));
    ok(&path, &["migrate"]);
    ok(
        &path,
        &["apps", "create", "--id", "stored", "--key", "shared-key"],
    );
    let mut config: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    config["app_manager"]["array"] =
        json!({"apps": [{"id": "static", "key": "shared-key", "secret": "s"}]});
    std::fs::write(&path, config.to_string()).unwrap();
    let output = sockudo()
        .arg("serve")
        .arg("--config")
        .arg(&path)
        .env("PORT", "0")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("clashes"), "{}", stderr(&output));
}

#[test]
fn config_check_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/configs");
    let fixtures = |folder: &str| {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(folder))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("toml" | "json")
                )
            })
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no fixtures in {folder}");
        files
    };
    for file in fixtures("valid") {
        let output = sockudo()
            .args(["config", "check", "--strict", "--config"])
            .arg(&file)
            .env_clear()
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}: {}",
            file.display(),
            stderr(&output)
        );
    }
    for file in fixtures("invalid") {
        let expected = std::fs::read_to_string(file.with_extension("expect"))
            .unwrap_or_else(|_| panic!("{} needs a .expect file", file.display()));
        let output = sockudo()
            .args(["config", "check", "--strict", "--config"])
            .arg(&file)
            .env_clear()
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{}", file.display());
        for line in expected.lines().filter(|l| !l.trim().is_empty()) {
            assert!(
                stderr(&output).contains(line.trim()),
                "{}: expected {line:?} in {}",
                file.display(),
                stderr(&output)
            );
        }
    }
}

/// `config check --json` on a fixture: its exit code and report.
fn check_json(fixture: &str, strict: bool) -> (Option<i32>, Value) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/configs")
        .join(fixture);
    let mut command = sockudo();
    command
        .args(["config", "check", "--json", "--config"])
        .arg(&path)
        .env_clear();
    if strict {
        command.arg("--strict");
    }
    let output = command.output().unwrap();
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)));
    (output.status.code(), report)
}

#[test]
fn config_check_json_reports_each_problem_with_key_line_and_severity() {
    let (code, report) = check_json("invalid/impossible-limits.toml", false);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(report["valid"], json!(false));
    let problems = report["problems"].as_array().unwrap();
    let timeout = problems
        .iter()
        .find(|p| p["key"] == "activity_timeout")
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(timeout["line"], json!(1));
    assert_eq!(timeout["severity"], "error");
    assert!(timeout["message"]
        .as_str()
        .unwrap()
        .contains("must be greater than 0"));
    let messages = problems
        .iter()
        .find(|p| p["key"] == "websocket.max_messages");
    assert_eq!(messages.map(|p| &p["line"]), Some(&json!(4)), "{report}");

    // An unknown key is a warning, and an error with --strict.
    let (code, report) = check_json("invalid/unknown-key.toml", false);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["valid"], json!(true));
    let warning = &report["problems"][0];
    assert_eq!(
        (&warning["key"], &warning["line"], &warning["severity"]),
        (&json!("mystery_setting"), &json!(2), &json!("warning"))
    );
    let (code, report) = check_json("invalid/unknown-key.toml", true);
    assert_eq!(code, Some(1));
    assert_eq!(report["problems"][0]["severity"], "error");

    // A JSON config has no lines to name; its problems still name their keys.
    let (code, report) = check_json("invalid/unknown-driver.json", false);
    assert_eq!(code, Some(1));
    let driver = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == "app_manager.driver")
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(driver["line"], Value::Null);
}

#[test]
fn config_check_connect_reaches_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = store_config(dir.path(), &json!({"driver": "sqlite"}));
    let output = run(&path, &["config", "check", "--connect"]);
    assert_eq!(output.status.code(), Some(1), "schema missing");
    assert!(stderr(&output).contains("sockudo migrate"));
    ok(&path, &["migrate"]);
    let output = run(&path, &["config", "check", "--connect"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("app store answers"));

    // A bus nobody answers on is reported; a reachable Redis is confirmed for every use.
    let mut config: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    config["adapter"] = json!({"driver": "nats", "nats": {"servers": [format!("nats://127.0.0.1:{}", free_port())]}});
    std::fs::write(&path, config.to_string()).unwrap();
    let output = run(&path, &["config", "check", "--connect"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("adapter nats"),
        "{}",
        stderr(&output)
    );
    if let Ok(redis) = std::env::var("SOCKUDO_TEST_REDIS_URL") {
        config["adapter"] = json!({"driver": "redis"});
        config["queue"] = json!({"driver": "redis"});
        config["cache"] = json!({"driver": "redis"});
        config["database"]["redis"] = json!({"url": redis, "key_prefix": "check:"});
        std::fs::write(&path, config.to_string()).unwrap();
        let output = run(&path, &["config", "check", "--connect"]);
        assert!(output.status.success(), "{}", stderr(&output));
        let stdout = String::from_utf8_lossy(&output.stdout);
        for line in [
            "adapter redis answers",
            "webhook queue (redis) answers",
            "cache redis answers",
        ] {
            assert!(stdout.contains(line), "{line}: {stdout}");
        }
    }
}

#[test]
fn migrate_dry_run_prints_the_sql_and_applies_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = store_config(dir.path(), &json!({"driver": "sqlite"}));
    let output = run(&path, &["migrate", "--dry-run"]);
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("CREATE TABLE apps"));
    assert_eq!(
        ok_json(&path, &["migrate", "--status", "--json"])["pending"],
        json!(["0001_create_apps"])
    );
    ok(&path, &["migrate"]);
    assert!(
        String::from_utf8_lossy(&run(&path, &["migrate", "--dry-run"]).stdout)
            .contains("up to date")
    );
}

#[test]
fn completions_in_the_repository_are_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    for (shell, file) in [
        ("bash", "sockudo.bash"),
        ("zsh", "_sockudo"),
        ("fish", "sockudo.fish"),
        ("powershell", "_sockudo.ps1"),
        ("elvish", "sockudo.elv"),
    ] {
        let output = sockudo().args(["completions", shell]).output().unwrap();
        assert!(output.status.success());
        let committed = std::fs::read(root.join(file)).unwrap_or_default();
        assert!(
            committed == output.stdout,
            "completions/{file} is stale: run `sh completions/generate.sh`"
        );
    }
}

/// The pages `sockudo man` writes into `dir`, by file name.
fn man_pages(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect()
}

#[test]
fn man_pages_in_the_repository_are_fresh_and_cover_every_command() {
    let fresh = tempfile::tempdir().unwrap();
    let output = sockudo()
        .args(["man".as_ref(), fresh.path().as_os_str()])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let written = man_pages(fresh.path());
    for page in [
        "sockudo.1",
        "sockudo-serve.1",
        "sockudo-apps-create.1",
        "sockudo-config-check.1",
    ] {
        assert!(
            written.contains_key(page),
            "no {page}: {:?}",
            written.keys()
        );
    }
    let committed = man_pages(&Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/man"));
    assert!(
        committed == written,
        "docs/man is stale: run `sh completions/generate.sh`"
    );
}
