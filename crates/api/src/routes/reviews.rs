//! The weekly review: organisation settings, nominations and their states,
//! scores, the rubric, progress, the team board and the event log.

use actix_web::{get, patch, post, put, web};
use chrono::{DateTime, Utc};
use filmroom_review::{
    CriterionProgress, NominationView, Review, ReviewState, RubricView, ScoreInput, ScorerKind,
    SettingsChanges, Slot, WeekProgress,
    ids::UserId,
    metrics,
    rubric::{Criterion, Level},
    settings::{Day, ReviewSettings},
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    error::{ApiError, Problem},
    extract::{ApiJson, Authenticated},
    pagination::{ListQuery, encode},
};

/// One of the week's two calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SlotBody {
    /// A call that went well.
    WentWell,
    /// A call where the rep struggled.
    Struggled,
}

impl From<SlotBody> for Slot {
    fn from(s: SlotBody) -> Self {
        match s {
            SlotBody::WentWell => Self::WentWell,
            SlotBody::Struggled => Self::Struggled,
        }
    }
}

/// Where a review is: `nominated → self_reviewed → shared → manager_reviewed → discussed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStateBody {
    /// Picked, not yet self-reviewed.
    Nominated,
    /// The rep has coached themselves (needs at least one comment by the rep).
    SelfReviewed,
    /// Shared with the manager; locked.
    Shared,
    /// The manager has reviewed it (needs a comment by a manager in the chain).
    ManagerReviewed,
    /// Talked through in the 1:1.
    Discussed,
}

impl From<ReviewStateBody> for ReviewState {
    fn from(s: ReviewStateBody) -> Self {
        match s {
            ReviewStateBody::Nominated => Self::Nominated,
            ReviewStateBody::SelfReviewed => Self::SelfReviewed,
            ReviewStateBody::Shared => Self::Shared,
            ReviewStateBody::ManagerReviewed => Self::ManagerReviewed,
            ReviewStateBody::Discussed => Self::Discussed,
        }
    }
}

/// A weekday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DayBody {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

impl From<DayBody> for Day {
    fn from(d: DayBody) -> Self {
        match d {
            DayBody::Monday => Self::Monday,
            DayBody::Tuesday => Self::Tuesday,
            DayBody::Wednesday => Self::Wednesday,
            DayBody::Thursday => Self::Thursday,
            DayBody::Friday => Self::Friday,
            DayBody::Saturday => Self::Saturday,
            DayBody::Sunday => Self::Sunday,
        }
    }
}

impl From<Day> for DayBody {
    fn from(d: Day) -> Self {
        match d {
            Day::Monday => Self::Monday,
            Day::Tuesday => Self::Tuesday,
            Day::Wednesday => Self::Wednesday,
            Day::Thursday => Self::Thursday,
            Day::Friday => Self::Friday,
            Day::Saturday => Self::Saturday,
            Day::Sunday => Self::Sunday,
        }
    }
}

/// How the organisation runs its weekly reviews.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsBody {
    /// Reps nominate their two calls by the end of this day, local time (default friday).
    pub nomination_deadline: DayBody,
    /// Shared calls should be reviewed by the manager within this many days (default 3).
    pub manager_review_days: u32,
    /// Minutes of clips a 1:1's coaching segment may hold (default 20).
    pub clip_budget_minutes: u32,
    /// Action items a 1:1 must end with before it is held (default 3).
    pub min_action_items: u32,
    /// Reference bands the conversation metrics are held against, by metric;
    /// a metric without a band is not judged.
    pub metric_bands: MetricBandsBody,
}

impl From<ReviewSettings> for SettingsBody {
    fn from(s: ReviewSettings) -> Self {
        Self {
            nomination_deadline: s.nomination_deadline.into(),
            manager_review_days: s.manager_review_days,
            clip_budget_minutes: s.clip_budget_minutes,
            min_action_items: s.min_action_items,
            metric_bands: s.metric_bands.into(),
        }
    }
}

