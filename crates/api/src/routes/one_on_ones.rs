//! The weekly 1:1: series, occurrences, the clip segment, action items,
//! follow-through, and the rep's focus skill.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use filmroom_review::ids::{ActionItemId, ClipId, FocusId, OneOnOneId, SeriesId};
use filmroom_review::{
    ActionItem, ActionItemChanges, Clip, ClipChanges, ClipSource, Focus, FocusChanges, FocusStatus,
    FocusView, NewFocus, NewSeries, OccurrenceChanges, OneOnOne, OneOnOneStatus, OneOnOneView,
    Prescription, Review, Series, ids::UserId,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    error::{ApiError, Problem},
    extract::{ApiJson, Authenticated, IfMatch, etag},
    routes::reviews::{DayBody, WeekProgressBody},
};

/// A new recurring 1:1.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "rep_id": "0193f4c2-7b10-7c3e-9a51-6d2e8f4b1a07",
    "weekday": "tuesday",
    "time": "09:30",
    "duration_minutes": 30,
    "timezone": "Europe/Berlin",
    "agenda": ["Wins of the week", "Pipeline review", "Clip review: pricing objections"]
}))]
pub struct CreateSeriesRequest {
    /// The manager (default: the caller).
    pub manager_id: Option<Uuid>,
    /// The rep, who reports to the manager.
    pub rep_id: Uuid,
    /// Day of the week.
    pub weekday: DayBody,
    /// Local start time.
    #[schema(example = "09:30")]
    pub time: String,
    /// Length in minutes, 5 to 240.
    pub duration_minutes: u32,
    /// IANA time zone (default: the organisation's).
    pub timezone: Option<String>,
    /// Standing agenda topics.
    #[serde(default)]
    pub agenda: Vec<String>,
}

/// A recurring 1:1.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesBody {
    /// Id.
    pub id: Uuid,
    /// The manager.
    pub manager_id: Uuid,
    /// The rep.
    pub rep_id: Uuid,
    /// Day of the week.
    pub weekday: String,
    /// Local start time, `HH:MM`.
    pub time: String,
    /// Length in minutes.
    pub duration_minutes: i32,
    /// IANA time zone.
    pub timezone: String,
    /// Standing agenda: topics that carry over week to week.
    pub agenda: Vec<String>,
    /// Moves by one on every change to the series (agenda, slot). Send it
    /// back as `If-Match: "<version>"` with a change.
    pub version: i32,
}

impl From<Series> for SeriesBody {
    fn from(s: Series) -> Self {
        Self {
            id: s.id.into(),
            manager_id: s.manager_id.into(),
            rep_id: s.rep_id.into(),
            weekday: s.weekday,
            time: s.local_time,
            duration_minutes: s.duration_minutes,
            timezone: s.timezone,
            agenda: serde_json::from_value(s.agenda.into()).unwrap_or_default(),
            version: s.version,
        }
    }
}

/// Changes to a series: its standing agenda and its regular slot; absent
/// fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "agenda": ["Wins of the week", "Pipeline review", "Focus skill: discovery questions"],
    "weekday": "thursday",
    "time": "14:00"
}))]
pub struct UpdateSeriesRequest {
    /// The topics (replaces them).
    pub agenda: Option<Vec<String>>,
    /// New day of the week (the manager or an admin): the 1:1s still to come move.
    pub weekday: Option<DayBody>,
    /// New local start time, `HH:MM`.
    #[schema(example = "14:00")]
    pub time: Option<String>,
    /// New length, 5 to 240 minutes.
    pub duration_minutes: Option<u32>,
    /// New IANA time zone.
    pub timezone: Option<String>,
}

/// Where a 1:1 is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OneOnOneStatusBody {
    /// Planned.
    Scheduled,
    /// Not happening this week.
    Cancelled,
    /// Happened.
    Held,
}

/// A clip in the coaching segment.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClipBody {
    /// Id.
    pub id: Uuid,
    /// Order, from 0.
    pub position: i32,
    /// The call.
    pub call_id: Uuid,
    /// Start, ms.
    pub start_ms: i64,
    /// End, ms.
    pub end_ms: i64,
    /// The comment it came from.
    pub comment_id: Option<Uuid>,
    /// Why it is in the segment.
    pub note: Option<String>,
    /// Moves by one on every change to the note or the in and out points
    /// (not to the clip's place). Send it back as `If-Match: "<version>"`
    /// with a change, and a change made meanwhile is not overwritten.
    pub version: i32,
    /// Its audio: `GET` this for the clip as WAV.
    pub audio_url: String,
}

