//! The app model. An [`App`] deserialises from the flat shape of Sockudo's and soketi's
//! `app_manager.array.apps` entries (soketi's camelCase names too), so their configs load unchanged. Per-app limits are optional:
//! `None` means "the global default from config", and [`LimitDefaults`] resolves them.

use crate::lenient;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct App {
    #[serde(deserialize_with = "lenient::string")]
    pub id: String,
    #[serde(deserialize_with = "lenient::string")]
    pub key: String,
    #[serde(deserialize_with = "lenient::string")]
    pub secret: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default = "yes", deserialize_with = "lenient::boolean")]
    pub enabled: bool,
    #[serde(
        alias = "enableClientMessages",
        default,
        deserialize_with = "lenient::boolean"
    )]
    pub enable_client_messages: bool,
    #[serde(
        alias = "enableUserAuthentication",
        default,
        deserialize_with = "lenient::boolean"
    )]
    pub enable_user_authentication: bool,
    #[serde(
        alias = "enableWatchlistEvents",
        default,
        deserialize_with = "lenient::boolean"
    )]
    pub enable_watchlist_events: bool,
    #[serde(
        alias = "enableSubscriptionCount",
        default,
        deserialize_with = "lenient::boolean"
    )]
    pub enable_subscription_count: bool,
    #[serde(
        alias = "maxConnections",
        default,
        deserialize_with = "lenient::optional_number"
    )]
    pub max_connections: Option<u64>,
    #[serde(
        alias = "maxBackendEventsPerSecond",
        default,
        deserialize_with = "lenient::optional_number"
    )]
    pub max_backend_events_per_second: Option<u64>,
    #[serde(
        alias = "maxClientEventsPerSecond",
        default,
        deserialize_with = "lenient::optional_number"
    )]
    pub max_client_events_per_second: Option<u64>,
    #[serde(
        alias = "maxReadRequestsPerSecond",
        default,
        deserialize_with = "lenient::optional_number"
    )]
    pub max_read_requests_per_second: Option<u64>,
    #[serde(
        alias = "maxPresenceMembersPerChannel",
        default,
        deserialize_with = "lenient::optional_number"
    )]
    pub max_presence_members_per_channel: Option<u64>,
    #[serde(
        alias = "maxPresenceMemberSizeInKb",
        default,
        deserialize_with = "lenient::optional_number"
    )]
    pub max_presence_member_size_in_kb: Option<u64>,
    #[serde(
        alias = "maxChannelsPerConnection",
        default,
        deserialize_with = "lenient::optional_number"
    )]
    pub max_channels_per_connection: Option<u64>,
    #[serde(
        alias = "maxChannelNameLength",
        default,
        deserialize_with = "lenient::optional_number"
    )]
    pub max_channel_name_length: Option<u64>,
    #[serde(
        alias = "maxEventChannelsAtOnce",
        default,
        deserialize_with = "lenient::optional_number"
    )]
    pub max_event_channels_at_once: Option<u64>,
    #[serde(
        alias = "maxEventNameLength",
        default,
        deserialize_with = "lenient::optional_number"
    )]
    pub max_event_name_length: Option<u64>,
    #[serde(
        alias = "maxEventPayloadInKb",
        default,
        deserialize_with = "lenient::optional_number"
    )]
    pub max_event_payload_in_kb: Option<u64>,
    #[serde(
        alias = "maxEventBatchSize",
        default,
        deserialize_with = "lenient::optional_number"
    )]
    pub max_event_batch_size: Option<u64>,
    #[serde(alias = "allowedOrigins", default)]
    pub allowed_origins: Vec<String>,
    #[serde(default)]
    pub webhooks: Vec<Webhook>,
    /// Per-channel delta settings by channel name or `*` pattern.
    #[serde(
        alias = "channelDeltaCompression",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub channel_delta_compression: Option<crate::delta::settings::ChannelOverrides>,
    /// 32 bytes, base64: the key `private-encrypted-*` shared secrets derive from, as in Pusher's
    /// SDKs. The server never decrypts; only the web console signs with it. Checked on load.
    #[serde(
        alias = "encryptionMasterKeyBase64",
        default,
        deserialize_with = "master_key",
        skip_serializing_if = "Option::is_none"
    )]
    pub encryption_master_key_base64: Option<String>,
    /// Seconds since the epoch; set by persistent stores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<i64>,
}

fn yes() -> bool {
    true
}