/// A reference band: the values a metric should lie between, inclusive;
/// either bound may be left open.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BandBody {
    /// Lowest value inside the band.
    #[serde(default)]
    pub min: Option<f64>,
    /// Highest value inside the band.
    #[serde(default)]
    pub max: Option<f64>,
}

impl From<metrics::Band> for BandBody {
    fn from(b: metrics::Band) -> Self {
        Self { min: b.min, max: b.max }
    }
}

impl From<BandBody> for metrics::Band {
    fn from(b: BandBody) -> Self {
        Self { min: b.min, max: b.max }
    }
}

/// The organisation's reference bands, one per metric (null: none).
#[derive(Debug, Serialize, ToSchema)]
pub struct MetricBandsBody {
    /// The rep's share of speech time, 0..1 (default 0.40–0.65).
    pub talk_ratio: Option<BandBody>,
    /// The rep's longest monologue, ms.
    pub longest_monologue_ms: Option<BandBody>,
    /// The customer's longest story, ms.
    pub longest_story_ms: Option<BandBody>,
    /// Mean wait before the rep answers, ms.
    pub patience_ms: Option<BandBody>,
    /// Changes of turn per minute.
    pub interactivity_per_minute: Option<BandBody>,
    /// Questions the rep asked.
    pub rep_questions: Option<BandBody>,
    /// The rep's words per minute.
    pub rep_words_per_minute: Option<BandBody>,
}

impl From<metrics::MetricBands> for MetricBandsBody {
    fn from(b: metrics::MetricBands) -> Self {
        let band = |m: metrics::Metric| b.get(m).map(BandBody::from);
        Self {
            talk_ratio: band(metrics::Metric::TalkRatio),
            longest_monologue_ms: band(metrics::Metric::LongestMonologueMs),
            longest_story_ms: band(metrics::Metric::LongestStoryMs),
            patience_ms: band(metrics::Metric::PatienceMs),
            interactivity_per_minute: band(metrics::Metric::InteractivityPerMinute),
            rep_questions: band(metrics::Metric::RepQuestions),
            rep_words_per_minute: band(metrics::Metric::RepWordsPerMinute),
        }
    }
}

/// The caller's organisation and its settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationSettingsBody {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// IANA time zone; weeks and deadlines use it.
    pub timezone: String,
    /// Review settings.
    pub settings: SettingsBody,
}

impl From<(filmroom_review::Organisation, ReviewSettings)> for OrganisationSettingsBody {
    fn from((organisation, settings): (filmroom_review::Organisation, ReviewSettings)) -> Self {
        Self {
            id: organisation.id.into(),
            name: organisation.name,
            timezone: organisation.timezone,
            settings: settings.into(),
        }
    }
}

/// Changes to the review settings.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "nomination_deadline": "friday",
    "manager_review_days": 3,
    "clip_budget_minutes": 20,
    "min_action_items": 3,
    "metric_bands": {"talk_ratio": {"min": 0.4, "max": 0.65}, "patience_ms": {"min": 600}}
}))]
pub struct UpdateSettingsRequest {
    /// New nomination deadline.
    pub nomination_deadline: Option<DayBody>,
    /// New manager review window, 1 to 30 days.
    pub manager_review_days: Option<u32>,
    /// New clip budget per 1:1, 1 to 120 minutes.
    pub clip_budget_minutes: Option<u32>,
    /// New minimum of action items per 1:1, 0 to 20.
    pub min_action_items: Option<u32>,
    /// Bands to set, by metric name (`talk_ratio`, `longest_monologue_ms`,
    /// `longest_story_ms`, `patience_ms`, `interactivity_per_minute`,
    /// `rep_questions`, `rep_words_per_minute`); `null` removes a band.
    /// Metrics not named keep theirs.
    #[schema(value_type = Option<BTreeMap<String, BandBody>>)]
    pub metric_bands: Option<BTreeMap<String, Option<BandBody>>>,
}

/// The call in a slot.
#[derive(Debug, Serialize, ToSchema)]
pub struct NominatedCall {
    /// Id.
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// When it took place.
    pub occurred_at: Option<DateTime<Utc>>,
    /// Its length.
    pub duration_ms: Option<i64>,
}

