//! Building an S3 client the way the AWS CLI finds its settings.

use std::sync::Arc;
use std::time::Duration;

use object_store::aws::{AmazonS3Builder, resolve_bucket_region};
use object_store::{BackoffConfig, ClientOptions, ObjectStore, RetryConfig};

use crate::profile::{self, Profile};
use crate::{Result, StoreError};

/// How long a request is retried (with exponential backoff) before the error is final,
/// unless `FLOWLAKE_S3_RETRY_TIMEOUT` (seconds) says otherwise.
const RETRY_TIMEOUT: Duration = Duration::from_secs(180);

/// S3 settings given on the command line; each falls back to the AWS environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct S3Options {
    /// The bucket's region (`--region`).
    pub region: Option<String>,
    /// An S3-compatible endpoint (`--endpoint-url`).
    pub endpoint: Option<String>,
    /// A profile of the shared AWS files (`--profile`).
    pub profile: Option<String>,
}

fn env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.trim().is_empty())
}

fn env_true(key: &str) -> bool {
    env(key).is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// An S3 client for `bucket`. See the crate docs for where each setting comes from.
pub async fn s3_store(bucket: &str, options: &S3Options) -> Result<Arc<dyn ObjectStore>> {
    let named = options
        .profile
        .clone()
        .or_else(|| env("AWS_PROFILE"))
        .or_else(|| env("AWS_DEFAULT_PROFILE"));
    let profile = match &named {
        Some(name) => Some(profile::load(name)?.ok_or_else(|| StoreError::Profile {
            profile: name.clone(),
            message: "not found in ~/.aws/config or ~/.aws/credentials (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE)".into(),
        })?),
        None => profile::load("default")?,
    };
    let from_profile = |key: &str| {
        profile
            .as_ref()
            .and_then(|p| p.get(key))
            .map(str::to_string)
    };

    let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);

    let endpoint = options
        .endpoint
        .clone()
        .or_else(|| env("AWS_ENDPOINT_URL_S3"))
        .or_else(|| env("AWS_ENDPOINT_URL"))
        .or_else(|| env("AWS_ENDPOINT"))
        .or_else(|| from_profile("endpoint_url"));
    if let Some(endpoint) = &endpoint {
        if endpoint_allows_http(endpoint)? {
            builder = builder.with_allow_http(true);
        }
        builder = builder.with_endpoint(endpoint.trim_end_matches('/'));
    }

    let region = options
        .region
        .clone()
        .or_else(|| env("AWS_REGION"))
        .or_else(|| env("AWS_DEFAULT_REGION"))
        .or_else(|| from_profile("region"));
    let region = match (region, &endpoint) {
        (Some(region), _) => region,
        // An S3-compatible server rarely cares; AWS's default region is the convention.
        (None, Some(_)) => "us-east-1".to_string(),
        (None, None) => resolve_bucket_region(bucket, &ClientOptions::new())
            .await
            .map_err(|e| StoreError::Request {
                location: format!("s3://{bucket}"),
                message: format!(
                    "cannot find the bucket's region ({}); give --region or set AWS_REGION",
                    crate::explain(&e, &format!("s3://{bucket}"))
                ),
            })?,
    };
    builder = builder.with_region(region);

    if let (None, Some(profile)) = (env("AWS_ACCESS_KEY_ID"), &profile) {
        builder = with_profile_credentials(builder, profile)?;
    }
    let has_credentials = env("AWS_ACCESS_KEY_ID").is_some()
        || profile.as_ref().is_some_and(|p| {
            p.get("aws_access_key_id").is_some() || p.get("credential_process").is_some()
        })
        || env("AWS_WEB_IDENTITY_TOKEN_FILE").is_some()
        || env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some()
        || env("AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some()
        || env_true("AWS_SKIP_SIGNATURE");
    if !has_credentials && env_true("AWS_EC2_METADATA_DISABLED") {
        return Err(StoreError::Config(format!(
            "no AWS credentials for s3://{bucket}: none in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), in ~/.aws/credentials for profile {:?}, nor from web identity or a container, and instance metadata is disabled (AWS_EC2_METADATA_DISABLED); set AWS_PROFILE or the key variables",
            named.as_deref().unwrap_or("default")
        )));
    }

    let retry_timeout = env("FLOWLAKE_S3_RETRY_TIMEOUT")
        .map(|v| {
            v.parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(Duration::from_secs_f64)
                .ok_or_else(|| {
                    StoreError::Config(format!(
                        "FLOWLAKE_S3_RETRY_TIMEOUT={v:?} is not a number of seconds"
                    ))
                })
        })
        .transpose()?
        .unwrap_or(RETRY_TIMEOUT);
    builder = builder.with_retry(RetryConfig {
        backoff: BackoffConfig::default(),
        max_retries: 10,
        retry_timeout,
    });
    let store = builder
        .build()
        .map_err(|e| StoreError::Config(format!("s3://{bucket}: {e}")))?;
    Ok(Arc::new(store))
}

fn with_profile_credentials(
    builder: AmazonS3Builder,
    profile: &Profile,
) -> Result<AmazonS3Builder> {
    if let (Some(id), Some(secret)) = (
        profile.get("aws_access_key_id"),
        profile.get("aws_secret_access_key"),
    ) {
        let mut builder = builder
            .with_access_key_id(id)
            .with_secret_access_key(secret);
        if let Some(token) = profile.get("aws_session_token") {
            builder = builder.with_token(token);
        }
        return Ok(builder);
    }
    if let Some(command) = profile.get("credential_process") {
        let (id, secret, token) = profile::run_credential_process(&profile.name, command)?;
        let mut builder = builder
            .with_access_key_id(id)
            .with_secret_access_key(secret);
        if let Some(token) = token {
            builder = builder.with_token(token);
        }
        return Ok(builder);
    }
    let needs_service = ["role_arn", "sso_session", "sso_start_url"]
        .into_iter()
        .find(|k| profile.get(k).is_some());
    if let Some(key) = needs_service {
        return Err(StoreError::Profile {
            profile: profile.name.clone(),
            message: format!(
                "uses {key}, which flowlake cannot resolve itself; export its credentials first: eval \"$(aws configure export-credentials --profile {} --format env)\"",
                profile.name
            ),
        });
    }
    // Only a region or an endpoint: credentials come from further down the chain.
    Ok(builder)
}

/// Whether a plain-HTTP endpoint may be used: always for loopback (a local
/// S3-compatible server), elsewhere only with `AWS_ALLOW_HTTP=true`, since keys and data
/// would cross the network unencrypted.
fn endpoint_allows_http(endpoint: &str) -> Result<bool> {
    let (scheme, rest) = endpoint.split_once("://").ok_or_else(|| {
        StoreError::Config(format!(
            "endpoint {endpoint:?} is not a URL (expected http://HOST:PORT or https://HOST)"
        ))
    })?;
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(false),
        "http" => {
            let authority = rest.split('/').next().unwrap_or_default();
            let host = match authority.strip_prefix('[') {
                Some(v6) => v6.split(']').next().unwrap_or_default(),
                None => authority.split(':').next().unwrap_or_default(),
            };
            let loopback = host.eq_ignore_ascii_case("localhost")
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if loopback || env_true("AWS_ALLOW_HTTP") {
                Ok(true)
            } else {
                Err(StoreError::Config(format!(
                    "endpoint {endpoint} is plain http to a host that is not this machine; use https, or set AWS_ALLOW_HTTP=true to send credentials and data unencrypted"
                )))
            }
        }
        other => Err(StoreError::Config(format!(
            "endpoint {endpoint}: scheme {other}:// is not http or https"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "http://127.0.0.1:9000",
            "http://localhost:4566/",
            "http://[::1]:9000",
        ] {
            assert!(endpoint_allows_http(ok).unwrap(), "{ok}");
        }
        assert!(!endpoint_allows_http("https://s3.example.com").unwrap());
        if !env_true("AWS_ALLOW_HTTP") {
            let e = endpoint_allows_http("http://10.0.0.5:9000")
                .unwrap_err()
                .to_string();
            assert!(e.contains("AWS_ALLOW_HTTP=true"), "{e}");
        }
        assert!(endpoint_allows_http("127.0.0.1:9000").is_err());
        assert!(endpoint_allows_http("ftp://127.0.0.1").is_err());
    }
}
