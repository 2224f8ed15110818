//! The HTTP endpoints. Each handler parses, authenticates and calls one
//! `Review` method; the rules live in `filmroom-review`.

pub mod body;
pub mod calls;
pub mod comments;
pub mod emails;
pub mod integrations;
pub mod one_on_ones;
pub mod ops;
pub mod people;
pub mod reviews;
pub mod search;
pub mod speech;
pub mod tokens;
pub mod transcripts;
pub mod webhooks;
