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
    /// The directory of a local store, where blobs are plain files.
    root: Option<std::path::PathBuf>,
}

impl fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlobStore").field("location", &self.description).finish()
    }
}

impl BlobStore {
    /// Opens the store; a local directory is created when missing.
    pub fn open(location: &StorageLocation) -> Result<Self, StoreError> {
        let root = match location {
            StorageLocation::Filesystem { root } => Some(root.clone()),
            StorageLocation::S3(_) => None,
        };
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
        Ok(Self { inner, description: location.to_string(), root })
    }

    /// Where a blob of a local store is on disk, so a child process can read
    /// it without a copy; `None` for S3.
    pub fn local_path(&self, key: &str) -> Option<std::path::PathBuf> {
        let relative = Path::from(key);
        self.root
            .as_ref()
            .map(|root| relative.parts().fold(root.clone(), |path, part| path.join(part.as_ref())))
    }

    /// Copies a blob into the local file `to`, streaming, and returns its size.
    pub async fn download_to(&self, key: &str, to: &std::path::Path) -> Result<u64, StoreError> {
        use futures_util::StreamExt;
        use tokio::io::AsyncWriteExt;
        let mut blob = self.get_range(key, None).await?;
        let mut file = tokio::fs::File::create(to).await.map_err(StoreError::Io)?;
        let mut size = 0u64;
        while let Some(chunk) = blob.stream.next().await {
            let chunk = chunk?;
            size = size.saturating_add(chunk.len() as u64);
            file.write_all(&chunk).await.map_err(StoreError::Io)?;
        }
        file.flush().await.map_err(StoreError::Io)?;
        Ok(size)
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

/// Parts are sent to the store in chunks of this size (S3 wants at least 5 MiB
/// for every part but the last).
const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts in flight at once; with [`PART_SIZE`] this bounds upload memory.
const PARTS_IN_FLIGHT: usize = 2;

/// A blob being written as its bytes arrive, with its SHA-256 and size
/// computed on the way. Memory stays bounded by the part size whatever the
/// length. An upload that is not finished must be aborted, or the parts stay
/// behind on S3.
pub struct BlobUpload {
    writer: object_store::WriteMultipart,
    hasher: sha2::Sha256,
    size: u64,
    key: String,
}

/// What a finished upload stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    /// The key it is stored under.
    pub key: String,
    /// Its length in bytes.
    pub size: u64,
    /// Hex SHA-256 of its bytes.
    pub sha256: String,
}

impl BlobUpload {
    /// Appends bytes, waiting while too many parts are in flight.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), StoreError> {
        use sha2::Digest;
        self.hasher.update(bytes);
        self.size += bytes.len() as u64;
        self.writer.wait_for_capacity(PARTS_IN_FLIGHT).await?;
        self.writer.write(bytes);
        Ok(())
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Completes the upload.
    pub async fn finish(self) -> Result<StoredBlob, StoreError> {
        use sha2::Digest;
        self.writer.finish().await?;
        let sha256 = self.hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
        Ok(StoredBlob { key: self.key, size: self.size, sha256 })
    }

    /// Abandons the upload; nothing stays behind.
    pub async fn abort(self) -> Result<(), StoreError> {
        Ok(self.writer.abort().await?)
    }
}

/// A byte range of a blob, streamed from the store.
pub struct BlobRange {
    /// The blob's total size.
    pub total_size: u64,
    /// The range delivered.
    pub range: std::ops::Range<u64>,
    /// The bytes.
    pub stream: futures_util::stream::BoxStream<'static, Result<bytes::Bytes, StoreError>>,
}

impl BlobStore {
    /// Starts a streaming upload to `key`.
    pub async fn begin_upload(&self, key: &str) -> Result<BlobUpload, StoreError> {
        use sha2::Digest;
        let upload = self.inner.put_multipart(&Path::from(key)).await?;
        Ok(BlobUpload {
            writer: object_store::WriteMultipart::new_with_chunk_size(upload, PART_SIZE),
            hasher: sha2::Sha256::new(),
            size: 0,
            key: key.to_owned(),
        })
    }

