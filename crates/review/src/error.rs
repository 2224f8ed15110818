//! Why a request to the review domain did not succeed.

use filmroom_store::StoreError;
use thiserror::Error;

/// Why a bearer token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// No `Authorization: Bearer …` header.
    Missing,
    /// The header is not a bearer token, or no token has this secret.
    Invalid,
    /// The token was revoked.
    Revoked,
    /// The token's user has been deactivated.
    UserDeactivated,
}

/// Every way a review-domain operation can fail. The API maps each variant to
/// one HTTP status and one stable code.
#[derive(Debug, Error)]
pub enum ReviewError {
    /// The caller is not authenticated.
    #[error("not authenticated: {0:?}")]
    Unauthenticated(AuthFailure),
    /// The thing does not exist, or the caller cannot see it (same answer on purpose).
    #[error("{what} {id} not found")]
    NotFound {
        /// What kind of thing: "user", "token".
        what: &'static str,
        /// The id that was asked for.
        id: String,
    },
    /// The caller's role does not allow this action.
    #[error("not permitted: {0}")]
    Forbidden(String),
    /// A field of the request is invalid.
    #[error("{field}: {message}")]
    InvalidField {
        /// The field's name as the client sent it.
        field: String,
        /// What is wrong and what would be accepted.
        message: String,
    },
    /// Another user of the organisation has this email.
    #[error("email {0} is already used in this organisation")]
    EmailTaken(String),
    /// Another user of the organisation has this external id.
    #[error("external id {source_name}:{external_id} already belongs to user {owner}")]
    ExternalIdTaken {
        /// The source, e.g. "twilio".
        source_name: String,
        /// The id in that source.
        external_id: String,
        /// The user who has it.
        owner: String,
    },
    /// Setting this manager would make the management tree loop.
    #[error("{manager} reports to {user}, so {user} cannot report to {manager}")]
    ManagementCycle {
        /// The user being changed.
        user: String,
        /// The proposed manager.
        manager: String,
    },
    /// The change would leave the organisation without an active admin.
    #[error("the organisation must keep at least one active admin")]
    LastAdmin,
    /// A rep cannot have people reporting to them.
    #[error("{0} people report to this user")]
    HasReports(usize),
    /// An organisation with this name exists already.
    #[error("an organisation named {0} exists already")]
    OrganisationExists(String),
    /// The call already has its audio; a second upload would replace it.
    #[error(
        "the call's audio is already stored (status {status}); delete the call to send a different recording"
    )]
    AudioAlreadyStored {
        /// The call's current status.
        status: &'static str,
    },
    /// The thing asked for does not exist yet in the call's current state.
    #[error("the call's {what} is not available while the call is {status}")]
    NotReady {
        /// What was asked for: "audio", "peaks".
        what: &'static str,
        /// The call's status.
        status: &'static str,
    },
    /// The upload crossed the size limit.
    #[error("the recording is larger than the {limit} bytes this server accepts")]
    AudioTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The upload is not an audio file filmroom accepts.
    #[error("{0}; send WAV, MP3, FLAC, Ogg Vorbis or M4A/AAC audio")]
    NotAudio(String),
    /// The call already fills the week's other slot.
    #[error("this call is already the week's {slot} call; one call cannot fill both slots")]
    CallInOtherSlot {
        /// The other slot.
        slot: &'static str,
    },
    /// The nomination is shared (or further) and can no longer change.
    #[error("the nomination is {state} and locked; it can no longer be changed")]
    NominationLocked {
        /// Its state.
        state: &'static str,
    },
    /// A review cannot move this way now.
    #[error("cannot move the review from {current} to {target}: {missing}")]
    IllegalMove {
        /// The current state.
        current: &'static str,
        /// The state asked for.
        target: &'static str,
        /// What is missing.
        missing: String,
    },
    /// Scores need a rubric.
    #[error("the organisation has no rubric yet; an admin publishes one with PUT /v1/rubric")]
    NoRubric,
    /// A timestamp is outside the call.
    #[error("{field} {value} ms is outside the call, which lasts {duration_ms} ms")]
    OffsetOutOfRange {
        /// The field.
        field: &'static str,
        /// The value sent.
        value: i64,
        /// The call's duration.
        duration_ms: i64,
    },
    /// The manager and rep have a 1:1 series already.
    #[error("this manager and rep already have a 1:1 series ({id}); change that one")]
    SeriesExists {
        /// The existing series.
        id: String,
    },
    /// A held 1:1 keeps its segment and time.
    #[error("the 1:1 has been held; its time and clips can no longer change")]
    OneOnOneHeld,
    /// A clip would cross the segment's budget.
    #[error(
        "the clip is {clip_ms} ms but only {remaining_ms} ms of the {budget_ms} ms segment budget are left"
    )]
    ClipBudgetExceeded {
        /// Budget left, ms.
        remaining_ms: i64,
        /// The whole budget, ms.
        budget_ms: i64,
        /// The clip's length, ms.
        clip_ms: i64,
    },
    /// A 1:1 cannot be marked held yet.
    #[error("the 1:1 cannot be marked held: {0}")]
    ActionItemsIncomplete(String),
    /// A rep has an active focus already.
    #[error(
        "the rep is working on {criterion}; mark it achieved or dropped before starting another"
    )]
    FocusActive {
        /// The active focus's criterion.
        criterion: String,
    },
    /// An integration token was used outside the integration endpoints.
    #[error("integration tokens may only push calls and read the calls they pushed")]
    IntegrationTokenNotAllowed,
    /// A user's token was used on an integration endpoint.
    #[error("this endpoint takes an integration token")]
    IntegrationTokenRequired,
    /// No user matches the rep a dialer named.
    #[error("no user matches the {source_name} rep {external_id:?} / {email:?}")]
    UnknownRep {
        /// The dialer.
        source_name: String,
        /// The rep's id in the dialer, as sent.
        external_id: Option<String>,
        /// The rep's email, as sent.
        email: Option<String>,
    },
    /// A dialer callback's signature is missing or wrong.
    #[error("the callback's signature was not accepted: {0}")]
    InvalidSignature(String),
    /// The database or blob store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
