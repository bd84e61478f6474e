//! Storage errors in words a user can act on.
//!
//! S3 says what went wrong in an XML error code (`NoSuchBucket`, `AccessDenied`, ...)
//! inside the response body, which `object_store` carries in its error's source chain. The
//! raw chain is long and repeats itself; these are the cases users meet, each with the
//! next step.

/// The whole error chain as one line of text.
fn chain_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

/// Explain a storage error about `location` (an `s3://` URL or a path). Errors that are
/// not one of the known cases keep their own text.
pub fn explain(e: &object_store::Error, location: &str) -> String {
    let text = chain_text(e);
    let bucket = location
        .strip_prefix("s3://")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or(location);
    let code = |c: &str| text.contains(&format!("<Code>{c}</Code>")) || text.contains(c);
    let why = if code("NoSuchBucket") {
        format!(
            "bucket {bucket:?} does not exist (or not at this endpoint); check the name, and --endpoint-url / AWS_ENDPOINT_URL for an S3-compatible server"
        )
    } else if code("InvalidAccessKeyId") {
        "the access key ID is not known to S3: check AWS_ACCESS_KEY_ID or the profile's aws_access_key_id (AWS_PROFILE)".to_string()
    } else if code("SignatureDoesNotMatch") {
        "the secret access key does not match the access key ID: check AWS_SECRET_ACCESS_KEY or the profile's aws_secret_access_key".to_string()
    } else if code("ExpiredToken") || code("TokenRefreshRequired") {
        "the session credentials have expired: refresh them (for example `aws sso login`) and run again".to_string()
    } else if code("AccessDenied") || matches!(e, object_store::Error::PermissionDenied { .. }) {
        format!(
            "access denied: these credentials may not use bucket {bucket:?} this way (reading needs s3:ListBucket and s3:GetObject; writing also s3:PutObject and s3:DeleteObject; see docs/s3.md)"
        )
    } else if text.contains("instance metadata")
        || text.contains("IMDS")
        || text.contains("Error getting credentials")
        || text.contains("Failed to get credentials")
    {
        "no AWS credentials found (environment, ~/.aws files for AWS_PROFILE, web identity, container, instance metadata): set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".to_string()
    } else if unreachable(&text) {
        format!("cannot reach S3 (after retrying): {}", first_line(&text))
    } else {
        return format!("{location}: {}", first_line(&text));
    };
    format!("{location}: {why}")
}

fn unreachable(text: &str) -> bool {
    text.contains("error sending request")
        || text.contains("Connection refused")
        || text.contains("dns error")
        || text.contains("timed out")
        || text.contains("connection closed")
}

/// Whether the storage could not be reached at all (as opposed to refusing a request).
pub fn is_unreachable(e: &object_store::Error) -> bool {
    unreachable(&chain_text(e))
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// Whether an error means the object or prefix is not there (as opposed to the bucket).
pub fn is_not_found(e: &object_store::Error) -> bool {
    matches!(e, object_store::Error::NotFound { .. }) && !chain_text(e).contains("NoSuchBucket")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Body(&'static str);
    impl std::fmt::Display for Body {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }
    impl std::error::Error for Body {}

    fn generic(body: &'static str) -> object_store::Error {
        object_store::Error::Generic {
            store: "S3",
            source: Box::new(Body(body)),
        }
    }

    #[test]
    fn names_the_bucket_and_the_next_step() {
        let e = explain(
            &generic("<Error><Code>NoSuchBucket</Code></Error>"),
            "s3://logs-archive/x/",
        );
        assert!(
            e.starts_with("s3://logs-archive/x/: bucket \"logs-archive\" does not exist"),
            "{e}"
        );
        let e = explain(&generic("<Code>InvalidAccessKeyId</Code>"), "s3://b/");
        assert!(e.contains("AWS_ACCESS_KEY_ID"), "{e}");
        let e = explain(&generic("<Code>AccessDenied</Code>"), "s3://b/");
        assert!(e.contains("s3:GetObject"), "{e}");
        let e = explain(&generic("something else\nmore"), "s3://b/k");
        assert_eq!(e, "s3://b/k: Generic S3 error: something else");
        assert!(!is_not_found(&generic("x")));
    }
}
