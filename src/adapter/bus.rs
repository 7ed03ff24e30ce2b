//! The pub/sub bus nodes talk over: Redis, Redis Cluster or NATS. One channel (subject) per
//! deployment, named from the configured prefix. Each implementation reconnects by itself and
//! reports whether it is connected.

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::{mpsc, watch};

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BusError(pub String);

#[async_trait]
pub trait Bus: Send + Sync {
    /// Publishes `messages` in order, pipelined: one round trip for all of them, not one each.
    async fn publish(&self, messages: &[Bytes]) -> Result<(), BusError>;
    /// Delivers every message on the bus to `sink` until the sink closes, reconnecting after
    /// failures; `connected` follows the subscription's state.
    async fn run_subscriber(&self, sink: mpsc::Sender<Bytes>, connected: watch::Sender<bool>);
}

/// How long to wait between reconnection attempts.
const RETRY: std::time::Duration = std::time::Duration::from_millis(500);

pub struct RedisBus {
    client: redis::Client,
    publisher: redis::aio::ConnectionManager,
    channel: String,
}

impl RedisBus {
    pub async fn connect(url: &str, channel: String) -> Result<RedisBus, BusError> {
        let client = redis::Client::open(url).map_err(|e| BusError(format!("redis: {e}")))?;
        let publisher = crate::redis_link::manager(&client)
            .await
            .map_err(|e| BusError(format!("redis: {e}")))?;
        Ok(RedisBus {
            client,
            publisher,
            channel,
        })
    }
}

#[async_trait]
impl Bus for RedisBus {
    async fn publish(&self, messages: &[Bytes]) -> Result<(), BusError> {
        redis_publish(self.publisher.clone(), &self.channel, messages, "redis").await
    }

    async fn run_subscriber(&self, sink: mpsc::Sender<Bytes>, connected: watch::Sender<bool>) {
        subscribe_redis(
            std::slice::from_ref(&self.client),
            &self.channel,
            sink,
            connected,
        )
        .await;
    }
}

/// One pipeline of PUBLISH commands. In a Redis Cluster a pipeline goes to one node (they all
/// name the same channel), so the order holds there too.
async fn redis_publish<C: redis::aio::ConnectionLike>(
    mut connection: C,
    channel: &str,
    messages: &[Bytes],
    what: &str,
) -> Result<(), BusError> {
    let mut pipeline = redis::pipe();
    for message in messages {
        pipeline
            .cmd("PUBLISH")
            .arg(channel)
            .arg(&message[..])
            .ignore();
    }
    pipeline
        .query_async::<()>(&mut connection)
        .await
        .map_err(|e| BusError(format!("{what}: {e}")))
}

