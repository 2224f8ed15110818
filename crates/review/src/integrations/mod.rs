//! Other systems: dialer integrations (integration tokens, pushed calls,
//! recording callbacks), webhooks and their deliveries, and remembered
//! `Idempotency-Key` requests.

pub mod idempotency;
pub(crate) mod pushes;
pub mod webhooks;

pub use pushes::*;
