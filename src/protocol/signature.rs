//! HMAC-SHA256 signatures of the Pusher protocol: channel auth, user sign-in, HTTP API requests
//! and webhooks. All comparisons are constant time.

use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Hex HMAC-SHA256 of `message` under `secret`.
pub fn sign(secret: &str, message: &str) -> String {
    hex::encode(sign_bytes(secret, message.as_bytes()))
}

pub fn sign_bytes(secret: &str, message: &[u8]) -> [u8; 32] {
    let mut mac =
        HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// True when `hex_signature` is the signature of `message`, compared in constant time.
pub fn verify(secret: &str, message: &str, hex_signature: &str) -> bool {
    let Ok(given) = hex::decode(hex_signature.trim()) else {
        return false;
    };
    let expected = sign_bytes(secret, message.as_bytes());
    given.len() == expected.len() && bool::from(given.ct_eq(&expected))
}

/// The string a client signs to subscribe to a private or encrypted channel.
pub fn channel_auth_message(socket_id: &str, channel: &str, channel_data: Option<&str>) -> String {
    match channel_data {
        Some(data) => format!("{socket_id}:{channel}:{data}"),
        None => format!("{socket_id}:{channel}"),
    }
}

/// The string a client signs to sign in as a user.
pub fn user_auth_message(socket_id: &str, user_data: &str) -> String {
    format!("{socket_id}::user::{user_data}")
}

/// Checks an `auth` value of the form `"{key}:{hex}"` against `message`.
pub fn verify_auth_token(app_key: &str, secret: &str, auth: &str, message: &str) -> bool {
    match auth.split_once(':') {
        Some((key, signature)) => {
            bool::from(key.as_bytes().ct_eq(app_key.as_bytes()))
                && verify(secret, message, signature)
        }
        None => false,
    }
}

/// Hex MD5 of an HTTP request body, as `body_md5` carries it.
pub fn body_md5(body: &[u8]) -> String {
    hex::encode(Md5::digest(body))
}

/// The string an HTTP API request signs: `"{METHOD}\n{PATH}\n{QUERY}"`, where QUERY is every
/// parameter but `auth_signature`, keys lowercased and sorted, joined `k=v&...`, not URL-escaped.
pub fn http_string_to_sign<'a>(
    method: &str,
    path: &str,
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    let mut pairs: Vec<(String, &str)> = params
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .filter(|(k, _)| k != "auth_signature")
        .collect();
    pairs.sort();
    let query = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    format!("{}\n{}\n{}", method.to_ascii_uppercase(), path, query)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "278d425bdf160c739803";
    const SECRET: &str = "7ad3773142a6692b25b8";

    #[test]
    fn private_channel_vector() {
        let message = channel_auth_message("1234.1234", "private-foobar", None);
        let expected = "58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4";
        assert_eq!(sign(SECRET, &message), expected);
        assert!(verify_auth_token(
            KEY,
            SECRET,
            &format!("{KEY}:{expected}"),
            &message
        ));
        assert!(!verify_auth_token(
            KEY,
            SECRET,
            &format!("other:{expected}"),
            &message
        ));
    }

    #[test]
    fn user_vector() {
        let message = user_auth_message("1234.1234", r#"{"id":"12345"}"#);
        assert_eq!(
            sign(SECRET, &message),
            "4708d583dada6a56435fb8bc611c77c359a31eebde13337c16ab43aa6de336ba"
        );
    }

    #[test]
    fn presence_vector() {
        let data = r#"{"user_id":10,"user_info":{"name":"Mr. Channels"}}"#;
        let message = channel_auth_message("1234.1234", "presence-foobar", Some(data));
        assert_eq!(
            sign(SECRET, &message),
            "31935e7d86dba64c2a90aed31fdc61869f9b22ba9d8863bba239c03ca481bc80"
        );
    }

    #[test]
    fn http_api_vector() {
        let body = r#"{"name":"foo","channels":["project-3"],"data":"{\"some\":\"data\"}"}"#;
        let md5 = body_md5(body.as_bytes());
        assert_eq!(md5, "ec365a775a4cd0599faeb73354201b6f");
        let to_sign = http_string_to_sign(
            "POST",
            "/apps/3/events",
            [
                ("auth_key", KEY),
                ("auth_timestamp", "1353088179"),
                ("auth_version", "1.0"),
                ("body_md5", md5.as_str()),
            ],
        );
        assert_eq!(
            sign(SECRET, &to_sign),
            "da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c"
        );
    }

    #[test]
    fn rejects_wrong_or_malformed_signatures() {
        assert!(!verify(SECRET, "x", "zz"));
        assert!(!verify(SECRET, "x", ""));
        assert!(!verify(SECRET, "x", &sign(SECRET, "y")));
        assert!(!verify_auth_token(KEY, SECRET, "no-colon", "x"));
    }
}
