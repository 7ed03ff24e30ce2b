//! The `aws` feature against moto's server mode (an AWS-compatible server from PyPI), which
//! `scripts/test.sh` runs and names in `SOCKUDO_TEST_AWS_ENDPOINT`: the SQS queue driver, Lambda
//! webhook targets, and the DynamoDB app store with credentials from a web identity token
//! (moto's STS); the store suite runs on DynamoDB in `stores.rs`. Moto cannot run a Lambda function here (that needs Docker), so its
//! Lambda runs without Docker: it accepts the invocation, and its request recorder shows what it
//! received. A local recorder standing in for Lambda checks retries and refusals.

use crate::support::*;
use crate::webhooks::{killed_node_jobs_are_delivered_once, occupy};
use axum::extract::{Path, State as Extract};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The moto endpoint, or None (and the test skips) outside `scripts/test.sh`.
pub fn moto() -> Option<String> {
    match std::env::var("SOCKUDO_TEST_AWS_ENDPOINT") {
        Ok(url) => Some(url.trim_end_matches('/').to_owned()),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("SOCKUDO_TEST_AWS_ENDPOINT is not set")
        }
        Err(_) => {
            eprintln!("skipping: SOCKUDO_TEST_AWS_ENDPOINT is not set (scripts/test.sh sets it)");
            None
        }
    }
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", hex::encode(rand::random::<[u8; 4]>()))
}

/// Moto reads the region from the credential scope and checks no signature (unless told to).
fn moto_authorization(service: &str) -> String {
    format!("AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0")
}

