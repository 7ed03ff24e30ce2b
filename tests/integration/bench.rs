//! `sockudo bench`: its measurement code on its own (histogram merge across workers, lost and
//! duplicate detection, signing), then every scenario run briefly against a real server, checking
//! the JSON it prints. No assertion depends on how fast anything was.

#[allow(dead_code)]
#[path = "../../commands/bench/histogram.rs"]
mod histogram;
#[allow(dead_code)]
#[path = "../../commands/bench/sign.rs"]
mod sign;
#[allow(dead_code)]
#[path = "../../commands/bench/tracker.rs"]
mod tracker;

use crate::support::*;
use histogram::Latency;
use serde_json::Value;
use std::process::Output;

#[test]
fn histograms_merge_across_workers_exactly() {
    let mut one = Latency::new();
    let mut two = Latency::new();
    let mut all = Latency::new();
    for v in 1..=5_000u64 {
        let micros = v * 37 % 90_000 + 1;
        if v % 3 == 0 { &mut one } else { &mut two }.record_micros(micros);
        all.record_micros(micros);
    }
    // As a worker ships them: JSON with the V2 encoding in base64.
    let shipped = serde_json::to_string(&(one.clone(), two.clone())).unwrap();
    let (one_back, two_back): (Latency, Latency) = serde_json::from_str(&shipped).unwrap();
    assert_eq!(one_back.summary(), one.summary());
    let mut merged = Latency::new();
    merged.merge(&one_back);
    merged.merge(&two_back);
    assert_eq!(merged.summary(), all.summary());
    assert_eq!(merged.summary().count, 5_000);
    assert!(Latency::decode("not base64!").is_err());
}

#[test]
fn percentiles_come_from_the_recorded_values() {
    let mut latency = Latency::new();
    for ms in 1..=100u64 {
        latency.record_micros(ms * 1000);
    }
    let s = latency.summary();
    assert_eq!(s.count, 100);
    assert!((s.p50_ms - 50.0).abs() < 0.1, "{s:?}");
    assert!((s.p99_ms - 99.0).abs() < 0.1, "{s:?}");
    assert!((s.max_ms - 100.0).abs() < 0.1, "{s:?}");
}

#[test]
fn sequence_numbers_tell_lost_from_duplicated() {
    let mut seen = tracker::Seen::default();
    for seq in [0, 1, 2, 2, 5, 130, 1, 64] {
        seen.record(seq);
    }
    assert_eq!(seen.unique, 6);
    assert_eq!(seen.duplicates, 2);
    // (subscribers, accepted, unique received) per channel.
    assert_eq!(tracker::lost(&[(3, 10, 30), (2, 10, 17), (1, 4, 0)]), 3 + 4);
    // An extra message on one channel does not hide a loss on another.
    assert_eq!(tracker::lost(&[(1, 10, 11), (1, 10, 9)]), 1);
}

