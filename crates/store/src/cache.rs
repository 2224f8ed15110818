//! Recent answers to the reads every request makes (who a secret belongs to,
//! the management tree, a call, its comments, a page of calls), kept in memory
//! so that a read repeated before anything changed needs no database at all.
//!
//! Correctness rests on a change counter, not on guessing which write touches
//! which read. Every write this process makes bumps the counter once it has
//! committed ([`crate::db::Db`]); writes by other processes bump it when the
//! database reports them: PostgreSQL announces every committed change on a
//! channel this process listens to, and SQLite's `PRAGMA data_version` is
//! polled every [`SQLITE_POLL`]. An answer is stored with the counter read
//! *before* its query ran, and is served only while the counter has not moved,
//! so an answer that raced a write is never served after the write is known.
//! While the watcher is not connected the cache serves nothing, and no answer
//! is ever older than its maximum age ([`DEFAULT_MAX_AGE`] unless the operator
//! sets another), whatever happens to a notice.

use std::{
    any::Any,
    collections::HashMap,
    sync::{
        Arc, Mutex, PoisonError, Weak,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseBackend, DatabaseConnection};
use tokio::sync::watch;

use crate::{
    CallFilter,
    ids::{CallId, OrganisationId},
};

/// The oldest answer served by default, even if a change notice was lost.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(1);

/// How often SQLite is asked whether another connection committed.
pub const SQLITE_POLL: Duration = Duration::from_millis(50);

/// Answers kept at most; when full, stale ones go first, then all.
const CAPACITY: usize = 4096;

/// The PostgreSQL channel on which every committed change is announced (by
/// the triggers of migration 14).
pub const CHANGES_CHANNEL: &str = "filmroom_changes";

/// What was read, with everything that selects the rows.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum CacheKey {
    Token(String),
    Session(String),
    Organisation(OrganisationId),
    ManagementEdges(OrganisationId),
    Call(OrganisationId, CallId),
    CallShared(CallId),
    Comments(OrganisationId, CallId, Option<DateTime<Utc>>),
    CallsPage(Box<(OrganisationId, CallFilter, Option<CallId>, u64)>),
}

struct Entry {
    generation: u64,
    stored_at: Instant,
    value: Arc<dyn Any + Send + Sync>,
}

/// The answers and the change counter that decides whether they still hold.
pub(crate) struct ReadCache {
    generation: AtomicU64,
    live: AtomicBool,
    entries: Mutex<HashMap<CacheKey, Entry>>,
    /// Answers being read from the database: whoever misses one of these
    /// waits for that read instead of running the same query again (when an
    /// answer ages out under load, every connection would miss it at once).
    loading: Mutex<HashMap<CacheKey, watch::Receiver<()>>>,
    /// In milliseconds; 0 turns the cache off.
    max_age_ms: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// How the read cache is doing, for `/metrics`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadCacheStats {
    /// Reads answered from memory.
    pub hits: u64,
    /// Reads that went to the database.
    pub misses: u64,
    /// Changes noticed (this process's writes and other processes'), each of
    /// which made every stored answer stale.
    pub changes: u64,
    /// Whether other processes' changes are being noticed (otherwise every
    /// read goes to the database).
    pub live: bool,
}

impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadCache")
            .field("generation", &self.generation.load(Ordering::Relaxed))
            .field("live", &self.live.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl ReadCache {
    /// A cache that serves nothing until its watcher is connected
    /// (`live: false`), or at once for a database no other process can open.
    pub(crate) fn new(live: bool) -> Self {
        Self {
            generation: AtomicU64::new(0),
            live: AtomicBool::new(live),
            entries: Mutex::new(HashMap::new()),
            loading: Mutex::new(HashMap::new()),
            max_age_ms: AtomicU64::new(millis(DEFAULT_MAX_AGE)),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// Sets the oldest answer served; zero turns the cache off.
    pub(crate) fn set_max_age(&self, age: Duration) {
        self.max_age_ms.store(millis(age), Ordering::SeqCst);
        self.changed();
    }

    fn max_age(&self) -> Duration {
        Duration::from_millis(self.max_age_ms.load(Ordering::Relaxed))
    }

    pub(crate) fn stats(&self) -> ReadCacheStats {
        ReadCacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            changes: self.generation.load(Ordering::Relaxed),
            live: self.live.load(Ordering::Relaxed),
        }
    }

    /// Something may have changed: every answer stored so far is stale.
    pub(crate) fn changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The counter to store an answer with; read it before the query runs.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Changes may go unnoticed from now on: serve nothing.
    fn suspend(&self) {
        self.live.store(false, Ordering::SeqCst);
        self.changed();
    }

    /// Changes are noticed again; what was stored before may be stale.
    fn resume(&self) {
        self.changed();
        self.live.store(true, Ordering::SeqCst);
    }

    /// Whether answers are kept at all (changes are heard and the maximum
    /// age is not zero).
    pub(crate) fn serving(&self) -> bool {
        self.live.load(Ordering::SeqCst) && !self.max_age().is_zero()
    }

    /// Who reads a missing answer: this caller, or another already doing so.
    pub(crate) fn turn(&self, key: &CacheKey) -> Turn<'_> {
        let mut loading = self.loading.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(done) = loading.get(key) {
            return Turn::Wait(done.clone());
        }
        let (done, waiting) = watch::channel(());
        loading.insert(key.clone(), waiting);
        Turn::Load(Loading { cache: self, key: key.clone(), _done: done })
    }

    /// The stored answer, if nothing has changed since its query ran.
    pub(crate) fn get<T: Clone + 'static>(&self, key: &CacheKey) -> Option<T> {
        let found = self.lookup(key);
        let counter = if found.is_some() { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    fn lookup<T: Clone + 'static>(&self, key: &CacheKey) -> Option<T> {
        if !self.live.load(Ordering::SeqCst) {
            return None;
        }
        let current = self.generation();
        let max_age = self.max_age();
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = entries.get(key)?;
        if entry.generation != current || entry.stored_at.elapsed() >= max_age {
            return None;
        }
        entry.value.downcast_ref::<T>().cloned()
    }

    /// Keeps an answer whose query started at `generation`, unless something
    /// changed since.
    pub(crate) fn put<T: Send + Sync + 'static>(&self, key: CacheKey, generation: u64, value: T) {
        let max_age = self.max_age();
        if !self.live.load(Ordering::SeqCst) || generation != self.generation() || max_age.is_zero()
        {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= CAPACITY {
            entries.retain(|_, e| e.generation == generation && e.stored_at.elapsed() < max_age);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries
            .insert(key, Entry { generation, stored_at: Instant::now(), value: Arc::new(value) });
    }
}

fn millis(age: Duration) -> u64 {
    u64::try_from(age.as_millis()).unwrap_or(u64::MAX)
}

/// What to do about a missing answer.
pub(crate) enum Turn<'a> {
    /// Read it (and [`ReadCache::put`] it); the others wait for this.
    Load(Loading<'a>),
    /// Another caller is reading it: wait for [`watch::Receiver::changed`]
    /// to return (it does once that read is over, however it ended), then
    /// look again.
    Wait(watch::Receiver<()>),
}

/// The read of one answer in flight; dropping it (after the answer is put,
/// or when the read failed or was abandoned) lets the waiting callers go on.
pub(crate) struct Loading<'a> {
    cache: &'a ReadCache,
    key: CacheKey,
    _done: watch::Sender<()>,
}

impl Drop for Loading<'_> {
    fn drop(&mut self) {
        // The sender is dropped after this, waking the waiters once the key
        // is free for one of them to read it again if need be.
        self.cache.loading.lock().unwrap_or_else(PoisonError::into_inner).remove(&self.key);
    }
}

/// What an SQL statement run as a query may do to rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WriteKind {
    /// A `SELECT`: changes nothing.
    Read,
    /// An `UPDATE` or `DELETE`: its `RETURNING` lists every row it changed,
    /// so no rows back means nothing changed (a worker polling an empty queue).
    Returning,
    /// Anything else may change rows whatever it returns.
    Other,
}

