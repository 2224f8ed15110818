//! Command-line settings with environment fallbacks, turned into typed
//! backend locations.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use filmroom_store::{DatabaseUrl, S3Location, StorageLocation, Store};
use secrecy::SecretString;

/// Where data lives. Everything defaults to the data directory.
#[derive(Debug, Args)]
pub struct Backend {
    /// Directory for the embedded default: the SQLite database
    /// (`filmroom.db`) and the object directory (`objects/`). Created when
    /// missing.
    #[arg(long, env = "FILMROOM_DATA_DIR", default_value = "filmroom-data", global = true)]
    pub data_dir: PathBuf,

    /// Database: `sqlite://PATH` or `postgres://USER[:PASSWORD]@HOST[:PORT]/DB`.
    /// [default: SQLite file `filmroom.db` in the data directory]
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// Object storage for recordings: `file:///PATH` or `s3://BUCKET[/PREFIX]`.
    /// [default: `objects/` in the data directory]
    #[arg(long, env = "FILMROOM_STORAGE", global = true)]
    pub storage: Option<String>,

    /// S3 endpoint URL for S3-compatible servers (MinIO, Ceph, …); leave unset for AWS.
    #[arg(long, env = "FILMROOM_S3_ENDPOINT", global = true)]
    pub s3_endpoint: Option<String>,

    /// S3 region.
    #[arg(long, env = "AWS_REGION", default_value = "us-east-1", global = true)]
    pub s3_region: String,

    /// S3 access key id [default: the AWS credential chain].
    #[arg(long, env = "AWS_ACCESS_KEY_ID", global = true, hide_env_values = true)]
    pub s3_access_key_id: Option<String>,

    /// S3 secret access key; prefer the environment variable to the flag.
    #[arg(long, env = "AWS_SECRET_ACCESS_KEY", global = true, hide_env_values = true)]
    pub s3_secret_access_key: Option<String>,

    /// Allow a plain `http://` S3 endpoint (local MinIO, tests).
    #[arg(long, env = "FILMROOM_S3_ALLOW_HTTP", global = true)]
    pub s3_allow_http: bool,
}

/// Settings of `filmroom serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (the log line says which).
    #[arg(long, env = "FILMROOM_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,

    /// Largest JSON request body accepted, in bytes.
    #[arg(long, env = "FILMROOM_MAX_JSON_BYTES", default_value_t = 64 * 1024)]
    pub max_json_bytes: usize,
}

impl Backend {
    fn data_dir(&self) -> anyhow::Result<PathBuf> {
        std::fs::create_dir_all(&self.data_dir).with_context(|| {
            format!("cannot create the data directory {}", self.data_dir.display())
        })?;
        std::path::absolute(&self.data_dir)
            .with_context(|| format!("cannot resolve {}", self.data_dir.display()))
    }

    /// The database to use.
    pub fn database_url(&self) -> anyhow::Result<DatabaseUrl> {
        match &self.database_url {
            Some(url) => Ok(url.parse()?),
            None => Ok(DatabaseUrl::sqlite_file(&self.data_dir()?.join("filmroom.db"))),
        }
    }

    /// Where blobs go.
    pub fn storage(&self) -> anyhow::Result<StorageLocation> {
        let s3 = S3Location {
            bucket: String::new(),
            prefix: String::new(),
            endpoint: self.s3_endpoint.clone(),
            region: self.s3_region.clone(),
            access_key_id: self.s3_access_key_id.clone(),
            secret_access_key: self.s3_secret_access_key.clone().map(SecretString::from),
            allow_http: self.s3_allow_http,
        };
        match &self.storage {
            Some(location) => Ok(StorageLocation::parse(location, s3)?),
            None => Ok(StorageLocation::Filesystem { root: self.data_dir()?.join("objects") }),
        }
    }

    /// Connects to both backends, migrating the database when asked.
    pub async fn open_store(&self, migrate: bool) -> anyhow::Result<Store> {
        let database = self.database_url()?;
        let storage = self.storage()?;
        Store::open(&database, &storage, migrate)
            .await
            .with_context(|| format!("opening {} and {storage}", database.redacted()))
    }
}