#[test]
fn payload_carries_sequence_and_send_time() {
    let data = tracker::payload(42, 1_700_000_000_123_456, 200);
    assert_eq!(data.len(), 200);
    assert!(data
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'=' || b == b';'));
    let frame = format!(r#"{{"event":"bench-tick","channel":"bench=1","data":"{data}"}}"#);
    assert_eq!(
        tracker::parse_frame(frame.as_bytes()),
        Some((42, 1_700_000_000_123_456))
    );
    let short = tracker::payload(7, 9, 1);
    assert_eq!(short, "s=7;t=9;p=");
    assert_eq!(
        tracker::parse_frame(br#"{"event":"pusher:ping","data":"{}"}"#),
        None
    );
    assert_eq!(tracker::parse_frame(br#"{"data":"s=;t=1"}"#), None);
}

#[test]
fn publishes_are_signed_like_the_sdks() {
    // The vector from the Pusher documentation (docs/protocol.md).
    let body = r#"{"name":"foo","channels":["project-3"],"data":"{\"some\":\"data\"}"}"#;
    let path = sign::signed_events_path(
        "3",
        "278d425bdf160c739803",
        "7ad3773142a6692b25b8",
        body.as_bytes(),
        1353088179,
    );
    assert!(path.starts_with("/apps/3/events?auth_key=278d425bdf160c739803&"));
    assert!(path.contains("body_md5=ec365a775a4cd0599faeb73354201b6f"));
    assert!(path.ends_with(
        "&auth_signature=da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c"
    ));
    let data = r#"{"user_id":10,"user_info":{"name":"Mr. Channels"}}"#;
    assert_eq!(
        sign::channel_auth(
            "278d425bdf160c739803",
            "7ad3773142a6692b25b8",
            "1234.1234",
            "presence-foobar",
            Some(data)
        ),
        "278d425bdf160c739803:31935e7d86dba64c2a90aed31fdc61869f9b22ba9d8863bba239c03ca481bc80"
    );
}

const APP2: [&str; 6] = [
    "--app-id", "app-2", "--key", "key-2", "--secret", "secret-2",
];

fn bench_with(server: &Server, app: &[&str], args: &[&str]) -> Output {
    sockudo()
        .arg("bench")
        .args(["--url", &format!("http://127.0.0.1:{}", server.port)])
        .args(["--server-pid", &server.pid().to_string()])
        .args(["--json", "--ramp-timeout", "20"])
        .args(app)
        .args(args)
        .output()
        .unwrap()
}

/// Runs `sockudo bench ... --json` as app-2; asserts success and returns the report.
fn bench(server: &Server, args: &[&str]) -> Value {
    let output = bench_with(server, &APP2, args);
    assert!(
        output.status.success(),
        "bench {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "bench {args:?} printed no single JSON document ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn assert_all_subscribed(report: &Value, n: u64) {
    let c = &report["connections"];
    assert_eq!(c["subscribed"], n, "{report:#}");
    assert_eq!(c["failed"], 0, "{report:#}");
    assert_eq!(c["dropped"], 0, "{report:#}");
}

#[tokio::test]
async fn connect_opens_and_subscribes_every_socket() {
    let server = Server::start().await;
    let report = bench(
        &server,
        &["connect", "--connections", "50", "--channels", "5"],
    );
    assert_eq!(report["scenario"], "connect");
    assert_all_subscribed(&report, 50);
    assert_eq!(report["subscribe_ms"]["count"], 50);
    assert_eq!(report["connect_ms"]["count"], 50);
    assert_eq!(report["thresholds"]["passed"], true);
    assert!(report["server"]["rss_kib_after"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn idle_holds_sockets_and_reads_server_memory() {
    let server = Server::start().await;
    let report = bench(
        &server,
        &[
            "idle",
            "--connections",
            "30",
            "--channels",
            "3",
            "--duration",
            "1",
        ],
    );
    assert_all_subscribed(&report, 30);
    assert!(
        report["server"]["rss_kib_per_socket"].is_number(),
        "{report:#}"
    );
}

fn assert_fanout_exact(report: &Value, subscribers_per_channel: u64) {
    let accepted = report["publishes"]["accepted"].as_u64().unwrap();
    let d = &report["deliveries"];
    assert!(accepted > 0, "{report:#}");
    assert_eq!(report["publishes"]["failed"], 0, "{report:#}");
    assert_eq!(
        d["expected"],
        subscribers_per_channel * accepted,
        "{report:#}"
    );
    assert_eq!(d["delivered"], d["expected"], "{report:#}");
    assert_eq!(d["unique"], d["expected"], "{report:#}");
    assert_eq!(d["lost"], 0, "{report:#}");
    assert_eq!(d["duplicates"], 0, "{report:#}");
    assert_eq!(report["latency_ms"]["count"], d["delivered"], "{report:#}");
}

#[tokio::test]
async fn fanout_delivers_every_publish_to_every_subscriber() {
    let server = Server::start().await;
    let report = bench(
        &server,
        &[
            "fanout",
            "--subscribers",
            "20",
            "--channels",
            "4",
            "--rate",
            "20",
            "--duration",
            "1",
            "--max-lost",
            "0",
        ],
    );
    assert_all_subscribed(&report, 20);
    assert_fanout_exact(&report, 5);
    assert!(report["server"]["cpu_seconds_per_million_deliveries"].is_number());
    assert_eq!(report["cpu"]["bench_processes"], 1);
}

#[tokio::test]
async fn fanout_merges_worker_processes() {
    let server = Server::start().await;
    let report = bench(
        &server,
        &[
            "fanout",
            "--subscribers",
            "12",
            "--channels",
            "3",
            "--rate",
            "15",
            "--duration",
            "1",
            "--workers",
            "2",
            "--source-ips",
            "127.0.0.1-127.0.0.2",
        ],
    );
    assert_all_subscribed(&report, 12);
    assert_fanout_exact(&report, 4);
    assert_eq!(report["cpu"]["bench_processes"], 3);
    assert_eq!(report["subscribe_ms"]["count"], 12);
}

#[tokio::test]
async fn publish_counts_accepted_publishes() {
    let server = Server::start().await;
    let report = bench(
        &server,
        &["publish", "--concurrency", "4", "--duration", "1"],
    );
    assert_fanout_exact(&report, 1);
    assert!(report["http_ms"]["count"].as_u64().unwrap() > 0);
    assert!(
        report["errors"].as_object().unwrap().is_empty(),
        "{report:#}"
    );
}

#[tokio::test]
async fn churn_cycles_connections() {
    let server = Server::start().await;
    let report = bench(&server, &["churn", "--concurrency", "3", "--duration", "1"]);
    assert!(
        report["cycles"]["completed"].as_u64().unwrap() > 0,
        "{report:#}"
    );
    assert_eq!(report["cycles"]["failed"], 0, "{report:#}");
    assert_eq!(report["cycle_ms"]["count"], report["cycles"]["completed"]);
}

#[tokio::test]
async fn presence_churn_is_seen_by_the_watchers() {
    let server = Server::start().await;
    let report = bench(
        &server,
        &[
            "presence",
            "--concurrency",
            "2",
            "--channels",
            "2",
            "--duration",
            "1",
        ],
    );
    assert_all_subscribed(&report, 2);
    let completed = report["cycles"]["completed"].as_u64().unwrap();
    assert!(completed > 0, "{report:#}");
    assert_eq!(report["cycles"]["failed"], 0, "{report:#}");
    assert!(
        report["cycles"]["member_added"].as_u64().unwrap() > 0,
        "{report:#}"
    );
}

#[tokio::test]
async fn delta_reports_support_or_its_absence() {
    let server = Server::start().await;
    let output = bench_with(
        &server,
        &APP2,
        &[
            "delta",
            "--subscribers",
            "2",
            "--rate",
            "10",
            "--duration",
            "1",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.success() {
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert!(
            report["delta"]["messages"].as_u64().unwrap() > 0,
            "{report:#}"
        );
    } else {
        assert_eq!(output.status.code(), Some(1));
        assert!(stderr.contains("delta compression"), "{stderr}");
    }
}

#[tokio::test]
async fn refusals_and_missed_thresholds_exit_1_with_a_reason() {
    let server = Server::start().await;
    let wrong_key = ["--app-id", "app-2", "--key", "nope", "--secret", "secret-2"];
    let output = bench_with(&server, &wrong_key, &["connect", "--connections", "5"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("4001"), "{stderr}");

    let wrong_secret = ["--app-id", "app-2", "--key", "key-2", "--secret", "nope"];
    let output = bench_with(&server, &wrong_secret, &["publish", "--duration", "1"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("401"), "{stderr}");

    let output = bench_with(
        &server,
        &APP2,
        &[
            "fanout",
            "--subscribers",
            "2",
            "--rate",
            "10",
            "--duration",
            "1",
            "--max-p99-ms",
            "0.0001",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["thresholds"]["passed"], false);
    assert!(String::from_utf8_lossy(&output.stderr).contains("threshold missed"));

    let output = bench_with(&server, &APP2, &["churn", "--workers", "2"]);
    assert_eq!(output.status.code(), Some(2));
}
