//! Where flowlake reads and writes: a local path or an `s3://bucket/prefix` location, the
//! object store behind it, and storage errors explained in words a user can act on.
//!
//! S3 stores are built the way the AWS CLI finds its settings, so a user's existing setup
//! works unchanged:
//!
//! - credentials: environment (`AWS_ACCESS_KEY_ID`, ...), then the shared files
//!   (`~/.aws/credentials`, `~/.aws/config`) for `AWS_PROFILE` or `default`, then web
//!   identity (`AWS_WEB_IDENTITY_TOKEN_FILE`), container credentials, and instance metadata
//!   (unless `AWS_EC2_METADATA_DISABLED=true`);
//! - region: `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`, else the
//!   bucket's own region asked of S3;
//! - endpoint: `--endpoint-url`, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, the profile's
//!   `endpoint_url`. Plain `http://` is allowed to loopback addresses (a local
//!   S3-compatible server) and elsewhere only with `AWS_ALLOW_HTTP=true`.

mod durable;
mod explain;
mod location;
mod profile;
mod s3;

pub use durable::Durable;
pub use explain::{explain, is_not_found, is_unreachable};
pub use location::Location;
pub use object_store;
pub use s3::{S3Options, s3_store};

use std::sync::Arc;

use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use object_store::path::Path;

/// A configuration problem found before any request is made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("{0}")]
    Location(String),
    #[error("AWS profile {profile:?}: {message}")]
    Profile { profile: String, message: String },
    #[error("{0}")]
    Config(String),
    #[error("{location}: {message}")]
    Request { location: String, message: String },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An opened location: the store and the prefix inside it that the location names.
#[derive(Clone)]
pub struct Opened {
    pub store: Arc<dyn ObjectStore>,
    pub prefix: Path,
    pub location: Location,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("location", &self.location)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl Opened {
    /// The folder `dir` (one name) inside this location, on the same store.
    #[must_use]
    pub fn child(&self, dir: &str) -> Self {
        let location = match &self.location {
            Location::Local(p) => Location::Local(p.join(dir)),
            Location::S3 { bucket, prefix } => Location::S3 {
                bucket: bucket.clone(),
                prefix: prefix.clone().join(dir),
            },
        };
        Self {
            store: Arc::clone(&self.store),
            prefix: self.prefix.clone().join(dir),
            location,
        }
    }

    /// Open a location: the local file system (rooted at `/`, writes `fsync`ed) for paths,
    /// an S3 client for `s3://`. A local path must exist (it is made absolute).
    pub async fn open(location: &Location, s3: &S3Options) -> Result<Self> {
        match location {
            Location::Local(path) => {
                let canonical = std::fs::canonicalize(path).map_err(|e| StoreError::Request {
                    location: path.display().to_string(),
                    message: e.to_string(),
                })?;
                let prefix = Path::from_filesystem_path(&canonical)
                    .map_err(|e| StoreError::Location(format!("{}: {e}", path.display())))?;
                Ok(Self {
                    store: Arc::new(Durable::new(LocalFileSystem::new())),
                    prefix,
                    location: Location::Local(canonical),
                })
            }
            Location::S3 { bucket, prefix } => Ok(Self {
                store: s3_store(bucket, s3).await?,
                prefix: prefix.clone(),
                location: location.clone(),
            }),
        }
    }
}