/// Comments on the call that the caller can see.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentCounts {
    /// By the rep (theirs alone until they share the call).
    pub rep: usize,
    /// By managers and admins.
    pub others: usize,
}

/// A score.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreBody {
    /// Criterion key.
    pub criterion: String,
    /// Value on its scale.
    pub value: i32,
    /// Why.
    pub note: Option<String>,
    /// `self` (the rep) or `manager`.
    #[schema(example = "self")]
    pub scorer: String,
    /// Who gave it.
    pub scorer_id: Uuid,
    /// The rubric version it was given under.
    pub rubric_version: i32,
}

/// A nominated call and its review.
#[derive(Debug, Serialize, ToSchema)]
pub struct NominationBody {
    /// Id.
    pub id: Uuid,
    /// The rep.
    pub rep_id: Uuid,
    /// ISO week, `2026-W48`.
    pub week: String,
    /// Which slot.
    pub slot: SlotBody,
    /// Where the review is.
    pub state: ReviewStateBody,
    /// The call.
    pub call: NominatedCall,
    /// Comment counts.
    pub comments: CommentCounts,
    /// Scores the caller can see (the rep's only once shared, unless the caller is the rep).
    pub scores: Vec<ScoreBody>,
    /// When the rep finished their self-review.
    pub self_reviewed_at: Option<DateTime<Utc>>,
    /// When it was shared.
    pub shared_at: Option<DateTime<Utc>>,
    /// When the manager finished.
    pub manager_reviewed_at: Option<DateTime<Utc>>,
    /// When it was discussed.
    pub discussed_at: Option<DateTime<Utc>>,
    /// When the manager review is due, once shared.
    pub review_due: Option<DateTime<Utc>>,
    /// The rep's focus skill when the call was shared, so comments can target it.
    pub focus: Option<FocusSummary>,
}

/// The focus skill a shared call was brought under.
#[derive(Debug, Serialize, ToSchema)]
pub struct FocusSummary {
    /// The focus.
    pub id: Uuid,
    /// The rubric criterion.
    pub criterion: String,
    /// How it is being built.
    pub prescription: String,
}

fn slot_body(slot: Slot) -> SlotBody {
    match slot {
        Slot::WentWell => SlotBody::WentWell,
        Slot::Struggled => SlotBody::Struggled,
    }
}

fn state_body(state: ReviewState) -> ReviewStateBody {
    match state {
        ReviewState::Nominated => ReviewStateBody::Nominated,
        ReviewState::SelfReviewed => ReviewStateBody::SelfReviewed,
        ReviewState::Shared => ReviewStateBody::Shared,
        ReviewState::ManagerReviewed => ReviewStateBody::ManagerReviewed,
        ReviewState::Discussed => ReviewStateBody::Discussed,
    }
}

impl From<NominationView> for NominationBody {
    fn from(v: NominationView) -> Self {
        Self {
            id: v.row.id.into(),
            rep_id: v.row.rep_id.into(),
            week: v.row.week,
            slot: slot_body(v.row.slot),
            state: state_body(v.row.state),
            call: NominatedCall {
                id: v.call.id.into(),
                title: v.call.title,
                occurred_at: v.call.occurred_at,
                duration_ms: v.call.duration_ms,
            },
            comments: CommentCounts { rep: v.rep_comments, others: v.other_comments },
            scores: v
                .scores
                .into_iter()
                .map(|s| ScoreBody {
                    criterion: s.criterion,
                    value: s.value,
                    note: s.note,
                    scorer: match s.scorer_kind {
                        ScorerKind::Rep => "self".into(),
                        ScorerKind::Manager => "manager".into(),
                    },
                    scorer_id: s.scorer_id.into(),
                    rubric_version: s.rubric_version,
                })
                .collect(),
            self_reviewed_at: v.row.self_reviewed_at,
            shared_at: v.row.shared_at,
            manager_reviewed_at: v.row.manager_reviewed_at,
            discussed_at: v.row.discussed_at,
            review_due: v.review_due,
            focus: v.focus.map(|f| FocusSummary {
                id: f.id.into(),
                criterion: f.criterion,
                prescription: f.prescription_text,
            }),
        }
    }
}

