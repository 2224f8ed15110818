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

    /// How long, in milliseconds, the answer to a frequent read (whose token
    /// or session, the management tree, a call, its comments, a page of
    /// calls) is kept in memory. A change made through this process ends it
    /// at once; a change made by another process shows here within this
    /// time. 0 turns the cache off.
    #[arg(long, env = "FILMROOM_READ_CACHE_MS", default_value_t = 1000, global = true)]
    pub read_cache_ms: u64,
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

    /// Largest recording accepted, in bytes; larger uploads get 413 and leave nothing behind.
    #[arg(long, env = "FILMROOM_MAX_UPLOAD_BYTES", default_value_t = 2 * 1024 * 1024 * 1024)]
    pub max_upload_bytes: u64,

    /// Do not run an ingest worker in this process (run `filmroom worker` elsewhere).
    #[arg(long, env = "FILMROOM_NO_WORKER")]
    pub no_worker: bool,

    /// Trust `X-Forwarded-Host` and `X-Forwarded-Proto` (and `Forwarded`)
    /// from a proxy in front: only when one sets them and clients cannot
    /// reach this server past it. Links never come from request headers;
    /// set `--public-url` for them.
    #[arg(long, env = "FILMROOM_TRUST_PROXY")]
    pub trust_proxy: bool,

    /// Memory limit of each clip or reel render, in MiB.
    #[arg(long, env = "FILMROOM_RENDER_MEMORY_MIB", default_value_t = 512)]
    pub render_memory_mib: u64,

    /// Longest a clip or reel render may take, in seconds.
    #[arg(long, env = "FILMROOM_RENDER_TIMEOUT_SECS", default_value_t = 300)]
    pub render_timeout_secs: u64,

    /// Clip and reel renders running at once in this process; more wait.
    #[arg(long, env = "FILMROOM_RENDER_CONCURRENCY", default_value_t = 4)]
    pub render_concurrency: usize,

    /// A browser session unused for this many seconds ends.
    #[arg(long, env = "FILMROOM_SESSION_IDLE_SECS", default_value_t = 12 * 3600,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub session_idle_secs: u32,

    /// A browser session ends this many seconds after sign-in, however active.
    #[arg(long, env = "FILMROOM_SESSION_LIFETIME_SECS", default_value_t = 14 * 86400,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub session_lifetime_secs: u32,

    #[command(flatten)]
    pub worker: WorkerArgs,
}

impl ServeArgs {
    /// How long browser sessions and sign-in links live.
    pub fn session_policy(&self) -> filmroom_review::accounts::SessionPolicy {
        filmroom_review::accounts::SessionPolicy {
            idle: chrono::Duration::seconds(i64::from(self.session_idle_secs)),
            lifetime: chrono::Duration::seconds(i64::from(self.session_lifetime_secs)),
            ..Default::default()
        }
    }

    /// The sandbox clips and reels are rendered in: this binary (or
    /// `FILMROOM_ANALYZER`) as `render`, with this server's limits.
    pub fn render_sandbox(&self) -> anyhow::Result<filmroom_ingest::RenderSandbox> {
        let program = match &self.worker.analyzer {
            Some(path) => path.clone(),
            None => std::env::current_exe().context("locating the filmroom binary for renders")?,
        };
        Ok(filmroom_ingest::RenderSandbox::new(
            program,
            self.render_memory_mib.saturating_mul(1024 * 1024),
            std::time::Duration::from_secs(self.render_timeout_secs.max(1)),
            self.render_concurrency,
        ))
    }
}

