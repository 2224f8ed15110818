//! The kinds of email and the states of one, as clients and pages name them.

use filmroom_store::{EmailKind, EmailStatus};

/// Every kind, in the order pages list them.
pub const KINDS: [EmailKind; 4] = [
    EmailKind::NominationReminder,
    EmailKind::ReviewDigest,
    EmailKind::OneOnOneTomorrow,
    EmailKind::Invite,
];

/// The kind's stable name, as in the API.
pub fn kind_name(kind: EmailKind) -> &'static str {
    match kind {
        EmailKind::Invite => "invite",
        EmailKind::NominationReminder => "nomination_reminder",
        EmailKind::ReviewDigest => "review_digest",
        EmailKind::OneOnOneTomorrow => "one_on_one_tomorrow",
    }
}

/// The kind with this name.
pub fn kind_named(name: &str) -> Option<EmailKind> {
    KINDS.into_iter().find(|k| kind_name(*k) == name)
}

/// What the kind is, in words, for pages and the unsubscribe link.
pub fn kind_description(kind: EmailKind) -> &'static str {
    match kind {
        EmailKind::Invite => "invitations and password-reset links",
        EmailKind::NominationReminder => {
            "a reminder the day before the deadline when a call is still to be picked"
        }
        EmailKind::ReviewDigest => "a morning digest of shared calls waiting for your review",
        EmailKind::OneOnOneTomorrow => "a notice the day before a 1:1, with its agenda",
    }
}

/// The status's stable name, as in the API.
pub fn status_name(status: EmailStatus) -> &'static str {
    match status {
        EmailStatus::Queued => "queued",
        EmailStatus::Retrying => "retrying",
        EmailStatus::Sending => "sending",
        EmailStatus::Sent => "sent",
        EmailStatus::Failed => "failed",
        EmailStatus::Skipped => "skipped",
    }
}

/// The status with this name.
pub fn status_named(name: &str) -> Option<EmailStatus> {
    [
        EmailStatus::Queued,
        EmailStatus::Retrying,
        EmailStatus::Sending,
        EmailStatus::Sent,
        EmailStatus::Failed,
        EmailStatus::Skipped,
    ]
    .into_iter()
    .find(|s| status_name(*s) == name)
}