impl From<Clip> for ClipBody {
    fn from(c: Clip) -> Self {
        Self {
            audio_url: format!(
                "/v1/calls/{}/audio?start_ms={}&end_ms={}",
                c.call_id, c.start_ms, c.end_ms
            ),
            id: c.id.into(),
            position: c.position,
            call_id: c.call_id.into(),
            start_ms: c.start_ms,
            end_ms: c.end_ms,
            comment_id: c.comment_id.map(Into::into),
            version: c.version,
            note: c.note,
        }
    }
}

/// A commitment.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionItemBody {
    /// Id.
    pub id: Uuid,
    /// The 1:1 it was agreed in.
    pub one_on_one_id: Uuid,
    /// What is to be done.
    pub text: String,
    /// Who does it.
    pub owner_id: Option<Uuid>,
    /// By when.
    pub due_date: Option<NaiveDate>,
    /// When it was done.
    pub done_at: Option<DateTime<Utc>>,
    /// Moves by one on every change. Send it back as `If-Match:
    /// "<version>"` with a change, and a change made meanwhile is not
    /// overwritten.
    pub version: i32,
}

impl From<ActionItem> for ActionItemBody {
    fn from(i: ActionItem) -> Self {
        Self {
            id: i.id.into(),
            one_on_one_id: i.one_on_one_id.into(),
            text: i.text,
            owner_id: i.owner_id.map(Into::into),
            due_date: i.due_date,
            done_at: i.done_at,
            version: i.version,
        }
    }
}

/// A 1:1 occurrence in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct OneOnOneSummary {
    /// Id.
    pub id: Uuid,
    /// Its series.
    pub series_id: Uuid,
    /// The manager.
    pub manager_id: Uuid,
    /// The rep.
    pub rep_id: Uuid,
    /// ISO week of the regular slot.
    pub week: String,
    /// When it starts.
    pub scheduled_at: DateTime<Utc>,
    /// Length in minutes.
    pub duration_minutes: i32,
    /// Scheduled, cancelled or held.
    pub status: OneOnOneStatusBody,
    /// When it was held.
    pub held_at: Option<DateTime<Utc>>,
}

impl From<OneOnOne> for OneOnOneSummary {
    fn from(o: OneOnOne) -> Self {
        Self {
            id: o.id.into(),
            series_id: o.series_id.into(),
            manager_id: o.manager_id.into(),
            rep_id: o.rep_id.into(),
            week: o.week,
            scheduled_at: o.scheduled_at,
            duration_minutes: o.duration_minutes,
            status: match o.status {
                OneOnOneStatus::Scheduled => OneOnOneStatusBody::Scheduled,
                OneOnOneStatus::Cancelled => OneOnOneStatusBody::Cancelled,
                OneOnOneStatus::Held => OneOnOneStatusBody::Held,
            },
            held_at: o.held_at,
        }
    }
}

/// A 1:1 with everything needed to run it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OneOnOneBody {
    /// The occurrence.
    #[serde(flatten)]
    pub summary: OneOnOneSummary,
    /// Notes of this meeting.
    pub notes: String,
    /// Moves by one on every change to the 1:1 (notes, time, status). Send
    /// it back as `If-Match: "<version>"` with a change, and a change made
    /// meanwhile by the other person is not overwritten.
    pub version: i32,
    /// The standing agenda of the pair.
    pub agenda: Vec<String>,
    /// Open action items from earlier 1:1s, checked first.
    pub carried_over: Vec<ActionItemBody>,
    /// The coaching segment, in order.
    pub clips: Vec<ClipBody>,
    /// Milliseconds of clips in the segment.
    pub segment_ms: i64,
    /// The segment's budget, ms (the organisation's `clip_budget_minutes`).
    pub budget_ms: i64,
    /// Action items agreed in this 1:1.
    pub action_items: Vec<ActionItemBody>,
    /// The whole segment as one WAV.
    pub reel_url: String,
}

impl From<OneOnOneView> for OneOnOneBody {
    fn from(v: OneOnOneView) -> Self {
        let segment_ms = v.clips.iter().map(|c| c.end_ms - c.start_ms).sum();
        Self {
            notes: v.row.notes.clone(),
            version: v.row.version,
            reel_url: format!("/v1/one-on-ones/{}/reel", v.row.id),
            summary: v.row.into(),
            agenda: serde_json::from_value(v.series.agenda.into()).unwrap_or_default(),
            carried_over: v.carried_over.into_iter().map(Into::into).collect(),
            clips: v.clips.into_iter().map(Into::into).collect(),
            segment_ms,
            budget_ms: v.budget_ms,
            action_items: v.action_items.into_iter().map(Into::into).collect(),
        }
    }
}