/// A rep's week.
#[derive(Debug, Serialize, ToSchema)]
pub struct WeekBody {
    /// The rep.
    pub rep_id: Uuid,
    /// ISO week.
    pub week: String,
    /// When nominations are due (end of the organisation's deadline day, local time).
    pub nomination_deadline: DateTime<Utc>,
    /// The call that went well.
    pub went_well: Option<NominationBody>,
    /// The call the rep struggled with.
    pub struggled: Option<NominationBody>,
}

/// The call for a slot.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"call_id": "0193f4d0-1a2b-7c3d-8e4f-5a6b7c8d9e0f"}))]
pub struct NominateRequest {
    /// One of the rep's own ready calls.
    pub call_id: Uuid,
}

/// A move of the review.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"state": "self_reviewed"}))]
pub struct MoveRequest {
    /// The state to move to.
    pub state: ReviewStateBody,
}

/// One score to give.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "criterion": "discovery",
    "value": 3,
    "note": "Two good open questions, but jumped to pricing before the pain was clear."
}))]
pub struct ScoreRequest {
    /// Criterion key from the rubric.
    pub criterion: String,
    /// Value on the criterion's scale.
    pub value: i32,
    /// Why.
    pub note: Option<String>,
}

/// One level of a criterion's scale.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LevelBody {
    /// The value.
    pub value: i32,
    /// What a call at this level sounds like.
    pub description: String,
}

fn default_min() -> i32 {
    1
}

fn default_max() -> i32 {
    5
}

/// A rubric criterion.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CriterionBody {
    /// Stable key (`a-z0-9_`).
    #[schema(example = "discovery")]
    pub key: String,
    /// Display name.
    #[schema(example = "Discovery questions")]
    pub name: String,
    /// What it is about.
    pub description: Option<String>,
    /// Lowest score (default 1).
    #[serde(default = "default_min")]
    pub min: i32,
    /// Highest score (default 5).
    #[serde(default = "default_max")]
    pub max: i32,
    /// A description per level.
    #[serde(default)]
    pub levels: Vec<LevelBody>,
}

/// The rubric to publish.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "criteria": [
        {
            "key": "discovery",
            "name": "Discovery questions",
            "description": "Finds the customer's pain, impact and budget before pitching.",
            "min": 1,
            "max": 5,
            "levels": [
                {"value": 1, "description": "Pitches at once; no questions about the situation."},
                {"value": 3, "description": "Asks about the situation, not the impact."},
                {"value": 5, "description": "Uncovers pain, impact and budget before the demo."}
            ]
        },
        {
            "key": "objection_handling",
            "name": "Objection handling",
            "description": "Handles pricing and timing objections without discounting first.",
            "min": 1,
            "max": 5,
            "levels": [
                {"value": 1, "description": "Offers a discount at the first price objection."},
                {"value": 5, "description": "Asks what is behind it, reanchors on value."}
            ]
        }
    ]
}))]
pub struct PublishRubricRequest {
    /// The criteria, in display order.
    pub criteria: Vec<CriterionBody>,
}

/// A published rubric.
#[derive(Debug, Serialize, ToSchema)]
pub struct RubricBody {
    /// Version number; each PUT publishes the next.
    pub version: i32,
    /// When it was published.
    pub published_at: DateTime<Utc>,
    /// By whom.
    pub published_by: Uuid,
    /// The criteria.
    pub criteria: Vec<CriterionBody>,
}