/// An encryption master key in base64 (standard alphabet), decoded; the error never quotes it.
pub fn decode_master_key(text: &str) -> Result<[u8; 32], String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|_| {
            "not valid base64: the encryption master key is 32 random bytes in base64 \
             (`openssl rand -base64 32`)"
                .to_owned()
        })?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        format!(
            "the encryption master key must be 32 bytes, this one decodes to {} \
             (`openssl rand -base64 32` makes one)",
            bytes.len()
        )
    })
}

/// `encryption_master_key_base64`: absent, `null` or `""` for none; otherwise it must decode.
fn master_key<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    let text = Option::<String>::deserialize(deserializer)?;
    match text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => {
            decode_master_key(&text).map_err(serde::de::Error::custom)?;
            Ok(Some(text))
        }
    }
}

/// One webhook of an app: an HTTP `url`, or an AWS Lambda function (`lambda_function`, or
/// Sockudo's `lambda{function_name, region}`; the `aws` feature delivers to it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Webhook {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda_function: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda: Option<WebhookLambda>,
    #[serde(default)]
    pub event_types: Vec<String>,
    #[serde(default)]
    pub filter: Option<WebhookFilter>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// A Lambda target's details; `region` defaults to the function ARN's, then `webhooks.lambda.region`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WebhookLambda {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

impl Webhook {
    /// The Lambda function this webhook invokes (`lambda.function_name`, else `lambda_function`),
    /// when it has one, and the region it names.
    pub fn lambda_target(&self) -> Option<(String, Option<String>)> {
        let function = self
            .lambda
            .as_ref()
            .and_then(|l| l.function_name.clone())
            .or_else(|| self.lambda_function.clone())
            .filter(|f| !f.is_empty())?;
        let region = self.lambda.as_ref().and_then(|l| l.region.clone());
        Some((function, region))
    }

