//! Errors raised by the persistence layer.

use thiserror::Error;

/// Something went wrong talking to the database or the blob store. These are
/// infrastructure failures: callers report them as server errors and log the chain.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database URL could not be understood.
    #[error("database URL is not usable: {0}")]
    DatabaseUrl(String),
    /// The database refused or failed a query.
    #[error("database error")]
    Database(#[from] sea_orm::DbErr),
    /// The storage location could not be understood or opened.
    #[error("storage location is not usable: {0}")]
    StorageConfig(String),
    /// No blob has this key.
    #[error("no blob at {0}")]
    BlobNotFound(String),
    /// The blob store failed an operation.
    #[error("blob store error")]
    Blob(#[from] object_store::Error),
    /// A local file could not be written or read.
    #[error("local file error")]
    Io(#[source] std::io::Error),
    /// A stored value no longer has the shape the code expects.
    #[error("stored data is inconsistent: {0}")]
    Inconsistent(String),
}
