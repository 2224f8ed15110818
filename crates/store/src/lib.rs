//! filmroom's persistence layer.
//!
//! [`Store`] owns the database connection (SQLite or PostgreSQL through
//! sea-orm) and the [`BlobStore`] (local disk or any S3-compatible endpoint
//! through object_store). It offers plain queries over rows; the rules about who
//! may do what live in `filmroom-review`, never here.

/// Writes `$row`, a model of the entity module `$entity` (with `id` and
/// `version` columns), where its version is still the one it was read at,
/// with the next version; evaluates to the stored row, or `None` when
/// another write came first. One conditional statement, so two writers
/// cannot both pass.
macro_rules! write_if_unchanged {
    ($entity:ident, $db:expr, $row:expr) => {{
        let row = $row;
        let (id, read) = (row.id, row.version);
        let mut next = sea_orm::IntoActiveModel::into_active_model(row).reset_all();
        next.id = sea_orm::ActiveValue::Unchanged(id);
        next.version = sea_orm::ActiveValue::Set(read.saturating_add(1));
        let written = $entity::Entity::update_many()
            .set(next)
            .filter($entity::Column::Id.eq(id))
            .filter($entity::Column::Version.eq(read))
            .exec($db)
            .await?;
        if written.rows_affected == 1 {
            $entity::Entity::find_by_id(id).one($db).await?
        } else {
            None
        }
    }};
}

mod blob;
mod cache;
mod calls;
mod db;
mod emails;
pub mod entity;
mod error;
pub mod ids;
mod integrations;
mod jobs;
mod one_on_ones;
mod people;
mod reviews;
mod sign_in;
mod tokens;
mod webhooks;

pub use blob::{
    BlobRange, BlobReader, BlobStore, BlobUpload, S3Location, StorageLocation, StoredBlob,
};
pub use cache::ReadCacheStats;
pub use calls::{CallFilter, ExternalRefTaken};
pub use db::DatabaseUrl;
pub use entity::call::{CallStatus, Direction};
pub use entity::email::{EmailKind, EmailStatus};
pub use entity::idempotency_key::IdempotencyStatus;
pub use entity::job::{JobKind, JobStatus};
pub use entity::user::Role;
pub use error::StoreError;
pub use integrations::{IdempotencyClaim, SearchHit, SearchSource};
pub use jobs::{JobSettlement, NewJob};
pub use one_on_ones::ClipRetime;
pub use one_on_ones::{OneOnOneFilter, SeriesExists};
pub use people::{EmailTaken, ManagementEdge, now};
pub use reviews::SlotTaken;

use std::{future::Future, sync::Arc};

use cache::{CacheKey, Changing, ReadCache, Topic};
use db::Db;

/// The database and the blob store, cheap to clone and share across requests.
#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
    blobs: BlobStore,
}

impl Store {
    /// Connects to the database, applies pending migrations when asked, and
    /// opens the blob store.
    pub async fn open(
        database: &DatabaseUrl,
        storage: &StorageLocation,
        migrate: bool,
    ) -> Result<Self, StoreError> {
        let connections = db::connect(database).await?;
        if migrate {
            db::migrate(&connections.writes).await?;
        }
        let blobs = BlobStore::open(storage)?;
        let cache = Arc::new(ReadCache::new(cache::DEFAULT_MAX_AGE));
        Ok(Self { db: Db::new(connections, cache), blobs })
    }

    /// Applies pending migrations and returns how many were applied.
    pub async fn migrate(database: &DatabaseUrl) -> Result<usize, StoreError> {
        let connections = db::connect(database).await?;
        db::migrate(&connections.writes).await
    }

    /// The blob store holding recordings and derived files.
    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    /// Checks that the database answers a trivial query.
    pub async fn ping_database(&self) -> Result<(), StoreError> {
        self.db.ping().await.map_err(StoreError::from)
    }

    /// Keeps answers to the hot reads for `age` (see the README's "Reads from
    /// memory"), which is also how long another process's change may go
    /// unseen here; zero turns the read cache off. Meant for start-up:
    /// answers kept so far are dropped.
    #[must_use]
    pub fn with_read_cache_max_age(mut self, age: std::time::Duration) -> Self {
        self.db.set_cache(ReadCache::new(age));
        self
    }

    /// How the read cache is doing.
    pub fn read_cache_stats(&self) -> ReadCacheStats {
        self.db.cache().stats()
    }

    /// The answer to a hot read: from memory while nothing it was read from
    /// has changed and it is young enough, otherwise from `load` (see
    /// [`cache`]).
    async fn cached<T, F>(&self, key: CacheKey, load: F) -> Result<T, StoreError>
    where
        T: cache::Cacheable,
        F: Future<Output = Result<T, StoreError>>,
    {
        let cache = self.db.cache();
        if !cache.serving() {
            return load.await;
        }
        // Filed before the query runs: a write that lands during it moves the
        // versions on, so this answer is never served after it.
        let filed = cache.file(key);
        if let Some(answer) = cache.get::<T>(&filed) {
            return Ok(answer);
        }
        let started = std::time::Instant::now();
        let answer = load.await?;
        cache.put(filed, started, answer.clone());
        Ok(answer)
    }

    /// Marks a write about to change `topics`; hold the guard until the write
    /// has committed (see [`cache::ReadCache::changing`]).
    fn changing(&self, topics: impl Into<Vec<Topic>>) -> Changing<'_> {
        self.db.cache().changing(topics)
    }
}