    /// What the webhook delivers to, as one string: its URL, or `lambda:{region}:{function}`.
    /// Batches and queues are per target.
    pub fn target(&self) -> String {
        match self.lambda_target() {
            Some((function, region)) if self.url.is_empty() => {
                format!("lambda:{}:{function}", region.unwrap_or_default())
            }
            _ => self.url.clone(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WebhookFilter {
    pub channel_prefix: Option<String>,
    pub channel_suffix: Option<String>,
    pub channel_pattern: Option<String>,
}

impl App {
    /// The decoded `encryption_master_key_base64`, when the app has one.
    pub fn encryption_master_key(&self) -> Option<[u8; 32]> {
        self.encryption_master_key_base64
            .as_deref()
            .and_then(|text| decode_master_key(text).ok())
    }

    /// A new enabled app with every limit at its global default.
    pub fn new(id: &str, key: &str, secret: &str) -> Self {
        App {
            id: id.to_owned(),
            key: key.to_owned(),
            secret: secret.to_owned(),
            name: None,
            enabled: true,
            enable_client_messages: false,
            enable_user_authentication: false,
            enable_watchlist_events: false,
            enable_subscription_count: false,
            max_connections: None,
            max_backend_events_per_second: None,
            max_client_events_per_second: None,
            max_read_requests_per_second: None,
            max_presence_members_per_channel: None,
            max_presence_member_size_in_kb: None,
            max_channel_name_length: None,
            max_event_channels_at_once: None,
            max_event_name_length: None,
            max_channels_per_connection: None,
            max_event_payload_in_kb: None,
            max_event_batch_size: None,
            allowed_origins: Vec::new(),
            webhooks: Vec::new(),
            channel_delta_compression: None,
            encryption_master_key_base64: None,
            created_at: None,
            updated_at: None,
        }
    }
}

/// Global defaults for the limits an app leaves unset (config `event_limits`, `presence`,
/// `channel_limits`). The values here are the Pusher service's documented limits.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitDefaults {
    pub max_channel_name_length: u64,
    pub max_channels_per_connection: u64,
    /// Subscribe messages one connection may send per second, beyond a burst of
    /// `max_channels_per_connection` (a new connection subscribes to all its channels at once).
    pub max_subscriptions_per_second: u64,
    pub max_event_channels_at_once: u64,
    pub max_event_name_length: u64,
    pub max_event_payload_in_kb: u64,
    pub max_event_batch_size: u64,
    pub max_presence_members_per_channel: u64,
    pub max_presence_member_size_in_kb: u64,
    pub max_client_events_per_second: u64,
    /// Close connections that go over the client-event rate (4301), not just refuse the event.
    pub terminate_on_client_event_limit: bool,
}

impl Default for LimitDefaults {
    fn default() -> Self {
        LimitDefaults {
            max_channel_name_length: 164,
            max_channels_per_connection: 1000,
            max_subscriptions_per_second: 100,
            max_event_channels_at_once: 100,
            max_event_name_length: 200,
            max_event_payload_in_kb: 10,
            max_event_batch_size: 10,
            max_presence_members_per_channel: 100,
            max_presence_member_size_in_kb: 1,
            max_client_events_per_second: 10,
            terminate_on_client_event_limit: false,
        }
    }
}

/// One app's effective limits: its own values where set, the defaults elsewhere.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub channel_name_length: usize,
    pub channels_per_connection: usize,
    pub subscriptions_per_second: u64,
    pub event_channels_at_once: usize,
    pub event_name_length: usize,
    pub event_payload_bytes: usize,
    pub event_batch_size: usize,
    pub presence_members_per_channel: usize,
    pub presence_member_size_bytes: usize,
    pub client_events_per_second: u64,
    pub terminate_on_client_event_limit: bool,
}

impl LimitDefaults {
    pub fn for_app(&self, app: &App) -> Limits {
        let pick = |own: Option<u64>, default: u64| own.unwrap_or(default) as usize;
        Limits {
            channel_name_length: pick(app.max_channel_name_length, self.max_channel_name_length),
            channels_per_connection: pick(
                app.max_channels_per_connection,
                self.max_channels_per_connection,
            ),
            subscriptions_per_second: self.max_subscriptions_per_second,
            event_channels_at_once: pick(
                app.max_event_channels_at_once,
                self.max_event_channels_at_once,
            ),
            event_name_length: pick(app.max_event_name_length, self.max_event_name_length),
            event_payload_bytes: pick(app.max_event_payload_in_kb, self.max_event_payload_in_kb)
                * 1024,
            event_batch_size: pick(app.max_event_batch_size, self.max_event_batch_size),
            presence_members_per_channel: pick(
                app.max_presence_members_per_channel,
                self.max_presence_members_per_channel,
            ),
            presence_member_size_bytes: pick(
                app.max_presence_member_size_in_kb,
                self.max_presence_member_size_in_kb,
            ) * 1024,
            client_events_per_second: app
                .max_client_events_per_second
                .unwrap_or(self.max_client_events_per_second),
            terminate_on_client_event_limit: self.terminate_on_client_event_limit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_the_flat_sockudo_shape_with_string_numbers() {
        let app: App = serde_json::from_str(
            r#"{"id": 12, "key": "k", "secret": "s", "enabled": "true",
                "max_connections": "1000", "enable_client_messages": true,
                "max_client_events_per_second": "20", "webhooks": [{"url": "http://x", "event_types": ["channel_occupied"]}]}"#,
        )
        .unwrap();
        assert_eq!(app.id, "12");
        assert_eq!(app.max_connections, Some(1000));
        assert!(app.enable_client_messages && app.enabled);
        assert_eq!(app.webhooks[0].event_types, ["channel_occupied"]);
        let limits = LimitDefaults::default().for_app(&app);
        assert_eq!(limits.client_events_per_second, 20);
        assert_eq!(limits.event_payload_bytes, 10 * 1024);
    }

    #[test]
    fn encryption_master_keys_are_checked_on_load() {
        let key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; // 32 bytes
        let load = |extra: &str| {
            serde_json::from_str::<App>(&format!(
                r#"{{"id": "a", "key": "k", "secret": "s"{extra}}}"#
            ))
        };
        let app = load(&format!(r#", "encryption_master_key_base64": "{key}""#)).unwrap();
        assert_eq!(
            app.encryption_master_key(),
            Some(*b"0123456789abcdef0123456789abcdef")
        );
        let app = load(&format!(r#", "encryptionMasterKeyBase64": "{key}""#)).unwrap();
        assert!(app.encryption_master_key().is_some());
        for none in [
            "",
            r#", "encryption_master_key_base64": null"#,
            r#", "encryption_master_key_base64": " ""#,
        ] {
            assert_eq!(
                load(none).unwrap().encryption_master_key_base64,
                None,
                "{none}"
            );
        }
        let short = load(r#", "encryption_master_key_base64": "c2hvcnQ=""#).unwrap_err();
        assert!(
            short
                .to_string()
                .contains("must be 32 bytes, this one decodes to 5"),
            "{short}"
        );
        let bad = load(r#", "encryption_master_key_base64": "not base64!""#).unwrap_err();
        assert!(bad.to_string().contains("not valid base64"), "{bad}");
        assert!(
            !bad.to_string().contains("not base64!"),
            "the key is never quoted: {bad}"
        );
        // Stored apps keep it (the settings JSON of database rows).
        let app = load(&format!(r#", "encryption_master_key_base64": "{key}""#)).unwrap();
        let back: App = serde_json::from_value(serde_json::to_value(&app).unwrap()).unwrap();
        assert_eq!(back, app);
    }
}
