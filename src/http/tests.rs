//! The HTTP API through its router, without a socket (`tower::ServiceExt::oneshot`): signatures,
//! body checks, and answers read from this node's channel state.

use super::router;
use crate::app::{App, MemoryAppStore};
use crate::channels::SubscriptionOptions;
use crate::protocol::{signature, SocketId};
use crate::socket::{QueueLimits, SlowConsumerPolicy, SocketHandle};
use crate::state::State;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use tower::ServiceExt;

const SECRET: &str = "secret";

/// A one-node state serving app `a` (key `k`), with webhooks off.
fn state() -> Arc<State> {
    State::one_node(MemoryAppStore::new([App::new("a", "k", SECRET)]).expect("one app"))
}

/// A request signed as the Pusher SDKs sign it, with `extra` query parameters.
fn signed(method: Method, path: &str, extra: &[(&str, &str)], body: &str) -> Request<Body> {
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
        .to_string();
    let md5 = signature::body_md5(body.as_bytes());
    let mut params = vec![
        ("auth_key", "k"),
        ("auth_timestamp", timestamp.as_str()),
        ("auth_version", "1.0"),
    ];
    if !body.is_empty() {
        params.push(("body_md5", md5.as_str()));
    }
    params.extend_from_slice(extra);
    let to_sign = signature::http_string_to_sign(method.as_str(), path, params.iter().copied());
    let auth = signature::sign(SECRET, &to_sign);
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .chain([format!("auth_signature={auth}")])
        .collect();
    Request::builder()
        .method(method)
        .uri(format!("{path}?{}", query.join("&")))
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .expect("a valid request")
}

async fn call(app: Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = app.oneshot(request).await.expect("the router answers");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, body)
}

/// A socket of app `a` subscribed to `channel`.
fn subscribe(state: &State, channel: &str) -> Arc<SocketHandle> {
    let limits = Arc::new(QueueLimits {
        max_frames: 10,
        max_bytes: 1 << 20,
        policy: SlowConsumerPolicy::DropFrame,
    });
    let (socket, _queue) = SocketHandle::new(SocketId::random(), Arc::from("a"), limits);
    let namespace = state.registry.namespace("a");
    namespace.add_socket(socket.clone());
    namespace.subscribe(channel, &socket, SubscriptionOptions::default());
    socket
}

#[tokio::test]
async fn a_valid_event_is_accepted_and_reaches_the_channels_counters() {
    let state = state();
    subscribe(&state, "news");
    let body = r#"{"name":"e","data":"{}","channel":"news","info":"subscription_count"}"#;
    let request = signed(Method::POST, "/apps/a/events", &[], body);
    let (status, answer) = call(router(state.clone(), None), request).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        answer,
        json!({ "channels": { "news": { "subscription_count": 1 } } })
    );
    assert_eq!(state.publisher.counts("a", "news").published, 1);
}

#[tokio::test]
async fn a_wrong_signature_is_401_and_publishes_nothing() {
    let state = state();
    subscribe(&state, "news");
    let body = r#"{"name":"e","data":"{}","channel":"news"}"#;
    let mut request = signed(Method::POST, "/apps/a/events", &[], body);
    let forged = request
        .uri()
        .to_string()
        .replace("auth_signature=", "auth_signature=0");
    *request.uri_mut() = forged.parse().expect("a uri");
    let (status, answer) = call(router(state.clone(), None), request).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert_eq!(state.publisher.counts("a", "news").published, 0);
}

#[tokio::test]
async fn bad_bodies_are_400_with_a_reason() {
    let cases = [
        ("{\"name\":", "Invalid JSON body"),
        (
            r#"{"data":"x","channel":"c"}"#,
            "\"name\" must be a non-empty string",
        ),
        (
            r#"{"name":"e","data":"x","channel":"bad channel"}"#,
            "Invalid channel",
        ),
        (
            r#"{"name":"e","data":"x","channel":"c","channels":["d"]}"#,
            "not both",
        ),
        (
            r#"{"name":"e","data":"x","channel":"c","socket_id":"nope"}"#,
            "Invalid socket_id",
        ),
    ];
    let state = state();
    for (body, reason) in cases {
        let request = signed(Method::POST, "/apps/a/events", &[], body);
        let (status, answer) = call(router(state.clone(), None), request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        let message = answer["error"].as_str().unwrap_or_default();
        assert!(message.contains(reason), "{body}: {message}");
    }
}

#[tokio::test]
async fn a_batch_with_one_bad_event_publishes_none() {
    let state = state();
    subscribe(&state, "news");
    let body = r#"{"batch":[{"name":"e","data":"1","channel":"news"},{"name":"","data":"2","channel":"news"}]}"#;
    let request = signed(Method::POST, "/apps/a/batch_events", &[], body);
    let (status, answer) = call(router(state.clone(), None), request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(answer["error"]
        .as_str()
        .unwrap_or_default()
        .starts_with("batch[1]:"));
    assert_eq!(state.publisher.counts("a", "news").published, 0);
}

#[tokio::test]
async fn channel_queries_answer_from_this_nodes_state() {
    let state = state();
    subscribe(&state, "news");
    subscribe(&state, "news");
    let request = signed(
        Method::GET,
        "/apps/a/channels/news",
        &[("info", "subscription_count")],
        "",
    );
    let (status, answer) = call(router(state.clone(), None), request).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["occupied"], json!(true));
    assert_eq!(answer["subscription_count"], json!(2));
    let users = signed(Method::GET, "/apps/a/channels/news/users", &[], "");
    let (status, answer) = call(router(state, None), users).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "only presence channels have users: {answer}"
    );
}

#[tokio::test]
async fn unknown_apps_and_routes_are_404_and_health_is_ok() {
    let state = state();
    let request = signed(Method::GET, "/apps/nobody/channels", &[], "");
    let (status, _) = call(router(state.clone(), None), request).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let nowhere = Request::get("/nowhere").body(Body::empty()).unwrap();
    let (status, answer) = call(router(state.clone(), None), nowhere).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(answer["error"].is_string(), "{answer}");
    let up = Request::get("/up").body(Body::empty()).unwrap();
    assert_eq!(
        call(router(state, None), up).await,
        (StatusCode::OK, json!("OK"))
    );
}
