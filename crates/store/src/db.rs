//! Connecting to SQLite or PostgreSQL and applying migrations.

use std::{
    fmt,
    str::FromStr,
    sync::{Arc, Weak},
    time::Duration,
};

use filmroom_migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, ExecResult, QueryResult, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait, prelude::async_trait,
};

use crate::{StoreError, cache::ReadCache};

/// A validated database URL: `sqlite://PATH` or `postgres://…`.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// A SQLite database file at `path`, created when missing.
    pub fn sqlite_file(path: &std::path::Path) -> Self {
        Self(format!("sqlite://{}?mode=rwc", path.display()))
    }

    /// The URL as given, for the driver.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is a SQLite database.
    pub fn is_sqlite(&self) -> bool {
        self.0.starts_with("sqlite:")
    }

    /// Whether this is an SQLite database that lives in this process's memory
    /// alone (no other process can change it).
    pub fn is_in_memory(&self) -> bool {
        let (path, query) = self.0.split_once('?').unwrap_or((&self.0, ""));
        self.is_sqlite()
            && (path.ends_with(":memory:") || query.split('&').any(|p| p == "mode=memory"))
    }

    /// The URL with any password replaced, for logs.
    pub fn redacted(&self) -> String {
        match url::Url::parse(&self.0) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("***"));
                url.to_string()
            }
            _ => self.0.clone(),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl FromStr for DatabaseUrl {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.starts_with("sqlite:")
            || s.starts_with("postgres://")
            || s.starts_with("postgresql://")
        {
            Ok(Self(s.to_owned()))
        } else {
            Err(StoreError::DatabaseUrl(format!(
                "`{s}` is neither `sqlite://PATH` nor `postgres://USER@HOST/DB`"
            )))
        }
    }
}

/// The connections of one process: one pool for reads, and where the
/// database has one writer at a time (SQLite), a pool of one connection that
/// every write goes through, so this process's writers queue in turn instead
/// of meeting SQLite's lock and sleeping in its busy handler (which backs off
/// by milliseconds and made the tail latency of writes). Other processes'
/// writers are still waited for under the busy timeout. PostgreSQL takes
/// writes from any connection, so both are the same pool there.
pub(crate) struct Connections {
    pub(crate) reads: DatabaseConnection,
    pub(crate) writes: DatabaseConnection,
    /// Keeps the SQLite checkpointer going; it stops once this is dropped.
    alive: Arc<()>,
}

/// How often SQLite's write-ahead log is copied into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

pub(crate) async fn connect(url: &DatabaseUrl) -> Result<Connections, StoreError> {
    let reads = Database::connect(options(url, 8)).await?;
    let alive = Arc::new(());
    let writes = if url.is_sqlite() && !url.is_in_memory() {
        let writes = Database::connect(options(url, 1)).await?;
        tokio::spawn(checkpoint(reads.clone(), writes.clone(), Arc::downgrade(&alive)));
        writes
    } else {
        reads.clone()
    };
    Ok(Connections { reads, writes, alive })
}

/// Pages of write-ahead log past which the log is restarted (16 MiB of 4 KiB
/// pages).
const RESTART_LOG_PAGES: i64 = 4096;

/// Copies SQLite's write-ahead log into the database file every
/// [`CHECKPOINT_EVERY`]. SQLite would otherwise do it inside whichever commit
/// crosses 1,000 pages of log, and that commit, with every writer behind it
/// sleeping in SQLite's busy handler, would wait for the copy and its fsync:
/// tens of milliseconds for one person's comment. A passive checkpoint on a
/// reading connection waits for nobody and nobody waits for it. Under a
/// steady stream of writes it never catches the log's end, so once the log
/// passes [`RESTART_LOG_PAGES`] a restarting checkpoint runs on the writing
/// connection: this process's writers queue behind it in turn (most of the
/// log is copied already), and the log starts over.
async fn checkpoint(reads: DatabaseConnection, writes: DatabaseConnection, alive: Weak<()>) {
    let mut every = tokio::time::interval(CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if alive.upgrade().is_none() {
            return;
        }
        let passive = Statement::from_string(DbBackend::Sqlite, "PRAGMA wal_checkpoint(PASSIVE)");
        let log_pages = match reads.query_one_raw(passive).await {
            Ok(Some(row)) => row.try_get_by_index::<i64>(1).unwrap_or(0),
            Ok(None) => 0,
            Err(e) => {
                tracing::debug!(error = %e, "checkpointing the write-ahead log");
                continue;
            }
        };
        if log_pages > RESTART_LOG_PAGES
            && let Err(e) = writes.execute_unprepared("PRAGMA wal_checkpoint(RESTART)").await
        {
            tracing::debug!(error = %e, "restarting the write-ahead log");
        }
    }
}

fn options(url: &DatabaseUrl, sqlite_connections: u32) -> ConnectOptions {
    let mut options = ConnectOptions::new(url.as_str());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10));
    if url.is_sqlite() {
        // One file, many readers, one writer: WAL lets readers go on while a
        // write is in flight, and writers wait for each other instead of failing.
        options.map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .create_if_missing(true)
                // This process checkpoints on its own schedule (see `checkpoint`).
                .pragma("wal_autocheckpoint", "0")
                // A restarted log is cut back to this size.
                .pragma("journal_size_limit", "67108864")
        });
        options.max_connections(sqlite_connections);
    } else {
        options.max_connections(16);
    }
    options
}

pub(crate) async fn migrate(db: &DatabaseConnection) -> Result<usize, StoreError> {
    let pending = Migrator::get_pending_migrations(db).await?.len();
    Migrator::up(db, None).await?;
    if pending > 0 {
        tracing::info!(applied = pending, "database migrated");
    }
    Ok(pending)
}

/// The database connection, with the read cache every store function that
/// reads or writes a cached answer goes through.
#[derive(Clone, Debug)]
pub(crate) struct Db {
    /// Reads; also what [`ConnectionTrait`] on `Db` runs on.
    connection: DatabaseConnection,
    /// Every write and transaction (see [`Connections`]).
    writes: DatabaseConnection,
    cache: Arc<ReadCache>,
    _checkpointing: Arc<()>,
}

impl Db {
    pub(crate) fn new(connections: Connections, cache: Arc<ReadCache>) -> Self {
        Self {
            connection: connections.reads,
            writes: connections.writes,
            cache,
            _checkpointing: connections.alive,
        }
    }

    /// The connection a write outside a transaction goes through.
    pub(crate) fn writer(&self) -> &DatabaseConnection {
        &self.writes
    }

    pub(crate) fn cache(&self) -> &ReadCache {
        &self.cache
    }

    /// Replaces the read cache (at start-up, once the operator's age is known).
    pub(crate) fn set_cache(&mut self, cache: ReadCache) {
        self.cache = Arc::new(cache);
    }

    /// Starts a transaction. Every transaction of the store writes, so on
    /// SQLite it takes the write lock at `BEGIN IMMEDIATE`, waiting its turn
    /// under the busy timeout, rather than at its first write, where a
    /// snapshot taken before another connection's commit fails at once with
    /// "database is locked".
    pub(crate) async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        self.writes.begin_with_options(options).await
    }

    pub(crate) async fn ping(&self) -> Result<(), DbErr> {
        self.connection.ping().await
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Db {
    fn get_database_backend(&self) -> DbBackend {
        self.connection.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.connection.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.connection.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.connection.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.connection.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.connection.support_returning()
    }
}
