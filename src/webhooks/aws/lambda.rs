//! Lambda webhook targets: `Invoke` (invocation type `Event`) with the webhook's exact JSON body,
//! through `aws-sdk-lambda`. Lambda answers 202 once the event is queued for the function; its
//! status codes go through the same retry policy as an HTTP webhook's, so the SDK's own retries
//! are off here.

use crate::aws::{error_text, sdk_config, Settings};
use crate::config::LambdaConfig;
use crate::webhooks::job::{Job, LambdaTarget};
use aws_config::{Region, SdkConfig};
use aws_sdk_lambda::error::SdkError;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;
use aws_sdk_lambda::Client;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::time::Duration;

pub struct Invoker {
    sdk: SdkConfig,
    /// The region of targets that name none (and are not ARNs).
    region: String,
    /// One client per region a target names.
    clients: Mutex<HashMap<String, Client>>,
}

impl Invoker {
    pub async fn new(config: &LambdaConfig, timeout: Duration) -> Invoker {
        let settings = Settings {
            region: Some(config.region.clone()),
            endpoint_url: config.endpoint_url.clone(),
            access_key_id: config.access_key_id.clone(),
            secret_access_key: config.secret_access_key.clone(),
            session_token: config.session_token.clone(),
            profile: None,
            attempt_timeout: Some(timeout),
            sdk_retries: false,
        };
        let sdk = sdk_config(&settings).await;
        let region = sdk
            .region()
            .map(|r| r.as_ref().to_owned())
            .unwrap_or_else(|| crate::aws::DEFAULT_REGION.into());
        Invoker {
            sdk,
            region,
            clients: Mutex::default(),
        }
    }

    /// The region `target` runs in: its own, the one its ARN names, or the config's.
    pub fn region_of(&self, target: &LambdaTarget) -> String {
        // A function ARN names its region: arn:aws:lambda:{region}:{account}:function:{name}.
        let from_arn = target
            .function
            .strip_prefix("arn:")
            .and_then(|arn| arn.split(':').nth(2))
            .filter(|r| !r.is_empty());
        target
            .region
            .as_deref()
            .filter(|r| !r.is_empty())
            .or(from_arn)
            .unwrap_or(&self.region)
            .to_owned()
    }

    fn client(&self, region: String) -> Client {
        self.clients
            .lock()
            .entry(region.clone())
            .or_insert_with(|| {
                let config = aws_sdk_lambda::config::Builder::from(&self.sdk)
                    .region(Region::new(region))
                    .build();
                Client::from_conf(config)
            })
            .clone()
    }

    /// One attempt: the HTTP status Lambda answered, or Err when there was no answer.
    pub async fn invoke(&self, job: &Job, target: &LambdaTarget) -> Result<u16, ()> {
        let sent = self
            .client(self.region_of(target))
            .invoke()
            .function_name(&target.function)
            .invocation_type(InvocationType::Event)
            .payload(Blob::new(job.body.as_bytes()))
            .customize()
            // The body is the webhook's JSON (the SDK would call it octet-stream).
            .mutate_request(|request| {
                request
                    .headers_mut()
                    .insert("content-type", "application/json");
            })
            .send()
            .await;
        let error = match sent {
            Ok(answer) => return Ok(u16::try_from(answer.status_code()).unwrap_or(0)),
            Err(error) => error,
        };
        let status = match &error {
            SdkError::ServiceError(refused) => Some(refused.raw().status().as_u16()),
            SdkError::ResponseError(unreadable) => Some(unreadable.raw().status().as_u16()),
            _ => None,
        };
        let error = error_text(&error);
        tracing::debug!(function = %target.function, status, error, "Lambda invoke failed");
        status.ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn targets_run_in_their_own_region_their_arns_or_the_configs() {
        let invoker = Invoker::new(
            &LambdaConfig {
                region: "us-west-2".into(),
                ..LambdaConfig::default()
            },
            Duration::from_secs(1),
        )
        .await;
        let target = |function: &str, region: Option<&str>| LambdaTarget {
            function: function.into(),
            region: region.map(str::to_owned),
        };
        assert_eq!(invoker.region_of(&target("hooks", None)), "us-west-2");
        assert_eq!(
            invoker.region_of(&target("hooks", Some("eu-west-1"))),
            "eu-west-1"
        );
        let arn = "arn:aws:lambda:ap-south-1:123456789012:function:hooks";
        assert_eq!(invoker.region_of(&target(arn, None)), "ap-south-1");
        assert_eq!(
            invoker.region_of(&target(arn, Some("eu-west-1"))),
            "eu-west-1"
        );
    }
}