impl WriteKind {
    /// Whether the statement may have changed something, given whether it
    /// returned rows (or failed).
    pub(crate) fn changed(self, returned_rows: Result<bool, &sea_orm::DbErr>) -> bool {
        match self {
            Self::Read => false,
            Self::Returning => returned_rows.unwrap_or(true),
            Self::Other => true,
        }
    }
}

/// Reads the first word of an SQL statement.
pub(crate) fn write_kind(sql: &str) -> WriteKind {
    let first = sql.trim_start().split(|c: char| !c.is_ascii_alphabetic()).next().unwrap_or("");
    if first.eq_ignore_ascii_case("select") {
        WriteKind::Read
    } else if first.eq_ignore_ascii_case("update") || first.eq_ignore_ascii_case("delete") {
        WriteKind::Returning
    } else {
        WriteKind::Other
    }
}

/// Starts noticing other processes' writes, for as long as `cache` lives. An
/// in-memory SQLite database is this process's alone: its cache serves at once.
pub(crate) fn watch(db: &DatabaseConnection, in_memory: bool, cache: &Arc<ReadCache>) {
    let weak = Arc::downgrade(cache);
    match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool().clone();
            tokio::spawn(watch_postgres(pool, weak));
        }
        DatabaseBackend::Sqlite if in_memory => cache.resume(),
        DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool().clone();
            tokio::spawn(watch_sqlite(pool, weak));
        }
        // No other backend is built; serve nothing rather than guess.
        _ => {}
    }
}