impl From<RubricView> for RubricBody {
    fn from(r: RubricView) -> Self {
        Self {
            version: r.version,
            published_at: r.published_at,
            published_by: r.published_by.into(),
            criteria: r
                .criteria
                .into_iter()
                .map(|c| CriterionBody {
                    key: c.key,
                    name: c.name,
                    description: c.description,
                    min: c.min,
                    max: c.max,
                    levels: c
                        .levels
                        .into_iter()
                        .map(|l| LevelBody { value: l.value, description: l.description })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// One criterion in one week.
#[derive(Debug, Serialize, ToSchema)]
pub struct CriterionProgressBody {
    /// Criterion key.
    pub criterion: String,
    /// The rep's own score (mean of the week's calls).
    #[serde(rename = "self")]
    pub self_score: Option<f64>,
    /// The manager's score (mean of the week's calls).
    pub manager: Option<f64>,
    /// Self minus manager: positive when the rep rates themselves higher.
    pub gap: Option<f64>,
}

/// One week of progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct WeekProgressBody {
    /// ISO week.
    pub week: String,
    /// Per criterion.
    pub criteria: Vec<CriterionProgressBody>,
    /// The week's conversation figures averaged over the rep's analysed
    /// calls that took place in it (null: none).
    pub conversation: Option<ConversationAveragesBody>,
}

/// A rep's conversation figures averaged over a week's analysed calls; each
/// mean is over the calls that have the figure.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationAveragesBody {
    /// Analysed calls that week.
    pub calls: usize,
    /// Mean rep talk ratio, 0..1.
    pub talk_ratio: Option<f64>,
    /// Mean longest rep monologue, ms.
    pub longest_monologue_ms: Option<f64>,
    /// Mean patience, ms.
    pub patience_ms: Option<f64>,
    /// Mean changes of turn per minute.
    pub interactivity_per_minute: Option<f64>,
    /// Mean questions asked by the rep (calls with a transcript).
    pub rep_questions: Option<f64>,
}

/// A rep's scores over the weeks.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressBody {
    /// The rep.
    pub rep_id: Uuid,
    /// Weeks with scores or analysed calls, oldest first.
    pub weeks: Vec<WeekProgressBody>,
}

impl From<WeekProgress> for WeekProgressBody {
    fn from(w: WeekProgress) -> Self {
        Self {
            week: w.week,
            criteria: w
                .criteria
                .into_iter()
                .map(|c: CriterionProgress| CriterionProgressBody {
                    criterion: c.criterion,
                    self_score: c.self_score,
                    manager: c.manager_score,
                    gap: c.gap,
                })
                .collect(),
            conversation: w.conversation.map(|c| ConversationAveragesBody {
                calls: c.calls,
                talk_ratio: c.talk_ratio,
                longest_monologue_ms: c.longest_monologue_ms,
                patience_ms: c.patience_ms,
                interactivity_per_minute: c.interactivity_per_minute,
                rep_questions: c.rep_questions,
            }),
        }
    }
}

/// Filters of the progress view.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProgressQuery {
    /// Only this criterion.
    pub criterion: Option<String>,
    /// First week (default: 11 weeks before `to`).
    #[param(example = "2026-W40")]
    pub from: Option<String>,
    /// Last week (default: this week).
    #[param(example = "2026-W48")]
    pub to: Option<String>,
}

/// How far down the team board looks.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Depth {
    /// Direct reports (default).
    #[default]
    Direct,
    /// Everyone below, at any depth.
    All,
}

/// Options of the team board.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TeamQuery {
    /// `direct` (default) or `all`.
    #[param(inline)]
    pub depth: Option<Depth>,
}

/// A slot on the team board.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardSlot {
    /// The nomination.
    pub nomination_id: Uuid,
    /// Its call.
    pub call_id: Uuid,
    /// Where the review is.
    pub state: ReviewStateBody,
    /// When it was shared.
    pub shared_at: Option<DateTime<Utc>>,
}

/// A rep on the board.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardRep {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
}

/// One rep's row.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardRowBody {
    /// The rep.
    pub rep: BoardRep,
    /// The call that went well.
    pub went_well: Option<BoardSlot>,
    /// The call the rep struggled with.
    pub struggled: Option<BoardSlot>,
    /// The deadline has passed with a slot still empty.
    pub nomination_overdue: bool,
    /// A call was shared longer ago than the review window without a manager review.
    pub review_overdue: bool,
}

