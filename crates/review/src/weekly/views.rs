//! What the weekly review hands out, shared by its files: a nomination
//! with its scores and what its viewer may do next, a call's standing in
//! the review, a rep's week.

use crate::rules::ids::{CallId, FocusId, NominationId, OrganisationId, ScoreId, UserId};
use crate::{calls::record::Call, people::directory::Person};
use crate::{rules::rubric::Criterion, rules::week::Week};
use chrono::{DateTime, Utc};
use filmroom_store::entity::{
    nomination::{self, ReviewState, Slot},
    score,
    score::ScorerKind,
};

/// A nomination as one caller sees it.
#[derive(Debug, Clone)]
pub struct NominationView {
    /// The nomination.
    pub row: Nomination,
    /// Its call.
    pub call: Call,
    /// Comments by the rep that the caller can see.
    pub rep_comments: usize,
    /// Comments by others (managers, admins) on the call.
    pub other_comments: usize,
    /// Scores the caller can see.
    pub scores: Vec<Score>,
    /// The names of the people who gave them, so a page can say who scored
    /// what (a scorer the caller could not look up is still named).
    pub scorer_names: std::collections::HashMap<UserId, String>,
    /// When the manager review is due (shared + the organisation's days).
    pub review_due: Option<DateTime<Utc>>,
    /// The rep's focus skill when the call was shared.
    pub focus: Option<crate::rules::focus::Focus>,
}

/// The next step of a nomination's review, as the viewer may take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextMove {
    /// The state the step moves to.
    pub target: ReviewState,
    /// Why the step cannot be taken yet, in words; `None` when it can.
    pub blocked: Option<String>,
}

/// How the viewer may score a nomination now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scoring {
    /// Whose scores the viewer writes.
    pub kind: ScorerKind,
    /// Why scores cannot be changed now, in words; `None` when they can.
    pub blocked: Option<String>,
}

/// A call's place in the weekly review, for the call room: its nomination (if
/// any), the viewer's next step and whether they may score.
#[derive(Debug, Clone)]
pub struct CallReview {
    /// The call's latest nomination.
    pub nomination: Option<NominationView>,
    /// The step the viewer can take next (none when the next step is not theirs).
    pub next_move: Option<NextMove>,
    /// The viewer's scoring, when they are the rep or in the rep's chain.
    pub scoring: Option<Scoring>,
    /// The organisation's rubric.
    pub rubric: Option<RubricView>,
    /// Whether any nomination of the call was shared: the rep's comments
    /// and self-scores are then visible to their managers.
    pub shared: bool,
}

/// One rep's week.
#[derive(Debug, Clone)]
pub struct WeekView {
    /// The rep.
    pub rep: Person,
    /// The week.
    pub week: Week,
    /// When nominations are due.
    pub nomination_deadline: DateTime<Utc>,
    /// The call that went well.
    pub went_well: Option<NominationView>,
    /// The call the rep struggled with.
    pub struggled: Option<NominationView>,
}

/// A call nominated into one of a rep's weekly slots.
#[derive(Debug, Clone, PartialEq)]
pub struct Nomination {
    /// UUIDv7.
    pub id: NominationId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// The rep.
    pub rep_id: UserId,
    /// ISO week in the organisation's time zone, `2026-W48`.
    pub week: String,
    /// Which slot.
    pub slot: Slot,
    /// The call.
    pub call_id: CallId,
    /// Where the review is.
    pub state: ReviewState,
    /// When the rep finished their self-review.
    pub self_reviewed_at: Option<DateTime<Utc>>,
    /// When it was shared with the manager.
    pub shared_at: Option<DateTime<Utc>>,
    /// When the manager finished reviewing.
    pub manager_reviewed_at: Option<DateTime<Utc>>,
    /// When it was discussed in a 1:1.
    pub discussed_at: Option<DateTime<Utc>>,
    /// The rep's focus skill when the call was shared, so the manager's
    /// comments can target it.
    pub focus_id: Option<FocusId>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<nomination::Model> for Nomination {
    fn from(row: nomination::Model) -> Self {
        Self {
            id: row.id,
            organisation_id: row.organisation_id,
            rep_id: row.rep_id,
            week: row.week,
            slot: row.slot,
            call_id: row.call_id,
            state: row.state,
            self_reviewed_at: row.self_reviewed_at,
            shared_at: row.shared_at,
            manager_reviewed_at: row.manager_reviewed_at,
            discussed_at: row.discussed_at,
            focus_id: row.focus_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// One score on one rubric criterion.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// UUIDv7.
    pub id: ScoreId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// The nomination scored.
    pub nomination_id: NominationId,
    /// Self or manager.
    pub scorer_kind: ScorerKind,
    /// Who gave it.
    pub scorer_id: UserId,
    /// The rubric version it was given under.
    pub rubric_version: i32,
    /// The criterion's key.
    pub criterion: String,
    /// The value on the criterion's scale.
    pub value: i32,
    /// Why.
    pub note: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<score::Model> for Score {
    fn from(row: score::Model) -> Self {
        Self {
            id: row.id,
            organisation_id: row.organisation_id,
            nomination_id: row.nomination_id,
            scorer_kind: row.scorer_kind,
            scorer_id: row.scorer_id,
            rubric_version: row.rubric_version,
            criterion: row.criterion,
            value: row.value,
            note: row.note,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The name of a slot, as clients see it.
pub fn slot_name(slot: Slot) -> &'static str {
    match slot {
        Slot::WentWell => "went_well",
        Slot::Struggled => "struggled",
    }
}

/// A published rubric.
#[derive(Debug, Clone)]
pub struct RubricView {
    /// Version number.
    pub version: i32,
    /// The criteria.
    pub criteria: Vec<Criterion>,
    /// When it was published.
    pub published_at: DateTime<Utc>,
    /// By whom.
    pub published_by: UserId,
}
