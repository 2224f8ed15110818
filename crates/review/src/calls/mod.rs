//! Calls: the call record and its audio, the lifecycle's moves, comments,
//! transcripts, search, and the clips and reels cut from calls.

pub(crate) mod audio;
pub(crate) mod clips;
pub(crate) mod comments;
pub(crate) mod conversation;
pub(crate) mod lifecycle;
pub(crate) mod record;
pub mod search;
pub(crate) mod transcripts;