/// The team board.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamBoardBody {
    /// The manager.
    pub manager_id: Uuid,
    /// ISO week.
    pub week: String,
    /// When nominations were due.
    pub nomination_deadline: DateTime<Utc>,
    /// One row per active rep.
    pub reps: Vec<BoardRowBody>,
}

/// An event in the outbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventBody {
    /// Id.
    pub id: Uuid,
    /// What kind of event.
    #[schema(value_type = crate::routes::webhooks::EventType)]
    pub kind: String,
    /// What happened.
    pub payload: serde_json::Value,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When it was delivered, once it has been.
    pub delivered_at: Option<DateTime<Utc>>,
}

/// A page of events.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    /// Oldest first.
    pub items: Vec<EventBody>,
    /// Pass as `cursor` for the next page.
    pub next_cursor: Option<String>,
}

type SlotPath = web::Path<(Uuid, String, SlotBody)>;

/// The caller's organisation and its review settings.
#[utoipa::path(tag = "reviews", security(("bearer" = [])), responses((status = 200, description = "Settings", body = OrganisationSettingsBody)))]
#[get("/v1/organisation")]
pub async fn get_organisation(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
) -> Result<web::Json<OrganisationSettingsBody>, ApiError> {
    let (organisation, settings) = review.weekly().review_settings(&actor).await?;
    Ok(web::Json(OrganisationSettingsBody {
        id: organisation.id.into(),
        name: organisation.name,
        timezone: organisation.timezone,
        settings: settings.into(),
    }))
}

/// Changes the review settings (admins only).
#[utoipa::path(tag = "reviews", security(("bearer" = [])), request_body = UpdateSettingsRequest, responses((status = 200, description = "Changed", body = OrganisationSettingsBody)))]
#[patch("/v1/organisation")]
pub async fn update_organisation(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    ApiJson(body): ApiJson<UpdateSettingsRequest>,
) -> Result<web::Json<OrganisationSettingsBody>, ApiError> {
    let metric_bands = body
        .metric_bands
        .unwrap_or_default()
        .into_iter()
        .map(|(name, band)| match metrics::Metric::named(&name) {
            Some(metric) => Ok((metric, band.map(Into::into))),
            None => Err(ApiError::from(filmroom_review::ReviewError::InvalidField {
                field: format!("metric_bands.{name}"),
                message: format!(
                    "is not a metric; the metrics are {}",
                    metrics::Metric::ALL.map(metrics::Metric::name).join(", ")
                ),
            })),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let changes = SettingsChanges {
        nomination_deadline: body.nomination_deadline.map(Into::into),
        manager_review_days: body.manager_review_days,
        clip_budget_minutes: body.clip_budget_minutes,
        min_action_items: body.min_action_items,
        metric_bands,
    };
    let (organisation, settings) = review.weekly().update_review_settings(&actor, changes).await?;
    Ok(web::Json(OrganisationSettingsBody {
        id: organisation.id.into(),
        name: organisation.name,
        timezone: organisation.timezone,
        settings: settings.into(),
    }))
}

/// A rep's week: both slots with their calls, review states, comment counts and scores.
#[utoipa::path(
    tag = "reviews",
    security(("bearer" = [])),
    params(("rep" = Uuid, Path, description = "The rep"), ("week" = String, Path, description = "ISO week, e.g. 2026-W48")),
    responses((status = 200, description = "The week", body = WeekBody))
)]
#[get("/v1/reps/{rep}/weeks/{week}")]
pub async fn get_week(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    path: web::Path<(UserId, String)>,
) -> Result<web::Json<WeekBody>, ApiError> {
    let (rep, week) = path.into_inner();
    let view = review.weekly().week(&actor, rep, &week).await?;
    Ok(web::Json(WeekBody {
        rep_id: view.rep.id.into(),
        week: view.week.to_string(),
        nomination_deadline: view.nomination_deadline,
        went_well: view.went_well.map(Into::into),
        struggled: view.struggled.map(Into::into),
    }))
}

