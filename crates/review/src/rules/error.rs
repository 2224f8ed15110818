//! Why a request to the review domain did not succeed.

use filmroom_store::StoreError;
use thiserror::Error;

/// Why a bearer token was not accepted; the message says what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum AuthFailure {
    /// No `Authorization: Bearer …` header.
    #[error("send an API token as `Authorization: Bearer <token>`")]
    Missing,
    /// The header is not a bearer token, or no token has this secret.
    #[error("the bearer token is not one this server issued; check it was copied whole")]
    Invalid,
    /// The token was revoked.
    #[error("this token was revoked; ask an admin for a new one")]
    Revoked,
    /// The token's user has been deactivated.
    #[error("the user this token belongs to has been deactivated")]
    UserDeactivated,
    /// No session cookie, or one this server does not know.
    #[error("sign in first")]
    NoSession,
    /// The session ended: signed out, idle too long, or past its lifetime.
    #[error("your session has ended; sign in again")]
    SessionExpired,
}

/// What was saved over a caller's older copy: enough to show both and let
/// them choose.
#[derive(Debug, Clone, PartialEq)]
pub struct EditConflict {
    /// What it is, in words ("comment", "notes", "Discovery score").
    pub what: String,
    /// The version to send (as `If-Match` or the page's version field) to
    /// save over it anyway.
    pub version: String,
    /// Their text as it stands (for a score, its level and note).
    pub theirs: String,
    /// Who saved it: their name, or "you" when it was the caller elsewhere.
    pub changed_by: String,
    /// When they saved it.
    pub changed_at: chrono::DateTime<chrono::Utc>,
    /// For a score: its criterion's key.
    pub criterion: Option<String>,
}

impl EditConflict {
    /// The API's sentence: what changed, and how to save over it.
    fn describe(&self) -> String {
        format!(
            "the {} changed since you read it ({} saved version {} at {}); read it again, or send version {} to replace it",
            self.what,
            self.changed_by,
            self.version,
            self.changed_at.format("%Y-%m-%dT%H:%M:%SZ"),
            self.version,
        )
    }
}

/// The kinds of thing a request can name by id, for "not found" answers: each
/// has its own stable error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    /// A person.
    User,
    /// A personal API token.
    Token,
    /// An organisation.
    Organisation,
    /// A recorded call.
    Call,
    /// A call nominated into a week's slot.
    Nomination,
    /// A timestamped comment.
    Comment,
    /// A recurring 1:1.
    Series,
    /// One occurrence of a 1:1.
    OneOnOne,
    /// A clip in a 1:1's segment.
    Clip,
    /// A 1:1's action item.
    ActionItem,
    /// A rep's focus skill.
    Focus,
    /// A webhook endpoint.
    Webhook,
    /// A webhook delivery.
    Delivery,
    /// A dialer's integration token.
    IntegrationToken,
    /// A browser session.
    Session,
    /// An email in the log.
    Email,
}

impl Entity {
    /// The entity as named in messages and error codes (`one_on_one`).
    pub fn name(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Token => "token",
            Self::Organisation => "organisation",
            Self::Call => "call",
            Self::Nomination => "nomination",
            Self::Comment => "comment",
            Self::Series => "series",
            Self::OneOnOne => "one_on_one",
            Self::Clip => "clip",
            Self::ActionItem => "action_item",
            Self::Focus => "focus",
            Self::Webhook => "webhook",
            Self::Delivery => "delivery",
            Self::IntegrationToken => "integration_token",
            Self::Session => "session",
            Self::Email => "email",
        }
    }
}

/// How an unknown rep is named back to the dialer: by what it sent.
fn named_rep(source_name: &str, external_id: Option<&str>, email: Option<&str>) -> String {
    match (external_id, email) {
        (Some(id), Some(email)) => format!("{source_name} user `{id}` (email {email})"),
        (Some(id), None) => format!("{source_name} user `{id}`"),
        (None, Some(email)) => format!("email `{email}`"),
        (None, None) => "the rep".to_owned(),
    }
}

