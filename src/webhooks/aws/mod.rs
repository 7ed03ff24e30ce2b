//! AWS targets of the `aws` cargo feature: an SQS queue driver ([`sqs::SqsQueue`]) and Lambda
//! webhook targets ([`lambda::Invoker`]). Plain HTTPS requests over `reqwest`, signed with
//! Signature Version 4 ([`sigv4`]); no AWS SDK.

pub mod lambda;
pub mod sigv4;
pub mod sqs;

use std::time::{Duration, SystemTime};

/// Static credentials (an access key pair, plus a session token for temporary credentials).
#[derive(Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// The pair from config, when both halves are there.
    pub fn from_parts(
        access_key_id: Option<&str>,
        secret_access_key: Option<&str>,
        session_token: Option<&str>,
    ) -> Option<Credentials> {
        match (access_key_id, secret_access_key) {
            (Some(id), Some(secret)) if !id.is_empty() && !secret.is_empty() => Some(Credentials {
                access_key_id: id.to_owned(),
                secret_access_key: secret.to_owned(),
                session_token: session_token.filter(|t| !t.is_empty()).map(str::to_owned),
            }),
            _ => None,
        }
    }
}

/// A failed AWS call: the HTTP status (None: no answer) and what the service said.
#[derive(Debug, thiserror::Error)]
#[error("{action}: {}{message}", status.map(|s| format!("HTTP {s}: ")).unwrap_or_default())]
pub struct AwsError {
    pub action: String,
    pub status: Option<u16>,
    pub message: String,
}

/// Signs and sends requests to one AWS service.
#[derive(Clone)]
pub struct Signer {
    pub http: reqwest::Client,
    pub credentials: Credentials,
    pub service: &'static str,
    pub timeout: Duration,
}

impl Signer {
    /// A signed POST of `body` to `url` in `region`, with `headers` signed too.
    pub async fn post(
        &self,
        region: &str,
        url: &reqwest::Url,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<reqwest::Response, reqwest::Error> {
        let signed = sigv4::sign(
            &self.credentials,
            region,
            self.service,
            &sigv4::Request {
                method: "POST",
                url,
                headers,
                body: &body,
            },
            SystemTime::now(),
        );
        let mut request = self.http.post(url.clone()).timeout(self.timeout).body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        for (name, value) in signed {
            request = request.header(name, value);
        }
        request.send().await
    }
}

/// `https://{service}.{region}.amazonaws.com`, or `endpoint` when one is configured (a local
/// AWS-compatible server, a VPC endpoint).
pub fn endpoint(
    configured: Option<&str>,
    service: &str,
    region: &str,
) -> Result<reqwest::Url, String> {
    let text = match configured.filter(|e| !e.is_empty()) {
        Some(endpoint) => endpoint.to_owned(),
        None => format!("https://{service}.{region}.amazonaws.com"),
    };
    reqwest::Url::parse(&text).map_err(|e| format!("bad {service} endpoint {text:?}: {e}"))
}
