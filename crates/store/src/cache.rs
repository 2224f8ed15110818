//! Answers to the reads every request makes (whose token or session this is,
//! the organisation and its management tree, a call, whether its review is
//! shared, its comments, a page of calls), kept in this process's memory for
//! at most `--read-cache-ms` (`ReadCache::new`).
//!
//! Every answer is filed under the versions of the things it was read from
//! (its [`Topic`]s): a call under that call's version, its comments under
//! their call's comments and the organisation's people (for the authors'
//! names), a page of calls under the organisation's calls, a credential under
//! the accounts. A write through this store moves the versions of what it
//! changed once it has committed (see [`Changing`]), so the next read files
//! under a new version and goes to the database; answers filed under an old
//! version are never looked up again and age out. A read that raced a write
//! is filed under the version from before the write, so it is never served
//! after the write is known.
//!
//! What another process writes is not heard of here: an answer read before
//! that write is served until it is `max_age` old, so another process's change
//! shows within `max_age` (1 s unless the operator sets another).

use std::{
    any::Any,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use crate::{
    CallFilter,
    ids::{CallId, OrganisationId},
};

/// How long an answer is kept by default, and so how long another process's
/// change may go unseen here.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(1);

/// The most memory kept answers may hold, in estimated bytes; the least
/// recently used go first.
const CAPACITY_BYTES: u64 = 64 * 1024 * 1024;

/// What a cached answer was read from; a write moves the version of each
/// topic it changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Topic {
    /// Every token, session and person's account (role, active, manager):
    /// what a credential resolves to. Changes here are rare (a revoke, a
    /// sign-out, a deactivation, a role or password change).
    Accounts,
    /// The organisation's row and settings.
    Organisation(OrganisationId),
    /// The organisation's people: names and who manages whom.
    People(OrganisationId),
    /// Any call of the organisation (for pages of calls).
    Calls(OrganisationId),
    /// One call's row.
    Call(CallId),
    /// One call's review: its nominations' states.
    Review(CallId),
    /// One call's comments.
    Comments(CallId),
}

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

impl CacheKey {
    /// The topics whose changes make this answer stale.
    fn topics(&self) -> (Topic, Option<Topic>) {
        match self {
            Self::Token(_) | Self::Session(_) => (Topic::Accounts, None),
            Self::Organisation(org) => (Topic::Organisation(*org), None),
            Self::ManagementEdges(org) => (Topic::People(*org), None),
            Self::Call(_, call) => (Topic::Call(*call), None),
            Self::CallShared(call) => (Topic::Review(*call), None),
            Self::Comments(org, call) => (Topic::Comments(*call), Some(Topic::People(*org))),
            Self::CallsPage(page) => (Topic::Calls(page.0), None),
        }
    }
}

/// A key together with the versions of its topics when it was looked up.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Filed {
    key: CacheKey,
    versions: (u64, u64),
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

#[derive(Clone)]
struct Answer {
    bytes: u32,
    value: Arc<dyn Any + Send + Sync>,
}

/// The kept answers and the versions of their topics.
pub(crate) struct ReadCache {
    max_age: Duration,
    answers: moka::sync::Cache<Filed, Answer>,
    /// Topics written since their version last aged out. A version is kept
    /// twice as long as an answer, so by the time a topic is back to version
    /// 0 every answer filed under an earlier 0 has aged out too.
    versions: moka::sync::Cache<Topic, u64>,
    next_version: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
    changes: AtomicU64,
}

impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadCache").field("max_age", &self.max_age).finish_non_exhaustive()
    }
}

/// How the read cache is doing, for `/metrics`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReadCacheStats {
    /// Reads answered from memory.
    pub hits: u64,
    /// Reads that went to the database.
    pub misses: u64,
    /// Writes that moved a topic's version.
    pub changes: u64,
    /// Answers kept now.
    pub entries: u64,
}

