//! Connection limits under a burst of simultaneous upgrades.

use crate::support::*;
use crate::{one_at_a_time, open_files_for};
use serde_json::{json, Value};

/// Limits are checked before the upgrade and sockets counted after it: a burst of simultaneous
/// upgrades must not slip through between the two.
async fn welcomed_of_a_burst(
    server: &Server,
    key: &str,
    burst: usize,
) -> (Vec<Client>, Vec<Value>) {
    let mut connecting = tokio::task::JoinSet::new();
    for _ in 0..burst {
        let url = format!("ws://127.0.0.1:{}/app/{key}?protocol=7", server.port);
        connecting.spawn(async move {
            let mut client = Client::connect(&url).await;
            let first = client.next().await;
            (client, first)
        });
    }
    let mut welcomed = Vec::new();
    let mut refusals = Vec::new();
    while let Some(joined) = connecting.join_next().await {
        let (client, first) = joined.unwrap();
        match first["event"].as_str() {
            Some("pusher:connection_established") => welcomed.push(client),
            _ => refusals.push(first["data"]["code"].clone()),
        }
    }
    (welcomed, refusals)
}

#[tokio::test]
async fn a_burst_of_upgrades_cannot_pass_the_connection_limits() {
    let _alone = one_at_a_time().await;
    open_files_for(400);
    let mut config = default_config();
    config["max_connections"] = json!(100);
    let server = Server::with_config(config).await;
    let (small, refusals) = welcomed_of_a_burst(&server, "key-small", 200).await;
    assert_eq!(small.len(), 1, "app quota of 1: {refusals:?}");
    assert!(refusals.iter().all(|code| *code == 4004), "{refusals:?}");
    let (others, refusals) = welcomed_of_a_burst(&server, "key-1", 400).await;
    assert_eq!(others.len(), 99, "node limit of 100, one taken");
    assert!(refusals.iter().all(|code| *code == 4100), "{refusals:?}");
}
