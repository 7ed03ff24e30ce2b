//! The AWS SDK's shared configuration (the `aws` feature): one place that turns a config section's
//! region, endpoint, optional keys and profile into the `SdkConfig` its SQS, Lambda or DynamoDB
//! client is built from.
//!
//! Credentials are the section's keys when it has both halves; otherwise the SDK's default chain
//! finds them: the environment (`AWS_ACCESS_KEY_ID`...), the shared profile files (`AWS_PROFILE`
//! or the section's profile), a web identity token (`AWS_WEB_IDENTITY_TOKEN_FILE` and
//! `AWS_ROLE_ARN`: EKS's IRSA), the ECS task role, SSO, and the EC2 instance profile (IMDSv2).
//! Temporary credentials are refreshed by the SDK before they expire.

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use std::time::Duration;

/// The region when neither the section, the environment nor a profile names one.
pub const DEFAULT_REGION: &str = "us-east-1";

/// What one config section says about reaching AWS. Empty strings count as unset.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub region: Option<String>,
    /// A local AWS-compatible server or a VPC endpoint, instead of the service's own.
    pub endpoint_url: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
    /// A profile of the shared config files, instead of `AWS_PROFILE` (or `default`).
    pub profile: Option<String>,
    /// Each attempt's limit; None: the SDK's.
    pub attempt_timeout: Option<Duration>,
    /// False: one attempt per call, for callers that apply a retry policy of their own.
    pub sdk_retries: bool,
}

fn set(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

impl Settings {
    /// The static keys, when the section has both halves.
    fn static_credentials(&self) -> Option<Credentials> {
        let (id, secret) = (set(&self.access_key_id)?, set(&self.secret_access_key)?);
        let token = set(&self.session_token).map(str::to_owned);
        Some(Credentials::new(id, secret, token, None, "sockudo-config"))
    }
}

/// The SDK configuration for `settings`. Its HTTPS client is rustls on ring, trusting the
/// system's roots, like the rest of the server's clients.
pub async fn sdk_config(settings: &Settings) -> SdkConfig {
    let https = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    // Without a region here, the loader's default chain looks (env, profile, instance
    // metadata) with the same HTTPS client.
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(https);
    if let Some(region) = set(&settings.region) {
        loader = loader.region(Region::new(region.to_owned()));
    }
    if let Some(endpoint) = set(&settings.endpoint_url) {
        loader = loader.endpoint_url(endpoint);
    }
    if let Some(profile) = set(&settings.profile) {
        loader = loader.profile_name(profile);
    }
    if let Some(credentials) = settings.static_credentials() {
        loader = loader.credentials_provider(credentials);
    }
    if let Some(timeout) = settings.attempt_timeout {
        loader = loader.timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(timeout)
                .build(),
        );
    }
    if !settings.sdk_retries {
        loader = loader.retry_config(RetryConfig::disabled());
    }
    let config = loader.load().await;
    match config.region() {
        Some(_) => config,
        None => config
            .into_builder()
            .region(Region::new(DEFAULT_REGION))
            .build(),
    }
}

/// An SDK error with every cause, on one line (the SDK's own `Display` says only "service error"
/// or "dispatch failure"; the cause says why).
pub fn error_text(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_keys_need_both_halves_and_ignore_empty_strings() {
        let keys = |id: &str, secret: &str, token: &str| Settings {
            access_key_id: Some(id.into()),
            secret_access_key: Some(secret.into()),
            session_token: Some(token.into()),
            ..Settings::default()
        };
        let credentials = keys("id", "secret", "").static_credentials().unwrap();
        assert_eq!(credentials.access_key_id(), "id");
        assert_eq!(credentials.session_token(), None);
        assert!(keys("id", "", "token").static_credentials().is_none());
        assert!(Settings::default().static_credentials().is_none());
    }

    #[tokio::test]
    async fn a_configured_region_wins() {
        let named = sdk_config(&Settings {
            region: Some("eu-west-3".into()),
            ..Settings::default()
        })
        .await;
        assert_eq!(named.region().map(|r| r.as_ref()), Some("eu-west-3"));
    }
}