/// Settings of the ingest workers (in `serve` and `worker`).
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Analyses run at once by this process (the analysis lane).
    #[arg(long, env = "FILMROOM_WORKER_CONCURRENCY", default_value_t = 1)]
    pub concurrency: usize,

    /// Recording downloads from dialers run at once by this process (the
    /// fetch lane); dialers' URLs expire within minutes, so they never wait
    /// behind analyses.
    #[arg(long, env = "FILMROOM_FETCH_CONCURRENCY", default_value_t = 2)]
    pub fetch_concurrency: usize,

    /// Webhook deliveries run at once by this process (the delivery lane).
    #[arg(long, env = "FILMROOM_DELIVERY_CONCURRENCY", default_value_t = 2)]
    pub delivery_concurrency: usize,

    /// Seconds a claimed job stays reserved without a heartbeat; a worker that
    /// dies loses its jobs to others after this long.
    #[arg(long, env = "FILMROOM_JOB_LEASE_SECS", default_value_t = 60)]
    pub job_lease_secs: u64,

    /// Milliseconds between polls of an empty queue.
    #[arg(long, env = "FILMROOM_POLL_INTERVAL_MS", default_value_t = 500)]
    pub poll_interval_ms: u64,

    /// Analysis attempts before a call is marked failed (crashes, timeouts and
    /// storage errors are retried with exponential backoff).
    #[arg(long, env = "FILMROOM_ANALYSIS_ATTEMPTS", default_value_t = 5)]
    pub analysis_attempts: u32,

    /// Seconds before the first retry of a failed analysis; doubled each time.
    #[arg(long, env = "FILMROOM_RETRY_BASE_SECS", default_value_t = 5)]
    pub retry_base_secs: u64,

    /// Memory limit of each analysis child process, in MiB.
    #[arg(long, env = "FILMROOM_ANALYSIS_MEMORY_MIB", default_value_t = 512)]
    pub analysis_memory_mib: u64,

    /// Seconds every analysis may take, plus `--analysis-seconds-per-mib` per MiB of input.
    #[arg(long, env = "FILMROOM_ANALYSIS_BASE_SECS", default_value_t = 30)]
    pub analysis_base_secs: u64,

    /// Extra seconds of analysis allowed per MiB of input.
    #[arg(long, env = "FILMROOM_ANALYSIS_SECONDS_PER_MIB", default_value_t = 2)]
    pub analysis_seconds_per_mib: u64,

    /// The longest any analysis may take, in seconds, whatever the file's size.
    #[arg(long, env = "FILMROOM_ANALYSIS_MAX_SECS", default_value_t = 1800)]
    pub analysis_max_secs: u64,

    /// Seconds a stopping worker (SIGTERM) lets its current job finish before
    /// releasing it to other workers.
    #[arg(long, env = "FILMROOM_DRAIN_SECS", default_value_t = 30)]
    pub drain_secs: u64,

    /// Non-public addresses recording downloads and webhook deliveries may
    /// reach: `false` (none),
    /// `true` (all), or a comma-separated list of addresses and networks
    /// (`10.20.0.0/16,192.168.1.5`). Loopback, private and link-local
    /// addresses are otherwise refused, after DNS resolution and on every redirect.
    #[arg(long, env = "FILMROOM_ALLOW_PRIVATE_FETCH", default_value = "false")]
    pub allow_private_fetch: filmroom_ingest::PrivateAccess,

    /// Largest recording downloaded from a dialer, in bytes.
    #[arg(long, env = "FILMROOM_MAX_FETCH_BYTES", default_value_t = 2 * 1024 * 1024 * 1024)]
    pub max_fetch_bytes: u64,

    /// Seconds a recording download may take, redirects included.
    #[arg(long, env = "FILMROOM_FETCH_TIMEOUT_SECS", default_value_t = 600)]
    pub fetch_timeout_secs: u64,

    /// The program run for each analysis [default: this `filmroom` binary, as `filmroom analyze`].
    #[arg(long, env = "FILMROOM_ANALYZER")]
    pub analyzer: Option<PathBuf>,

    /// The URL people reach this server at (`https://filmroom.example.com`):
    /// links in emails point there, dialer callbacks are signed over it, and
    /// with `https` session cookies are `Secure`. [default for `serve`: its
    /// listen address, when that is a loopback one; elsewhere links cannot be
    /// trusted to reach anyone, and email is refused without it]
    #[arg(long, env = "FILMROOM_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// SMTP server for email (invites, reminders, digests, 1:1 notices):
    /// `smtp://[USER:PASSWORD@]HOST[:PORT]` (STARTTLS, required unless
    /// `?tls=opportunistic`, or `?tls=none` for a relay on this host) or
    /// `smtps://…` (TLS from the start). No email without it.
    #[arg(long, env = "FILMROOM_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The sender of emails, e.g. `"filmroom <coach@example.com>"`; needed
    /// with `--smtp-url`.
    #[arg(long, env = "FILMROOM_SMTP_FROM")]
    pub smtp_from: Option<String>,

    /// Emails sent at once by this process (the email lane).
    #[arg(long, env = "FILMROOM_EMAIL_CONCURRENCY", default_value_t = 1)]
    pub email_concurrency: usize,

    /// Seconds between looks for due reminders, digests and 1:1 notices; 0
    /// leaves it to `filmroom admin send-reminders` (from cron, say).
    #[arg(long, env = "FILMROOM_REMINDER_INTERVAL_SECS", default_value_t = 300)]
    pub reminder_interval_secs: u64,
}