/// 1:1s.
#[derive(Debug, Serialize, ToSchema)]
pub struct OneOnOneList {
    /// By time.
    pub items: Vec<OneOnOneSummary>,
}

/// Filters of the 1:1 list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OneOnOneQuery {
    /// Only with this manager.
    pub manager: Option<Uuid>,
    /// Only with this rep.
    pub rep: Option<Uuid>,
    /// Scheduled at or after.
    pub from: Option<DateTime<Utc>>,
    /// Scheduled before (occurrences are generated up to here, at most a year ahead).
    pub to: Option<DateTime<Utc>>,
}

/// Changes to an occurrence.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "scheduled_at": "2026-11-24T08:30:00Z",
    "notes": "Played the Northwind pricing clip; agreed to ask about budget before quoting."
}))]
pub struct UpdateOneOnOneRequest {
    /// Move it to another time of its week (in the series' time zone).
    pub scheduled_at: Option<DateTime<Utc>>,
    /// `cancelled` or `scheduled` (to reinstate); `held` goes through `/state`.
    pub status: Option<OneOnOneStatusBody>,
    /// Replace the notes.
    pub notes: Option<String>,
}

/// A clip to add: from a comment, or from explicit offsets.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "call_id": "0193f4d0-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
    "start_ms": 73500,
    "end_ms": 104000,
    "note": "How the price lands, and the discount offered before the customer pushed back."
}))]
pub struct CreateClipRequest {
    /// Make the clip from this comment (its range, or 15 s either side of a point).
    pub comment_id: Option<Uuid>,
    /// Or: the call…
    pub call_id: Option<Uuid>,
    /// …from…
    pub start_ms: Option<i64>,
    /// …to.
    pub end_ms: Option<i64>,
    /// Why it is in the segment.
    pub note: Option<String>,
}

/// Changes to a clip.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"position": 0, "note": "Start with this one: the pricing objection."}))]
pub struct UpdateClipRequest {
    /// New place in the segment, from 0.
    pub position: Option<usize>,
    /// New note.
    pub note: Option<String>,
    /// New in point, ms into the call (with `end_ms`).
    pub start_ms: Option<i64>,
    /// New out point, ms into the call (with `start_ms`); the segment's
    /// budget still holds.
    pub end_ms: Option<i64>,
}

/// A new action item.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "text": "Ask two discovery questions about budget before quoting a price",
    "due_date": "2026-12-01"
}))]
pub struct CreateActionItemRequest {
    /// What is to be done.
    pub text: String,
    /// The manager or the rep.
    pub owner_id: Option<Uuid>,
    /// By when.
    pub due_date: Option<NaiveDate>,
}

/// Changes to an action item.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "text": "Ask two discovery questions about budget before quoting a price",
    "due_date": "2026-12-04",
    "done": true
}))]
pub struct UpdateActionItemRequest {
    /// New text.
    pub text: Option<String>,
    /// New owner.
    pub owner_id: Option<Uuid>,
    /// New due date.
    pub due_date: Option<NaiveDate>,
    /// Done, or open again.
    pub done: Option<bool>,
}

/// The state to move a 1:1 to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"state": "held"}))]
pub struct OneOnOneStateRequest {
    /// Only `held`.
    pub state: HeldState,
}

/// The one state set through `/state`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HeldState {
    /// The 1:1 happened.
    Held,
}

/// Window of the follow-through view.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FollowThroughQuery {
    /// First due date counted (default: 90 days before `to`).
    pub from: Option<NaiveDate>,
    /// Last due date counted (default: today).
    pub to: Option<NaiveDate>,
}

/// Action items done by their due date: tells a skill problem from a will problem.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowThroughBody {
    /// The person.
    pub user_id: Uuid,
    /// First due date counted.
    pub from: NaiveDate,
    /// Last due date counted.
    pub to: NaiveDate,
    /// Items whose due date has passed (or that were done).
    pub due: usize,
    /// Done by their due date.
    pub done_on_time: usize,
    /// Done late.
    pub done_late: usize,
    /// Still open past their due date.
    pub overdue: usize,
    /// `done_on_time / due`.
    pub rate: Option<f64>,
}