    /// Stores a small blob in one request.
    pub async fn put(&self, key: &str, bytes: bytes::Bytes) -> Result<(), StoreError> {
        self.inner.put(&Path::from(key), bytes.into()).await?;
        Ok(())
    }

    /// Reads a whole blob (for small ones such as peaks).
    pub async fn get(&self, key: &str) -> Result<bytes::Bytes, StoreError> {
        Ok(self.inner.get(&Path::from(key)).await?.bytes().await?)
    }

    /// The size of a blob.
    pub async fn size(&self, key: &str) -> Result<u64, StoreError> {
        Ok(self.inner.head(&Path::from(key)).await?.size)
    }

    /// Streams a blob, or the bytes `range` of it, without reading the rest.
    pub async fn get_range(
        &self,
        key: &str,
        range: Option<std::ops::Range<u64>>,
    ) -> Result<BlobRange, StoreError> {
        use futures_util::StreamExt;
        let options = object_store::GetOptions {
            range: range.map(object_store::GetRange::Bounded),
            ..Default::default()
        };
        let result = match self.inner.get_opts(&Path::from(key), options).await {
            Ok(result) => result,
            Err(object_store::Error::NotFound { .. }) => {
                return Err(StoreError::BlobNotFound(key.to_owned()));
            }
            Err(e) => return Err(e.into()),
        };
        let total_size = result.meta.size;
        let range = result.range.clone();
        let stream = result.into_stream().map(|chunk| chunk.map_err(StoreError::from)).boxed();
        Ok(BlobRange { total_size, range, stream })
    }

    /// Deletes a blob; a missing one is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self.inner.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Whether a blob exists.
    pub async fn exists(&self, key: &str) -> Result<bool, StoreError> {
        match self.inner.head(&Path::from(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

/// Bytes fetched per ranged read by [`BlobReader`].
const READ_BLOCK: u64 = 256 * 1024;

/// A blob as a blocking `Read + Seek`, fetched in ranged reads of 256 KiB as
/// the reader moves, so decoders can seek inside recordings held on S3
/// without downloading them. Use it on a blocking thread inside a Tokio
/// runtime (e.g. `spawn_blocking`).
pub struct BlobReader {
    store: BlobStore,
    key: String,
    size: u64,
    position: u64,
    block_start: u64,
    block: bytes::Bytes,
    runtime: tokio::runtime::Handle,
}

impl BlobReader {
    /// A reader over `key`, whose size is `size` bytes.
    pub fn new(store: BlobStore, key: &str, size: u64, runtime: tokio::runtime::Handle) -> Self {
        Self {
            store,
            key: key.to_owned(),
            size,
            position: 0,
            block_start: 0,
            block: bytes::Bytes::new(),
            runtime,
        }
    }
}

impl std::io::Read for BlobReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.position >= self.size || buf.is_empty() {
            return Ok(0);
        }
        let in_block = self.position >= self.block_start
            && self.position < self.block_start + self.block.len() as u64;
        if !in_block {
            let end = (self.position + READ_BLOCK).min(self.size);
            let path = Path::from(self.key.as_str());
            let range = self.position..end;
            let inner = std::sync::Arc::clone(&self.store.inner);
            let block = self
                .runtime
                .block_on(async move { inner.get_range(&path, range).await })
                .map_err(std::io::Error::other)?;
            self.block_start = self.position;
            self.block = block;
        }
        let offset = usize::try_from(self.position - self.block_start).unwrap_or(usize::MAX);
        let mut available: &[u8] = self.block.get(offset..).unwrap_or_default();
        let n = std::io::Read::read(&mut available, buf)?;
        self.position += n as u64;
        Ok(n)
    }
}

impl std::io::Seek for BlobReader {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        let target = match pos {
            std::io::SeekFrom::Start(n) => Some(n),
            std::io::SeekFrom::End(n) => self.size.checked_add_signed(n),
            std::io::SeekFrom::Current(n) => self.position.checked_add_signed(n),
        };
        let target = target.ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "seek before the start of the blob",
            )
        })?;
        self.position = target;
        Ok(target)
    }
}
