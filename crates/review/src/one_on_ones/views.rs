//! What the 1:1 area hands out: a series, one 1:1, its clips and action
//! items, and the whole 1:1 as a viewer sees it, with what holding it needs.

use crate::rules::error::ReviewError;
use crate::rules::error::stored_json;
use crate::rules::ids::{
    ActionItemId, CallId, ClipId, CommentId, OneOnOneId, OrganisationId, SeriesId, UserId,
};
use chrono::{DateTime, NaiveDate, Utc};
use filmroom_store::entity::{
    action_item, clip,
    one_on_one::{self, OneOnOneStatus},
    one_on_one_series,
};

/// A 1:1 with everything needed to run it.
#[derive(Debug, Clone)]
pub struct OneOnOneView {
    /// The occurrence.
    pub row: OneOnOne,
    /// Its series (the standing agenda lives there).
    pub series: Series,
    /// The coaching segment, in order.
    pub clips: Vec<Clip>,
    /// Action items agreed in this 1:1.
    pub action_items: Vec<ActionItem>,
    /// Open items from earlier 1:1s of the pair, checked first.
    pub carried_over: Vec<ActionItem>,
    /// The segment's budget, ms.
    pub budget_ms: i64,
    /// Action items it must end with before it can be held.
    pub min_action_items: u32,
    /// The manager's name.
    pub manager_name: String,
    /// The rep's name.
    pub rep_name: String,
}

impl OneOnOneView {
    /// What still stands between this 1:1 and being held, in words.
    pub fn hold_blocked(&self) -> Option<String> {
        hold_missing(&self.action_items, self.min_action_items)
    }

    /// Time the segment's clips take, ms.
    pub fn used_ms(&self) -> i64 {
        self.clips
            .iter()
            .fold(0i64, |sum, c| sum.saturating_add(c.end_ms.saturating_sub(c.start_ms)))
    }
}

/// What a 1:1's action items still lack before it can be held, in words:
/// at least `min` items, each with an owner and a due date.
pub fn hold_missing(items: &[ActionItem], min: u32) -> Option<String> {
    let min = usize::try_from(min).unwrap_or(usize::MAX);
    let mut missing = Vec::new();
    if items.len() < min {
        let more = min - items.len();
        let items_word = if more == 1 { "action item" } else { "action items" };
        missing.push(format!("{more} more {items_word}: a 1:1 ends with at least {min}"));
    }
    for item in items {
        let mut lacks = Vec::new();
        if item.owner_id.is_none() {
            lacks.push("an owner");
        }
        if item.due_date.is_none() {
            lacks.push("a due date");
        }
        if !lacks.is_empty() {
            missing.push(format!("\"{}\" needs {}", item.text, lacks.join(" and ")));
        }
    }
    (!missing.is_empty()).then(|| missing.join("; "))
}

/// A recurring 1:1 between a manager and a rep.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// UUIDv7.
    pub id: SeriesId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// The manager.
    pub manager_id: UserId,
    /// The rep.
    pub rep_id: UserId,
    /// Day of the week, lower-case English name.
    pub weekday: String,
    /// Local start time, `HH:MM`.
    pub local_time: String,
    /// Length in minutes.
    pub duration_minutes: i32,
    /// IANA time zone the weekday and time are in.
    pub timezone: String,
    /// The standing agenda, in order.
    pub agenda: Vec<String>,
    /// Moves by one on every change; what `If-Match` and the page send back.
    pub version: i32,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<one_on_one_series::Model> for Series {
    type Error = ReviewError;

    fn try_from(row: one_on_one_series::Model) -> Result<Self, ReviewError> {
        Ok(Self {
            id: row.id,
            organisation_id: row.organisation_id,
            manager_id: row.manager_id,
            rep_id: row.rep_id,
            weekday: row.weekday,
            local_time: row.local_time,
            duration_minutes: row.duration_minutes,
            timezone: row.timezone,
            agenda: stored_json("one_on_one_series.agenda", row.agenda)?,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        })
    }
}

/// One occurrence of a 1:1.
#[derive(Debug, Clone, PartialEq)]
pub struct OneOnOne {
    /// UUIDv7.
    pub id: OneOnOneId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// The series it belongs to.
    pub series_id: SeriesId,
    /// The manager.
    pub manager_id: UserId,
    /// The rep.
    pub rep_id: UserId,
    /// ISO week of the regular slot; stays when the occurrence is moved.
    pub week: String,
    /// When it starts (UTC).
    pub scheduled_at: DateTime<Utc>,
    /// Length in minutes.
    pub duration_minutes: i32,
    /// Scheduled, cancelled or held.
    pub status: OneOnOneStatus,
    /// Notes of this meeting.
    pub notes: String,
    /// When it was marked held.
    pub held_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Moves by one on every change; what `If-Match` and the page send back.
    pub version: i32,
}

impl From<one_on_one::Model> for OneOnOne {
    fn from(row: one_on_one::Model) -> Self {
        Self {
            id: row.id,
            organisation_id: row.organisation_id,
            series_id: row.series_id,
            manager_id: row.manager_id,
            rep_id: row.rep_id,
            week: row.week,
            scheduled_at: row.scheduled_at,
            duration_minutes: row.duration_minutes,
            status: row.status,
            notes: row.notes,
            held_at: row.held_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        }
    }
}

/// A stretch of a call in a 1:1's coaching segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Clip {
    /// UUIDv7.
    pub id: ClipId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// The 1:1.
    pub one_on_one_id: OneOnOneId,
    /// Order in the segment, from 0.
    pub position: i32,
    /// The call.
    pub call_id: CallId,
    /// Start, ms.
    pub start_ms: i64,
    /// End, ms (exclusive).
    pub end_ms: i64,
    /// The comment it was made from.
    pub comment_id: Option<CommentId>,
    /// Why it is in the segment.
    pub note: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Its version (note and range): send it back to change it without
    /// overwriting a change made meanwhile.
    pub version: i32,
}

impl From<clip::Model> for Clip {
    fn from(row: clip::Model) -> Self {
        Self {
            id: row.id,
            organisation_id: row.organisation_id,
            one_on_one_id: row.one_on_one_id,
            position: row.position,
            call_id: row.call_id,
            start_ms: row.start_ms,
            end_ms: row.end_ms,
            comment_id: row.comment_id,
            note: row.note,
            created_at: row.created_at,
            version: row.version,
        }
    }
}

/// A commitment made in a 1:1.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionItem {
    /// UUIDv7.
    pub id: ActionItemId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// The 1:1 it was agreed in.
    pub one_on_one_id: OneOnOneId,
    /// What is to be done.
    pub text: String,
    /// Who does it: the manager or the rep.
    pub owner_id: Option<UserId>,
    /// By when.
    pub due_date: Option<NaiveDate>,
    /// When it was done.
    pub done_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Moves by one on every change; what `If-Match` sends back.
    pub version: i32,
}

impl From<action_item::Model> for ActionItem {
    fn from(row: action_item::Model) -> Self {
        Self {
            id: row.id,
            organisation_id: row.organisation_id,
            one_on_one_id: row.one_on_one_id,
            text: row.text,
            owner_id: row.owner_id,
            due_date: row.due_date,
            done_at: row.done_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        }
    }
}