impl WorkerArgs {
    /// The mailer, when `--smtp-url` is set; links in emails point at
    /// `--public-url`, or at `fallback_url` (`serve`'s loopback listen
    /// address); with neither, email is refused.
    pub fn mailer(
        &self,
        fallback_url: Option<&str>,
    ) -> anyhow::Result<Option<filmroom_ingest::Mailer>> {
        let Some(url) = &self.smtp_url else { return Ok(None) };
        let from = self.smtp_from.as_deref().context(
            "--smtp-from (FILMROOM_SMTP_FROM) is needed with --smtp-url: the address emails come from",
        )?;
        let public_url = match (self.public_url.as_deref(), fallback_url) {
            (Some(url), _) => url,
            (None, Some(url)) => {
                tracing::warn!(
                    links = url,
                    "--public-url is not set: links in emails point at this server's listen address"
                );
                url
            }
            (None, None) => anyhow::bail!(
                "--public-url (FILMROOM_PUBLIC_URL) is needed with --smtp-url: links in emails point there"
            ),
        };
        Ok(Some(filmroom_ingest::Mailer::new(url, from, public_url)?))
    }

    /// Starts the workers of every lane over `store` (fetches, analyses,
    /// webhook deliveries and, with a mailer, emails and their schedule,
    /// each with its own count) that stop when `stop` turns true.
    pub fn spawn(
        &self,
        store: &Store,
        backend: &Backend,
        mailer: Option<&filmroom_ingest::Mailer>,
        stop: tokio::sync::watch::Receiver<bool>,
    ) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
        use std::time::Duration;
        let program = match &self.analyzer {
            Some(path) => path.clone(),
            None => std::env::current_exe().context("locating the filmroom binary for analysis")?,
        };
        let scratch_dir = backend.data_dir()?.join("scratch");
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "local".into());
        let mut lanes = vec![
            (filmroom_store::JobKind::FetchRecording, self.fetch_concurrency),
            (filmroom_store::JobKind::AnalyzeCall, self.concurrency),
            (filmroom_store::JobKind::DeliverWebhook, self.delivery_concurrency),
        ];
        let mut handles = Vec::new();
        if mailer.is_some() {
            lanes.push((filmroom_store::JobKind::SendEmail, self.email_concurrency));
            if self.reminder_interval_secs > 0 {
                let review = filmroom_review::Review::new(store.clone()).with_email(true);
                handles.push(tokio::spawn(filmroom_ingest::run_email_schedule(
                    review,
                    Duration::from_secs(self.reminder_interval_secs),
                    stop.clone(),
                )));
            }
        }
        handles.extend(
            lanes
                .into_iter()
                .flat_map(|(lane, count)| (0..count.max(1)).map(move |n| (lane, n)))
                .map(|(lane, n)| {
                    let config = filmroom_ingest::WorkerConfig {
                        worker_id: format!(
                            "{host}/{}/{lane:?}-{n}/{}",
                            std::process::id(),
                            uuid::Uuid::now_v7().simple()
                        ),
                        lane,
                        scratch_dir: scratch_dir.clone(),
                        lease: Duration::from_secs(self.job_lease_secs.max(1)),
                        poll_interval: Duration::from_millis(self.poll_interval_ms.max(10)),
                        retry_base: Duration::from_secs(self.retry_base_secs),
                        sandbox: filmroom_ingest::Sandbox {
                            program: program.clone(),
                            memory_limit_bytes: self
                                .analysis_memory_mib
                                .saturating_mul(1024 * 1024),
                            base_timeout: Duration::from_secs(self.analysis_base_secs),
                            timeout_per_mib: Duration::from_secs(self.analysis_seconds_per_mib),
                            max_timeout: Duration::from_secs(self.analysis_max_secs.max(1)),
                        },
                        analysis_attempts: self.analysis_attempts,
                        fetch: filmroom_ingest::FetchPolicy {
                            private: self.allow_private_fetch.clone(),
                            max_bytes: self.max_fetch_bytes,
                            timeout: Duration::from_secs(self.fetch_timeout_secs.max(1)),
                        },
                        mailer: mailer.cloned(),
                    };
                    let worker = filmroom_ingest::Worker::new(store.clone(), config);
                    tokio::spawn(worker.run(stop.clone(), Duration::from_secs(self.drain_secs)))
                }),
        );
        Ok(handles)
    }
}

impl Backend {
    /// The data directory, created and made absolute.
    pub fn data_dir(&self) -> anyhow::Result<PathBuf> {
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
        let store = Store::open(&database, &storage, migrate)
            .await
            .with_context(|| format!("opening {} and {storage}", database.redacted()))?;
        Ok(store.with_read_cache_max_age(std::time::Duration::from_millis(self.read_cache_ms)))
    }
}
