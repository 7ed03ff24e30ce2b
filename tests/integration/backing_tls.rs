//! TLS to the backing services, against the TLS-enabled Redis, NATS, PostgreSQL and MariaDB that
//! `scripts/test.sh` starts with a CA made at run time (`SOCKUDO_TEST_TLS_CA`): sockudo connects
//! and verifies the server's certificate, and refuses a server whose certificate another CA
//! signed (`SOCKUDO_TEST_TLS_OTHER_CA`) with an error that says so.

use crate::databases::{fresh, Kind};
use crate::support::*;
use std::process::Output;

/// A variable `scripts/test.sh` sets, or None (a skip) outside CI.
fn service(variable: &str) -> Option<String> {
    match std::env::var(variable) {
        Ok(value) => Some(value),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("{variable} is not set: run the suite with scripts/test.sh")
        }
        Err(_) => {
            eprintln!("skipping: {variable} is not set (scripts/test.sh sets it)");
            None
        }
    }
}

/// `sockudo` with only `env` (and PATH) in its environment.
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = sockudo();
    command.args(args).env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    command.envs(env.iter().copied()).output().unwrap()
}

/// The TLS URL in `variable`, the CA that signed its certificate, and one that did not.
fn tls_service(variable: &str) -> Option<(String, String, String)> {
    Some((
        service(variable)?,
        service("SOCKUDO_TEST_TLS_CA")?,
        service("SOCKUDO_TEST_TLS_OTHER_CA")?,
    ))
}

fn says_certificate(output: &Output) -> bool {
    let text = String::from_utf8_lossy(&output.stderr).to_lowercase();
    text.contains("certificate") || text.contains("unknownissuer")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `config check --connect` with `env`: it passes, printing each of `answered`, when
/// `SSL_CERT_FILE` is the CA that signed the services' certificates, and fails naming the
/// certificate when it is `other`.
fn trusts_only_its_ca(env: &[(&str, &str)], ca: &str, other: &str, answered: &[&str]) {
    let with = |ca: &str| {
        let mut env = env.to_vec();
        env.push(("SSL_CERT_FILE", ca));
        run(&["config", "check", "--connect"], &env)
    };
    let output = with(ca);
    assert!(output.status.success(), "{}", stderr(&output));
    for answered in answered {
        assert!(stdout(&output).contains(answered), "{}", stdout(&output));
    }
    let output = with(other);
    assert_eq!(output.status.code(), Some(1));
    assert!(says_certificate(&output), "{}", stderr(&output));
}

#[test]
fn redis_over_tls_serves_every_redis_user_and_refuses_an_unknown_ca() {
    let Some((url, ca, other)) = tls_service("SOCKUDO_TEST_REDIS_TLS_URL") else {
        return;
    };
    let env = [
        ("APP_MANAGER_DRIVER", "memory"),
        ("ADAPTER_DRIVER", "redis"),
        ("CACHE_DRIVER", "redis"),
        ("QUEUE_DRIVER", "redis"),
        ("REDIS_URL", url.as_str()),
    ];
    let answered = [
        "adapter redis answers",
        "webhook queue (redis) answers",
        "cache redis answers",
    ];
    trusts_only_its_ca(&env, &ca, &other, &answered);
}

#[test]
fn redis_cluster_over_tls_joins_and_refuses_an_unknown_ca() {
    let Some((nodes, ca, other)) = tls_service("SOCKUDO_TEST_REDIS_CLUSTER_TLS_NODES") else {
        return;
    };
    let env = [
        ("APP_MANAGER_DRIVER", "memory"),
        ("ADAPTER_DRIVER", "redis-cluster"),
        ("CACHE_DRIVER", "redis-cluster"),
        ("REDIS_CLUSTER_NODES", nodes.as_str()),
    ];
    let answered = [
        "adapter redis-cluster answers",
        "cache redis-cluster answers",
    ];
    trusts_only_its_ca(&env, &ca, &other, &answered);
}

#[test]
fn nats_over_tls_joins_and_refuses_an_unknown_ca() {
    let Some((url, ca, other)) = tls_service("SOCKUDO_TEST_NATS_TLS_URL") else {
        return;
    };
    let env = [
        ("APP_MANAGER_DRIVER", "memory"),
        ("ADAPTER_DRIVER", "nats"),
        ("NATS_URL", url.as_str()),
    ];
    trusts_only_its_ca(&env, &ca, &other, &["adapter nats answers"]);
}

/// `sockudo migrate` and `config check --connect` on a fresh database of `kind` over TLS with
/// `mode`, verified against `ca`.
fn sql_over_tls(kind: Kind, url: &str, mode: &str, ca: &str) -> (Output, Output) {
    let (driver, prefix) = match kind {
        Kind::Postgres => ("postgres", "DATABASE_POSTGRES"),
        Kind::Mysql => ("mysql", "DATABASE_MYSQL"),
    };
    let (url_key, mode_key, ca_key) = (
        format!("{prefix}_URL"),
        format!("{prefix}_SSL_MODE"),
        format!("{prefix}_CA_PATH"),
    );
    let env = [
        ("APP_MANAGER_DRIVER", driver),
        (url_key.as_str(), url),
        (mode_key.as_str(), mode),
        (ca_key.as_str(), ca),
    ];
    let migrated = run(&["migrate"], &env);
    let checked = run(&["config", "check", "--connect"], &env);
    (migrated, checked)
}

async fn sql_case(kind: Kind, mode: &str) {
    let (Some(url), Some(ca), Some(other)) = (
        fresh(kind).await,
        service("SOCKUDO_TEST_TLS_CA"),
        service("SOCKUDO_TEST_TLS_OTHER_CA"),
    ) else {
        return;
    };
    let (migrated, checked) = sql_over_tls(kind, &url, mode, &ca);
    assert!(migrated.status.success(), "{kind:?}: {}", stderr(&migrated));
    assert!(checked.status.success(), "{kind:?}: {}", stderr(&checked));
    assert!(stdout(&checked).contains("app store answers"));
    let (migrated, _) = sql_over_tls(kind, &url, mode, &other);
    assert_eq!(
        migrated.status.code(),
        Some(1),
        "{kind:?}: another CA must be refused"
    );
    assert!(
        says_certificate(&migrated),
        "{kind:?}: {}",
        stderr(&migrated)
    );
}

#[tokio::test]
async fn postgres_over_verified_tls_and_an_unknown_ca_refused() {
    sql_case(Kind::Postgres, "verify-full").await;
}

#[tokio::test]
async fn mysql_over_verified_tls_and_an_unknown_ca_refused() {
    sql_case(Kind::Mysql, "VERIFY_IDENTITY").await;
}
