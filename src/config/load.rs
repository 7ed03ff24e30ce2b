//! Loading: defaults, then the file, then the environment; then validation. `serve` and
//! `config check` call the same [`load`], so what the check accepts is what the server runs.

use super::{env, Config};
use crate::app::App;
use std::path::Path;

/// The development app `serve` runs when no app is configured anywhere (config, environment or
/// store): client events and sign-in on, so every feature can be tried at once.
pub fn development_app() -> App {
    let mut app = App::new("app-id", "app-key", "app-secret");
    app.enable_client_messages = true;
    app.enable_user_authentication = true;
    app
}

#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    /// Keys the file had that we do not use, as dotted paths.
    pub unknown_keys: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read config file {path}: {source}")]
    Unreadable {
        path: String,
        source: std::io::Error,
    },
    #[error("config file {path} has unknown extension: use .toml or .json")]
    UnknownFormat { path: String },
    #[error("config file {path} is invalid:\n  - {}", .problems.join("\n  - "))]
    Syntax { path: String, problems: Vec<String> },
    #[error("invalid configuration:\n  - {}", .0.join("\n  - "))]
    Invalid(Vec<String>),
}

/// Loads the configuration from `file` (if any) and the environment seen through `lookup`.
pub fn load(file: Option<&Path>, lookup: env::Lookup) -> Result<Loaded, LoadError> {
    load_checked(file, lookup, &|_| Vec::new())
}

/// [`load`], with the problems `check` finds reported beside the config's own, all at once.
/// `serve` and `config check` pass the TLS file check here: reading certificates is the TLS
/// module's work, and config stays data.
pub fn load_checked(
    file: Option<&Path>,
    lookup: env::Lookup,
    check: &dyn Fn(&Config) -> Vec<String>,
) -> Result<Loaded, LoadError> {
    let parsed = match file {
        Some(path) => parse_file(path)?,
        None => (Config::default(), Vec::new()),
    };
    finish(parsed, lookup, check)
}

/// Test support for the `config` fuzz target (`fuzz/`), not an API: [`load`] of a file named
/// `config.{extension}` (`toml` or `json`) holding `text`, without touching the disk.
#[doc(hidden)]
pub fn load_text(text: &str, extension: &str, lookup: env::Lookup) -> Result<Loaded, LoadError> {
    let parsed = parse_text(text, &format!("config.{extension}"), Some(extension))?;
    finish(parsed, lookup, &|_| Vec::new())
}

/// The environment over the file's configuration, then validation.
fn finish(
    (mut config, unknown_keys): (Config, Vec<String>),
    lookup: env::Lookup,
    check: &dyn Fn(&Config) -> Vec<String>,
) -> Result<Loaded, LoadError> {
    let default_app = env::apply(&mut config, lookup).map_err(LoadError::Invalid)?;
    // Sockudo keeps Redis Cluster nodes under database.redis; ours live in adapter.cluster.nodes.
    if config.adapter.cluster.nodes.is_empty() {
        let redis = &config.database.redis;
        config.adapter.cluster.nodes = if redis.cluster_nodes.is_empty() {
            redis.cluster.nodes.clone()
        } else {
            redis.cluster_nodes.clone()
        };
    }
    if let Some(app) = default_app {
        // Added beside the config's apps, never replacing them; a clash is reported below.
        config.app_manager.array.apps.push(app);
    }
    let mut problems = config.problems();
    problems.extend(check(&config));
    if !problems.is_empty() {
        return Err(LoadError::Invalid(problems));
    }
    Ok(Loaded {
        config,
        unknown_keys,
    })
}

fn parse_file(path: &Path) -> Result<(Config, Vec<String>), LoadError> {
    let display = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Unreadable {
        path: display.clone(),
        source,
    })?;
    parse_text(&text, &display, path.extension().and_then(|e| e.to_str()))
}

