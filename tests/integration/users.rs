//! Sign-in, server-to-user channels, terminating a user's connections, watchlists.

use crate::support::*;
use serde_json::json;

#[tokio::test]
async fn signin_protects_the_server_to_user_channel() {
    let server = Server::start().await;
    let (mut alice, alice_id) = server.connected("key-1").await;
    let user_data = r#"{"id":"alice","user_info":{"name":"Alice"}}"#;
    let success = alice.signin(&alice_id, user_data).await;
    assert_eq!(success["event"], "pusher:signin_success");
    assert_eq!(data(&success), json!({"user_data": user_data}));
    assert_eq!(
        alice.subscribe("#server-to-user-alice").await["event"],
        "pusher_internal:subscription_succeeded"
    );

    // Another socket cannot listen in on alice's channel.
    let (mut mallory, _) = server.connected("key-1").await;
    assert_eq!(
        mallory.subscribe("#server-to-user-alice").await["event"],
        "pusher:error"
    );

    let body = json!({"name": "notice", "channel": "#server-to-user-alice", "data": "for alice"});
    let (status, _) = server.api(APP1, "POST", "/events", &[], Some(&body)).await;
    assert_eq!(status, 200);
    assert_eq!(alice.next().await["data"], "for alice");
}

#[tokio::test]
async fn bad_signins_are_refused() {
    let server = Server::start().await;
    let (mut client, socket_id) = server.connected("key-1").await;
    client.send(json!({"event": "pusher:signin", "data": {"auth": "key-1:bad", "user_data": "{\"id\":\"x\"}"}})).await;
    assert!(client.next().await["data"]["message"]
        .as_str()
        .unwrap()
        .contains("Invalid signature"));
    for bad in [r#"{"id":""}"#, r#"{"id":5}"#, r#"{"name":"no id"}"#, "nope"] {
        assert_eq!(
            client.signin(&socket_id, bad).await["event"],
            "pusher:error",
            "{bad}"
        );
    }
    // User authentication is off for app-2.
    let (mut other, other_id) = server.connected("key-2").await;
    let message = sockudo::protocol::signature::user_auth_message(&other_id, r#"{"id":"x"}"#);
    let auth = format!(
        "key-2:{}",
        sockudo::protocol::signature::sign("secret-2", &message)
    );
    other.send(json!({"event": "pusher:signin", "data": {"auth": auth, "user_data": "{\"id\":\"x\"}"}})).await;
    assert!(other.next().await["data"]["message"]
        .as_str()
        .unwrap()
        .contains("not enabled"));
}

#[tokio::test]
async fn terminate_connections_closes_every_socket_of_the_user_with_4009() {
    let server = Server::start().await;
    let (mut tab1, id1) = server.connected("key-1").await;
    let (mut tab2, id2) = server.connected("key-1").await;
    let (mut bystander, bystander_id) = server.connected("key-1").await;
    tab1.signin(&id1, r#"{"id":"u1"}"#).await;
    tab2.signin(&id2, r#"{"id":"u1"}"#).await;
    bystander.signin(&bystander_id, r#"{"id":"u2"}"#).await;
    let (status, body) = server
        .api(
            APP1,
            "POST",
            "/users/u1/terminate_connections",
            &[],
            Some(&json!({})),
        )
        .await;
    assert_eq!((status, body), (200, json!({})));
    assert_eq!(tab1.ended().await, Ended::Closed(Some(4009)));
    assert_eq!(tab2.ended().await, Ended::Closed(Some(4009)));
    bystander.send(json!({"event": "pusher:ping"})).await;
    assert_eq!(bystander.next().await["event"], "pusher:pong");
}

#[tokio::test]
async fn watchlist_reports_online_and_offline_in_the_pusher_js_format() {
    let server = Server::start().await;
    let (mut bob, bob_id) = server.connected("key-1").await;
    bob.signin(&bob_id, r#"{"id":"bob"}"#).await;

    let (mut alice, alice_id) = server.connected("key-1").await;
    alice
        .signin(&alice_id, r#"{"id":"alice","watchlist":["bob","carol"]}"#)
        .await;
    let online = alice.next().await;
    assert_eq!(online["event"], "pusher_internal:watchlist_events");
    assert_eq!(
        data(&online),
        json!({"events": [{"name": "online", "user_ids": ["bob"]}]})
    );

    let (mut carol, carol_id) = server.connected("key-1").await;
    carol.signin(&carol_id, r#"{"id":"carol"}"#).await;
    assert_eq!(
        data(&alice.next().await),
        json!({"events": [{"name": "online", "user_ids": ["carol"]}]})
    );
    drop(bob);
    assert_eq!(
        data(&alice.next().await),
        json!({"events": [{"name": "offline", "user_ids": ["bob"]}]})
    );
}
