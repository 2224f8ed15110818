//! One email the server means to send: an invite, a reminder, a digest or a
//! 1:1 notice. Its text is composed when it is sent, from the state then.

use sea_orm::entity::prelude::*;

use crate::ids::{EmailId, OrganisationId, UserId};

/// What an email is about; each kind can be turned off by its recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum EmailKind {
    /// A link to set a password, sent by an admin.
    #[sea_orm(string_value = "invite")]
    Invite,
    /// A rep's slot is empty the day before the nomination deadline.
    #[sea_orm(string_value = "nomination_reminder")]
    NominationReminder,
    /// Shared calls wait for a manager's review.
    #[sea_orm(string_value = "review_digest")]
    ReviewDigest,
    /// A 1:1 starts within a day.
    #[sea_orm(string_value = "one_on_one_tomorrow")]
    OneOnOneTomorrow,
}

/// Where an email is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum EmailStatus {
    /// Waiting for its first attempt.
    #[sea_orm(string_value = "queued")]
    Queued,
    /// An attempt failed; another follows.
    #[sea_orm(string_value = "retrying")]
    Retrying,
    /// An attempt holds it now.
    #[sea_orm(string_value = "sending")]
    Sending,
    /// The mail server accepted it.
    #[sea_orm(string_value = "sent")]
    Sent,
    /// Every attempt failed, or the server refused it for good.
    #[sea_orm(string_value = "failed")]
    Failed,
    /// Not sent: nothing left to say by then, or the person opted out.
    #[sea_orm(string_value = "skipped")]
    Skipped,
}

/// One email row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "emails")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: EmailId,
    /// The tenant.
    pub organisation_id: OrganisationId,
    /// The recipient.
    pub user_id: UserId,
    /// What it is about.
    pub kind: EmailKind,
    /// What it covers (an ISO week, a date, a 1:1's id): with the person and
    /// kind, unique, so it is sent at most once.
    pub period: String,
    /// Where it is.
    pub status: EmailStatus,
    /// Attempts so far.
    pub attempts: i32,
    /// Why the last attempt failed, or why it was skipped.
    pub last_error: Option<String>,
    /// The subject, once composed.
    pub subject: Option<String>,
    /// When it was queued.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
    /// When the mail server accepted it.
    pub sent_at: Option<DateTimeUtc>,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