/// How a focus skill is built.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrescriptionKind {
    /// Listen in on someone who does it well.
    Shadow,
    /// Practise it with the manager.
    RolePlay,
    /// Learn a script or talk track.
    Script,
    /// Talk it through.
    Discussion,
    /// Something else.
    Other,
}

impl From<PrescriptionKind> for Prescription {
    fn from(k: PrescriptionKind) -> Self {
        match k {
            PrescriptionKind::Shadow => Self::Shadow,
            PrescriptionKind::RolePlay => Self::RolePlay,
            PrescriptionKind::Script => Self::Script,
            PrescriptionKind::Discussion => Self::Discussion,
            PrescriptionKind::Other => Self::Other,
        }
    }
}

impl From<Prescription> for PrescriptionKind {
    fn from(p: Prescription) -> Self {
        match p {
            Prescription::Shadow => Self::Shadow,
            Prescription::RolePlay => Self::RolePlay,
            Prescription::Script => Self::Script,
            Prescription::Discussion => Self::Discussion,
            Prescription::Other => Self::Other,
        }
    }
}

/// A prescription.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrescriptionBody {
    /// Kind.
    pub kind: PrescriptionKind,
    /// In words.
    pub text: String,
}

/// A new focus skill.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "criterion": "discovery",
    "diagnosis": "Self-scores discovery 4, manager 2 for four weeks: demos after one question.",
    "prescription": {
        "kind": "role_play",
        "text": "Role-play the first five minutes of a discovery call with the manager weekly."
    },
    "target_score": 4
}))]
pub struct CreateFocusRequest {
    /// The rubric criterion.
    pub criterion: String,
    /// Why this skill, from the numbers.
    pub diagnosis: String,
    /// How it is to be built.
    pub prescription: PrescriptionBody,
    /// The score that means achieved.
    pub target_score: Option<i32>,
}

/// Where a focus is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FocusStatusBody {
    /// Being worked on.
    Active,
    /// The skill is there.
    Achieved,
    /// Set aside.
    Dropped,
}

/// Changes to a focus.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "diagnosis": "Asks more questions now, but still skips budget before the demo.",
    "prescription": {
        "kind": "shadow",
        "text": "Shadow two of Ada's discovery calls and note her budget questions."
    },
    "target_score": 4
}))]
pub struct UpdateFocusRequest {
    /// `achieved` or `dropped` ends it.
    pub status: Option<FocusStatusBody>,
    /// New diagnosis.
    pub diagnosis: Option<String>,
    /// New prescription.
    pub prescription: Option<PrescriptionBody>,
    /// New target score.
    pub target_score: Option<i32>,
}

/// A focus skill.
#[derive(Debug, Serialize, ToSchema)]
pub struct FocusBody {
    /// Id.
    pub id: Uuid,
    /// The rep.
    pub rep_id: Uuid,
    /// The rubric criterion.
    pub criterion: String,
    /// Why this skill.
    pub diagnosis: String,
    /// How it is built.
    pub prescription: PrescriptionBody,
    /// The score that means achieved.
    pub target_score: Option<i32>,
    /// Active, achieved or dropped.
    pub status: FocusStatusBody,
    /// When work started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// Moves by one on every change. Send it back as `If-Match:
    /// "<version>"` with a change, and a change made meanwhile by another
    /// manager is not overwritten.
    pub version: i32,
}

impl From<Focus> for FocusBody {
    fn from(f: Focus) -> Self {
        Self {
            id: f.id.into(),
            rep_id: f.rep_id.into(),
            criterion: f.criterion,
            diagnosis: f.diagnosis,
            prescription: PrescriptionBody {
                kind: f.prescription_kind.into(),
                text: f.prescription_text,
            },
            target_score: f.target_score,
            status: match f.status {
                FocusStatus::Active => FocusStatusBody::Active,
                FocusStatus::Achieved => FocusStatusBody::Achieved,
                FocusStatus::Dropped => FocusStatusBody::Dropped,
            },
            started_at: f.started_at,
            ended_at: f.ended_at,
            version: f.version,
        }
    }
}

/// A focus with the criterion's scores since it started.
#[derive(Debug, Serialize, ToSchema)]
pub struct FocusDetail {
    /// The focus.
    #[serde(flatten)]
    pub focus: FocusBody,
    /// Self and manager scores of the criterion per week since it started.
    pub progress: Vec<WeekProgressBody>,
}

impl From<FocusView> for FocusDetail {
    fn from(v: FocusView) -> Self {
        Self { focus: v.row.into(), progress: v.progress.into_iter().map(Into::into).collect() }
    }
}