/// Parses the text of a config file; `display` names it in errors, `extension` picks the format.
fn parse_text(
    text: &str,
    display: &str,
    extension: Option<&str>,
) -> Result<(Config, Vec<String>), LoadError> {
    let display = display.to_owned();
    let syntax = |problems: Vec<String>| LoadError::Syntax {
        path: display.clone(),
        problems,
    };
    let mut unknown = Vec::new();
    let mut note = |key: serde_ignored::Path| unknown.push(key.to_string());
    // The first attempt reads the text itself, so a TOML error names its line.
    let (first, tree) = match extension {
        Some("toml") => {
            let tree: toml::Table =
                toml::from_str(text).map_err(|e| syntax(vec![e.to_string()]))?;
            let deserializer =
                toml::Deserializer::parse(text).map_err(|e| syntax(vec![e.to_string()]))?;
            let attempt = serde_path_to_error::deserialize(serde_ignored::Deserializer::new(
                deserializer,
                &mut note,
            ));
            (
                attempt.map_err(describe),
                serde_json::to_value(tree).unwrap_or_default(),
            )
        }
        Some("json") => {
            let tree: serde_json::Value =
                serde_json::from_str(text).map_err(|e| syntax(vec![e.to_string()]))?;
            let mut deserializer = serde_json::Deserializer::from_str(text);
            let attempt = serde_path_to_error::deserialize(serde_ignored::Deserializer::new(
                &mut deserializer,
                &mut note,
            ));
            (attempt.map_err(describe), tree)
        }
        _ => return Err(LoadError::UnknownFormat { path: display }),
    };
    match first {
        Ok(config) => Ok((config, unknown)),
        Err((bad_path, message)) => {
            let is_toml = extension == Some("toml");
            let line_of = |path: &[String]| {
                if is_toml {
                    toml_line(text, path)
                } else {
                    None
                }
            };
            Err(syntax(every_problem(tree, bad_path, message, line_of)))
        }
    }
}

/// The line of `key` (a dotted path as problems name it, e.g. `app_manager.array.apps[0].secret`)
/// in a TOML document, for `config check --json`.
pub fn line_of_key(text: &str, key: &str) -> Option<usize> {
    let mut path = Vec::new();
    for part in key.split('.') {
        match part.find('[') {
            Some(at) => {
                path.push(part[..at].to_owned());
                path.push(part[at..].to_owned());
            }
            None => path.push(part.to_owned()),
        }
    }
    toml_line(text, &path)
}

/// The line of the value at `path` in a TOML document, for messages.
fn toml_line(text: &str, path: &[String]) -> Option<usize> {
    use toml::de::{DeTable, DeValue};
    let document = DeTable::parse(text).ok()?;
    let mut table = document.get_ref();
    let mut span = None;
    for (depth, segment) in path.iter().enumerate() {
        let value = match segment.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            Some(_) => return span.map(|s: std::ops::Range<usize>| line_at(text, s.start)),
            None => table.iter().find(|(key, _)| key.get_ref() == segment)?.1,
        };
        span = Some(value.span());
        match value.get_ref() {
            DeValue::Table(inner) if depth + 1 < path.len() => table = inner,
            _ => break,
        }
    }
    span.map(|s| line_at(text, s.start))
}

fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// A deserialisation error as (key path, "path: message").
fn describe<E: std::fmt::Display>(error: serde_path_to_error::Error<E>) -> (Vec<String>, String) {
    let path = error.path().clone();
    let segments = path.iter().map(|segment| segment.to_string()).collect();
    (segments, format!("{path}: {}", error.inner()))
}

/// After the first error, removes each offending key in turn and tries again, so one run reports
/// every wrong value, not just the first.
fn every_problem(
    mut tree: serde_json::Value,
    mut bad_path: Vec<String>,
    first: String,
    line_of: impl Fn(&[String]) -> Option<usize>,
) -> Vec<String> {
    const MAX_PROBLEMS: usize = 50;
    let mut problems = vec![first];
    while problems.len() < MAX_PROBLEMS && remove_path(&mut tree, &bad_path) {
        match serde_path_to_error::deserialize::<_, Config>(tree.clone()) {
            Ok(_) => break,
            Err(error) => {
                let (path, message) = describe(error);
                problems.push(match line_of(&path) {
                    Some(line) => format!("line {line}: {message}"),
                    None => message,
                });
                bad_path = path;
            }
        }
    }
    problems
}