/// Puts one of the rep's own ready calls in a slot (the rep only). The slot
/// can be changed until the nomination is shared; one call cannot fill both.
#[utoipa::path(
    tag = "reviews",
    security(("bearer" = [])),
    params(("rep" = Uuid, Path, description = "The rep"), ("week" = String, Path, description = "ISO week"), ("slot" = SlotBody, Path, description = "went_well or struggled")),
    request_body = NominateRequest,
    responses(
        (status = 200, description = "The nomination", body = NominationBody),
        (status = 409, description = "Locked, or the call fills the other slot", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/reps/{rep}/weeks/{week}/nominations/{slot}")]
pub async fn nominate(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    path: SlotPath,
    ApiJson(body): ApiJson<NominateRequest>,
) -> Result<web::Json<NominationBody>, ApiError> {
    let (rep, week, slot) = path.into_inner();
    Ok(web::Json(
        review
            .weekly()
            .nominate(&actor, UserId::from(rep), &week, slot.into(), body.call_id.into())
            .await?
            .into(),
    ))
}

/// Moves the review: `self_reviewed` and `shared` by the rep (self-review
/// needs one of their comments), `manager_reviewed` and `discussed` by a
/// manager in the rep's chain (needs one of their comments). 409 says what is missing.
#[utoipa::path(
    tag = "reviews",
    security(("bearer" = [])),
    params(("rep" = Uuid, Path, description = "The rep"), ("week" = String, Path, description = "ISO week"), ("slot" = SlotBody, Path, description = "went_well or struggled")),
    request_body = MoveRequest,
    responses(
        (status = 200, description = "Moved", body = NominationBody),
        (status = 409, description = "Not now: `current_state` and `detail` say what is missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/reps/{rep}/weeks/{week}/nominations/{slot}/state")]
pub async fn move_review(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    path: SlotPath,
    ApiJson(body): ApiJson<MoveRequest>,
) -> Result<web::Json<NominationBody>, ApiError> {
    let (rep, week, slot) = path.into_inner();
    Ok(web::Json(
        review
            .weekly()
            .move_review(&actor, UserId::from(rep), &week, slot.into(), body.state.into())
            .await?
            .into(),
    ))
}

/// Replaces the caller's scores on a nominated call: the rep's self-scores
/// (until shared) or a chain manager's (once shared), validated against the rubric.
#[utoipa::path(
    tag = "reviews",
    security(("bearer" = [])),
    params(("rep" = Uuid, Path, description = "The rep"), ("week" = String, Path, description = "ISO week"), ("slot" = SlotBody, Path, description = "went_well or struggled")),
    request_body = Vec<ScoreRequest>,
    responses(
        (status = 200, description = "Scored", body = NominationBody),
        (status = 409, description = "No rubric yet, or not the time to score", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/reps/{rep}/weeks/{week}/nominations/{slot}/scores")]
pub async fn put_scores(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    path: SlotPath,
    ApiJson(body): ApiJson<Vec<ScoreRequest>>,
) -> Result<web::Json<NominationBody>, ApiError> {
    let (rep, week, slot) = path.into_inner();
    let scores = body
        .into_iter()
        .map(|s| ScoreInput { criterion: s.criterion, value: s.value, note: s.note, seen: None })
        .collect();
    Ok(web::Json(
        review
            .weekly()
            .put_scores(
                &actor,
                UserId::from(rep),
                &week,
                slot.into(),
                scores,
                filmroom_review::ScoreSave::AllCriteria,
            )
            .await?
            .into(),
    ))
}

/// The organisation's current rubric (404 until one is published).
#[utoipa::path(tag = "reviews", security(("bearer" = [])), responses(
    (status = 200, description = "The rubric", body = RubricBody),
    (status = 409, description = "No rubric has been published yet", body = Problem, content_type = "application/problem+json"),
))]
#[get("/v1/rubric")]
pub async fn get_rubric(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
) -> Result<web::Json<RubricBody>, ApiError> {
    let rubric =
        review.weekly().rubric(&actor).await?.ok_or(filmroom_review::ReviewError::NoRubric)?;
    Ok(web::Json(rubric.into()))
}

/// Publishes the next version of the rubric (admins only). Earlier scores keep
/// the version they were given under.
#[utoipa::path(tag = "reviews", security(("bearer" = [])), request_body = PublishRubricRequest, responses((status = 200, description = "Published", body = RubricBody)))]
#[put("/v1/rubric")]
pub async fn put_rubric(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    ApiJson(body): ApiJson<PublishRubricRequest>,
) -> Result<web::Json<RubricBody>, ApiError> {
    let criteria = body
        .criteria
        .into_iter()
        .map(|c| Criterion {
            key: c.key,
            name: c.name,
            description: c.description,
            min: c.min,
            max: c.max,
            levels: c
                .levels
                .into_iter()
                .map(|l| Level { value: l.value, description: l.description })
                .collect(),
        })
        .collect();
    Ok(web::Json(review.weekly().publish_rubric(&actor, criteria).await?.into()))
}

/// Per week, the rep's self score and the manager's per criterion, and the gap.
#[utoipa::path(
    tag = "reviews",
    security(("bearer" = [])),
    params(("rep" = Uuid, Path, description = "The rep"), ProgressQuery),
    responses((status = 200, description = "Progress", body = ProgressBody))
)]
#[get("/v1/reps/{rep}/progress")]
pub async fn progress(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    rep: web::Path<UserId>,
    query: web::Query<ProgressQuery>,
) -> Result<web::Json<ProgressBody>, ApiError> {
    let rep = rep.into_inner();
    let weeks = review
        .weekly()
        .progress(
            &actor,
            rep,
            query.criterion.as_deref(),
            query.from.as_deref(),
            query.to.as_deref(),
        )
        .await?;
    Ok(web::Json(ProgressBody {
        rep_id: rep.into(),
        weeks: weeks.into_iter().map(Into::into).collect(),
    }))
}

