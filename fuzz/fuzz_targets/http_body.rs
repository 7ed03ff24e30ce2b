//! The HTTP API: the body checks of `POST /events` and `POST /batch_events` (JSON parse, then
//! validation with the default limits), and the request signature (`body_md5`, the string to
//! sign from an arbitrary method, path and query, HMAC verification).
//!
//! Input: NUL-separated parts: the request body as the handlers see it, then the method, path,
//! query string, app secret, a signature as a client might send it, and an `auth` value of a
//! subscription or sign-in (missing parts are empty).
//!
//! Checks: nothing panics; a request signed with the secret verifies and a tampered one does not;
//! the string to sign does not depend on the order of the query parameters.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sockudo::protocol::signature;

const KEY: &str = "278d425bdf160c739803";

struct Input<'a> {
    body: &'a [u8],
    method: String,
    path: String,
    query: &'a [u8],
    secret: String,
    given_signature: String,
    auth: String,
    /// Where to change one byte of the signed string.
    tamper: usize,
}

impl<'a> Input<'a> {
    fn split(input: &'a [u8]) -> Input<'a> {
        let mut parts = input.split(|&b| b == 0);
        let mut bytes = || parts.next().unwrap_or_default();
        let body = bytes();
        let method = String::from_utf8_lossy(bytes()).into_owned();
        let path = String::from_utf8_lossy(bytes()).into_owned();
        let query = bytes();
        let secret = String::from_utf8_lossy(bytes()).into_owned();
        let given_signature = String::from_utf8_lossy(bytes()).into_owned();
        let auth = String::from_utf8_lossy(bytes()).into_owned();
        Input {
            body,
            method,
            path,
            query,
            secret,
            given_signature,
            auth,
            tamper: input.len().wrapping_mul(31),
        }
    }
}

fuzz_target!(|input: &[u8]| {
    let input = Input::split(input);
    sockudo::http::fuzz_event_body(input.body);

    let md5 = signature::body_md5(input.body);
    assert!(
        md5.len() == 32
            && md5
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );

    let pairs: Vec<(String, String)> = form_urlencoded::parse(input.query).into_owned().collect();
    let to_sign = signature::http_string_to_sign(
        &input.method,
        &input.path,
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    );
    let head = format!("{}\n{}\n", input.method.to_ascii_uppercase(), &input.path);
    assert!(to_sign.starts_with(&head), "{to_sign:?}");
    let reversed = signature::http_string_to_sign(
        &input.method,
        &input.path,
        pairs.iter().rev().map(|(k, v)| (k.as_str(), v.as_str())),
    );
    assert_eq!(
        to_sign, reversed,
        "the query's order changed the string to sign"
    );

    let good = signature::sign(&input.secret, &to_sign);
    assert!(signature::verify(&input.secret, &to_sign, &good));
    assert!(signature::verify(
        &input.secret,
        &to_sign,
        &good.to_ascii_uppercase()
    ));
    assert_eq!(
        signature::verify(&input.secret, &to_sign, &input.given_signature),
        input.given_signature.trim().eq_ignore_ascii_case(&good),
        "a signature other than the right one verified (or the right one did not)"
    );
    let mut tampered = to_sign.clone().into_bytes();
    if !tampered.is_empty() {
        let at = input.tamper % tampered.len();
        tampered[at] ^= 1;
        // A flipped low bit can break UTF-8; compare bytes as the server would see them.
        if let Ok(tampered) = String::from_utf8(tampered) {
            assert!(!signature::verify(&input.secret, &tampered, &good));
        }
    }

    let message = signature::channel_auth_message(&input.path, &input.method, Some(&input.auth));
    let token = format!("{KEY}:{}", signature::sign(&input.secret, &message));
    assert!(signature::verify_auth_token(
        KEY,
        &input.secret,
        &token,
        &message
    ));
    let _ = signature::verify_auth_token(KEY, &input.secret, &input.auth, &message);
    let user = signature::user_auth_message(&input.path, &input.auth);
    let _ = signature::verify_auth_token(KEY, &input.secret, &input.auth, &user);
});
