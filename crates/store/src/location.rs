//! A place named on the command line: a local path or `s3://bucket/prefix`.

use std::path::PathBuf;

use object_store::path::Path;

use crate::{Result, StoreError};

/// A local path or an S3 location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Local(PathBuf),
    S3 {
        bucket: String,
        /// The key prefix, without leading or trailing `/` (empty for the whole bucket).
        prefix: Path,
    },
}

impl Location {
    /// `s3://bucket[/prefix]` (also `s3a://`), or anything without a scheme as a local path.
    /// Other schemes are refused rather than taken for a folder named `gs:`.
    pub fn parse(text: &str) -> Result<Self> {
        let Some((scheme, rest)) = text.split_once("://") else {
            return Ok(Self::Local(PathBuf::from(text)));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "s3" | "s3a" => {}
            "file" => return Ok(Self::Local(PathBuf::from(rest))),
            other => {
                return Err(StoreError::Location(format!(
                    "{text}: {other}:// is not supported; give a local path or s3://bucket/prefix"
                )));
            }
        }
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if !valid_bucket(bucket) {
            return Err(StoreError::Location(format!(
                "{text}: {bucket:?} is not a valid S3 bucket name (3 to 63 characters: lowercase letters, digits, '.', '-')"
            )));
        }
        let prefix = Path::parse(prefix.trim_matches('/'))
            .map_err(|e| StoreError::Location(format!("{text}: not a valid S3 key prefix: {e}")))?;
        Ok(Self::S3 {
            bucket: bucket.to_string(),
            prefix,
        })
    }

    pub fn is_s3(&self) -> bool {
        matches!(self, Self::S3 { .. })
    }

    /// The location of `relative` (a `/`-separated path) under this one, for messages.
    pub fn join(&self, relative: &str) -> String {
        let relative = relative.trim_start_matches('/');
        match self {
            Self::Local(p) => p.join(relative).display().to_string(),
            Self::S3 { .. } => {
                let base = self.to_string();
                format!("{}/{relative}", base.trim_end_matches('/'))
            }
        }
    }

    /// The bucket's URL (`s3://bucket`), under which a query engine registers the store.
    pub fn bucket_url(&self) -> Option<String> {
        match self {
            Self::S3 { bucket, .. } => Some(format!("s3://{bucket}")),
            Self::Local(_) => None,
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Local(p) => write!(f, "{}", p.display()),
            Self::S3 { bucket, prefix } if prefix.as_ref().is_empty() => {
                write!(f, "s3://{bucket}/")
            }
            Self::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}/"),
        }
    }
}

impl From<PathBuf> for Location {
    fn from(path: PathBuf) -> Self {
        Self::Local(path)
    }
}

impl From<&PathBuf> for Location {
    fn from(path: &PathBuf) -> Self {
        Self::Local(path.clone())
    }
}

impl From<&std::path::Path> for Location {
    fn from(path: &std::path::Path) -> Self {
        Self::Local(path.to_path_buf())
    }
}

impl std::str::FromStr for Location {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

/// S3's rules for bucket names, loosely: enough to catch a typo like `s3:///x` or
/// `s3://My_Bucket` before a request fails with a less helpful message.
fn valid_bucket(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && name.as_bytes()[0].is_ascii_alphanumeric()
        && name.as_bytes()[name.len() - 1].is_ascii_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_s3_and_local() {
        let s3 = Location::parse("s3://my-bucket/logs/AWSLogs/").unwrap();
        assert_eq!(
            s3,
            Location::S3 {
                bucket: "my-bucket".into(),
                prefix: Path::from("logs/AWSLogs")
            }
        );
        assert_eq!(s3.to_string(), "s3://my-bucket/logs/AWSLogs/");
        assert_eq!(
            s3.join("a/b.parquet"),
            "s3://my-bucket/logs/AWSLogs/a/b.parquet"
        );
        assert_eq!(s3.bucket_url().as_deref(), Some("s3://my-bucket"));
        let root = Location::parse("s3://my-bucket").unwrap();
        assert_eq!(root.to_string(), "s3://my-bucket/");
        assert_eq!(root.join("x"), "s3://my-bucket/x");
        assert_eq!(
            Location::parse("lake/").unwrap(),
            Location::Local(PathBuf::from("lake/"))
        );
        assert!(!Location::parse("lake").unwrap().is_s3());
    }

    #[test]
    fn refuses_bad_buckets_and_schemes() {
        for (text, says) in [
            ("s3:///x", "not a valid S3 bucket name"),
            ("s3://My_Bucket/x", "not a valid S3 bucket name"),
            ("gs://bucket/x", "gs:// is not supported"),
        ] {
            let e = Location::parse(text).unwrap_err().to_string();
            assert!(e.contains(says), "{text}: {e}");
        }
    }
}
