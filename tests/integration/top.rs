//! `sockudo top`: the snapshot it reads matches the server, `--once --json` serves scripts, the
//! stats are protected, and the interactive dashboard runs in a real terminal (tmux).

use crate::support::*;
use serde_json::{json, Value};
use std::time::Duration;

fn top_once(server: &Server, extra: &[&str]) -> std::process::Output {
    sockudo()
        .args([
            "top",
            "--once",
            "--json",
            "--url",
            &format!("http://127.0.0.1:{}", server.metrics_port),
        ])
        .args(extra)
        .output()
        .unwrap()
}

#[tokio::test]
async fn once_json_reports_the_live_numbers() {
    let server = Server::start().await;
    let (mut a, a_id) = server.connected("key-1").await;
    let (mut b, _) = server.connected("key-1").await;
    let (_idle, _) = server.connected("key-2").await;
    a.subscribe("news").await;
    b.subscribe("news").await;
    a.subscribe_signed(&a_id, "presence-room", Some(r#"{"user_id":"u1"}"#))
        .await;
    for i in 0..5 {
        server
            .api(
                APP1,
                "POST",
                "/events",
                &[],
                Some(&json!({"name": "e", "channel": "news", "data": i.to_string()})),
            )
            .await;
    }
    for _ in 0..5 {
        b.expect_event("e").await;
    }
    let output = top_once(&server, &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let snapshot: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(snapshot["connections"], 3);
    assert_eq!(snapshot["nodes"], 1);
    let news = snapshot["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "news")
        .unwrap();
    assert_eq!(news["subscribers"], 2);
    assert_eq!(news["messages"], 5);
    let room = snapshot["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "presence-room")
        .unwrap();
    assert_eq!(
        (room["kind"].as_str(), room["members"].as_u64()),
        (Some("presence"), Some(1))
    );
    let app1 = snapshot["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "app-1")
        .unwrap();
    assert_eq!(app1["connections"], 2);
    // The totals agree with /metrics.
    let metrics = server.metrics().await;
    assert_eq!(
        snapshot["totals"]["messages_out"].as_f64().unwrap(),
        metric(&metrics, "sockudo_ws_messages_sent_total{app_id=\"app-1\"}")
            + metric(&metrics, "sockudo_ws_messages_sent_total{app_id=\"app-2\"}")
    );
    assert_eq!(snapshot["totals"]["connections"], 3);
}

#[tokio::test]
async fn a_stats_token_is_required_when_configured() {
    let mut config = default_config();
    config["metrics"] = json!({"stats_token": "s3cret"});
    let server = Server::with_config(config).await;
    let refused = top_once(&server, &[]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("401"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(top_once(&server, &["--token", "wrong"]).status.code() == Some(1));
    assert!(top_once(&server, &["--token", "s3cret"]).status.success());
    let unreachable = sockudo()
        .args([
            "top",
            "--once",
            "--url",
            &format!("http://127.0.0.1:{}", free_port()),
        ])
        .output()
        .unwrap();
    assert_eq!(unreachable.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unreachable.stderr).contains("connection refused"));
}

/// Runs the dashboard in a detached tmux session, waits for the channel to show, presses `q`.
#[tokio::test]
async fn the_dashboard_shows_channels_and_quits_cleanly_in_a_terminal() {
    let server = Server::start().await;
    let (mut client, _) = server.connected("key-1").await;
    client.subscribe("dashboard-channel").await;
    let session = format!("sockudo-top-{}", std::process::id());
    let status_file = tempfile::NamedTempFile::new().unwrap();
    let command = format!(
        "{} top --url http://127.0.0.1:{} --interval 0.2; echo $? > {}",
        env!("CARGO_BIN_EXE_sockudo"),
        server.metrics_port,
        status_file.path().display()
    );
    let tmux = |args: &[&str]| {
        std::process::Command::new("tmux")
            .args(args)
            .output()
            .unwrap()
    };
    assert!(tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "120",
        "-y",
        "30",
        &command
    ])
    .status
    .success());
    let screen = || {
        String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", &session]).stdout).into_owned()
    };
    let mut seen = String::new();
    for _ in 0..100 {
        tmux(&["send-keys", "-t", &session, "Tab"]);
        tokio::time::sleep(Duration::from_millis(100)).await;
        seen = screen();
        if seen.contains("dashboard-channel") {
            break;
        }
    }
    assert!(seen.contains("dashboard-channel"), "screen:\n{seen}");
    assert!(seen.contains("live"), "screen:\n{seen}");
    tmux(&["send-keys", "-t", &session, "q"]);
    let status_path = status_file.path();
    let read_status =
        move || async move { std::fs::read_to_string(status_path).unwrap_or_default() };
    let code = poll(POLL_BOUND, read_status, |code| !code.trim().is_empty()).await;
    tmux(&["kill-session", "-t", &session]);
    assert_eq!(code.trim(), "0", "top exits 0 on q");
}
