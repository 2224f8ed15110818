//! The blob store: where recordings and derived files live, on local disk or in
//! an S3-compatible bucket, behind one `object_store` interface.

use std::{fmt, path::PathBuf, sync::Arc, time::Duration};

use object_store::{
    ClientOptions, ObjectStore, ObjectStoreExt, RetryConfig, aws::AmazonS3Builder,
    local::LocalFileSystem, path::Path, prefix::PrefixStore,
};
use secrecy::{ExposeSecret, SecretString};

use crate::StoreError;

/// Where blobs are kept.
#[derive(Clone, Debug)]
pub enum StorageLocation {
    /// A directory on local disk, created when missing.
    Filesystem {
        /// The directory.
        root: PathBuf,
    },
    /// A bucket on AWS S3 or any S3-compatible server.
    S3(S3Location),
}

/// An S3 bucket, an optional key prefix inside it, and how to reach it.
#[derive(Clone, Debug)]
pub struct S3Location {
    /// Bucket name.
    pub bucket: String,
    /// Key prefix inside the bucket ("" for the bucket root).
    pub prefix: String,
    /// Endpoint URL for S3-compatible servers (MinIO, Ceph…); `None` means AWS.
    pub endpoint: Option<String>,
    /// Region; S3-compatible servers usually accept `us-east-1`.
    pub region: String,
    /// Access key id; `None` leaves credentials to the AWS default chain.
    pub access_key_id: Option<String>,
    /// Secret access key.
    pub secret_access_key: Option<SecretString>,
    /// Whether a plain `http://` endpoint is allowed.
    pub allow_http: bool,
}

impl StorageLocation {
    /// Parses `file:///absolute/path` or `s3://bucket[/prefix]`; the S3
    /// connection details come from `s3` (endpoint, region, keys).
    pub fn parse(location: &str, s3: S3Location) -> Result<Self, StoreError> {
        if let Some(path) = location.strip_prefix("file://") {
            if path.is_empty() {
                return Err(StoreError::StorageConfig(
                    "`file://` needs a directory, e.g. `file:///var/lib/filmroom/objects`".into(),
                ));
            }
            return Ok(Self::Filesystem { root: PathBuf::from(path) });
        }
        if let Some(rest) = location.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(StoreError::StorageConfig(
                    "`s3://` needs a bucket name, e.g. `s3://filmroom-recordings`".into(),
                ));
            }
            return Ok(Self::S3(S3Location {
                bucket: bucket.to_owned(),
                prefix: prefix.trim_matches('/').to_owned(),
                ..s3
            }));
        }
        Err(StoreError::StorageConfig(format!(
            "`{location}` is neither `file:///PATH` nor `s3://BUCKET[/PREFIX]`"
        )))
    }
}

impl fmt::Display for StorageLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Filesystem { root } => write!(f, "file://{}", root.display()),
            Self::S3(s3) => {
                write!(f, "s3://{}", s3.bucket)?;
                if !s3.prefix.is_empty() {
                    write!(f, "/{}", s3.prefix)?;
                }
                if let Some(endpoint) = &s3.endpoint {
                    write!(f, " at {endpoint}")?;
                }
                Ok(())
            }
        }
    }
}

/// Blobs by key, on whichever backend was configured.
#[derive(Clone)]
pub struct BlobStore {
    inner: Arc<dyn ObjectStore>,
    description: String,
}

impl fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlobStore").field("location", &self.description).finish()
    }
}

impl BlobStore {
    /// Opens the store; a local directory is created when missing.
    pub fn open(location: &StorageLocation) -> Result<Self, StoreError> {
        let inner: Arc<dyn ObjectStore> = match location {
            StorageLocation::Filesystem { root } => {
                std::fs::create_dir_all(root).map_err(|e| {
                    StoreError::StorageConfig(format!("cannot create {}: {e}", root.display()))
                })?;
                Arc::new(LocalFileSystem::new_with_prefix(root)?.with_automatic_cleanup(true))
            }
            StorageLocation::S3(s3) => {
                let mut builder = AmazonS3Builder::from_env()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_allow_http(s3.allow_http)
                    .with_retry(RetryConfig {
                        max_retries: 4,
                        retry_timeout: Duration::from_secs(30),
                        ..RetryConfig::default()
                    })
                    .with_client_options(
                        ClientOptions::new()
                            .with_connect_timeout(Duration::from_secs(5))
                            .with_allow_http(s3.allow_http),
                    );
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder.with_endpoint(endpoint);
                }
                if let Some(key) = &s3.access_key_id {
                    builder = builder.with_access_key_id(key);
                }
                if let Some(secret) = &s3.secret_access_key {
                    builder = builder.with_secret_access_key(secret.expose_secret());
                }
                let store =
                    builder.build().map_err(|e| StoreError::StorageConfig(e.to_string()))?;
                if s3.prefix.is_empty() {
                    Arc::new(store)
                } else {
                    Arc::new(PrefixStore::new(store, s3.prefix.as_str()))
                }
            }
        };
        Ok(Self { inner, description: location.to_string() })
    }

    /// Checks that the backend answers: a HEAD of a key that need not exist.
    pub async fn check(&self) -> Result<(), StoreError> {
        match self.inner.head(&Path::from("filmroom/readiness-probe")).await {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Where the blobs are, for logs and errors.
    pub fn description(&self) -> &str {
        &self.description
    }
}
