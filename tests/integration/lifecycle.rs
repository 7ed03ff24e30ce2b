//! Start-up, configuration errors, metrics that follow real state, and graceful shutdown.

use crate::support::*;
use serde_json::json;
use std::io::Write;

#[tokio::test]
async fn sigterm_closes_sockets_with_4200_and_exits_cleanly() {
    let server = Server::start().await;
    let (mut a, _) = server.connected("key-1").await;
    let (mut b, _) = server.connected("key-2").await;
    let status = server.terminate().await;
    assert!(status.success(), "{status}");
    assert_eq!(a.ended().await, Ended::Closed(Some(4200)));
    assert_eq!(b.ended().await, Ended::Closed(Some(4200)));
}

#[tokio::test]
async fn connected_gauge_and_counters_follow_real_connections() {
    let server = Server::start().await;
    let mut clients = Vec::new();
    for _ in 0..20 {
        clients.push(server.connected("key-1").await.0);
    }
    let metrics = server.metrics().await;
    assert_eq!(metric(&metrics, "sockudo_connected"), 20.0, "{metrics}");
    assert_eq!(
        metric(&metrics, "sockudo_new_connections_total{app_id=\"app-1\"}"),
        20.0
    );
    for client in &mut clients {
        client.send(json!({"event": "pusher:ping"})).await;
        client.next().await;
    }
    drop(clients);
    let connected = eventually_metric(&server, "sockudo_connected", 0.0).await;
    assert_eq!(connected, 0.0);
    let metrics = server.metrics().await;
    assert_eq!(
        metric(&metrics, "sockudo_disconnections_total{app_id=\"app-1\"}"),
        20.0
    );
    assert!(
        metric(
            &metrics,
            "sockudo_ws_messages_received_total{app_id=\"app-1\"}"
        ) >= 20.0
    );
    server
        .api(
            APP1,
            "POST",
            "/events",
            &[],
            Some(&json!({"name": "e", "channel": "c", "data": "d"})),
        )
        .await;
    let metrics = server.metrics().await;
    assert_eq!(
        metric(
            &metrics,
            "sockudo_http_calls_total{route=\"/apps/{app_id}/events\",status=\"200\"}"
        ),
        1.0,
        "{metrics}"
    );
}

fn config_file(ext: &str, text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new().suffix(ext).tempfile().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    file
}

