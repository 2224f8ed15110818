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
//! While the watcher is not connected, or a PostgreSQL listener stops hearing
//! its own heartbeat notices, the cache serves nothing; and no answer is
//! served longer than its maximum age after it was read ([`DEFAULT_MAX_AGE`]
//! unless the operator sets another), whatever happens to a notice.

use std::{
    any::Any,
    collections::HashMap,
    sync::{
        Arc, Mutex, PoisonError, Weak,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

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

/// Answers kept at most, and their estimated size in bytes at most; when
/// either is reached, stale answers go first, then all.
const CAPACITY: usize = 4096;
const CAPACITY_BYTES: usize = 64 * 1024 * 1024;

use filmroom_migrations::CHANGES_CHANNEL;

/// How a process's heartbeat notice starts, to tell it from a change.
const HEARTBEAT_PREFIX: &str = "heartbeat ";

/// What was read, with everything that selects the rows.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum CacheKey {
    Token(String),
    Session(String),
    Organisation(OrganisationId),
    ManagementEdges(OrganisationId),
    Call(OrganisationId, CallId),
    CallShared(CallId),
    Comments(OrganisationId, CallId),
    CallsPage(Box<(OrganisationId, CallFilter, Option<CallId>, u64)>),
}

struct Entry {
    generation: u64,
    stored_at: Instant,
    bytes: usize,
    value: Arc<dyn Any + Send + Sync>,
}

/// An answer the cache may keep: how much memory it holds, and whether it is
/// worth keeping at all (a secret that matches nobody is not: keeping those
/// would let anyone fill the cache with made-up secrets).
pub(crate) trait Cacheable: Clone + Send + Sync + 'static {
    /// Roughly the bytes it holds, counting text on the heap.
    fn bytes(&self) -> usize;

    fn worth_keeping(&self) -> bool {
        true
    }
}

const ROW_BYTES: usize = 512;

impl Cacheable for bool {
    fn bytes(&self) -> usize {
        1
    }
}

impl Cacheable for Vec<crate::ManagementEdge> {
    fn bytes(&self) -> usize {
        self.len().saturating_mul(std::mem::size_of::<crate::ManagementEdge>())
    }
}

impl Cacheable for Option<crate::entity::organisation::Model> {
    fn bytes(&self) -> usize {
        // Its settings are a few bands and numbers.
        ROW_BYTES.saturating_mul(4)
    }
}

impl<A: Clone + Send + Sync + 'static, B: Clone + Send + Sync + 'static> Cacheable
    for Option<(A, B)>
{
    fn bytes(&self) -> usize {
        ROW_BYTES.saturating_mul(2)
    }

    fn worth_keeping(&self) -> bool {
        self.is_some()
    }
}

impl Cacheable for Option<crate::entity::call::Model> {
    fn bytes(&self) -> usize {
        ROW_BYTES
    }
}

impl Cacheable for Vec<crate::entity::call::Model> {
    fn bytes(&self) -> usize {
        self.len().saturating_mul(ROW_BYTES)
    }
}

impl Cacheable for Vec<(crate::entity::comment::Model, Option<String>)> {
    fn bytes(&self) -> usize {
        self.iter()
            .map(|(c, name)| {
                ROW_BYTES
                    .saturating_add(c.body.len())
                    .saturating_add(name.as_ref().map_or(0, String::len))
            })
            .fold(0, usize::saturating_add)
    }
}

#[derive(Default)]
struct Entries {
    map: HashMap<CacheKey, Entry>,
    bytes: usize,
    /// The change counter the kept answers were read at.
    generation: u64,
}

impl Entries {
    fn retain(&mut self, mut keep: impl FnMut(&Entry) -> bool) {
        self.map.retain(|_, e| keep(e));
        self.bytes = self.map.values().map(|e| e.bytes).fold(0, usize::saturating_add);
    }
}