/// A rep's focus: the active one and all so far.
#[derive(Debug, Serialize, ToSchema)]
pub struct FocusOverview {
    /// The active focus, if any.
    pub active: Option<FocusDetail>,
    /// Every focus, newest first.
    pub history: Vec<FocusBody>,
}

/// Starts a recurring 1:1 between a manager and a rep who reports to them,
/// and schedules the coming weeks.
#[utoipa::path(tag = "one-on-ones", security(("bearer" = [])), request_body = CreateSeriesRequest, responses(
    (status = 201, description = "Created", body = SeriesBody),
    (status = 409, description = "The pair has a series already", body = Problem, content_type = "application/problem+json"),
))]
#[post("/v1/one-on-one-series")]
pub async fn create_series(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    ApiJson(body): ApiJson<CreateSeriesRequest>,
) -> Result<HttpResponse, ApiError> {
    let new = NewSeries {
        manager_id: body.manager_id.map(Into::into),
        rep_id: body.rep_id.into(),
        weekday: body.weekday.into(),
        time: body.time,
        duration_minutes: body.duration_minutes,
        timezone: body.timezone,
        agenda: body.agenda,
    };
    Ok(HttpResponse::Created()
        .json(SeriesBody::from(review.one_on_ones().create_series(&actor, new).await?)))
}

/// Replaces the pair's standing agenda, or moves the series to another slot.
///
/// With `If-Match` (the series' `ETag` or `version`), a change the other
/// person made since is not overwritten: 409 `edit_conflict` answers with
/// their agenda (one topic a line) in `conflict`. Without it, the last
/// change wins.
#[utoipa::path(
    tag = "one-on-ones",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Series id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` (or `\"<version>\"`) of the series as you read it; optional"),
    ),
    request_body = UpdateSeriesRequest,
    responses(
        (status = 200, description = "Changed", body = SeriesBody, headers(("ETag" = String, description = "The series' new version"))),
        (status = 409, description = "`edit_conflict`: changed since the `If-Match` version", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/one-on-one-series/{id}")]
pub async fn update_series(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<SeriesId>,
    IfMatch(seen_version): IfMatch,
    ApiJson(body): ApiJson<UpdateSeriesRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let moves = body.weekday.is_some()
        || body.time.is_some()
        || body.duration_minutes.is_some()
        || body.timezone.is_some();
    let mut series = None;
    // The version sent is checked by the first change; the second follows it.
    let mut seen_version = seen_version;
    if moves {
        let slot = filmroom_review::SeriesSlot {
            weekday: body.weekday.map(Into::into),
            time: body.time,
            duration_minutes: body.duration_minutes,
            timezone: body.timezone,
        };
        series =
            Some(review.one_on_ones().reschedule_series(&actor, id, slot, seen_version).await?);
        seen_version = None;
    }
    if let Some(agenda) = body.agenda {
        series = Some(review.one_on_ones().set_agenda(&actor, id, agenda, seen_version).await?);
    }
    match series {
        Some(series) => Ok(HttpResponse::Ok()
            .insert_header(etag(series.version))
            .json(SeriesBody::from(series))),
        None => Err(ApiError::InvalidBody {
            field: None,
            message: "send an agenda, or a new weekday, time, duration_minutes or timezone".into(),
        }),
    }
}

/// 1:1s the caller takes part in or oversees.
#[utoipa::path(tag = "one-on-ones", security(("bearer" = [])), params(OneOnOneQuery), responses((status = 200, description = "1:1s", body = OneOnOneList)))]
#[get("/v1/one-on-ones")]
pub async fn list_one_on_ones(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    query: web::Query<OneOnOneQuery>,
) -> Result<web::Json<OneOnOneList>, ApiError> {
    let rows = review
        .one_on_ones()
        .list(
            &actor,
            query.manager.map(Into::into),
            query.rep.map(Into::into),
            query.from,
            query.to,
        )
        .await?;
    Ok(web::Json(OneOnOneList { items: rows.into_iter().map(Into::into).collect() }))
}

/// One 1:1: agenda, carried-over action items first, the clip segment, this week's items.
#[utoipa::path(tag = "one-on-ones", security(("bearer" = [])), params(("id" = Uuid, Path, description = "1:1 id")), responses((status = 200, description = "The 1:1", body = OneOnOneBody, headers(("ETag" = String, description = "The 1:1's version, to send back as `If-Match` with a change")))))]
#[get("/v1/one-on-ones/{id}")]
pub async fn get_one_on_one(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<OneOnOneId>,
) -> Result<HttpResponse, ApiError> {
    let one_on_one = review.one_on_ones().one_on_one(&actor, id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(one_on_one.row.version))
        .json(OneOnOneBody::from(one_on_one)))
}

/// Moves, cancels or reinstates a 1:1, or replaces its notes.
///
/// With `If-Match` (the 1:1's `ETag` or `version`), a change the other person
/// made since is not overwritten: 409 `edit_conflict` answers with their
/// notes in `conflict`. Without it, the last change wins.
#[utoipa::path(
    tag = "one-on-ones",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "1:1 id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` (or `\"<version>\"`) of the 1:1 as you read it; optional"),
    ),
    request_body = UpdateOneOnOneRequest,
    responses(
        (status = 200, description = "Changed", body = OneOnOneBody, headers(("ETag" = String, description = "The 1:1's new version"))),
        (status = 409, description = "`edit_conflict`: changed since the `If-Match` version", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/one-on-ones/{id}")]
pub async fn update_one_on_one(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<OneOnOneId>,
    IfMatch(seen_version): IfMatch,
    ApiJson(body): ApiJson<UpdateOneOnOneRequest>,
) -> Result<HttpResponse, ApiError> {
    let cancelled = match body.status {
        None => None,
        Some(OneOnOneStatusBody::Cancelled) => Some(true),
        Some(OneOnOneStatusBody::Scheduled) => Some(false),
        Some(OneOnOneStatusBody::Held) => {
            return Err(ApiError::InvalidBody {
                field: Some("status".into()),
                message: "status: a 1:1 is marked held with POST /v1/one-on-ones/{id}/state".into(),
            });
        }
    };
    let changes = OccurrenceChanges {
        scheduled_at: body.scheduled_at,
        cancelled,
        notes: body.notes,
        seen_version,
    };
    let one_on_one =
        review.one_on_ones().update_one_on_one(&actor, id.into_inner(), changes).await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(one_on_one.row.version))
        .json(OneOnOneBody::from(one_on_one)))
}