/// The reps under a manager for one week: their slots, states and overdue flags.
#[utoipa::path(
    tag = "reviews",
    security(("bearer" = [])),
    params(("manager" = Uuid, Path, description = "The manager"), ("week" = String, Path, description = "ISO week"), TeamQuery),
    responses((status = 200, description = "The board", body = TeamBoardBody))
)]
#[get("/v1/teams/{manager}/weeks/{week}")]
pub async fn team_board(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    path: web::Path<(UserId, String)>,
    query: web::Query<TeamQuery>,
) -> Result<web::Json<TeamBoardBody>, ApiError> {
    let (manager, week) = path.into_inner();
    let all = matches!(query.depth.unwrap_or_default(), Depth::All);
    let board = review.weekly().team_board(&actor, manager, &week, all).await?;
    let slot = |n: Option<filmroom_review::Nomination>| {
        n.map(|n| BoardSlot {
            nomination_id: n.id.into(),
            call_id: n.call_id.into(),
            state: state_body(n.state),
            shared_at: n.shared_at,
        })
    };
    Ok(web::Json(TeamBoardBody {
        manager_id: manager.into(),
        week: board.week.to_string(),
        nomination_deadline: board.nomination_deadline,
        reps: board
            .reps
            .into_iter()
            .map(|row| BoardRowBody {
                rep: BoardRep { id: row.rep.id.into(), name: row.rep.name, email: row.rep.email },
                went_well: slot(row.went_well),
                struggled: slot(row.struggled),
                nomination_overdue: row.nomination_overdue,
                review_overdue: row.review_overdue,
            })
            .collect(),
    }))
}

/// The organisation's event outbox, oldest first (admins only).
#[utoipa::path(tag = "reviews", security(("bearer" = [])), params(ListQuery), responses((status = 200, description = "Events", body = EventPage)))]
#[get("/v1/events")]
pub async fn events(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    query: web::Query<ListQuery>,
) -> Result<web::Json<EventPage>, ApiError> {
    let page = review.weekly().events(&actor, query.page_request()?).await?;
    Ok(web::Json(EventPage {
        items: page
            .items
            .into_iter()
            .map(|e| EventBody {
                id: e.id.into(),
                kind: e.kind,
                payload: e.payload,
                created_at: e.created_at,
                delivered_at: e.delivered_at,
            })
            .collect(),
        next_cursor: page.next_after.map(encode),
    }))
}