/// The answers and the change counter that decides whether they still hold.
pub(crate) struct ReadCache {
    generation: AtomicU64,
    live: AtomicBool,
    entries: Mutex<Entries>,
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
    /// Times every kept answer was made stale: a change noticed (this
    /// process's writes and other processes'), or the cache turned off or on.
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
            entries: Mutex::new(Entries::default()),
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
        let entry = entries.map.get(key)?;
        if entry.generation != current || entry.stored_at.elapsed() >= max_age {
            return None;
        }
        entry.value.downcast_ref::<T>().cloned()
    }

    /// Keeps an answer whose query started at `generation`, unless something
    /// changed since or it is not worth keeping.
    pub(crate) fn put<T: Cacheable>(&self, key: CacheKey, generation: u64, value: T) {
        let max_age = self.max_age();
        if !self.live.load(Ordering::SeqCst)
            || generation != self.generation()
            || max_age.is_zero()
            || !value.worth_keeping()
        {
            return;
        }
        let bytes = value.bytes();
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        // Answers from before the latest change are never served again.
        if entries.generation != generation {
            entries.map.clear();
            entries.bytes = 0;
            entries.generation = generation;
        }
        if entries.map.len() >= CAPACITY || entries.bytes.saturating_add(bytes) > CAPACITY_BYTES {
            entries.retain(|e| e.stored_at.elapsed() < max_age);
            if entries.map.len() >= CAPACITY || entries.bytes.saturating_add(bytes) > CAPACITY_BYTES
            {
                entries.map.clear();
                entries.bytes = 0;
            }
        }
        if bytes > CAPACITY_BYTES {
            return;
        }
        let entry = Entry { generation, stored_at: Instant::now(), bytes, value: Arc::new(value) };
        entries.bytes = entries.bytes.saturating_add(bytes);
        if let Some(replaced) = entries.map.insert(key, entry) {
            entries.bytes = entries.bytes.saturating_sub(replaced.bytes);
        }
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
    /// An `UPDATE` or `DELETE … RETURNING`: it lists every row it changed, so
    /// no rows back means nothing changed (a worker polling an empty queue).
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
    } else if (first.eq_ignore_ascii_case("update") || first.eq_ignore_ascii_case("delete"))
        && sql.as_bytes().windows(9).any(|word| word.eq_ignore_ascii_case(b"returning"))
    {
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

/// How often a process sends itself a notice on PostgreSQL, to know that it
/// still hears them; three missed in a row and its cache serves nothing.
const HEARTBEAT: Duration = Duration::from_secs(2);

/// Listens for the change notices of every committing transaction. A lost
/// connection, or one that stays open but delivers nothing (a half-open
/// socket, a pooler that drops notices), turns the cache off until notices
/// are heard again.
async fn watch_postgres(pool: sea_orm::sqlx::PgPool, cache: Weak<ReadCache>) {
    use sea_orm::sqlx::postgres::PgListener;
    let heartbeat = format!("{HEARTBEAT_PREFIX}{}", uuid::Uuid::now_v7().simple());
    let started = Instant::now();
    let last_heard = Arc::new(AtomicU64::new(0));
    let deaf = Arc::new(AtomicBool::new(false));
    tokio::spawn(send_heartbeats(
        pool.clone(),
        cache.clone(),
        heartbeat.clone(),
        started,
        Arc::clone(&last_heard),
        Arc::clone(&deaf),
    ));
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
                last_heard.store(millis(started.elapsed()), Ordering::SeqCst);
                deaf.store(false, Ordering::SeqCst);
                live.resume();
                drop(live);
                loop {
                    let notice = listener.try_recv().await;
                    let Some(live) = cache.upgrade() else { return };
                    match notice {
                        Ok(Some(notice)) if notice.payload() == heartbeat => {
                            last_heard.store(millis(started.elapsed()), Ordering::SeqCst);
                            if deaf.swap(false, Ordering::SeqCst) {
                                tracing::info!("hearing the database's change notices again");
                                live.resume();
                            }
                        }
                        Ok(Some(notice)) if notice.payload().starts_with("heartbeat ") => {}
                        Ok(Some(_)) => live.changed(),
                        // The connection dropped: notices sent meanwhile are
                        // lost. Start over on a new one.
                        Ok(None) => {
                            tracing::warn!(
                                "lost the database's change notices; reads go to the database until they are back"
                            );
                            live.suspend();
                            break;
                        }
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

/// Sends this process's heartbeat notice every [`HEARTBEAT`], and turns the
/// cache off when three in a row were not heard back.
async fn send_heartbeats(
    pool: sea_orm::sqlx::PgPool,
    cache: Weak<ReadCache>,
    heartbeat: String,
    started: Instant,
    last_heard: Arc<AtomicU64>,
    deaf: Arc<AtomicBool>,
) {
    let mut ticks = tokio::time::interval(HEARTBEAT);
    loop {
        ticks.tick().await;
        let Some(live) = cache.upgrade() else { return };
        let silent_for =
            millis(started.elapsed()).saturating_sub(last_heard.load(Ordering::SeqCst));
        if silent_for > millis(HEARTBEAT).saturating_mul(3) && !deaf.swap(true, Ordering::SeqCst) {
            tracing::warn!(
                silent_ms = silent_for,
                "the database's change notices stopped arriving; reads go to the database until they are back"
            );
            live.suspend();
        }
        drop(live);
        if let Err(error) = sea_orm::sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANGES_CHANNEL)
            .bind(&heartbeat)
            .execute(&pool)
            .await
        {
            tracing::debug!(%error, "could not send a change-notice heartbeat");
        }
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
                        Ok(version) => {
                            match last {
                                None => live.resume(),
                                Some(seen) if seen != version => live.changed(),
                                Some(_) => {}
                            }
                            last = Some(version);
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

    impl Cacheable for u32 {
        fn bytes(&self) -> usize {
            4
        }
    }

    impl Cacheable for usize {
        fn bytes(&self) -> usize {
            8
        }
    }

    fn kept(cache: &ReadCache) -> usize {
        cache.entries.lock().map(|e| e.map.len()).unwrap_or_default()
    }

    #[test]
    fn answers_from_before_a_change_are_dropped_with_the_next_one_kept() {
        let cache = ReadCache::new(true);
        for i in 0..100_usize {
            cache.put(CacheKey::Token(i.to_string()), cache.generation(), i);
        }
        assert_eq!(kept(&cache), 100);
        cache.changed();
        cache.put(key(), cache.generation(), 1_usize);
        assert_eq!(cache.get::<usize>(&key()), Some(1));
        assert_eq!(kept(&cache), 1);
    }

    #[test]
    fn a_full_cache_starts_over() {
        let cache = ReadCache::new(true);
        for i in 0..CAPACITY {
            cache.put(CacheKey::Token(i.to_string()), cache.generation(), i);
        }
        assert_eq!(kept(&cache), CAPACITY);
        cache.put(key(), cache.generation(), 1_usize);
        assert_eq!(kept(&cache), 1);
    }

    #[test]
    fn a_secret_that_matches_nobody_is_not_kept() {
        let cache = ReadCache::new(true);
        cache.put(key(), cache.generation(), None::<(u32, u32)>);
        assert_eq!(kept(&cache), 0);
        cache.put(key(), cache.generation(), Some((1_u32, 2_u32)));
        assert_eq!(cache.get::<Option<(u32, u32)>>(&key()), Some(Some((1, 2))));
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
        assert_eq!(write_kind("UPDATE calls SET title = 'x'"), WriteKind::Other);
        assert_eq!(write_kind(""), WriteKind::Other);
        assert!(!WriteKind::Returning.changed(Ok(false)));
        assert!(WriteKind::Returning.changed(Ok(true)));
        assert!(WriteKind::Returning.changed(Err(&sea_orm::DbErr::Custom("lost".into()))));
        assert!(WriteKind::Other.changed(Ok(false)));
        assert!(!WriteKind::Read.changed(Ok(true)));
    }
}
