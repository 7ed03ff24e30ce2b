//! Lambda webhook targets: `Invoke` (`POST /2015-03-31/functions/{name}/invocations`, invocation
//! type `Event`) with the webhook's exact JSON body. Lambda answers 202 once the event is queued
//! for the function; its status codes go through the same retry policy as an HTTP webhook's.

use super::{sigv4::uri_encode, Credentials, Signer};
use crate::config::LambdaConfig;
use crate::webhooks::job::{Job, LambdaTarget};
use std::time::Duration;

pub struct Invoker {
    signer: Signer,
    region: String,
    endpoint: Option<String>,
}

impl Invoker {
    /// None (and a warning) without credentials: Lambda webhooks then fail, logged.
    pub fn new(config: &LambdaConfig, timeout: Duration) -> Option<Invoker> {
        let credentials = Credentials::from_parts(
            config.access_key_id.as_deref(),
            config.secret_access_key.as_deref(),
            config.session_token.as_deref(),
        )?;
        Some(Invoker {
            signer: Signer {
                http: reqwest::Client::builder()
                    .user_agent(concat!("sockudo/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .ok()?,
                credentials,
                service: "lambda",
                timeout,
            },
            region: config.region.clone(),
            endpoint: config.endpoint_url.clone().filter(|e| !e.is_empty()),
        })
    }

    /// The invoke URL for `target`, and the region to sign for.
    pub fn url(&self, target: &LambdaTarget) -> Result<(reqwest::Url, String), String> {
        // A function ARN names its region: arn:aws:lambda:{region}:{account}:function:{name}.
        let from_arn = target
            .function
            .strip_prefix("arn:")
            .and_then(|arn| arn.split(':').nth(2))
            .filter(|r| !r.is_empty());
        let region = target
            .region
            .as_deref()
            .filter(|r| !r.is_empty())
            .or(from_arn)
            .unwrap_or(&self.region)
            .to_owned();
        let mut url = super::endpoint(self.endpoint.as_deref(), "lambda", &region)?;
        let base = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!(
            "{base}/2015-03-31/functions/{}/invocations",
            uri_encode(&target.function)
        ));
        Ok((url, region))
    }

    /// One attempt: the HTTP status Lambda answered, or Err when there was no answer.
    pub async fn invoke(&self, job: &Job, target: &LambdaTarget) -> Result<u16, ()> {
        let (url, region) = self.url(target).map_err(|error| {
            tracing::warn!(function = %target.function, error, "cannot build the Lambda URL");
        })?;
        let sent = self
            .signer
            .post(
                &region,
                &url,
                &[
                    ("Content-Type", "application/json"),
                    ("X-Amz-Invocation-Type", "Event"),
                ],
                job.body.clone().into_bytes(),
            )
            .await;
        match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                if !(200..300).contains(&status) {
                    let text = response.text().await.unwrap_or_default();
                    tracing::debug!(function = %target.function, status, text, "Lambda invoke refused");
                }
                Ok(status)
            }
            Err(error) => {
                tracing::debug!(function = %target.function, %error, "Lambda invoke failed");
                Err(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invoker(endpoint: Option<&str>) -> Invoker {
        let config = LambdaConfig {
            region: "us-east-1".into(),
            endpoint_url: endpoint.map(str::to_owned),
            access_key_id: Some("id".into()),
            secret_access_key: Some("secret".into()),
            session_token: None,
        };
        Invoker::new(&config, Duration::from_secs(1)).unwrap()
    }

    #[test]
    fn urls_name_the_function_and_its_region() {
        let target = |function: &str, region: Option<&str>| LambdaTarget {
            function: function.into(),
            region: region.map(str::to_owned),
        };
        let aws = invoker(None);
        let (url, region) = aws.url(&target("hooks", None)).unwrap();
        assert_eq!(
            url.as_str(),
            "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/hooks/invocations"
        );
        assert_eq!(region, "us-east-1");
        let (url, region) = aws.url(&target("hooks", Some("eu-west-1"))).unwrap();
        assert!(url
            .as_str()
            .starts_with("https://lambda.eu-west-1.amazonaws.com/"));
        assert_eq!(region, "eu-west-1");
        let arn = "arn:aws:lambda:ap-south-1:123456789012:function:hooks";
        let (url, region) = aws.url(&target(arn, None)).unwrap();
        assert_eq!(region, "ap-south-1");
        assert!(url
            .as_str()
            .ends_with("/functions/arn%3Aaws%3Alambda%3Aap-south-1%3A123456789012%3Afunction%3Ahooks/invocations"));
        let local = invoker(Some("http://127.0.0.1:5000"));
        let (url, _) = local.url(&target("hooks", None)).unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:5000/2015-03-31/functions/hooks/invocations"
        );
        assert!(Invoker::new(
            &LambdaConfig {
                access_key_id: None,
                ..LambdaConfig::default()
            },
            Duration::from_secs(1)
        )
        .is_none());
    }
}