impl ReadCache {
    /// A cache keeping answers for `max_age`; zero keeps none.
    pub(crate) fn new(max_age: Duration) -> Self {
        Self {
            max_age,
            answers: moka::sync::Cache::builder()
                .max_capacity(CAPACITY_BYTES)
                .weigher(|_, answer: &Answer| answer.bytes)
                .time_to_live(max_age.max(Duration::from_millis(1)))
                .build(),
            versions: moka::sync::Cache::builder()
                .time_to_live(max_age.saturating_mul(2).max(Duration::from_millis(2)))
                .build(),
            next_version: AtomicU64::new(1),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            changes: AtomicU64::new(0),
        }
    }

    /// Whether answers are kept at all.
    pub(crate) fn serving(&self) -> bool {
        !self.max_age.is_zero()
    }

    pub(crate) fn stats(&self) -> ReadCacheStats {
        ReadCacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            changes: self.changes.load(Ordering::Relaxed),
            entries: self.answers.entry_count(),
        }
    }

    fn version(&self, topic: Option<Topic>) -> u64 {
        topic.and_then(|t| self.versions.get(&t)).unwrap_or(0)
    }

    /// The key filed under its topics' versions now. Look it up, and keep a
    /// fresh answer, under what this returns: read before the query, so a
    /// write that lands during it files later reads elsewhere.
    pub(crate) fn file(&self, key: CacheKey) -> Filed {
        let (first, second) = key.topics();
        let versions = (self.version(Some(first)), self.version(second));
        Filed { key, versions }
    }

    pub(crate) fn get<T: Clone + 'static>(&self, filed: &Filed) -> Option<T> {
        let found = self.answers.get(filed).and_then(|a| a.value.downcast_ref::<T>().cloned());
        let counter = if found.is_some() { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Keeps an answer read from a query that started at `started`. One whose
    /// query took longer than the age limit is not kept: it might outlive the
    /// versions it was filed under.
    pub(crate) fn put<T: Cacheable>(&self, filed: Filed, started: Instant, value: T) {
        if !value.worth_keeping() || started.elapsed() >= self.max_age {
            return;
        }
        let bytes = u32::try_from(value.bytes()).unwrap_or(u32::MAX);
        self.answers.insert(filed, Answer { bytes, value: Arc::new(value) });
    }

    /// Drops one kept answer now (the row it came from changed in a way that
    /// concerns only it, such as a token's last use).
    pub(crate) fn forget(&self, key: CacheKey) {
        let filed = self.file(key);
        self.answers.invalidate(&filed);
    }

    /// Moves the versions of `topics` on.
    fn moved(&self, topics: &[Topic]) {
        for topic in topics {
            let version = self.next_version.fetch_add(1, Ordering::Relaxed);
            self.versions.insert(*topic, version);
        }
        self.changes.fetch_add(1, Ordering::Relaxed);
    }

    /// A guard for a write about to change `topics`: when it is dropped, after
    /// the write has committed (or was abandoned while in flight, which may
    /// have committed too), their versions move on.
    pub(crate) fn changing(&self, topics: impl Into<Vec<Topic>>) -> Changing<'_> {
        Changing { cache: self, topics: topics.into() }
    }
}

/// Moves its topics' versions on when dropped; see [`ReadCache::changing`].
pub(crate) struct Changing<'a> {
    cache: &'a ReadCache,
    topics: Vec<Topic>,
}

impl Changing<'_> {
    /// Adds a topic learnt during the write (a row's organisation, say).
    pub(crate) fn also(&mut self, topic: Topic) {
        self.topics.push(topic);
    }
}