/// Listens for the change notices of every committing transaction.
async fn watch_postgres(pool: sea_orm::sqlx::PgPool, cache: Weak<ReadCache>) {
    use sea_orm::sqlx::postgres::PgListener;
    loop {
        let listening = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen(CHANGES_CHANNEL).await?;
            Ok::<_, sea_orm::sqlx::Error>(listener)
        }
        .await;
        match listening {
            Ok(mut listener) => {
                let Some(live) = cache.upgrade() else { return };
                live.resume();
                drop(live);
                loop {
                    let notice = listener.try_recv().await;
                    let Some(live) = cache.upgrade() else { return };
                    match notice {
                        Ok(Some(_)) => live.changed(),
                        // The connection dropped and came back: notices in
                        // between are lost, so nothing stored before holds.
                        Ok(None) => live.changed(),
                        Err(error) => {
                            tracing::warn!(%error, "lost the database's change notices; reads go to the database until they are back");
                            live.suspend();
                            break;
                        }
                    }
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for the database's change notices; reads go to the database");
            }
        }
        if cache.strong_count() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Asks SQLite, on a connection of its own, whether any other connection
/// (this process's pool included) has committed since the last time.
async fn watch_sqlite(pool: sea_orm::sqlx::SqlitePool, cache: Weak<ReadCache>) {
    loop {
        match pool.acquire().await {
            Ok(connection) => {
                // `data_version` is per connection: keep this one for good.
                let mut connection = connection.detach();
                let mut last = None;
                loop {
                    let version = sea_orm::sqlx::query_scalar::<_, i64>("PRAGMA data_version")
                        .fetch_one(&mut connection)
                        .await;
                    let Some(live) = cache.upgrade() else { return };
                    match version {
                        Ok(version) if last.is_none() => {
                            live.resume();
                            last = Some(version);
                        }
                        Ok(version) => {
                            if last != Some(version) {
                                live.changed();
                                last = Some(version);
                            }
                        }
                        Err(error) => {
                            tracing::warn!(%error, "cannot ask the database for changes; reads go to the database");
                            live.suspend();
                            break;
                        }
                    }
                    drop(live);
                    tokio::time::sleep(SQLITE_POLL).await;
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot ask the database for changes; reads go to the database");
            }
        }
        if cache.strong_count() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CacheKey {
        CacheKey::Token("secret-hash".into())
    }

    #[test]
    fn an_answer_holds_until_something_changes() {
        let cache = ReadCache::new(true);
        let started = cache.generation();
        cache.put(key(), started, 7_u32);
        assert_eq!(cache.get::<u32>(&key()), Some(7));
        cache.changed();
        assert_eq!(cache.get::<u32>(&key()), None);
    }

    #[test]
    fn an_answer_that_raced_a_write_is_not_kept() {
        let cache = ReadCache::new(true);
        let started = cache.generation();
        cache.changed();
        cache.put(key(), started, 7_u32);
        assert_eq!(cache.get::<u32>(&key()), None);
    }

    #[test]
    fn nothing_is_served_while_changes_may_go_unnoticed() {
        let cache = ReadCache::new(false);
        cache.put(key(), cache.generation(), 7_u32);
        assert_eq!(cache.get::<u32>(&key()), None);
        cache.resume();
        cache.put(key(), cache.generation(), 7_u32);
        assert_eq!(cache.get::<u32>(&key()), Some(7));
        cache.suspend();
        assert_eq!(cache.get::<u32>(&key()), None);
    }

    #[tokio::test]
    async fn one_caller_reads_a_missing_answer_while_the_others_wait() {
        let cache = ReadCache::new(true);
        let Turn::Load(loading) = cache.turn(&key()) else { panic!("the first caller reads") };
        let Turn::Wait(mut waiting) = cache.turn(&key()) else { panic!("the second waits") };
        cache.put(key(), cache.generation(), 7_u32);
        drop(loading);
        assert!(waiting.changed().await.is_err(), "the read is over");
        assert_eq!(cache.get::<u32>(&key()), Some(7));
        assert!(matches!(cache.turn(&key()), Turn::Load(_)), "the next miss reads again");
    }

    #[test]
    fn a_zero_age_turns_the_cache_off() {
        let cache = ReadCache::new(true);
        cache.set_max_age(Duration::ZERO);
        cache.put(key(), cache.generation(), 7_u32);
        assert_eq!(cache.get::<u32>(&key()), None);
        cache.set_max_age(Duration::from_secs(60));
        cache.put(key(), cache.generation(), 7_u32);
        assert_eq!(cache.get::<u32>(&key()), Some(7));
    }

    #[test]
    fn a_full_cache_drops_stale_answers_first() {
        let cache = ReadCache::new(true);
        for i in 0..CAPACITY {
            cache.put(CacheKey::Token(i.to_string()), cache.generation(), i);
        }
        cache.changed();
        cache.put(key(), cache.generation(), 1_usize);
        assert_eq!(cache.get::<usize>(&key()), Some(1));
        assert_eq!(cache.entries.lock().map(|e| e.len()).unwrap_or_default(), 1);
    }

    #[test]
    fn only_selects_are_reads_and_only_returning_updates_can_show_nothing_changed() {
        assert_eq!(write_kind("SELECT 1"), WriteKind::Read);
        assert_eq!(write_kind("  select \"calls\".\"id\" FROM calls"), WriteKind::Read);
        assert_eq!(write_kind("SELECTED"), WriteKind::Other);
        assert_eq!(
            write_kind("UPDATE jobs SET status = 'running' RETURNING *"),
            WriteKind::Returning
        );
        assert_eq!(write_kind("\n delete FROM comments RETURNING id"), WriteKind::Returning);
        assert_eq!(write_kind("INSERT INTO calls VALUES (1) RETURNING id"), WriteKind::Other);
        assert_eq!(write_kind("WITH gone AS (DELETE FROM jobs) SELECT 1"), WriteKind::Other);
        assert_eq!(write_kind(""), WriteKind::Other);
        assert!(!WriteKind::Returning.changed(Ok(false)));
        assert!(WriteKind::Returning.changed(Ok(true)));
        assert!(WriteKind::Returning.changed(Err(&sea_orm::DbErr::Custom("lost".into()))));
        assert!(WriteKind::Other.changed(Ok(false)));
        assert!(!WriteKind::Read.changed(Ok(true)));
    }
}
