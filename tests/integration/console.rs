//! The web console's routes: absent unless enabled, the embedded page and assets, the app list
//! without secrets, valid auth signatures, triggers that reach subscribers, and the access check.

use crate::support::{default_config, Server};
use serde_json::{json, Value};
use sockudo::protocol::signature;
use std::net::{IpAddr, UdpSocket};

const ON: &[(&str, &str)] = &[("CONSOLE_ENABLED", "true")];

async fn get(url: &str, headers: &[(&str, &str)]) -> (u16, String, String) {
    let mut request = reqwest::Client::new().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

async fn post(url: &str, content_type: &str, body: String) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn the_console_is_off_by_default() {
    let server = Server::start().await;
    for path in [
        "/console",
        "/console/api/apps",
        "/console/assets/console.js",
        "/console/assets/pusher.min.js",
    ] {
        let (status, _, _) = get(&format!("http://127.0.0.1:{}{path}", server.port), &[]).await;
        assert_eq!(status, 404, "{path}");
    }
}

#[tokio::test]
async fn the_page_and_its_assets_are_embedded() {
    let server = Server::with_config_and_env(default_config(), ON).await;
    let base = format!("http://127.0.0.1:{}/console", server.port);
    let (status, content_type, html) = get(&base, &[]).await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(html.contains("/console/assets/pusher.min.js"), "{html}");
    assert!(html.contains("/console/assets/console.js"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "the page loads nothing from elsewhere"
    );
    for (file, kind, needle) in [
        ("console.js", "text/javascript", "LoggedWebSocket"),
        ("console.css", "text/css", "#log"),
        ("pusher.min.js", "text/javascript", "\"8.6.0\""),
        (
            "pusher.min.js.LICENSE.txt",
            "text/plain",
            "Pusher JavaScript Library v8",
        ),
        (
            "pusher-js.LICENSE",
            "text/plain",
            "Permission is hereby granted",
        ),
    ] {
        let (status, content_type, body) = get(&format!("{base}/assets/{file}"), &[]).await;
        assert_eq!(status, 200, "{file}");
        assert!(content_type.starts_with(kind), "{file}: {content_type}");
        assert!(body.contains(needle), "{file}");
    }
    let (status, _, _) = get(&format!("{base}/assets/nope.js"), &[]).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_app_list_has_keys_and_never_secrets() {
    let server = Server::with_config_and_env(default_config(), ON).await;
    let (status, _, body) = get(
        &format!("http://127.0.0.1:{}/console/api/apps", server.port),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    assert!(!body.contains("secret"), "{body}");
    let apps: Value = serde_json::from_str(&body).unwrap();
    let apps = apps["apps"].as_array().unwrap();
    let configured = default_config()["app_manager"]["array"]["apps"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(apps.len(), configured);
    assert_eq!(apps[0]["id"], "app-1");
    assert_eq!(apps[0]["key"], "key-1");
    let off = apps.iter().find(|a| a["id"] == "app-off").unwrap();
    assert_eq!(off["enabled"], false);
}

#[tokio::test]
async fn auth_signatures_are_valid_and_subscribe() {
    let server = Server::with_config_and_env(default_config(), ON).await;
    let api = format!("http://127.0.0.1:{}/console/api/apps", server.port);
    let form = "application/x-www-form-urlencoded";
    let (mut client, socket_id) = server.connected("key-1").await;

    // Private: what pusher-js's channelAuthorization sends.
    let (status, private) = post(
        &format!("{api}/app-1/auth/channel"),
        form,
        format!("socket_id={socket_id}&channel_name=private-a&user_id=u1"),
    )
    .await;
    assert_eq!(status, 200, "{private}");
    let message = signature::channel_auth_message(&socket_id, "private-a", None);
    assert!(signature::verify_auth_token(
        "key-1",
        "secret-1",
        private["auth"].as_str().unwrap(),
        &message
    ));
    assert!(private.get("channel_data").is_none());

    // Presence: channel_data names the user; the server accepts the subscription.
    let (status, presence) = post(
        &format!("{api}/app-1/auth/channel"),
        form,
        format!("socket_id={socket_id}&channel_name=presence-room&user_id=u1&user_name=Ada"),
    )
    .await;
    assert_eq!(status, 200, "{presence}");
    let data = presence["channel_data"].as_str().unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(data).unwrap(),
        json!({"user_id": "u1", "user_info": {"name": "Ada"}})
    );
    let message = signature::channel_auth_message(&socket_id, "presence-room", Some(data));
    assert!(signature::verify_auth_token(
        "key-1",
        "secret-1",
        presence["auth"].as_str().unwrap(),
        &message
    ));
    client
        .send(json!({"event": "pusher:subscribe", "data": {
            "channel": "presence-room", "auth": presence["auth"], "channel_data": data}}))
        .await;
    client
        .expect_event("pusher_internal:subscription_succeeded")
        .await;

    // User sign-in.
    let (status, user) = post(
        &format!("{api}/app-1/auth/user"),
        form,
        format!("socket_id={socket_id}&user_id=u1"),
    )
    .await;
    assert_eq!(status, 200, "{user}");
    let user_data = user["user_data"].as_str().unwrap();
    let message = signature::user_auth_message(&socket_id, user_data);
    assert!(signature::verify_auth_token(
        "key-1",
        "secret-1",
        user["auth"].as_str().unwrap(),
        &message
    ));

    // Refusals: a bad socket id, a public channel, presence without a user, a disabled app.
    for (app, body) in [
        ("app-1", "socket_id=x&channel_name=private-a".to_owned()),
        (
            "app-1",
            format!("socket_id={socket_id}&channel_name=public"),
        ),
        (
            "app-1",
            format!("socket_id={socket_id}&channel_name=presence-r"),
        ),
    ] {
        let (status, error) = post(&format!("{api}/{app}/auth/channel"), form, body).await;
        assert_eq!(status, 400, "{error}");
    }
    let (status, _) = post(
        &format!("{api}/app-off/auth/channel"),
        form,
        format!("socket_id={socket_id}&channel_name=private-a"),
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn triggers_publish_like_the_http_api() {
    let server = Server::with_config_and_env(default_config(), ON).await;
    let url = format!(
        "http://127.0.0.1:{}/console/api/apps/app-1/events",
        server.port
    );
    let (mut alice, alice_id) = server.connected("key-1").await;
    let (mut bob, _) = server.connected("key-1").await;
    alice.subscribe("news").await;
    bob.subscribe("news").await;

    let event = json!({"name": "hello", "channels": ["news"], "data": "{\"a\":1}"});
    let (status, body) = post(&url, "application/json", event.to_string()).await;
    assert_eq!(status, 200, "{body}");
    for client in [&mut alice, &mut bob] {
        let frame = client.expect_event("hello").await;
        assert_eq!(frame["channel"], "news");
        assert_eq!(frame["data"], "{\"a\":1}");
    }

    // Batch, with socket exclusion on the first event: Alice only gets the second.
    let batch = json!({"batch": [
        {"name": "first", "channel": "news", "data": "1", "socket_id": alice_id},
        {"name": "second", "channel": "news", "data": "2"},
    ]});
    let (status, body) = post(&url, "application/json", batch.to_string()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(alice.expect_event("second").await["data"], "2");
    assert_eq!(bob.next().await["event"], "first");
    assert_eq!(bob.next().await["event"], "second");
    // Alice's frames so far: nothing named "first" came before "second" (expect_event skipped
    // none: the next frame after "hello" was "second").

    // The same validation as the HTTP API.
    for bad in [
        json!({"name": "", "channels": ["news"], "data": "x"}),
        json!({"name": "e", "channels": ["bad channel!"], "data": "x"}),
        json!({"batch": [{"name": "e", "channels": ["a", "b"], "data": "x"}]}),
    ] {
        let (status, body) = post(&url, "application/json", bad.to_string()).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }

    // The channel list sees both subscribers.
    let (status, _, body) = get(
        &format!(
            "http://127.0.0.1:{}/console/api/apps/app-1/channels",
            server.port
        ),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    let channels: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(channels["channels"]["news"]["subscription_count"], 2);
}

/// This host's address on a non-loopback interface, if it has one (no packet is sent).
fn non_loopback_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[tokio::test]
async fn other_clients_need_the_admin_token() {
    let env = [
        ("CONSOLE_ENABLED", "true"),
        ("CONSOLE_TOKEN", "let-me-in"),
        ("HOST", "0.0.0.0"),
    ];
    let server = Server::with_config_and_env(default_config(), &env).await;
    let local = format!("http://127.0.0.1:{}/console/api/apps", server.port);
    // Loopback needs no token.
    assert_eq!(get(&local, &[]).await.0, 200);
    // Behind a forwarding proxy the client is not loopback: refused without the token.
    let proxied = [("x-forwarded-for", "198.51.100.4")];
    let (status, _, body) = get(&local, &proxied).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("console.token"), "{body}");
    let (status, _, _) = get(&format!("{local}?token=wrong"), &proxied).await;
    assert_eq!(status, 403);
    assert_eq!(
        get(&format!("{local}?token=let-me-in"), &proxied).await.0,
        200
    );
    let bearer = [
        ("x-forwarded-for", "198.51.100.4"),
        ("authorization", "Bearer let-me-in"),
    ];
    assert_eq!(get(&local, &bearer).await.0, 200);
    let header = [
        ("x-forwarded-for", "198.51.100.4"),
        ("x-console-token", "let-me-in"),
    ];
    assert_eq!(get(&local, &header).await.0, 200);
    // The static assets hold no secrets and are always served.
    let asset = format!("http://127.0.0.1:{}/console/assets/console.js", server.port);
    assert_eq!(get(&asset, &proxied).await.0, 200);

    // A real non-loopback peer, where this host has such an address.
    if let Some(ip) = non_loopback_address() {
        let remote = format!("http://{ip}:{}/console", server.port);
        let (status, _, body) = get(&remote, &[]).await;
        assert_eq!(status, 403, "{ip}: {body}");
        assert_eq!(get(&format!("{remote}?token=let-me-in"), &[]).await.0, 200);
    }

    // The check itself.
    let remote: IpAddr = "203.0.113.9".parse().unwrap();
    assert!(!sockudo::console::allowed(
        Some(remote),
        false,
        None,
        Some("t")
    ));
    assert!(sockudo::console::allowed(
        Some(remote),
        false,
        Some("t"),
        Some("t")
    ));
    assert!(sockudo::console::allowed(
        "::1".parse().ok(),
        false,
        None,
        None
    ));
}
