//! Email: what is due when (reminders, digests, 1:1 notices, invites), how
//! each is composed when it goes out, the admins' log, and each person's
//! choices with the unsubscribe link every email carries.

pub(crate) mod compose;
mod html;
pub(crate) mod kinds;
pub(crate) mod log;
pub(crate) mod preferences;
pub(crate) mod schedule;

pub use crate::jobs::EMAIL_ATTEMPTS;
pub use compose::{ComposedEmail, Composition};
pub use filmroom_store::{EmailKind, EmailStatus};
pub use kinds::{KINDS, kind_description, kind_name, kind_named, status_name, status_named};
pub use log::{Attempt, Email, SendOutcome};
pub use preferences::Unsubscription;
pub use schedule::{DIGEST_HOUR, ONE_ON_ONE_NOTICE_HOURS, REMINDER_HOUR};
