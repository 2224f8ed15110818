//! Typed ids: a `UserId` cannot be passed where a `CallId` is expected.
//!
//! Each is a UUIDv7 in a newtype that is stored as a plain UUID column
//! (`DeriveValueType`), serialised as a plain UUID string (`serde(transparent)`)
//! and parsed from a path segment the same way. They become raw UUIDs only at
//! the edges: SQL written by hand, cursors, logs.

use std::{fmt, str::FromStr};

use sea_orm::{DbErr, DeriveValueType, TryFromU64};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
            DeriveValueType,
        )]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new time-ordered id.
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
            }

            /// The raw UUID, for SQL written by hand, cursors and logs.
            pub fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::from_str(s).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl TryFromU64 for $name {
            fn try_from_u64(_: u64) -> Result<Self, DbErr> {
                Err(DbErr::ConvertFromU64(stringify!($name)))
            }
        }
    )*};
}

typed_id!(
    /// Identifies an organisation (tenant).
    OrganisationId,
    /// Identifies a user.
    UserId,
    /// Identifies a personal API token.
    TokenId,
    /// Identifies a dialer's integration token.
    IntegrationTokenId,
    /// Identifies a recorded call.
    CallId,
    /// Identifies a timestamped comment.
    CommentId,
    /// Identifies a call nominated into a week's slot.
    NominationId,
    /// Identifies one score on one rubric criterion.
    ScoreId,
    /// Identifies a published rubric version.
    RubricVersionId,
    /// Identifies a recurring 1:1 series.
    SeriesId,
    /// Identifies one occurrence of a 1:1.
    OneOnOneId,
    /// Identifies a clip in a 1:1's segment.
    ClipId,
    /// Identifies a 1:1's action item.
    ActionItemId,
    /// Identifies a rep's focus skill.
    FocusId,
    /// Identifies a webhook endpoint.
    WebhookId,
    /// Identifies one event's delivery to one webhook.
    DeliveryId,
    /// Identifies one attempt at a webhook delivery.
    AttemptId,
    /// Identifies an outbox event.
    EventId,
    /// Identifies a background job.
    JobId,
    /// Identifies one line of a call's transcript.
    SegmentId,
    /// Identifies a remembered `Idempotency-Key`.
    IdempotencyKeyId,
    /// Identifies a browser session.
    SessionId,
    /// Identifies a one-time link that sets a password.
    SignInLinkId,
    /// Identifies one email the server means to send.
    EmailId,
);
