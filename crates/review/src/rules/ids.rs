//! Typed ids, defined once in the store (where they are column types) and
//! re-exported here so callers of the review domain need no other crate.

pub use filmroom_store::ids::*;
