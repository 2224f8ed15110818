//! filmroom's persistence layer.
//!
//! [`Store`] owns the database connection (SQLite or PostgreSQL through
//! sea-orm) and the [`BlobStore`] (local disk or any S3-compatible endpoint
//! through object_store). It offers plain queries over rows; the rules about who
//! may do what live in `filmroom-review`, never here.

mod blob;
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
pub use one_on_ones::{OneOnOneFilter, SeriesExists};
pub use people::{EmailTaken, ManagementEdge, now};
pub use reviews::SlotTaken;

use sea_orm::DatabaseConnection;

/// The database and the blob store, cheap to clone and share across requests.
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
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
        let db = db::connect(database).await?;
        if migrate {
            db::migrate(&db).await?;
        }
        let blobs = BlobStore::open(storage)?;
        Ok(Self { db, blobs })
    }

    /// Applies pending migrations and returns how many were applied.
    pub async fn migrate(database: &DatabaseUrl) -> Result<usize, StoreError> {
        let db = db::connect(database).await?;
        db::migrate(&db).await
    }

    /// The blob store holding recordings and derived files.
    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    /// Checks that the database answers a trivial query.
    pub async fn ping_database(&self) -> Result<(), StoreError> {
        self.db.ping().await.map_err(StoreError::from)
    }
}
