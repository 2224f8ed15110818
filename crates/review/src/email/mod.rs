//! Email: what is due when (reminders, digests, 1:1 notices, invites), how
//! each is composed, the admins' log and each person's choices.

pub(crate) mod schedule;

pub use schedule::*;
