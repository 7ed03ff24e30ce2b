//! Subscriptions: public, private, encrypted, presence, cache channels, subscription counts.

use crate::support::*;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn public_channel_receives_http_events_except_the_excluded_socket() {
    let server = Server::start().await;
    let (mut a, a_id) = server.connected("key-1").await;
    let (mut b, _) = server.connected("key-1").await;
    let succeeded = a.subscribe("chat").await;
    assert_eq!(
        succeeded,
        json!({"event": "pusher_internal:subscription_succeeded", "channel": "chat", "data": "{}"})
    );
    b.subscribe("chat").await;
    let body =
        json!({"name": "message", "channels": ["chat", "other"], "data": "{\"text\":\"hi\"}"});
    let (status, reply) = server.api(APP1, "POST", "/events", &[], Some(&body)).await;
    assert_eq!((status, reply), (200, json!({})));
    for client in [&mut a, &mut b] {
        assert_eq!(
            client.next().await,
            json!({"event": "message", "channel": "chat", "data": "{\"text\":\"hi\"}"})
        );
    }
    let body =
        json!({"name": "message", "channel": "chat", "data": "not for a", "socket_id": a_id});
    server.api(APP1, "POST", "/events", &[], Some(&body)).await;
    assert_eq!(b.next().await["data"], "not for a");
    a.expect_silence(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn private_channels_need_a_valid_signature() {
    let server = Server::start().await;
    let (mut client, socket_id) = server.connected("key-1").await;
    client
        .send(json!({"event": "pusher:subscribe", "data": {"channel": "private-a", "auth": "key-1:0000"}}))
        .await;
    let error = client.next().await;
    assert_eq!(error["event"], "pusher:subscription_error");
    assert_eq!(error["channel"], "private-a");
    let error = client.next().await;
    assert_eq!(error["event"], "pusher:error");
    assert!(error["data"]["message"]
        .as_str()
        .unwrap()
        .contains("Invalid signature"));
    assert!(error["data"]["code"].is_null());
    // A signature for another socket is refused too.
    let wrong = client.subscribe_signed("1.1", "private-a", None).await;
    assert_eq!(wrong["event"], "pusher:subscription_error");
    client.next().await;
    // No auth at all is refused.
    assert_eq!(
        client.subscribe("private-a").await["event"],
        "pusher:subscription_error"
    );
    client.next().await;
    let ok = client.subscribe_signed(&socket_id, "private-a", None).await;
    assert_eq!(ok["event"], "pusher_internal:subscription_succeeded");
    // Events reach it only after the successful subscription.
    server
        .api(
            APP1,
            "POST",
            "/events",
            &[],
            Some(&json!({"name": "e", "channel": "private-a", "data": "x"})),
        )
        .await;
    assert_eq!(client.next().await["event"], "e");
}

#[tokio::test]
async fn encrypted_channels_relay_ciphertext_untouched() {
    let server = Server::start().await;
    let (mut client, socket_id) = server.connected("key-1").await;
    let ok = client
        .subscribe_signed(&socket_id, "private-encrypted-vault", None)
        .await;
    assert_eq!(ok["event"], "pusher_internal:subscription_succeeded");
    let sealed = "{\"nonce\":\"bm9uY2U=\",\"ciphertext\":\"Y2lwaGVy\"}";
    server
        .api(
            APP1,
            "POST",
            "/events",
            &[],
            Some(&json!({"name": "secret", "channel": "private-encrypted-vault", "data": sealed})),
        )
        .await;
    assert_eq!(client.next().await["data"], sealed);
}

#[tokio::test]
async fn invalid_channel_names_are_refused() {
    let server = Server::start().await;
    let (mut client, _) = server.connected("key-1").await;
    for name in ["", "has space", "bad#char", &"a".repeat(165)] {
        let error = client.subscribe(name).await;
        assert_eq!(error["event"], "pusher:error", "{name:?}");
        assert_eq!(error["data"]["code"], 4009, "{name:?}");
    }
    client.send(json!({"event": "pusher:ping"})).await;
    assert_eq!(client.next().await["event"], "pusher:pong");
}

#[tokio::test]
async fn presence_members_join_once_and_leave_once_per_user() {
    let server = Server::start().await;
    let (mut watcher, watcher_id) = server.connected("key-1").await;
    let watcher_data = r#"{"user_id":"w","user_info":{"name":"Watcher"}}"#;
    let joined = watcher
        .subscribe_signed(&watcher_id, "presence-room", Some(watcher_data))
        .await;
    assert_eq!(joined["event"], "pusher_internal:subscription_succeeded");
    assert_eq!(
        data(&joined),
        json!({"presence": {"ids": ["w"], "hash": {"w": {"name": "Watcher"}}, "count": 1}})
    );

    // User 7 (a number in channel_data: normalised to a string) on two sockets.
    let (mut tab1, tab1_id) = server.connected("key-1").await;
    let (mut tab2, tab2_id) = server.connected("key-1").await;
    let seven = r#"{"user_id":7,"user_info":{"name":"Seven"}}"#;
    tab1.subscribe_signed(&tab1_id, "presence-room", Some(seven))
        .await;
    let added = watcher.next().await;
    assert_eq!(added["event"], "pusher_internal:member_added");
    assert_eq!(
        data(&added),
        json!({"user_id": "7", "user_info": {"name": "Seven"}})
    );
    let second = tab2
        .subscribe_signed(&tab2_id, "presence-room", Some(seven))
        .await;
    assert_eq!(data(&second)["presence"]["count"], 2);
    watcher.expect_silence(Duration::from_millis(300)).await;
    // Subscribing again (pusher-js may, after a hiccup) confirms with the member list again,
    // which pusher-js's presence channel reads; nobody hears of it.
    let again = tab2
        .subscribe_signed(&tab2_id, "presence-room", Some(seven))
        .await;
    assert_eq!(again["event"], "pusher_internal:subscription_succeeded");
    assert_eq!(data(&again)["presence"]["count"], 2);
    assert_eq!(
        data(&again)["presence"]["hash"]["7"],
        json!({"name": "Seven"})
    );
    watcher.expect_silence(Duration::from_millis(300)).await;

    let (status, users) = server
        .api(APP1, "GET", "/channels/presence-room/users", &[], None)
        .await;
    assert_eq!(status, 200);
    let mut ids: Vec<String> = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    assert_eq!(ids, ["7", "w"]);

    tab1.send(json!({"event": "pusher:unsubscribe", "data": {"channel": "presence-room"}}))
        .await;
    watcher.expect_silence(Duration::from_millis(300)).await;
    drop(tab2);
    let removed = watcher.next().await;
    assert_eq!(removed["event"], "pusher_internal:member_removed");
    assert_eq!(data(&removed), json!({"user_id": "7"}));
}

#[tokio::test]
async fn presence_refuses_bad_channel_data_and_full_channels() {
    let server = Server::start().await;
    let (mut client, socket_id) = server.connected("key-1").await;
    for bad in [
        r#"{"user_info":{}}"#,
        r#"{"user_id":""}"#,
        "not json",
        &format!(r#"{{"user_id":"{}"}}"#, "u".repeat(129)),
    ] {
        let error = client
            .subscribe_signed(&socket_id, "presence-x", Some(bad))
            .await;
        assert_eq!(error["event"], "pusher:subscription_error", "{bad}");
        assert_eq!(client.next().await["event"], "pusher:error");
    }
    let big = format!(r#"{{"user_id":"1","user_info":"{}"}}"#, "i".repeat(2048));
    assert_eq!(
        client
            .subscribe_signed(&socket_id, "presence-x", Some(&big))
            .await["event"],
        "pusher:subscription_error"
    );
    client.next().await;
    // app-1 allows 3 members per presence channel.
    let mut members = Vec::new();
    for user in 0..3 {
        let (mut c, id) = server.connected("key-1").await;
        let ok = c
            .subscribe_signed(
                &id,
                "presence-full",
                Some(&format!(r#"{{"user_id":"{user}"}}"#)),
            )
            .await;
        assert_eq!(ok["event"], "pusher_internal:subscription_succeeded");
        members.push(c);
    }
    let full = client
        .subscribe_signed(&socket_id, "presence-full", Some(r#"{"user_id":"late"}"#))
        .await;
    assert_eq!(full["event"], "pusher:subscription_error");
    assert_eq!(client.next().await["event"], "pusher:error");
    // An existing member may still open another socket.
    let again = client
        .subscribe_signed(&socket_id, "presence-full", Some(r#"{"user_id":"0"}"#))
        .await;
    assert_eq!(again["event"], "pusher_internal:subscription_succeeded");
}

#[tokio::test]
async fn cache_channels_replay_the_last_event_or_report_a_miss() {
    let server = Server::start().await;
    let (mut early, _) = server.connected("key-1").await;
    early.subscribe("cache-prices").await;
    assert_eq!(
        early.next().await,
        json!({"event": "pusher:cache_miss", "channel": "cache-prices"})
    );
    for price in ["1", "2"] {
        server
            .api(
                APP1,
                "POST",
                "/events",
                &[],
                Some(&json!({"name": "price", "channel": "cache-prices", "data": price})),
            )
            .await;
    }
    let (mut late, _) = server.connected("key-1").await;
    assert_eq!(
        late.subscribe("cache-prices").await["event"],
        "pusher_internal:subscription_succeeded"
    );
    assert_eq!(
        late.next().await,
        json!({"event": "price", "channel": "cache-prices", "data": "2"})
    );
    let (status, body) = server
        .api(
            APP1,
            "GET",
            "/channels/cache-prices",
            &[("info", "cache,subscription_count")],
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["cache"]["data"], "2");
    assert_eq!(body["subscription_count"], 2);
}

#[tokio::test]
async fn subscription_count_events_go_to_apps_that_opt_in() {
    let server = Server::start().await;
    let (mut a, _) = server.connected("key-count").await;
    a.subscribe("counted").await;
    assert_eq!(
        a.next().await,
        json!({"event": "pusher_internal:subscription_count", "channel": "counted", "data": "{\"subscription_count\":1}"})
    );
    let (mut b, _) = server.connected("key-count").await;
    b.subscribe("counted").await;
    assert_eq!(
        data(&a.expect_event("pusher_internal:subscription_count").await),
        json!({"subscription_count": 2})
    );
    drop(b);
    assert_eq!(
        data(&a.expect_event("pusher_internal:subscription_count").await),
        json!({"subscription_count": 1})
    );

    // app-2 did not opt in.
    let (mut c, _) = server.connected("key-2").await;
    c.subscribe("counted").await;
    c.expect_silence(Duration::from_millis(300)).await;
}