#[test]
fn broken_configs_exit_1_with_a_clear_message() {
    let cases = [
        (".json", "{\"port\": ", "invalid"),
        (".toml", "port = \"not a port\"\n", "port"),
        (".toml", "activity_timeout = 0\n", "activity_timeout"),
        (
            ".json",
            r#"{"app_manager":{"array":{"apps":[{"id":"a","key":"k","secret":"s"},{"id":"a","key":"k2","secret":"s"}]}}}"#,
            "share the id",
        ),
        (
            ".json",
            r#"{"adapter":{"driver":"carrier-pigeon"}}"#,
            "adapter.driver",
        ),
    ];
    for (ext, text, needle) in cases {
        let file = config_file(ext, text);
        let output = sockudo()
            .args(["serve", "--config"])
            .arg(file.path())
            .env("PORT", "0")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{text}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
    let output = sockudo()
        .args(["serve", "--config", "/no/such/file.toml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read config file"));
    let output = sockudo()
        .args(["serve", "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "usage errors exit 2");
}

#[test]
fn config_check_uses_the_serve_loader() {
    let good = config_file(
        ".json",
        r#"{"port": "7001", "unix_socket": {"enabled": false}}"#,
    );
    let output = sockudo()
        .args(["config", "check", "--config"])
        .arg(good.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("valid") && stdout.contains("unix_socket"),
        "{stdout}"
    );
    let bad = config_file(".toml", "port = 70000\n");
    let output = sockudo()
        .args(["config", "check", "--config"])
        .arg(bad.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
}

#[tokio::test]
async fn with_nothing_configured_the_development_app_serves_and_says_so() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let mut child = serve_in(dir.path(), port)
        .env("HOST", "127.0.0.1")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut up = false;
    for _ in 0..200 {
        if reqwest::get(format!("http://127.0.0.1:{port}/up/app-id"))
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    assert!(up, "development app not served");
    assert!(String::from_utf8_lossy(&output.stderr).contains("development app"));
    // The embedded default store was created in the working directory.
    assert!(dir.path().join("sockudo.db").exists());
}

#[tokio::test]
async fn the_default_app_from_the_environment_joins_the_configured_apps() {
    let env = [
        ("SOCKUDO_DEFAULT_APP_ID", "env-app"),
        ("SOCKUDO_DEFAULT_APP_KEY", "env-key"),
        ("SOCKUDO_DEFAULT_APP_SECRET", "env-secret"),
    ];
    let server = Server::with_config_and_env(default_config(), &env).await;
    server.connected("env-key").await;
    server.connected("key-1").await;
}

/// The gauges that come from live state: connections, subscriptions, channels by type.
fn live_gauges(metrics: &str) -> [f64; 5] {
    [
        metric(metrics, "sockudo_connected"),
        metric(metrics, "sockudo_subscriptions"),
        metric(metrics, "sockudo_channels{type=\"public\"}"),
        metric(metrics, "sockudo_channels{type=\"presence\"}"),
        metric(metrics, "sockudo_channels{type=\"private\"}"),
    ]
}

#[tokio::test]
async fn gauges_return_exactly_to_their_start_after_1000_connect_disconnect_cycles() {
    let server = Server::start().await;
    let start = live_gauges(&server.metrics().await);
    assert_eq!(start, [0.0; 5]);
    let server = &server;
    for round in 0..20 {
        let clients = futures_util::future::join_all((0..50).map(|i| async move {
            let (mut client, socket_id) = server.connected("key-1").await;
            client.subscribe(&format!("chat-{}", i % 5)).await;
            // Three users (the app allows 3 members), several sockets each.
            let user = format!(r#"{{"user_id":"u{}"}}"#, i % 3);
            client
                .subscribe_signed(&socket_id, "presence-room", Some(&user))
                .await;
            client.subscribe_signed(&socket_id, "private-x", None).await;
            client
        }))
        .await;
        if round == 0 {
            // While they are connected the gauges count them, so the test can fail.
            let during = live_gauges(&server.metrics().await);
            assert_eq!(during, [50.0, 150.0, 5.0, 1.0, 1.0]);
        }
        drop(clients);
    }
    let mut now = [-1.0; 5];
    for _ in 0..200 {
        now = live_gauges(&server.metrics().await);
        if now == start {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(now, start);
    let metrics = server.metrics().await;
    assert_eq!(
        metric(&metrics, "sockudo_disconnections_total{app_id=\"app-1\"}"),
        1000.0
    );
    assert!(metric(&metrics, "sockudo_process_resident_memory_bytes") > 0.0);
    assert!(metric(&metrics, "sockudo_process_open_fds") > 0.0);
}

/// Logs read by machines (journald, `docker logs`, files) carry no terminal colour codes.
#[tokio::test]
async fn logs_off_a_terminal_carry_no_colour_codes() {
    let mut server = Server::start().await;
    let log = server.stderr();
    assert!(log.contains("sockudo listening"), "{log}");
    assert!(
        !log.contains('\u{1b}'),
        "colour codes in a log file: {log:?}"
    );
}

#[tokio::test]
async fn under_systemd_serve_notifies_ready_once_listening_and_stopping_on_sigterm() {
    use std::os::unix::net::UnixDatagram;
    let dir = tempfile::tempdir().unwrap();
    let socket_path = dir.path().join("notify.sock");
    let systemd = UnixDatagram::bind(&socket_path).unwrap();
    systemd
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let port = free_port();
    let mut child = serve_in(dir.path(), port)
        .env("HOST", "127.0.0.1")
        .env("NOTIFY_SOCKET", &socket_path)
        .spawn()
        .unwrap();
    let mut message = [0u8; 64];
    let read = systemd
        .recv(&mut message)
        .expect("READY=1 within the bound");
    assert_eq!(&message[..read], b"READY=1");
    // Ready means listening: the first request is answered.
    let up = reqwest::get(format!("http://127.0.0.1:{port}/up"))
        .await
        .unwrap();
    assert_eq!(up.status(), 200);
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let read = systemd
        .recv(&mut message)
        .expect("STOPPING=1 within the bound");
    assert_eq!(&message[..read], b"STOPPING=1");
    assert!(child.wait().unwrap().success());
}
