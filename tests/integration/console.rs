//! The web console's routes: absent unless enabled, the embedded page and assets, the app list
//! without secrets, valid auth signatures (and shared secrets of encrypted channels), triggers
//! that reach subscribers, and the access check.

use crate::support::{default_config, sockudo, Server};
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sockudo::protocol::signature;
use std::net::{IpAddr, UdpSocket};

const ON: &[(&str, &str)] = &[("CONSOLE_ENABLED", "true")];

/// GET `url` with `headers`; a call of the console's API also carries the page's CSRF token, as
/// the page's script sends it.
async fn get(url: &str, headers: &[(&str, &str)]) -> (u16, String, String) {
    let mut request = reqwest::Client::new().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(csrf) = csrf_for(url, headers).await {
        request = request.header("x-console-csrf", csrf);
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

/// POST to the console's API as its page does (with the CSRF token).
async fn post(url: &str, content_type: &str, body: String) -> (u16, Value) {
    let csrf = csrf_for(url, &[]).await.expect("a console API url");
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", content_type)
        .header("x-console-csrf", csrf)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// The CSRF token of the console whose API `url` calls, read from its page (fetched with the same
/// headers and query), or None for a URL outside the API or a page that is refused.
async fn csrf_for(url: &str, headers: &[(&str, &str)]) -> Option<String> {
    let (base, rest) = url.split_once("/api/")?;
    let query = rest.split_once('?').map_or("", |(_, query)| query);
    let mut request = reqwest::Client::new().get(format!("{base}?{query}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let html = request.send().await.unwrap().text().await.unwrap();
    page_csrf(&html)
}

fn page_csrf(html: &str) -> Option<String> {
    let (_, after) = html.split_once(r#"<meta name="sockudo-console-csrf" content=""#)?;
    Some(after.split('"').next()?.to_owned())
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
    for script in [
        "nacl-fast.min.js",
        "vcdiff-decoder.min.js",
        "delta-decoder.js",
        "fossil-delta-global.js",
    ] {
        assert!(
            html.contains(&format!("/console/assets/{script}")),
            "{script}"
        );
    }
    // The decoder is embedded from clients/, not copied.
    let (_, _, decoder) = get(&format!("{base}/assets/delta-decoder.js"), &[]).await;
    assert_eq!(
        decoder,
        include_str!("../../clients/delta-decoder.js"),
        "assets/delta-decoder.js is clients/delta-decoder.js"
    );
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
        // Delta decoding: clients/delta-decoder.js itself, and the vendored decoders.
        ("delta-decoder.js", "text/javascript", "class DeltaDecoder"),
        (
            "fossil-delta.js",
            "text/javascript",
            "export function applyDelta",
        ),
        (
            "fossil-delta-global.js",
            "text/javascript",
            "window.fossilDelta",
        ),
        ("fossil-delta.LICENSE", "text/plain", "D. Richard Hipp"),
        (
            "vcdiff-decoder.min.js",
            "text/javascript",
            "var vcdiffDecoder=",
        ),
        ("vcdiff-decoder.LICENSE", "text/plain", "Apache License"),
        // Encrypted channels.
        ("nacl-fast.min.js", "text/javascript", "secretbox"),
        ("tweetnacl.LICENSE", "text/plain", "public domain"),
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
    assert!(apps.iter().all(|a| a["encrypted_channels"] == false));
}

const MASTER_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; // 32 bytes

/// `default_config()` with `app-1` holding an encryption master key.
fn config_with_master_key() -> Value {
    let mut config = default_config();
    config["app_manager"]["array"]["apps"][0]["encryption_master_key_base64"] = json!(MASTER_KEY);
    config
}

/// Pusher's scheme, computed here independently: base64(SHA-256(channel ++ master key)).
fn expected_shared_secret(channel: &str) -> String {
    let engine = base64::engine::general_purpose::STANDARD;
    let mut hash = Sha256::new();
    hash.update(channel.as_bytes());
    hash.update(engine.decode(MASTER_KEY).unwrap());
    engine.encode(hash.finalize())
}

#[tokio::test]
async fn encrypted_channels_get_their_shared_secret() {
    let server = Server::with_config_and_env(config_with_master_key(), ON).await;
    let base = format!("http://127.0.0.1:{}/console/api", server.port);
    let form = "application/x-www-form-urlencoded";
    let (status, _, body) = get(&format!("{base}/apps"), &[]).await;
    assert_eq!(status, 200);
    assert!(
        !body.contains(MASTER_KEY),
        "the master key stays on the server"
    );
    let apps: Value = serde_json::from_str(&body).unwrap();
    let flags: Vec<(&str, bool)> = apps["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap(),
                a["encrypted_channels"].as_bool().unwrap(),
            )
        })
        .filter(|(id, _)| ["app-1", "app-2"].contains(id))
        .collect();
    assert_eq!(flags, [("app-1", true), ("app-2", false)]);

    // Subscribing: the signature of a private channel, plus the channel's shared secret.
    let channel = "private-encrypted-vault";
    let (mut client, socket_id) = server.connected("key-1").await;
    let (status, auth) = post(
        &format!("{base}/apps/app-1/auth/channel"),
        form,
        format!("socket_id={socket_id}&channel_name={channel}&user_id=u1"),
    )
    .await;
    assert_eq!(status, 200, "{auth}");
    assert_eq!(auth["shared_secret"], expected_shared_secret(channel));
    assert!(auth.get("channel_data").is_none());
    let message = signature::channel_auth_message(&socket_id, channel, None);
    assert!(signature::verify_auth_token(
        "key-1",
        "secret-1",
        auth["auth"].as_str().unwrap(),
        &message
    ));
    assert!(!auth.to_string().contains(MASTER_KEY));
    client
        .send(json!({"event": "pusher:subscribe", "data": {"channel": channel, "auth": auth["auth"]}}))
        .await;
    client
        .expect_event("pusher_internal:subscription_succeeded")
        .await;

    // Without a socket id (the trigger form encrypting): the shared secret alone.
    let (status, secret) = post(
        &format!("{base}/apps/app-1/auth/channel"),
        form,
        format!("channel_name={channel}"),
    )
    .await;
    assert_eq!(status, 200, "{secret}");
    assert_eq!(
        secret,
        json!({"shared_secret": expected_shared_secret(channel)})
    );
    let (_, other) = post(
        &format!("{base}/apps/app-1/auth/channel"),
        form,
        "channel_name=private-encrypted-other".into(),
    )
    .await;
    assert_eq!(
        other["shared_secret"],
        expected_shared_secret("private-encrypted-other")
    );
    // Other channels still need a socket id.
    let (status, error) = post(
        &format!("{base}/apps/app-1/auth/channel"),
        form,
        "channel_name=private-a".into(),
    )
    .await;
    assert_eq!(status, 400, "{error}");
    assert_eq!(error["error"], "socket_id is required");

    // An app without a master key: 400, saying what to configure.
    for body in [
        format!("socket_id={socket_id}&channel_name={channel}"),
        format!("channel_name={channel}"),
    ] {
        let (status, error) = post(&format!("{base}/apps/app-2/auth/channel"), form, body).await;
        assert_eq!(status, 400, "{error}");
        let message = error["error"].as_str().unwrap();
        assert!(
            message.contains("has no encryption master key")
                && message.contains("encryption_master_key_base64"),
            "{message}"
        );
    }
}

#[test]
fn a_bad_encryption_master_key_is_refused_at_load() {
    let dir = tempfile::tempdir().unwrap();
    for (key, expected) in [
        ("c2hvcnQ=", "must be 32 bytes, this one decodes to 5"),
        ("not base64!", "not valid base64"),
    ] {
        let mut config = default_config();
        config["app_manager"]["array"]["apps"][1]["encryptionMasterKeyBase64"] = json!(key);
        let path = dir.path().join("config.json");
        std::fs::write(&path, config.to_string()).unwrap();
        for command in [&["config", "check", "--config"][..], &["serve", "--config"]] {
            let output = sockudo()
                .args(command)
                .arg(&path)
                .env_clear()
                .env("PORT", crate::support::free_port().to_string())
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(!output.status.success(), "{command:?}: {stderr}");
            assert!(
                stderr.contains("app_manager.array.apps[1].encryptionMasterKeyBase64")
                    && stderr.contains(expected),
                "{command:?}: {stderr}"
            );
            assert!(!stderr.contains(key), "the key is never echoed: {stderr}");
        }
    }
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
}

/// A page of another origin, or of another name for this host (DNS rebinding), gets nothing from
/// the console: no CORS headers, 403 for reads and for posts a browser sends without preflight,
/// and nothing is published.
#[tokio::test]
async fn other_origins_and_foreign_host_names_are_refused() {
    let server = Server::with_config_and_env(default_config(), ON).await;
    let mut subscriber = server.connect("key-1").await;
    subscriber.subscribe("news").await;
    subscriber
        .expect_event("pusher_internal:subscription_succeeded")
        .await;
    let origin = format!("http://127.0.0.1:{}", server.port);
    let page = format!("{origin}/console");
    let api = format!("{origin}/console/api/apps");
    let events = format!("{origin}/console/api/apps/app-1/events");
    let html = reqwest::get(&page).await.unwrap().text().await.unwrap();
    let csrf = page_csrf(&html).expect("the page carries its CSRF token");
    assert_eq!(csrf.len(), 64, "{csrf}");
    let client = reqwest::Client::new();
    let event = json!({"name": "stolen", "channel": "news", "data": "x"}).to_string();

    // The page's own calls: same origin, with the token.
    let own = client
        .get(&api)
        .header("origin", &origin)
        .header("sec-fetch-site", "same-origin")
        .header("x-console-csrf", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);

    // Another origin reading: 403, and no CORS header that would let a browser read it anyway.
    let foreign = client
        .get(&api)
        .header("origin", "http://evil.example")
        .header("sec-fetch-site", "cross-site")
        .header("x-console-csrf", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    assert!(foreign
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    // A preflight gets no permission either.
    let preflight = client
        .request(reqwest::Method::OPTIONS, &events)
        .header("origin", "http://evil.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "x-console-csrf")
        .send()
        .await
        .unwrap();
    assert!(preflight
        .headers()
        .get("access-control-allow-origin")
        .is_none());

    // A text/plain POST (sent without preflight), with or without a guessed token.
    for (origin, fetch_site, token) in [
        ("http://evil.example", "cross-site", None),
        ("http://127.0.0.1:1", "same-site", None),
        (origin.as_str(), "same-origin", None),
        (origin.as_str(), "same-origin", Some("0".repeat(64))),
    ] {
        let mut request = client
            .post(&events)
            .header("content-type", "text/plain")
            .header("origin", origin)
            .header("sec-fetch-site", fetch_site)
            .body(event.clone());
        if let Some(token) = &token {
            request = request.header("x-console-csrf", token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 403, "{origin} {fetch_site} {token:?}");
        let body = response.text().await.unwrap();
        assert!(body.contains("own page") || body.contains("Csrf"), "{body}");
    }

    // DNS rebinding: a loopback peer, but a name the attacker owns. The page itself is refused,
    // so its CSRF token cannot be read through the rebound name.
    for host in ["evil.example", &format!("evil.example:{}", server.port)] {
        let rebound = client.get(&page).header("host", host).send().await.unwrap();
        assert_eq!(rebound.status(), 403, "{host}");
        let body = rebound.text().await.unwrap();
        assert!(body.contains("loopback name"), "{body}");
        assert!(page_csrf(&body).is_none());
        let rebound_post = client
            .post(&events)
            .header("host", host)
            .header("origin", format!("http://{host}"))
            .header("sec-fetch-site", "same-origin")
            .header("x-console-csrf", &csrf)
            .body(event.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(rebound_post.status(), 403, "{host}");
    }
    // `localhost` is a loopback name.
    let by_name = client
        .get(&page)
        .header("host", format!("localhost:{}", server.port))
        .send()
        .await
        .unwrap();
    assert_eq!(by_name.status(), 200);

    // None of it published anything: the page's own publish is the first event the subscriber sees.
    let (status, _) = post(
        &events,
        "application/json",
        json!({"name": "mine", "channel": "news", "data": "ok"}).to_string(),
    )
    .await;
    assert_eq!(status, 200);
    let first = subscriber.next().await;
    assert_eq!(first["event"], "mine", "{first}");
    // The HTTP API keeps its CORS answers.
    let cors = client
        .request(
            reqwest::Method::OPTIONS,
            format!("{origin}/apps/app-1/events"),
        )
        .header("origin", "http://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(cors.headers().get("access-control-allow-origin").is_some());
}