/// Subscribes on the first client that answers, and again after any failure. In a Redis
/// Cluster a PUBLISH reaches every node's subscribers, so one node is enough.
async fn subscribe_redis(
    clients: &[redis::Client],
    channel: &str,
    sink: mpsc::Sender<Bytes>,
    connected: watch::Sender<bool>,
) {
    let mut next = 0;
    loop {
        let client = &clients[next % clients.len()];
        next += 1;
        if let Ok(mut pubsub) = client.get_async_pubsub().await {
            if pubsub.subscribe(channel).await.is_ok() {
                connected.send_replace(true);
                let mut messages = pubsub.into_on_message();
                while let Some(message) = messages.next().await {
                    if sink
                        .send(Bytes::copy_from_slice(message.get_payload_bytes()))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            }
        }
        connected.send_replace(false);
        if sink.is_closed() {
            return;
        }
        tokio::time::sleep(RETRY).await;
    }
}

pub struct RedisClusterBus {
    clients: Vec<redis::Client>,
    publisher: redis::cluster_async::ClusterConnection,
    channel: String,
}

impl RedisClusterBus {
    pub async fn connect(nodes: &[String], channel: String) -> Result<RedisClusterBus, BusError> {
        let error = |e: redis::RedisError| BusError(format!("redis cluster: {e}"));
        let publisher = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            redis::cluster::ClusterClient::new(nodes.to_vec())
                .map_err(error)?
                .get_async_connection(),
        )
        .await
        .map_err(|_| BusError("redis cluster: no answer within 5 s".into()))?
        .map_err(error)?;
        let clients = nodes
            .iter()
            .map(|node| redis::Client::open(node.as_str()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(error)?;
        Ok(RedisClusterBus {
            clients,
            publisher,
            channel,
        })
    }
}

#[async_trait]
impl Bus for RedisClusterBus {
    async fn publish(&self, messages: &[Bytes]) -> Result<(), BusError> {
        redis_publish(
            self.publisher.clone(),
            &self.channel,
            messages,
            "redis cluster",
        )
        .await
    }

    async fn run_subscriber(&self, sink: mpsc::Sender<Bytes>, connected: watch::Sender<bool>) {
        subscribe_redis(&self.clients, &self.channel, sink, connected).await;
    }
}

pub struct NatsBus {
    client: async_nats::Client,
    subject: String,
}

/// NATS credentials, from `adapter.nats`.
#[derive(Debug, Clone, Default)]
pub struct NatsAuth {
    pub username: Option<String>,
    pub password: Option<String>,
    pub token: Option<String>,
}

impl NatsBus {
    pub async fn connect(
        servers: &[String],
        auth: &NatsAuth,
        subject: String,
    ) -> Result<NatsBus, BusError> {
        let options = || {
            let mut options = async_nats::ConnectOptions::new()
                .connection_timeout(std::time::Duration::from_secs(5));
            if let (Some(user), Some(password)) = (&auth.username, &auth.password) {
                options = options.user_and_password(user.clone(), password.clone());
            }
            if let Some(token) = &auth.token {
                options = options.token(token.clone());
            }
            options
        };
        let addresses: Vec<async_nats::ServerAddr> = servers
            .iter()
            .map(|s| {
                s.parse()
                    .map_err(|e| BusError(format!("nats: bad server {s:?}: {e}")))
            })
            .collect::<Result<_, _>>()?;
        let client = options()
            .retry_on_initial_connect()
            .connect(addresses.clone())
            .await
            .map_err(|e| BusError(format!("nats: {e}")))?;
        // retry_on_initial_connect returns at once: wait (bounded) for the first connection so a
        // wrong address is an error at start, not a silent retry loop.
        for _ in 0..50 {
            if client.connection_state() == async_nats::connection::State::Connected {
                return Ok(NatsBus { client, subject });
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        // The client retries quietly: one plain attempt tells why (a TLS certificate no trusted
        // CA signed, a refused port, bad credentials...).
        let why = match options().connect(addresses).await {
            Err(error) => format!(": {error}"),
            Ok(_) => String::new(),
        };
        Err(BusError(format!(
            "nats: no server answered at {servers:?}{why}"
        )))
    }
}

#[async_trait]
impl Bus for NatsBus {
    /// The client queues each message for its connection's writer, which batches what is queued
    /// into its writes: no round trip per message.
    async fn publish(&self, messages: &[Bytes]) -> Result<(), BusError> {
        for message in messages {
            self.client
                .publish(self.subject.clone(), message.clone())
                .await
                .map_err(|e| BusError(format!("nats: {e}")))?;
        }
        Ok(())
    }

    async fn run_subscriber(&self, sink: mpsc::Sender<Bytes>, connected: watch::Sender<bool>) {
        loop {
            match self.client.subscribe(self.subject.clone()).await {
                Ok(mut subscription) => {
                    // The client resubscribes by itself after reconnecting; the state is
                    // watched separately for health.
                    let client = self.client.clone();
                    let watch_state = connected.clone();
                    let health = tokio::spawn(async move {
                        loop {
                            let up = client.connection_state()
                                == async_nats::connection::State::Connected;
                            watch_state
                                .send_if_modified(|state| std::mem::replace(state, up) != up);
                            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                        }
                    });
                    while let Some(message) = subscription.next().await {
                        if sink.send(message.payload).await.is_err() {
                            health.abort();
                            return;
                        }
                    }
                    health.abort();
                }
                Err(error) => tracing::warn!(%error, "nats subscribe failed"),
            }
            connected.send_replace(false);
            if sink.is_closed() {
                return;
            }
            tokio::time::sleep(RETRY).await;
        }
    }
}
