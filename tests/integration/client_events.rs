//! Client events: where they are allowed, who receives them, and the rate limit.

use crate::support::*;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn client_events_reach_others_but_not_the_sender() {
    let server = Server::start().await;
    let (mut a, a_id) = server.connected("key-1").await;
    let (mut b, b_id) = server.connected("key-1").await;
    a.subscribe_signed(&a_id, "private-chat", None).await;
    b.subscribe_signed(&b_id, "private-chat", None).await;
    a.send(json!({"event": "client-typing", "channel": "private-chat", "data": {"who": "a"}}))
        .await;
    assert_eq!(
        b.next().await,
        json!({"event": "client-typing", "channel": "private-chat", "data": {"who": "a"}})
    );
    a.expect_silence(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn presence_client_events_carry_the_sender_user_id() {
    let server = Server::start().await;
    let (mut a, a_id) = server.connected("key-1").await;
    let (mut b, b_id) = server.connected("key-1").await;
    a.subscribe_signed(&a_id, "presence-chat", Some(r#"{"user_id":"alice"}"#))
        .await;
    b.subscribe_signed(&b_id, "presence-chat", Some(r#"{"user_id":"bob"}"#))
        .await;
    a.expect_event("pusher_internal:member_added").await;
    b.send(json!({"event": "client-wave", "channel": "presence-chat", "data": "hi"}))
        .await;
    assert_eq!(
        a.next().await,
        json!({"event": "client-wave", "channel": "presence-chat", "data": "hi", "user_id": "bob"})
    );
}

#[tokio::test]
async fn client_events_are_refused_where_not_allowed() {
    let server = Server::start().await;
    let (mut a, _) = server.connected("key-1").await;
    let (mut listener, _) = server.connected("key-1").await;
    a.subscribe("public").await;
    listener.subscribe("public").await;
    // On a public channel.
    a.send(json!({"event": "client-x", "channel": "public", "data": {}}))
        .await;
    assert_eq!(a.next().await["event"], "pusher:error");
    // On a channel the socket has not joined.
    a.send(json!({"event": "client-x", "channel": "private-elsewhere", "data": {}}))
        .await;
    assert_eq!(a.next().await["event"], "pusher:error");
    listener.expect_silence(Duration::from_millis(300)).await;
    // In an app that has not enabled them.
    let (mut other, other_id) = server.connected("key-2").await;
    let message = sockudo::protocol::signature::channel_auth_message(&other_id, "private-x", None);
    let auth = format!(
        "key-2:{}",
        sockudo::protocol::signature::sign("secret-2", &message)
    );
    other
        .send(json!({"event": "pusher:subscribe", "data": {"channel": "private-x", "auth": auth}}))
        .await;
    assert_eq!(
        other.next().await["event"],
        "pusher_internal:subscription_succeeded"
    );
    other
        .send(json!({"event": "client-x", "channel": "private-x", "data": {}}))
        .await;
    let error = other.next().await;
    assert!(
        error["data"]["message"]
            .as_str()
            .unwrap()
            .contains("not enabled"),
        "{error}"
    );
}

#[tokio::test]
async fn client_event_rate_limit_answers_4301_and_drops_the_excess() {
    let server = Server::start().await;
    let (mut a, mut b) = burst_of_eight(&server).await;
    let mut limited = 0;
    while let Some(frame) = a.next_within(Duration::from_millis(300)).await {
        assert_eq!(frame["data"]["code"], 4301);
        limited += 1;
    }
    let mut delivered = 0;
    while let Some(frame) = b.next_within(Duration::from_millis(300)).await {
        assert_eq!(frame["event"], "client-n");
        delivered += 1;
    }
    // Eight frames written back to back fall in one one-second window.
    assert_eq!((delivered, limited), (5, 3));
    // terminate_on_limit is off by default: the connection stays.
    a.send(json!({"event": "pusher:ping"})).await;
    assert_eq!(a.next().await["event"], "pusher:pong");
}

#[tokio::test]
async fn terminate_on_limit_closes_the_connection_with_4301() {
    let mut config = default_config();
    config["event_limits"] = json!({"terminate_on_limit": true});
    let server = Server::with_config(config).await;
    let (mut a, mut b) = burst_of_eight(&server).await;
    let error = a.next().await;
    assert_eq!(error["event"], "pusher:error");
    assert_eq!(error["data"]["code"], 4301);
    assert_eq!(a.ended().await, Ended::Closed(Some(4301)));
    let mut delivered = Vec::new();
    while let Some(frame) = b.next_within(Duration::from_millis(300)).await {
        delivered.push(frame["data"].clone());
    }
    // The five within the limit, none after the one that closed the connection.
    assert_eq!(delivered, (0..5).map(|i| json!(i)).collect::<Vec<_>>());
}

/// Two members of `private-fast`; the first sends eight client events back to back, all in one
/// one-second window (app-1 allows 5 per second per connection). With `terminate_on_limit` the
/// server closes the sender after the sixth, so the last ones may find it closed. Returns
/// (sender, receiver).
async fn burst_of_eight(server: &Server) -> (Client, Client) {
    let (mut a, a_id) = server.connected("key-1").await;
    let (mut b, b_id) = server.connected("key-1").await;
    a.subscribe_signed(&a_id, "private-fast", None).await;
    b.subscribe_signed(&b_id, "private-fast", None).await;
    for i in 0..8 {
        a.send_unless_closed(json!({"event": "client-n", "channel": "private-fast", "data": i}))
            .await;
    }
    (a, b)
}