/// Adds a clip to the coaching segment: from a comment or explicit offsets.
/// 422 `clip_budget_exceeded` names the budget left.
#[utoipa::path(tag = "one-on-ones", security(("bearer" = [])), params(("id" = Uuid, Path, description = "1:1 id")), request_body = CreateClipRequest, responses((status = 201, description = "Added; the whole 1:1", body = OneOnOneBody)))]
#[post("/v1/one-on-ones/{id}/clips")]
pub async fn create_clip(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<OneOnOneId>,
    ApiJson(body): ApiJson<CreateClipRequest>,
) -> Result<HttpResponse, ApiError> {
    let source = match (body.comment_id, body.call_id, body.start_ms, body.end_ms) {
        (Some(comment), None, None, None) => ClipSource::Comment(comment.into()),
        (None, Some(call_id), Some(start_ms), Some(end_ms)) => {
            ClipSource::Range { call_id: call_id.into(), start_ms, end_ms }
        }
        _ => {
            return Err(ApiError::InvalidBody {
                field: None,
                message: "send either comment_id, or call_id with start_ms and end_ms".into(),
            });
        }
    };
    let view = review.one_on_ones().add_clip(&actor, id.into_inner(), source, body.note).await?;
    Ok(HttpResponse::Created().json(OneOnOneBody::from(view)))
}