impl Drop for Changing<'_> {
    fn drop(&mut self) {
        self.cache.moved(&self.topics);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call() -> CallId {
        CallId::from(uuid::Uuid::now_v7())
    }

    fn org() -> OrganisationId {
        OrganisationId::from(uuid::Uuid::now_v7())
    }

    #[test]
    fn an_answer_holds_until_what_it_was_read_from_changes() {
        let cache = ReadCache::new(Duration::from_secs(60));
        let (org, one, other) = (org(), call(), call());
        let key = CacheKey::Comments(org, one);
        cache.put(cache.file(key.clone()), Instant::now(), true);
        assert_eq!(cache.get::<bool>(&cache.file(key.clone())), Some(true));
        // Another call's comments, or an unrelated call, change nothing here.
        drop(cache.changing([Topic::Comments(other), Topic::Call(one)]));
        assert_eq!(cache.get::<bool>(&cache.file(key.clone())), Some(true));
        // Its own comments do, and so do the organisation's people.
        drop(cache.changing([Topic::Comments(one)]));
        assert_eq!(cache.get::<bool>(&cache.file(key.clone())), None);
        cache.put(cache.file(key.clone()), Instant::now(), true);
        drop(cache.changing([Topic::People(org)]));
        assert_eq!(cache.get::<bool>(&cache.file(key)), None);
    }

    #[test]
    fn an_answer_that_raced_a_write_is_not_served() {
        let cache = ReadCache::new(Duration::from_secs(60));
        let one = call();
        let key = CacheKey::CallShared(one);
        let filed = cache.file(key.clone());
        // The write commits while the read's query runs.
        drop(cache.changing([Topic::Review(one)]));
        cache.put(filed, Instant::now(), false);
        assert_eq!(cache.get::<bool>(&cache.file(key)), None);
    }

    #[test]
    fn a_write_abandoned_in_flight_still_counts() {
        let cache = ReadCache::new(Duration::from_secs(60));
        let one = call();
        let key = CacheKey::CallShared(one);
        cache.put(cache.file(key.clone()), Instant::now(), true);
        {
            let _writing = cache.changing([Topic::Review(one)]);
            // The request's future is dropped here, mid-write.
        }
        assert_eq!(cache.get::<bool>(&cache.file(key)), None);
    }

    #[test]
    fn no_answer_outlives_its_age() {
        let cache = ReadCache::new(Duration::from_millis(30));
        let key = CacheKey::CallShared(call());
        cache.put(cache.file(key.clone()), Instant::now(), true);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.get::<bool>(&cache.file(key.clone())), None);
        // Nor is an answer kept whose query took longer than that.
        let slow =
            Instant::now().checked_sub(Duration::from_millis(40)).unwrap_or_else(Instant::now);
        cache.put(cache.file(key.clone()), slow, true);
        assert_eq!(cache.get::<bool>(&cache.file(key)), None);
    }

    #[test]
    fn a_zero_age_keeps_nothing() {
        let cache = ReadCache::new(Duration::ZERO);
        assert!(!cache.serving());
        let key = CacheKey::CallShared(call());
        cache.put(cache.file(key.clone()), Instant::now(), true);
        assert_eq!(cache.get::<bool>(&cache.file(key)), None);
    }

    #[test]
    fn a_secret_that_matches_nobody_is_not_kept() {
        let cache = ReadCache::new(Duration::from_secs(60));
        let key = CacheKey::Token("nobody".into());
        cache.put(cache.file(key.clone()), Instant::now(), None::<(u8, u8)>);
        assert_eq!(cache.get::<Option<(u8, u8)>>(&cache.file(key)), None);
    }

    #[test]
    fn forgetting_drops_only_that_answer() {
        let cache = ReadCache::new(Duration::from_secs(60));
        let mine = CacheKey::Token("mine".into());
        let theirs = CacheKey::Token("theirs".into());
        for key in [&mine, &theirs] {
            cache.put(cache.file(key.clone()), Instant::now(), Some((1_u8, 2_u8)));
        }
        cache.forget(mine.clone());
        assert_eq!(cache.get::<Option<(u8, u8)>>(&cache.file(mine)), None);
        assert_eq!(cache.get::<Option<(u8, u8)>>(&cache.file(theirs)), Some(Some((1, 2))));
    }
}
