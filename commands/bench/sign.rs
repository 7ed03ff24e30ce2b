//! Signing HTTP API requests the way the Pusher server SDKs do.
//!
//! Only depends on the `sockudo` library: the integration tests include it with `#[path]`.

use sockudo::protocol::signature;

/// The path and query of a signed `POST /apps/{app_id}/events` carrying `body`.
pub fn signed_events_path(
    app_id: &str,
    key: &str,
    secret: &str,
    body: &[u8],
    timestamp: u64,
) -> String {
    signed_path(
        "POST",
        &format!("/apps/{app_id}/events"),
        key,
        secret,
        Some(body),
        timestamp,
    )
}

/// The path and query of a signed API request. Keys and secrets are sent as they are: app keys are
/// URL-safe in every store we know, and the signature covers the unescaped values anyway.
pub fn signed_path(
    method: &str,
    path: &str,
    key: &str,
    secret: &str,
    body: Option<&[u8]>,
    timestamp: u64,
) -> String {
    let timestamp = timestamp.to_string();
    let md5 = body.map(signature::body_md5);
    let mut params: Vec<(&str, &str)> = vec![
        ("auth_key", key),
        ("auth_timestamp", &timestamp),
        ("auth_version", "1.0"),
    ];
    if let Some(md5) = md5.as_deref() {
        params.push(("body_md5", md5));
    }
    let to_sign = signature::http_string_to_sign(method, path, params.iter().copied());
    let signature = signature::sign(secret, &to_sign);
    let mut out = String::with_capacity(path.len() + 200);
    out.push_str(path);
    for (i, (k, v)) in params.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out.push_str("&auth_signature=");
    out.push_str(&signature);
    out
}

/// The `auth` value of a private or presence channel subscription.
pub fn channel_auth(
    key: &str,
    secret: &str,
    socket_id: &str,
    channel: &str,
    channel_data: Option<&str>,
) -> String {
    let message = signature::channel_auth_message(socket_id, channel, channel_data);
    format!("{key}:{}", signature::sign(secret, &message))
}