/// Removes the value at `path` (segments as serde_path_to_error prints them); false if absent.
fn remove_path(tree: &mut serde_json::Value, path: &[String]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut node = tree;
    for segment in parents {
        let next = match node {
            serde_json::Value::Object(map) => map.get_mut(segment.as_str()),
            serde_json::Value::Array(list) => segment
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<usize>()
                .ok()
                .and_then(|i| list.get_mut(i)),
            _ => None,
        };
        match next {
            Some(next) => node = next,
            None => return false,
        }
    }
    match node {
        serde_json::Value::Object(map) => map.remove(last.as_str()).is_some(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::io::Write;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn write(ext: &str, text: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::Builder::new().suffix(ext).tempfile().unwrap();
        file.write_all(text.as_bytes()).unwrap();
        file
    }

    #[test]
    fn nothing_configured_means_defaults_and_no_apps() {
        let loaded = load(None, &no_env).unwrap();
        assert!(loaded.config.app_manager.array.apps.is_empty());
        assert_eq!(loaded.config.port, 6001);
        assert_eq!(loaded.config.app_manager.driver.as_str(), "sqlite");
    }

    #[test]
    fn sockudo_json_loads_unchanged_with_string_numbers() {
        let file = write(
            ".json",
            r#"{"host":"127.0.0.1","port":"7001","debug":true,"activity_timeout":"60",
               "shutdown_grace_period":3,"metrics":{"enabled":true,"host":"127.0.0.1","port":"9700"},
               "adapter":{"driver":"local"},"unix_socket":{"enabled":false},
               "app_manager":{"driver":"memory","array":{"apps":[
                 {"id":"a1","key":"k1","secret":"s1","enabled":true,"max_connections":"100",
                  "enable_client_messages":"true","webhooks":[]}]}}}"#,
        );
        let loaded = load(Some(file.path()), &no_env).unwrap();
        assert_eq!(loaded.config.port, 7001);
        assert_eq!(loaded.config.metrics.port, 9700);
        assert_eq!(loaded.config.activity_timeout, 60);
        let app = &loaded.config.app_manager.array.apps[0];
        assert_eq!(app.max_connections, Some(100));
        assert!(app.enable_client_messages);
        assert_eq!(loaded.unknown_keys, ["unix_socket"]);
    }

    #[test]
    fn toml_errors_name_the_line() {
        let file = write(".toml", "port = 6001\nactivity_timeout = \"soon\"\n");
        let message = load(Some(file.path()), &no_env).unwrap_err().to_string();
        assert!(message.contains("line 2"), "{message}");
        assert!(message.contains("expected a number"), "{message}");
    }

    #[test]
    fn environment_overrides_file_and_adds_the_default_app() {
        let file = write(
            ".toml",
            "port = 7000\n[[app_manager.array.apps]]\nid = \"a\"\nkey = \"ka\"\nsecret = \"sa\"\n",
        );
        let env: HashMap<&str, &str> = [
            ("PORT", "7100"),
            ("SOCKUDO_DEFAULT_APP_ID", "b"),
            ("SOCKUDO_DEFAULT_APP_KEY", "kb"),
            ("SOCKUDO_DEFAULT_APP_SECRET", "sb"),
            ("SOCKUDO_DEFAULT_APP_ENABLE_CLIENT_MESSAGES", "true"),
        ]
        .into();
        let lookup = |name: &str| env.get(name).map(|v| v.to_string());
        let loaded = load(Some(file.path()), &lookup).unwrap();
        assert_eq!(loaded.config.port, 7100);
        let apps = &loaded.config.app_manager.array.apps;
        assert_eq!(apps.len(), 2);
        assert!(apps[1].enable_client_messages);
    }

    #[test]
    fn a_default_app_clashing_with_the_file_is_an_error() {
        let file = write(
            ".json",
            r#"{"app_manager":{"array":{"apps":[{"id":"a","key":"k","secret":"s"}]}}}"#,
        );
        let env: HashMap<&str, &str> = [
            ("SOCKUDO_DEFAULT_APP_ID", "b"),
            ("SOCKUDO_DEFAULT_APP_KEY", "k"),
            ("SOCKUDO_DEFAULT_APP_SECRET", "s2"),
        ]
        .into();
        let lookup = |name: &str| env.get(name).map(|v| v.to_string());
        let message = load(Some(file.path()), &lookup).unwrap_err().to_string();
        assert!(message.contains("share the key"), "{message}");
    }

    /// `config/config.toml` documents every key with its default; keep the two in step.
    #[test]
    fn the_documented_config_is_exactly_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/config.toml");
        let documented = load(Some(&path), &no_env).unwrap();
        assert!(
            documented.unknown_keys.is_empty(),
            "{:?}",
            documented.unknown_keys
        );
        let defaults = load(None, &no_env).unwrap();
        let defaults = serde_json::to_value(&defaults.config).unwrap();
        assert_eq!(serde_json::to_value(&documented.config).unwrap(), defaults);
        // Every key appears in the file, set or commented out.
        let text = std::fs::read_to_string(&path).unwrap();
        let mut missing = Vec::new();
        let mut stack = vec![(String::new(), defaults)];
        while let Some((prefix, value)) = stack.pop() {
            match value {
                serde_json::Value::Object(map) if !map.is_empty() => {
                    stack.extend(map.into_iter().map(|(k, v)| (format!("{prefix}.{k}"), v)));
                }
                _ => {
                    let key = prefix.rsplit('.').next().unwrap_or_default().to_owned();
                    if !text.contains(&format!("{key} =")) && !text.contains(&format!("{key}:")) {
                        missing.push(prefix);
                    }
                }
            }
        }
        assert!(missing.is_empty(), "undocumented keys: {missing:?}");

        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/config.json");
        let example = load(Some(&example), &no_env).unwrap();
        assert!(
            example.unknown_keys.is_empty(),
            "{:?}",
            example.unknown_keys
        );
        assert_eq!(example.config.app_manager.array.apps.len(), 1);
    }

    #[test]
    fn sockudo_redis_cluster_nodes_and_bus_prefixes_are_taken() {
        let file = write(
            ".json",
            r#"{"adapter":{"driver":"nats","nats":{"servers":["nats://127.0.0.1:4222"],"prefix":"eu_"},
                "cluster":{"prefix":"rc_"}},
                "database":{"redis":{"cluster_nodes":[{"host":"10.0.0.1","port":"7000"},
                "redis://10.0.0.2:7001"],"cluster":{"nodes":[{"host":"unused","port":1}]}}}}"#,
        );
        let loaded = load(Some(file.path()), &no_env).unwrap();
        assert!(loaded.unknown_keys.is_empty(), "{:?}", loaded.unknown_keys);
        let config = loaded.config;
        assert_eq!(
            config.adapter.cluster.nodes,
            ["redis://10.0.0.1:7000", "redis://10.0.0.2:7001"]
        );
        assert_eq!(config.adapter.bus_prefix("k:"), "eu_");
        let mut adapter = config.adapter.clone();
        adapter.driver = "redis-cluster".into();
        assert_eq!(adapter.bus_prefix("k:"), "rc_");
        adapter.driver = "redis".into();
        assert_eq!(adapter.bus_prefix("k:"), "k:");
        adapter.prefix = "all_".into();
        assert_eq!(adapter.bus_prefix("k:"), "all_");

        // database.redis.cluster.nodes when cluster_nodes is empty; REDIS_CLUSTER_NODES first.
        let file = write(
            ".json",
            r#"{"database":{"redis":{"cluster":{"nodes":[{"host":"h","port":7002}]}}}}"#,
        );
        let loaded = load(Some(file.path()), &no_env).unwrap();
        assert_eq!(loaded.config.adapter.cluster.nodes, ["redis://h:7002"]);
        let env: HashMap<&str, &str> = [("REDIS_CLUSTER_NODES", "redis://e:1")].into();
        let lookup = |name: &str| env.get(name).map(|v| v.to_string());
        let loaded = load(Some(file.path()), &lookup).unwrap();
        assert_eq!(loaded.config.adapter.cluster.nodes, ["redis://e:1"]);
    }

    #[test]
    fn ssl_comes_from_sockudo_keys_and_env_and_the_file_check_sees_it() {
        let file = write(
            ".json",
            r#"{"ssl":{"enabled":"false","cert_path":"/etc/c.pem","key_path":"/etc/k.pem",
                "passphrase":null,"ca_path":null,"redirect_http":true,"http_port":"8080"}}"#,
        );
        let loaded = load(Some(file.path()), &no_env).unwrap();
        assert!(loaded.unknown_keys.is_empty(), "{:?}", loaded.unknown_keys);
        assert_eq!(loaded.config.ssl.http_port, 8080);
        let env: HashMap<&str, &str> = [
            ("SSL_ENABLED", "true"),
            ("SSL_CERT_PATH", "/nonexistent/cert.pem"),
            ("SSL_KEY_PATH", "/nonexistent/key.pem"),
            ("SSL_PASSPHRASE", " pass word "),
            ("SSL_CA_PATH", "/nonexistent/ca.pem"),
            ("SSL_REDIRECT_HTTP", "0"),
            ("SSL_HTTP_PORT", "8081"),
        ]
        .into();
        let lookup = |name: &str| env.get(name).map(|v| v.to_string());
        // The files are read by the TLS module (`tls::file_problems`, tested there and by the
        // bad-ssl fixture); the loader reports what the check it is given finds, with the env
        // already applied.
        let unreadable = |config: &Config| {
            vec![format!(
                "ssl.cert_path: cannot read {}",
                config.ssl.cert_path
            )]
        };
        let message = load_checked(Some(file.path()), &lookup, &unreadable)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("ssl.cert_path: cannot read /nonexistent/cert.pem"),
            "{message}"
        );
        let mut config = Config::default();
        env::apply(&mut config, &lookup).unwrap();
        assert_eq!(config.ssl.passphrase.as_deref(), Some(" pass word "));
        assert!(config.ssl.enabled && !config.ssl.redirect_http);
        assert_eq!(config.ssl.http_port, 8081);
        let bad = |name: &str| (name == "SSL_HTTP_PORT").then(|| "eighty".to_string());
        let message = load(None, &bad).unwrap_err().to_string();
        assert!(message.contains("SSL_HTTP_PORT"), "{message}");
    }

    #[test]
    fn broken_inputs_are_clear_errors() {
        let missing = load(Some(Path::new("/nonexistent/x.toml")), &no_env).unwrap_err();
        assert!(matches!(missing, LoadError::Unreadable { .. }));
        let yaml = write(".yaml", "a: 1");
        assert!(matches!(
            load(Some(yaml.path()), &no_env),
            Err(LoadError::UnknownFormat { .. })
        ));
        let bad_json = write(".json", "{\"port\": ");
        assert!(matches!(
            load(Some(bad_json.path()), &no_env),
            Err(LoadError::Syntax { .. })
        ));
        let bad_env = |name: &str| (name == "PORT").then(|| "abc".to_string());
        let message = load(None, &bad_env).unwrap_err().to_string();
        assert!(message.contains("PORT"), "{message}");
        let zero = write(".toml", "activity_timeout = 0\n");
        let message = load(Some(zero.path()), &no_env).unwrap_err().to_string();
        assert!(message.contains("activity_timeout"), "{message}");
    }
}