/// Moves a clip within the segment, changes its in and out points or its note.
///
/// With `If-Match` (the clip's `ETag` or `version`), a change the other
/// person made since to its note or range is not overwritten: 409
/// `edit_conflict` answers with their note in `conflict`. Without it, the
/// last change wins.
#[utoipa::path(
    tag = "one-on-ones",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Clip id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` (or `\"<version>\"`) of the clip as you read it; optional"),
    ),
    request_body = UpdateClipRequest,
    responses(
        (status = 200, description = "The whole 1:1", body = OneOnOneBody, headers(("ETag" = String, description = "The clip's new version"))),
        (status = 409, description = "`edit_conflict`: changed since the `If-Match` version", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/clips/{id}")]
pub async fn update_clip(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<ClipId>,
    IfMatch(seen_version): IfMatch,
    ApiJson(body): ApiJson<UpdateClipRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let range = match (body.start_ms, body.end_ms) {
        (Some(start_ms), Some(end_ms)) => Some((start_ms, end_ms)),
        (None, None) => None,
        _ => {
            return Err(ApiError::InvalidBody {
                field: None,
                message: "send start_ms and end_ms together".into(),
            });
        }
    };
    let changes = ClipChanges { range, position: body.position, note: body.note, seen_version };
    let view = review.one_on_ones().update_clip(&actor, id, changes).await?;
    let mut answer = HttpResponse::Ok();
    if let Some(clip) = view.clips.iter().find(|c| c.id == id) {
        answer.insert_header(etag(clip.version));
    }
    Ok(answer.json(OneOnOneBody::from(view)))
}

/// Removes a clip from the segment.
#[utoipa::path(tag = "one-on-ones", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Clip id")), responses((status = 204, description = "Removed")))]
#[delete("/v1/clips/{id}")]
pub async fn delete_clip(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<ClipId>,
) -> Result<HttpResponse, ApiError> {
    review.one_on_ones().remove_clip(&actor, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Adds an action item to a 1:1.
#[utoipa::path(tag = "one-on-ones", security(("bearer" = [])), params(("id" = Uuid, Path, description = "1:1 id")), request_body = CreateActionItemRequest, responses((status = 201, description = "Added", body = ActionItemBody)))]
#[post("/v1/one-on-ones/{id}/action-items")]
pub async fn create_action_item(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<OneOnOneId>,
    ApiJson(body): ApiJson<CreateActionItemRequest>,
) -> Result<HttpResponse, ApiError> {
    let item = review
        .one_on_ones()
        .add_action_item(
            &actor,
            id.into_inner(),
            &body.text,
            body.owner_id.map(Into::into),
            body.due_date,
        )
        .await?;
    Ok(HttpResponse::Created().insert_header(etag(item.version)).json(ActionItemBody::from(item)))
}

/// Changes an action item, or marks it done (or open again).
///
/// With `If-Match` (the item's `ETag` or `version`), a change the other
/// person made since is not overwritten: 409 `edit_conflict` answers with
/// their text in `conflict`. Without it, the last change wins.
#[utoipa::path(
    tag = "one-on-ones",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Action item id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` (or `\"<version>\"`) of the item as you read it; optional"),
    ),
    request_body = UpdateActionItemRequest,
    responses(
        (status = 200, description = "Changed", body = ActionItemBody, headers(("ETag" = String, description = "The item's new version"))),
        (status = 409, description = "`edit_conflict`: changed since the `If-Match` version", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/action-items/{id}")]
pub async fn update_action_item(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<ActionItemId>,
    IfMatch(seen_version): IfMatch,
    ApiJson(body): ApiJson<UpdateActionItemRequest>,
) -> Result<HttpResponse, ApiError> {
    let changes = ActionItemChanges {
        text: body.text,
        owner_id: body.owner_id.map(Into::into),
        due_date: body.due_date,
        done: body.done,
        seen_version,
    };
    let item = review.one_on_ones().update_action_item(&actor, id.into_inner(), changes).await?;
    Ok(HttpResponse::Ok().insert_header(etag(item.version)).json(ActionItemBody::from(item)))
}

/// Marks the 1:1 held: it needs the organisation's minimum of action items,
/// each with an owner and a due date (422 says what is missing). Shared
/// nominations with a clip in the segment become `discussed`.
#[utoipa::path(tag = "one-on-ones", security(("bearer" = [])), params(("id" = Uuid, Path, description = "1:1 id")), request_body = OneOnOneStateRequest, responses(
    (status = 200, description = "Held", body = OneOnOneBody),
    (status = 409, description = "Already held", body = Problem, content_type = "application/problem+json"),
))]
#[post("/v1/one-on-ones/{id}/state")]
pub async fn hold_one_on_one(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<OneOnOneId>,
    ApiJson(body): ApiJson<OneOnOneStateRequest>,
) -> Result<web::Json<OneOnOneBody>, ApiError> {
    let HeldState::Held = body.state;
    Ok(web::Json(review.one_on_ones().hold(&actor, id.into_inner()).await?.into()))
}

/// A person's follow-through: action items done by their due date.
#[utoipa::path(tag = "one-on-ones", security(("bearer" = [])), params(("id" = Uuid, Path, description = "User id"), FollowThroughQuery), responses((status = 200, description = "Follow-through", body = FollowThroughBody)))]
#[get("/v1/users/{id}/follow-through")]
pub async fn follow_through(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<UserId>,
    query: web::Query<FollowThroughQuery>,
) -> Result<web::Json<FollowThroughBody>, ApiError> {
    let f =
        review.one_on_ones().follow_through(&actor, id.into_inner(), query.from, query.to).await?;
    Ok(web::Json(FollowThroughBody {
        user_id: f.user_id.into(),
        from: f.from,
        to: f.to,
        due: f.due,
        done_on_time: f.done_on_time,
        done_late: f.done_late,
        overdue: f.overdue,
        rate: f.rate,
    }))
}

/// Starts the rep's focus skill (a manager in their chain or an admin); one at a time.
#[utoipa::path(tag = "one-on-ones", security(("bearer" = [])), params(("rep" = Uuid, Path, description = "The rep")), request_body = CreateFocusRequest, responses(
    (status = 201, description = "Started", body = FocusDetail, headers(("ETag" = String, description = "The focus' version, to send back as `If-Match` with a change"))),
    (status = 409, description = "Another focus is active", body = Problem, content_type = "application/problem+json"),
))]
#[post("/v1/reps/{rep}/focus")]
pub async fn create_focus(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    rep: web::Path<UserId>,
    ApiJson(body): ApiJson<CreateFocusRequest>,
) -> Result<HttpResponse, ApiError> {
    let new = NewFocus {
        criterion: body.criterion,
        diagnosis: body.diagnosis,
        prescription: body.prescription.kind.into(),
        prescription_text: body.prescription.text,
        target_score: body.target_score,
    };
    let view = review.one_on_ones().start_focus(&actor, rep.into_inner(), new).await?;
    Ok(HttpResponse::Created().insert_header(etag(view.row.version)).json(FocusDetail::from(view)))
}