/// An SQS call in the JSON protocol.
async fn sqs(endpoint: &str, action: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{endpoint}/"))
        .header("Content-Type", "application/x-amz-json-1.0")
        .header("X-Amz-Target", format!("AmazonSQS.{action}"))
        .header("Authorization", moto_authorization("sqs"))
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "SQS {action}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

fn sqs_config(receiver_url: &str, endpoint: &str, queue_url: &str) -> Value {
    let mut config = default_config();
    config["app_manager"]["array"]["apps"][0]["webhooks"] =
        json!([{"url": receiver_url, "event_types": ["channel_occupied"]}]);
    config["queue"] = json!({"driver": "sqs", "sqs": {
        "queue_url": queue_url, "endpoint_url": endpoint, "region": "us-east-1",
        "access_key_id": "test", "secret_access_key": "test",
        "visibility_timeout": 5, "wait_time_seconds": 1
    }});
    config["webhooks"] = json!({"retry": {"initial_backoff_ms": 200, "max_backoff_ms": 1000}});
    config
}

async fn wait_for_metric(server: &Server, name: &str, at_least: f64) -> f64 {
    poll_metric(server, name, |value| value >= at_least).await
}

#[tokio::test]
async fn the_sqs_fifo_queue_survives_kill_9_and_nodes_share_it_without_duplicates() {
    let Some(endpoint) = moto() else { return };
    let created = sqs(
        &endpoint,
        "CreateQueue",
        json!({"QueueName": format!("{}.fifo", unique("sockudo")), "Attributes": {"FifoQueue": "true"}}),
    )
    .await;
    let queue_url = created["QueueUrl"].as_str().unwrap().to_owned();
    // Jobs of the killed node come back once their receipts lapse (the visibility timeout).
    let (receiver, node_b) =
        killed_node_jobs_are_delivered_once(|url| sqs_config(url, &endpoint, &queue_url)).await;
    // One URL is one message group: its requests went out one at a time, oldest first.
    let times: Vec<u64> = receiver
        .bodies()
        .iter()
        .filter(|b| {
            b["events"][0]["channel"]
                .as_str()
                .unwrap()
                .starts_with("node-b-")
        })
        .map(|b| b["time_ms"].as_u64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    // Everything delivered was deleted from the queue.
    let left = eventually_metric(&node_b, "sockudo_webhook_queue_depth", 0.0).await;
    assert_eq!(left, 0.0);
}

#[tokio::test]
async fn the_sqs_driver_refuses_to_start_on_a_missing_queue() {
    let Some(endpoint) = moto() else { return };
    let missing = format!("{endpoint}/123456789012/{}", unique("missing"));
    let config = sqs_config("http://127.0.0.1:9/hook", &endpoint, &missing);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    std::fs::write(&path, config.to_string()).unwrap();
    let [port, metrics_port] = free_ports();
    let output = sockudo()
        .args(["serve", "--config"])
        .arg(&path)
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("METRICS_HOST", "127.0.0.1")
        .env("METRICS_PORT", metrics_port.to_string())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("SQS GetQueueAttributes"), "{stderr}");
}

/// Sets up moto's Lambda: no Docker, a role, and a function named `name`.
async fn moto_function(endpoint: &str, name: &str) {
    let http = reqwest::Client::new();
    let configured = http
        .post(format!("{endpoint}/moto-api/config"))
        .json(&json!({"lambda": {"use_docker": false}}))
        .send()
        .await
        .unwrap();
    assert!(configured.status().is_success());
    let role = unique("sockudo-role");
    let created = http
        .post(format!("{endpoint}/"))
        .header("Authorization", moto_authorization("iam"))
        .form(&[
            ("Action", "CreateRole"),
            ("Version", "2010-05-08"),
            ("RoleName", role.as_str()),
            ("AssumeRolePolicyDocument", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#),
        ])
        .send()
        .await
        .unwrap();
    let text = created.text().await.unwrap();
    let arn = text
        .split("<Arn>")
        .nth(1)
        .and_then(|rest| rest.split("</Arn>").next())
        .unwrap_or_else(|| panic!("no role ARN in {text}"))
        .to_owned();
    // A zip holding index.py (stored, not compressed), as CreateFunction wants one.
    let zip = zip_with(
        "index.py",
        b"def handler(event, context):\n    return event\n",
    );
    let function = http
        .post(format!("{endpoint}/2015-03-31/functions"))
        .header("Authorization", moto_authorization("lambda"))
        .json(&json!({
            "FunctionName": name, "Runtime": "python3.11", "Role": arn, "Handler": "index.handler",
            "Code": {"ZipFile": base64::engine::general_purpose::STANDARD.encode(zip)}
        }))
        .send()
        .await
        .unwrap();
    let status = function.status();
    assert!(
        status.is_success(),
        "CreateFunction: {status} {}",
        function.text().await.unwrap()
    );
}

/// A one-file zip archive, stored without compression.
fn zip_with(name: &str, data: &[u8]) -> Vec<u8> {
    let crc = crc32(data);
    let mut out = Vec::new();
    let header = |out: &mut Vec<u8>, central: bool| {
        if central {
            out.extend(0x0201_4b50u32.to_le_bytes());
            out.extend(20u16.to_le_bytes()); // made by
        } else {
            out.extend(0x0403_4b50u32.to_le_bytes());
        }
        out.extend(20u16.to_le_bytes()); // needed
        out.extend(0u16.to_le_bytes()); // flags
        out.extend(0u16.to_le_bytes()); // stored
        out.extend(0u32.to_le_bytes()); // time, date
        out.extend(crc.to_le_bytes());
        out.extend((data.len() as u32).to_le_bytes());
        out.extend((data.len() as u32).to_le_bytes());
        out.extend((name.len() as u16).to_le_bytes());
        out.extend(0u16.to_le_bytes()); // extra
        if central {
            out.extend([0u8; 8]); // comment, disk, internal attributes
            out.extend(0u32.to_le_bytes()); // external attributes
            out.extend(0u32.to_le_bytes()); // local header offset
        }
        out.extend(name.as_bytes());
    };
    header(&mut out, false);
    out.extend(data);
    let central_at = out.len();
    header(&mut out, true);
    let central_len = out.len() - central_at;
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]); // disk numbers
    out.extend(1u16.to_le_bytes());
    out.extend(1u16.to_le_bytes());
    out.extend((central_len as u32).to_le_bytes());
    out.extend((central_at as u32).to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Turns moto's request recorder on (for every test; each reads back only its own requests).
async fn start_recording(endpoint: &str) {
    let started = reqwest::Client::new()
        .post(format!("{endpoint}/moto-api/recorder/start-recording"))
        .send()
        .await
        .unwrap();
    assert!(started.status().is_success());
}

/// What moto's request recorder holds: (url, headers, body) of each request.
async fn moto_recording(endpoint: &str) -> Vec<(String, Value, String)> {
    let text = reqwest::get(format!("{endpoint}/moto-api/recorder/download-recording"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .map(|entry| {
            let body = entry["body"].as_str().unwrap_or_default();
            let body = if entry["body_encoded"] == true {
                String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(body)
                        .unwrap(),
                )
                .unwrap()
            } else {
                body.to_owned()
            };
            (
                entry["url"].as_str().unwrap_or_default().to_owned(),
                entry["headers"].clone(),
                body,
            )
        })
        .collect()
}

fn lambda_config(hooks: Value, endpoint: &str) -> Value {
    let mut config = default_config();
    config["app_manager"]["array"]["apps"][0]["webhooks"] = hooks;
    config["webhooks"] = json!({
        "retry": {"initial_backoff_ms": 100, "max_backoff_ms": 200},
        "lambda": {"region": "us-east-1", "endpoint_url": endpoint,
                   "access_key_id": "test", "secret_access_key": "test"}
    });
    config
}

#[tokio::test]
async fn lambda_targets_are_invoked_in_moto_with_the_webhook_body() {
    let Some(endpoint) = moto() else { return };
    let function = unique("sockudo-hooks");
    moto_function(&endpoint, &function).await;
    start_recording(&endpoint).await;
    // Sockudo's shape (`lambda{function_name, region}`) and soketi's (`lambda_function`).
    let hooks = json!([
        {"lambda": {"function_name": function, "region": "us-east-1"}, "event_types": ["channel_occupied"]},
        {"lambda_function": function, "event_types": ["channel_vacated"]}
    ]);
    let server = Server::with_config(lambda_config(hooks, &endpoint)).await;
    let mut client = occupy(&server, &["lambda-room".to_string()]).await;
    let sent = wait_for_metric(
        &server,
        "sockudo_webhooks_sent_total{app_id=\"app-1\"}",
        1.0,
    )
    .await;
    assert_eq!(sent, 1.0);
    client
        .send(json!({"event": "pusher:unsubscribe", "data": {"channel": "lambda-room"}}))
        .await;
    // After the 3 s vacate grace.
    let sent = wait_for_metric(
        &server,
        "sockudo_webhooks_sent_total{app_id=\"app-1\"}",
        2.0,
    )
    .await;
    assert_eq!(sent, 2.0);

    let invocations: Vec<(Value, Value)> = moto_recording(&endpoint)
        .await
        .into_iter()
        .filter(|(url, _, _)| {
            url.ends_with(&format!("/2015-03-31/functions/{function}/invocations"))
        })
        .map(|(_, headers, body)| (headers, serde_json::from_str(&body).unwrap()))
        .collect();
    let events: Vec<Value> = invocations
        .iter()
        .map(|(_, body)| body["events"][0].clone())
        .collect();
    assert_eq!(
        events,
        [
            json!({"name": "channel_occupied", "channel": "lambda-room"}),
            json!({"name": "channel_vacated", "channel": "lambda-room"})
        ]
    );
    for (headers, body) in &invocations {
        assert!(body["time_ms"].as_u64().unwrap() > 0);
        assert_eq!(headers["X-Amz-Invocation-Type"], "Event");
        let authorization = headers["Authorization"].as_str().unwrap();
        assert!(
            authorization.starts_with("AWS4-HMAC-SHA256 Credential=test/")
                && authorization.contains("/us-east-1/lambda/aws4_request, SignedHeaders="),
            "{authorization}"
        );
        let signed = authorization
            .split("SignedHeaders=")
            .nth(1)
            .and_then(|rest| rest.split(',').next())
            .unwrap_or_default();
        for header in [
            "content-type",
            "host",
            "x-amz-date",
            "x-amz-invocation-type",
        ] {
            assert!(
                signed.split(';').any(|h| h == header),
                "{header} unsigned: {authorization}"
            );
        }
        assert_eq!(headers["Content-Type"], "application/json");
        assert!(headers["X-Amz-Date"].as_str().unwrap().ends_with('Z'));
    }
}

/// Stands in for the Lambda API: records invocations, answers from a script per function.
#[derive(Clone, Default)]
struct FakeLambda {
    calls: Arc<Mutex<Vec<(String, HeaderMap, String)>>>,
    script: Arc<Mutex<VecDeque<u16>>>,
}

async fn invoke(
    Extract(fake): Extract<FakeLambda>,
    Path(function): Path<String>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let status = if function == "missing" {
        404
    } else {
        fake.script.lock().unwrap().pop_front().unwrap_or(202)
    };
    fake.calls.lock().unwrap().push((function, headers, body));
    StatusCode::from_u16(status).unwrap()
}

#[tokio::test]
async fn lambda_invocations_are_retried_like_http_webhooks_and_404_is_final() {
    let fake = FakeLambda::default();
    fake.script.lock().unwrap().extend([500, 429]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .route("/2015-03-31/functions/{function}/invocations", post(invoke))
        .with_state(fake.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let hooks = json!([
        {"lambda_function": "flaky", "event_types": ["channel_occupied"]},
        {"lambda_function": "missing", "event_types": ["channel_occupied"]}
    ]);
    let server = Server::with_config(lambda_config(hooks, &endpoint)).await;
    let _client = occupy(&server, &["retried".to_string()]).await;
    let sent = wait_for_metric(
        &server,
        "sockudo_webhooks_sent_total{app_id=\"app-1\"}",
        1.0,
    )
    .await;
    assert_eq!(sent, 1.0);
    let failed = wait_for_metric(
        &server,
        "sockudo_webhooks_failed_total{app_id=\"app-1\"}",
        1.0,
    )
    .await;
    assert_eq!(failed, 1.0, "404 from Lambda is final");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let metrics = server.metrics().await;
    assert_eq!(
        metric(&metrics, "sockudo_webhooks_retried_total{app_id=\"app-1\"}"),
        2.0,
        "500 and 429 retried"
    );
    let calls = fake.calls.lock().unwrap().clone();
    let count = |name: &str| calls.iter().filter(|(f, _, _)| f == name).count();
    assert_eq!((count("flaky"), count("missing")), (3, 1));
    let (_, headers, body) = calls.iter().rfind(|(f, _, _)| f == "flaky").unwrap();
    let body: Value = serde_json::from_str(body).unwrap();
    assert_eq!(
        body["events"],
        json!([{"name": "channel_occupied", "channel": "retried"}])
    );
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["x-amz-invocation-type"], "Event");
    assert_eq!(headers["host"], endpoint.trim_start_matches("http://"));
}

/// `sockudo` with `config`, credentials only from a web identity token (as EKS's IRSA gives a
/// pod): no keys, profiles or instance metadata to fall back on.
fn with_web_identity(command: &mut std::process::Command, endpoint: &str, token: &std::path::Path) {
    command
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_WEB_IDENTITY_TOKEN_FILE", token)
        .env(
            "AWS_ROLE_ARN",
            "arn:aws:iam::123456789012:role/sockudo-apps",
        )
        .env("AWS_ROLE_SESSION_NAME", "sockudo-test")
        .env("AWS_CONFIG_FILE", token.with_extension("no-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            token.with_extension("no-credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE");
}

fn cli_json(
    config: &std::path::Path,
    endpoint: &str,
    token: &std::path::Path,
    args: &[&str],
) -> Value {
    let mut command = sockudo();
    command.arg("--config").arg(config).args(args);
    with_web_identity(&mut command, endpoint, token);
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test]
async fn apps_live_in_dynamodb_with_credentials_from_a_web_identity_token() {
    let Some(endpoint) = moto() else { return };
    start_recording(&endpoint).await;
    let dir = tempfile::tempdir().unwrap();
    let token_text = unique("web-identity-token");
    let token = dir.path().join("token");
    std::fs::write(&token, &token_text).unwrap();
    let table = unique("sockudo-apps");
    let config = json!({
        "app_manager": {"driver": "dynamodb", "cache": {"ttl": 1}},
        "database": {"dynamodb": {"table_name": table, "region": "us-east-1"}}
    });
    let path = dir.path().join("config.json");
    std::fs::write(&path, config.to_string()).unwrap();

    assert_eq!(
        cli_json(&path, &endpoint, &token, &["migrate", "--status", "--json"]),
        json!({"store": "dynamodb", "applied": [], "pending": ["0001_create_apps"]})
    );
    assert_eq!(
        cli_json(&path, &endpoint, &token, &["migrate", "--json"])["applied"],
        json!(["0001_create_apps"])
    );
    assert_eq!(
        cli_json(&path, &endpoint, &token, &["migrate", "--json"])["applied"],
        json!([]),
        "migrating twice is a no-op"
    );
    let created = cli_json(
        &path,
        &endpoint,
        &token,
        &[
            "apps", "create", "--id", "dyn", "--key", "dyn-key", "--json",
        ],
    );
    assert_eq!(created["key"], "dyn-key");
    let listed = cli_json(&path, &endpoint, &token, &["apps", "list", "--json"]);
    assert_eq!(listed[0]["id"], "dyn");

    // The server finds the app in the table, with the same credentials.
    let env = [
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_WEB_IDENTITY_TOKEN_FILE", token.to_str().unwrap()),
        (
            "AWS_ROLE_ARN",
            "arn:aws:iam::123456789012:role/sockudo-apps",
        ),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ];
    let server = Server::with_config_and_env(config, &env).await;
    let (mut client, _) = server.connected("dyn-key").await;
    client.subscribe("dynamo-room").await;

    // Every DynamoDB call was signed with the temporary key STS gave for this token.
    let recording = moto_recording(&endpoint).await;
    let exchanged = recording.iter().any(|(_, _, body)| {
        body.contains("Action=AssumeRoleWithWebIdentity") && body.contains(&token_text)
    });
    assert!(exchanged, "no AssumeRoleWithWebIdentity with this token");
    let signers: Vec<String> = recording
        .iter()
        .filter(|(_, headers, body)| {
            headers["X-Amz-Target"]
                .as_str()
                .is_some_and(|t| t.starts_with("DynamoDB_"))
                && body.contains(&table)
        })
        .map(|(_, headers, _)| {
            let authorization = headers["Authorization"].as_str().unwrap_or_default();
            authorization
                .split("Credential=")
                .nth(1)
                .and_then(|rest| rest.split('/').next())
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert!(!signers.is_empty(), "no DynamoDB calls recorded");
    assert!(
        signers.iter().all(|key| key.starts_with("ASIA")),
        "signed with temporary keys only: {signers:?}"
    );
}