/// Every way a review-domain operation can fail. The API maps each variant to
/// one HTTP status and one stable code.
#[derive(Debug, Error)]
pub enum ReviewError {
    /// The caller is not authenticated.
    #[error("{0}")]
    Unauthenticated(AuthFailure),
    /// The thing does not exist, or the caller cannot see it (same answer on purpose).
    #[error("no {} {id} that you can see", entity.name())]
    NotFound {
        /// What kind of thing.
        entity: Entity,
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
    /// The call is in review (shared, commented on by someone else, or
    /// clipped into a 1:1): only an admin may remove its recording.
    #[error(
        "the call is in review (shared, commented on by others, or clipped into a 1:1); only an admin can delete it, and the comments, scores and clips stay"
    )]
    CallInReview,
    /// Another call of the organisation has this `external_ref` (from the
    /// same source) for a different rep; which call is not said.
    #[error(
        "external_ref `{external_ref}` already belongs to another call in this organisation; send the id the call has in your system, unique per call"
    )]
    ExternalRefTaken {
        /// The reference sent.
        external_ref: String,
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
    #[error("this is the organisation's last active admin; make someone else an admin first")]
    LastAdmin,
    /// A rep cannot have people reporting to them.
    #[error(
        "{0} people report to this user; move them to another manager before making this user a rep"
    )]
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
    /// An admin removed the call's recording; the call keeps its coaching
    /// record and takes no new audio.
    #[error(
        "an admin removed this call's recording; the call keeps its comments, scores and clips, but it takes no new recording: create a new call to upload one"
    )]
    RecordingRemoved,
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
    /// The comment is clipped into this 1:1 already: a second clip of it
    /// would play the same moment twice and count twice against the budget.
    #[error("this comment is already a clip in this 1:1")]
    ClipExists,
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
    #[error(
        "integration tokens may only push calls (POST /v1/integrations/calls) and read the calls they pushed (GET /v1/integrations/calls); use a user's token for this endpoint"
    )]
    IntegrationTokenNotAllowed,
    /// A user's token was used on an integration endpoint.
    #[error(
        "this endpoint takes an integration token, not a user's token; an admin creates one with POST /v1/integration-tokens"
    )]
    IntegrationTokenRequired,
    /// No user matches the rep a dialer named.
    #[error(
        "no active user matches {}; set `external_ids.{source_name}` on the rep with PATCH /v1/users/{{id}}, or send an email that belongs to a user",
        named_rep(source_name, external_id.as_deref(), email.as_deref())
    )]
    UnknownRep {
        /// The dialer.
        source_name: String,
        /// The rep's id in the dialer, as sent.
        external_id: Option<String>,
        /// The rep's email, as sent.
        email: Option<String>,
    },
    /// A dialer callback's signature is missing or wrong.
    #[error("{0}")]
    InvalidSignature(String),
    /// The email or the password is wrong (which one is not said).
    #[error("the email or the password is not right")]
    SignInFailed,
    /// Too many failed sign-ins for this account or from this client.
    #[error("too many failed sign-ins; try again in {} minutes, or ask your admin for a reset link", retry_after_secs.div_ceil(60))]
    TooManySignIns {
        /// Seconds until the next attempt is allowed.
        retry_after_secs: u64,
    },
    /// A sign-in link was used, replaced by a newer one, or has expired.
    #[error("this link was used already or has expired; ask your admin for a new one")]
    LinkInvalid,
    /// The call was analysed before filmroom detected speech.
    #[error(
        "this call was analysed before filmroom detected speech; reanalyse it (filmroom admin reanalyze --call ID) to get its speech and metrics"
    )]
    SpeechNotAnalysed,
    /// Email needs an SMTP server, and none is configured.
    #[error(
        "this server sends no email: start it with --smtp-url and --smtp-from (FILMROOM_SMTP_URL, FILMROOM_SMTP_FROM), or copy the link instead"
    )]
    EmailNotConfigured,
    /// The person turned this kind of email off.
    #[error("the person turned off {0}; copy the link and send it to them yourself")]
    EmailTurnedOff(&'static str),
    /// Only a failed email can be sent again.
    #[error("the email is {0}; only a failed email can be sent again")]
    EmailNotFailed(&'static str),
    /// An unsubscribe link that is not one of ours.
    #[error("this unsubscribe link is not valid; turn emails off from your account page")]
    UnsubscribeLinkInvalid,
    /// Someone saved this text (or score) after the caller read it; saving
    /// now would silently replace theirs. The caller chooses: send again
    /// with the current version to keep theirs out, or keep the other.
    #[error("{}", .0.describe())]
    EditConflict(Box<EditConflict>),
    /// Something this server depends on failed (randomness, a worker thread).
    #[error("{0}")]
    Internal(String),
    /// The database or blob store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads a JSON column into its domain type; bad stored data is an error, not
/// an empty value.
pub(crate) fn stored_json<T: serde::de::DeserializeOwned>(
    column: &str,
    value: serde_json::Value,
) -> Result<T, ReviewError> {
    serde_json::from_value(value).map_err(|e| {
        ReviewError::Store(StoreError::Inconsistent(format!("{column} holds unreadable JSON: {e}")))
    })
}

/// An error and its sources, one after the other (`a: b: c`), for failure
/// messages and logs. A source that only repeats the text before it (some
/// libraries wrap an I/O error and show it as their own message) is left out.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut chain = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !chain.ends_with(&text) {
            chain.push_str(": ");
            chain.push_str(&text);
        }
        source = cause.source();
    }
    chain
}
/// Why a call takes no recording now: it has one, or an admin removed it.
pub(crate) fn audio_refused(status: filmroom_store::CallStatus) -> ReviewError {
    match status {
        filmroom_store::CallStatus::AudioDeleted => ReviewError::RecordingRemoved,
        other => ReviewError::AudioAlreadyStored {
            status: crate::rules::call_status::status_name(other),
        },
    }
}

/// A field of a request that is wrong, and why.
pub(crate) fn invalid(field: &str, message: impl Into<String>) -> ReviewError {
    ReviewError::InvalidField { field: field.to_owned(), message: message.into() }
}

/// A thing that does not exist, or that the caller may not see.
pub(crate) fn not_found(entity: Entity, id: impl ToString) -> ReviewError {
    ReviewError::NotFound { entity, id: id.to_string() }
}