/// The rep's active focus with its scores since it started, and every focus so far.
#[utoipa::path(tag = "one-on-ones", security(("bearer" = [])), params(("rep" = Uuid, Path, description = "The rep")), responses((status = 200, description = "Focus", body = FocusOverview)))]
#[get("/v1/reps/{rep}/focus")]
pub async fn get_focus(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    rep: web::Path<UserId>,
) -> Result<web::Json<FocusOverview>, ApiError> {
    let (active, history) = review.one_on_ones().focus(&actor, rep.into_inner()).await?;
    Ok(web::Json(FocusOverview {
        active: active.map(Into::into),
        history: history.into_iter().map(Into::into).collect(),
    }))
}

/// Changes a focus, or ends it as achieved or dropped.
///
/// With `If-Match` (the focus' `ETag` or `version`), a change another
/// manager made since is not overwritten: 409 `edit_conflict` answers with
/// their diagnosis and prescription in `conflict`. Without it, the last
/// change wins.
#[utoipa::path(
    tag = "one-on-ones",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Focus id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` (or `\"<version>\"`) of the focus as you read it; optional"),
    ),
    request_body = UpdateFocusRequest,
    responses(
        (status = 200, description = "Changed", body = FocusDetail, headers(("ETag" = String, description = "The focus' new version"))),
        (status = 409, description = "`edit_conflict`: changed since the `If-Match` version", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/focus/{id}")]
pub async fn update_focus(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<FocusId>,
    IfMatch(seen_version): IfMatch,
    ApiJson(body): ApiJson<UpdateFocusRequest>,
) -> Result<HttpResponse, ApiError> {
    let (prescription, prescription_text) = match body.prescription {
        Some(p) => (Some(p.kind.into()), Some(p.text)),
        None => (None, None),
    };
    let changes = FocusChanges {
        status: body.status.map(|s| match s {
            FocusStatusBody::Active => FocusStatus::Active,
            FocusStatusBody::Achieved => FocusStatus::Achieved,
            FocusStatusBody::Dropped => FocusStatus::Dropped,
        }),
        diagnosis: body.diagnosis,
        prescription,
        prescription_text,
        target_score: body.target_score,
        seen_version,
    };
    let view = review.one_on_ones().update_focus(&actor, id.into_inner(), changes).await?;
    Ok(HttpResponse::Ok().insert_header(etag(view.row.version)).json(FocusDetail::from(view)))
}

/// The coaching segment as one WAV: the clips in order, 0.5 s of silence
/// between, resampled to the highest rate among them, streamed as it renders.
#[utoipa::path(
    tag = "one-on-ones",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "1:1 id")),
    responses((status = 200, description = "16-bit PCM WAV", body = crate::routes::calls::Recording, content_type = "audio/wav"))
)]
#[get("/v1/one-on-ones/{id}/reel")]
pub async fn reel(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<OneOnOneId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let plan = review.one_on_ones().reel_plan(&actor, id).await?;
    let render = review.one_on_ones().render_reel(&plan).await?;
    Ok(crate::routes::calls::wav_response(
        plan.content_length(),
        format!("one-on-one-{id}.wav"),
        render,
    ))
}
