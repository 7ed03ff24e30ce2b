//! AWS Signature Version 4 for requests with a body in memory, written over `hmac` and `sha2`
//! (the AWS SDKs would cost far more to build than the few requests we make).
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html>

use super::Credentials;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::time::{SystemTime, UNIX_EPOCH};

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// RFC 3986 encoding as SigV4 wants it: everything but `A-Z a-z 0-9 - _ . ~` is `%XX`.
pub fn uri_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `(YYYYMMDD'T'HHMMSS'Z', YYYYMMDD)` for `time`, in UTC.
pub fn amz_date(time: SystemTime) -> (String, String) {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let date = format!("{year:04}{month:02}{day:02}");
    let stamp = format!(
        "{date}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    );
    (stamp, date)
}

/// What to sign: the request line, the headers to sign (any case), and the body.
pub struct Request<'a> {
    pub method: &'a str,
    pub url: &'a reqwest::Url,
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// The `Host` header value reqwest will send for `url`.
pub fn host_header(url: &reqwest::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// The path as AWS services other than S3 canonicalise it: each segment of the (already
/// percent-encoded) request path encoded once more.
fn canonical_uri(url: &reqwest::Url) -> String {
    let path = url.path();
    if path.is_empty() {
        return "/".into();
    }
    path.split('/')
        .map(uri_encode)
        .collect::<Vec<_>>()
        .join("/")
}

fn canonical_query(url: &reqwest::Url) -> String {
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (uri_encode(&k), uri_encode(&v)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Signs `request` for `region` and `service` at `time`. Returns the headers to add to it:
/// `X-Amz-Date`, `X-Amz-Security-Token` (temporary credentials) and `Authorization`. `Host` is
/// signed too (as reqwest will send it) and must not be overridden.
pub fn sign(
    credentials: &Credentials,
    region: &str,
    service: &str,
    request: &Request,
    time: SystemTime,
) -> Vec<(&'static str, String)> {
    let (stamp, date) = amz_date(time);
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|(name, value)| {
            let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
            (name.to_ascii_lowercase(), value)
        })
        .collect();
    headers.push(("host".into(), host_header(request.url)));
    headers.push(("x-amz-date".into(), stamp.clone()));
    if let Some(token) = &credentials.session_token {
        headers.push(("x-amz-security-token".into(), token.clone()));
    }
    headers.sort();
    let signed_headers = headers
        .iter()
        .map(|(name, _)| name.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let canonical_headers: String = headers
        .iter()
        .map(|(name, value)| format!("{name}:{value}\n"))
        .collect();
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        request.method,
        canonical_uri(request.url),
        canonical_query(request.url),
        canonical_headers,
        signed_headers,
        sha256_hex(request.body)
    );
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    );
    let key = [date.as_str(), region, service, "aws4_request"]
        .iter()
        .fold(
            format!("AWS4{}", credentials.secret_access_key).into_bytes(),
            |key, part| hmac(&key, part.as_bytes()),
        );
    let signature = hex::encode(hmac(&key, string_to_sign.as_bytes()));
    let mut out = vec![("X-Amz-Date", stamp)];
    if let Some(token) = &credentials.session_token {
        out.push(("X-Amz-Security-Token", token.clone()));
    }
    out.push((
        "Authorization",
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
            credentials.access_key_id
        ),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// 2015-08-30T12:36:00Z, the time of every example in AWS's SigV4 test suite.
    fn suite_time() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_440_938_160)
    }

    fn suite_credentials() -> Credentials {
        Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: None,
        }
    }

    fn authorization(method: &str, url: &str) -> String {
        let url = reqwest::Url::parse(url).unwrap();
        let request = Request {
            method,
            url: &url,
            headers: &[],
            body: b"",
        };
        let headers = sign(
            &suite_credentials(),
            "us-east-1",
            "service",
            &request,
            suite_time(),
        );
        assert_eq!(headers[0], ("X-Amz-Date", "20150830T123600Z".to_string()));
        headers.last().unwrap().1.clone()
    }

    #[test]
    fn dates_are_utc_civil_dates() {
        assert_eq!(
            amz_date(suite_time()),
            ("20150830T123600Z".into(), "20150830".into())
        );
        assert_eq!(amz_date(UNIX_EPOCH).0, "19700101T000000Z");
        // 2024-02-29T23:59:59Z: a leap day.
        assert_eq!(
            amz_date(UNIX_EPOCH + Duration::from_secs(1_709_251_199)).0,
            "20240229T235959Z"
        );
    }

    /// Vectors of AWS's SigV4 test suite (aws-sig-v4-test-suite): get-vanilla,
    /// get-vanilla-query-order-key-case and post-vanilla.
    #[test]
    fn matches_the_aws_test_suite() {
        let prefix = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=";
        for (method, url, signature) in [
            (
                "GET",
                "https://example.amazonaws.com/",
                "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            ),
            (
                "GET",
                "https://example.amazonaws.com/?Param2=value2&Param1=value1",
                "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
            ),
            (
                "POST",
                "https://example.amazonaws.com/",
                "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
            ),
        ] {
            assert_eq!(
                authorization(method, url),
                format!("{prefix}{signature}"),
                "{method} {url}"
            );
        }
    }

    #[test]
    fn signs_extra_headers_and_session_tokens() {
        let url =
            reqwest::Url::parse("http://127.0.0.1:4566/2015-03-31/functions/f%3Ax/invocations")
                .unwrap();
        let mut credentials = suite_credentials();
        credentials.session_token = Some("token".into());
        let request = Request {
            method: "POST",
            url: &url,
            headers: &[
                ("Content-Type", "application/json"),
                ("X-Amz-Invocation-Type", "Event"),
            ],
            body: b"{}",
        };
        let headers = sign(&credentials, "eu-west-1", "lambda", &request, suite_time());
        assert_eq!(headers[1], ("X-Amz-Security-Token", "token".to_string()));
        assert!(headers[2].1.contains(
            "/20150830/eu-west-1/lambda/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-invocation-type;x-amz-security-token, Signature="
        ));
        assert_eq!(
            canonical_uri(&url),
            "/2015-03-31/functions/f%253Ax/invocations"
        );
        assert_eq!(host_header(&url), "127.0.0.1:4566");
    }
}
