//! The leaf layer: pure rules and the shared types every area uses, importing
//! no area. The weekly review's states ([`workflow`]), the call lifecycle's
//! table, the 1:1's budget and follow-through (`coaching`), who sees whom
//! ([`visibility`] over the management tree in [`person`]), ISO weeks
//! ([`week`]), text and secret checks, conversation metrics arithmetic
//! ([`metrics`]), transcript formats ([`transcript_format`]), the rubric's shape,
//! organisation settings, ids and errors. When two areas need the same
//! thing, it moves down here, never sideways.

pub mod actor;
pub mod call_status;
pub(crate) mod coaching;
pub(crate) mod error;
pub(crate) mod focus;
pub mod ids;
pub mod metric_bands;
pub mod metrics;
pub mod person;
pub mod render;
pub mod rubric;
pub mod secrets;
pub mod settings;
pub mod sign_in;
pub(crate) mod stats;
pub mod text;
pub mod transcript_format;
pub(crate) mod versioned;
pub mod visibility;
pub mod week;
pub mod workflow;
