//! Opening a Redis connection manager within a bound, with an error that says why not.
//! The manager retries quietly, so a bound alone would hide the cause (a refused port, a TLS
//! certificate no trusted CA signed, a wrong password): one plain attempt after it tells.

use redis::aio::ConnectionManager;
use std::time::Duration;

const BOUND: Duration = Duration::from_secs(5);

pub async fn manager(client: &redis::Client) -> Result<ConnectionManager, String> {
    match tokio::time::timeout(BOUND, ConnectionManager::new(client.clone())).await {
        Ok(connected) => connected.map_err(|error| error.to_string()),
        Err(_) => {
            let why = match tokio::time::timeout(
                Duration::from_secs(2),
                client.get_multiplexed_async_connection(),
            )
            .await
            {
                Ok(Err(error)) => format!(": {error}"),
                _ => String::new(),
            };
            Err(format!("no answer within {} s{why}", BOUND.as_secs()))
        }
    }
}
