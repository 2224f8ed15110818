//! The weekly 1:1: a recurring slot, a 20-minute coaching segment of clips,
//! and the action items it must end with.

use crate::rules::coaching;
use crate::rules::error::stored_json;
use crate::rules::ids::{
    ActionItemId, CallId, ClipId, CommentId, OneOnOneId, OrganisationId, SeriesId, UserId,
};
use crate::rules::visibility::rep_work_visible;
use crate::{context::OneOnOnes, rules::actor::Actor, rules::actor::timezone};
use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use filmroom_store::{
    CallStatus, OneOnOneFilter, Role,
    entity::{
        action_item, clip, event,
        nomination::ReviewState,
        one_on_one::{self, OneOnOneStatus},
        one_on_one_series,
    },
    now,
};
use uuid::Uuid;

use crate::rules::error::Entity;
use crate::{
    rules::error::ReviewError, rules::person::ManagementTree, rules::person::Timezone,
    rules::person::can_manage, rules::settings::Day, rules::visibility, rules::week::Week,
};

/// Occurrences kept scheduled ahead of today.
const WEEKS_AHEAD: u32 = 8;
/// The furthest ahead a listing generates occurrences.
const MAX_WEEKS_AHEAD: u32 = 52;
/// How far either side of a point comment a clip made from it reaches.
const CLIP_CONTEXT_MS: i64 = 15_000;

/// A new recurring 1:1.
#[derive(Debug, Clone)]
pub struct NewSeries {
    /// The manager (default: the caller).
    pub manager_id: Option<UserId>,
    /// The rep.
    pub rep_id: UserId,
    /// Day of the week.
    pub weekday: Day,
    /// Local start time, `HH:MM`.
    pub time: String,
    /// Length in minutes.
    pub duration_minutes: u32,
    /// Time zone (default: the organisation's).
    pub timezone: Option<String>,
    /// Standing agenda topics.
    pub agenda: Vec<String>,
}

/// A series' new regular slot; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct SeriesSlot {
    /// Day of the week.
    pub weekday: Option<Day>,
    /// Local start time, `HH:MM`.
    pub time: Option<String>,
    /// Length in minutes.
    pub duration_minutes: Option<u32>,
    /// Time zone.
    pub timezone: Option<String>,
}

/// Changes to an occurrence; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct OccurrenceChanges {
    /// Move it to another time this week.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// `true` cancels it, `false` reinstates it.
    pub cancelled: Option<bool>,
    /// Replace the notes.
    pub notes: Option<String>,
}

/// A clip to add.
#[derive(Debug, Clone)]
pub enum ClipSource {
    /// From a comment: its range, or 15 s either side of a point.
    Comment(CommentId),
    /// Explicit offsets in a call.
    Range {
        /// The call.
        call_id: CallId,
        /// Start, ms.
        start_ms: i64,
        /// End, ms.
        end_ms: i64,
    },
}

/// Changes to an action item.
#[derive(Debug, Clone, Default)]
pub struct ActionItemChanges {
    /// New text.
    pub text: Option<String>,
    /// New owner.
    pub owner_id: Option<UserId>,
    /// New due date.
    pub due_date: Option<NaiveDate>,
    /// Done (`true`) or reopened (`false`).
    pub done: Option<bool>,
}

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
        missing.push(format!(
            "{} action item(s) more: a 1:1 ends with at least {min}",
            min - items.len()
        ));
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

/// A clip's range inside a call of `duration` ms: in order, inside the call
/// and at least a second long (or the whole call when it is shorter).
fn check_range(start_ms: i64, end_ms: i64, duration: i64) -> Result<(), ReviewError> {
    for (field, value) in [("start_ms", start_ms), ("end_ms", end_ms)] {
        if !(0..=duration).contains(&value) {
            return Err(ReviewError::OffsetOutOfRange { field, value, duration_ms: duration });
        }
    }
    if end_ms <= start_ms {
        return Err(invalid("end_ms", format!("must be after start_ms ({start_ms})")));
    }
    let whole_call = start_ms == 0 && end_ms == duration;
    if end_ms - start_ms < coaching::MIN_CLIP_MS && !whole_call {
        return Err(invalid(
            "end_ms",
            format!(
                "a clip is at least {} ms long (this one is {} ms)",
                coaching::MIN_CLIP_MS,
                end_ms - start_ms
            ),
        ));
    }
    Ok(())
}

/// A shared call of the rep whose comments can become clips.
#[derive(Debug, Clone)]
pub struct ClipCandidate {
    /// The call.
    pub call: crate::calls::record::Call,
    /// The week and slot it was nominated in.
    pub week: String,
    /// Which slot.
    pub slot: filmroom_store::entity::nomination::Slot,
    /// Its comments the caller can see, in time order.
    pub comments: Vec<crate::calls::comments::CommentView>,
}

/// Follow-through on commitments over a window.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowThrough {
    /// The person.
    pub user_id: UserId,
    /// First due date counted.
    pub from: NaiveDate,
    /// Last due date counted.
    pub to: NaiveDate,
    /// Items whose due date has passed.
    pub due: usize,
    /// Of those, done by their due date.
    pub done_on_time: usize,
    /// Done, but late.
    pub done_late: usize,
    /// Still open past their due date.
    pub overdue: usize,
    /// `done_on_time / due`, when anything was due.
    pub rate: Option<f64>,
}

fn invalid(field: &str, message: impl Into<String>) -> ReviewError {
    ReviewError::InvalidField { field: field.to_owned(), message: message.into() }
}

fn not_found(entity: Entity, id: impl ToString) -> ReviewError {
    ReviewError::NotFound { entity, id: id.to_string() }
}

/// A series' local start time, `HH:MM`, as stored.
fn local_time(raw: &str) -> Result<String, ReviewError> {
    NaiveTime::parse_from_str(raw.trim(), "%H:%M")
        .map(|t| t.format("%H:%M").to_string())
        .map_err(|_| invalid("time", format!("`{raw}` is not a local time like `09:30`")))
}

/// A 1:1's length, 5 to 240 minutes.
fn duration(minutes: u32) -> Result<i32, ReviewError> {
    i32::try_from(minutes)
        .ok()
        .filter(|m| (5..=240).contains(m))
        .ok_or_else(|| invalid("duration_minutes", "must be 5 to 240 minutes"))
}

/// A day as stored on a series (`monday`, …).
fn day_name(day: Day) -> String {
    serde_json::to_value(day).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// When the regular slot of `week` starts, in UTC.
fn slot_start(series: &one_on_one_series::Model, week: &Week) -> DateTime<Utc> {
    let tz: Tz = series.timezone.parse().unwrap_or(chrono_tz::UTC);
    let day = serde_json::from_value::<Day>(serde_json::Value::String(series.weekday.clone()))
        .unwrap_or(Day::Monday);
    let time = NaiveTime::parse_from_str(&series.local_time, "%H:%M").unwrap_or_default();
    let local = week.day(day.into()).and_time(time);
    tz.from_local_datetime(&local)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(local + Duration::hours(1))).earliest())
        .map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc))
}

fn occurrence(
    series: &one_on_one_series::Model,
    week: Week,
    at: DateTime<Utc>,
) -> one_on_one::Model {
    one_on_one::Model {
        id: Uuid::now_v7().into(),
        organisation_id: series.organisation_id,
        series_id: series.id,
        manager_id: series.manager_id,
        rep_id: series.rep_id,
        week: week.to_string(),
        scheduled_at: slot_start(series, &week),
        duration_minutes: series.duration_minutes,
        status: OneOnOneStatus::Scheduled,
        notes: String::new(),
        held_at: None,
        created_at: at,
        updated_at: at,
    }
}

/// Numbers clips 0, 1, 2… in their current order.
fn renumber(clips: &mut [clip::Model]) {
    for (i, clip) in clips.iter_mut().enumerate() {
        clip.position = i32::try_from(i).unwrap_or(i32::MAX);
    }
}

fn check_agenda(agenda: &[String]) -> Result<Vec<String>, ReviewError> {
    if agenda.len() > 50 {
        return Err(invalid("agenda", "at most 50 topics"));
    }
    agenda
        .iter()
        .map(|topic| {
            let topic = topic.trim();
            if topic.is_empty() || topic.chars().count() > 500 {
                Err(invalid("agenda", "each topic must be 1-500 characters"))
            } else {
                Ok(topic.to_owned())
            }
        })
        .collect()
}

impl OneOnOnes<'_> {
    /// Whether the caller takes part in (or oversees) a 1:1 of `manager` with `rep`.
    /// Who sees a pair's 1:1s: the rep, whoever is in the rep's management
    /// chain now, and admins. Decided from the current tree on every request,
    /// so a manager the rep has left no longer reads their notes.
    fn sees_pair(actor: &Actor, rep: UserId, tree: &ManagementTree) -> bool {
        visibility::can_see(actor.user_id, actor.role, rep, tree)
    }

    /// Fills every series of the organisation with occurrences up to
    /// `until`, so a pair who have not opened the app lately still get their
    /// notices.
    pub(crate) async fn ensure_all_occurrences(
        &self,
        organisation_id: OrganisationId,
        until: DateTime<Utc>,
    ) -> Result<(), ReviewError> {
        for series in self.store.all_series(organisation_id).await? {
            self.ensure_occurrences(&series, until).await?;
        }
        Ok(())
    }

    /// Fills a series with occurrences up to `until` (bounded to a year ahead).
    async fn ensure_occurrences(
        &self,
        series: &one_on_one_series::Model,
        until: DateTime<Utc>,
    ) -> Result<(), ReviewError> {
        let tz: Tz = series.timezone.parse().unwrap_or(chrono_tz::UTC);
        let at = now();
        let limit = at + Duration::weeks(i64::from(MAX_WEEKS_AHEAD));
        let until = until.min(limit);
        let mut week = match self.store.last_occurrence(series.id).await? {
            Some(last) => Week::parse("week", &last.week)?.next(),
            None => Week::containing(at, tz),
        };
        let mut rows = Vec::new();
        while week.start(tz) <= until {
            rows.push(occurrence(series, week, at));
            week = week.next();
        }
        self.store.insert_occurrences(rows).await?;
        Ok(())
    }

    /// Starts a recurring 1:1 (the manager or an admin) and schedules the
    /// coming weeks.
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id), err)]
    pub async fn create_series(
        &self,
        actor: &Actor,
        new: NewSeries,
    ) -> Result<Series, ReviewError> {
        let manager_id = new.manager_id.unwrap_or(actor.user_id);
        if actor.role != Role::Admin && actor.user_id != manager_id {
            return Err(ReviewError::Forbidden(
                "a 1:1 series is set up by its manager or an admin".into(),
            ));
        }
        let manager = self
            .store
            .user(actor.organisation_id, manager_id)
            .await?
            .filter(|m| can_manage(m.role) && m.active)
            .ok_or_else(|| {
                invalid(
                    "manager_id",
                    format!("no active manager {manager_id} in this organisation"),
                )
            })?;
        let tree = self.tree(actor).await?;
        if !tree.managers_above(new.rep_id).contains(&manager.id) {
            return Err(invalid(
                "rep_id",
                format!("{} does not report to {}", new.rep_id, manager.email),
            ));
        }
        let time = local_time(&new.time)?;
        let duration_minutes = duration(new.duration_minutes)?;
        let organisation = self.organisation_row(actor).await?;
        let tz = match &new.timezone {
            Some(tz) => Timezone::parse("timezone", tz)?.name().to_owned(),
            None => organisation.timezone.clone(),
        };
        let at = now();
        let row = one_on_one_series::Model {
            id: Uuid::now_v7().into(),
            organisation_id: actor.organisation_id,
            manager_id,
            rep_id: new.rep_id,
            weekday: day_name(new.weekday),
            local_time: time,
            duration_minutes,
            timezone: tz,
            agenda: serde_json::json!(check_agenda(&new.agenda)?),
            created_at: at,
            updated_at: at,
        };
        let series = self
            .store
            .insert_series(row)
            .await?
            .map_err(|existing| ReviewError::SeriesExists { id: existing.0.id.to_string() })?;
        self.ensure_occurrences(&series, at + Duration::weeks(i64::from(WEEKS_AHEAD))).await?;
        Series::try_from(series)
    }

    /// Replaces a series' standing agenda (either participant).
    pub async fn set_agenda(
        &self,
        actor: &Actor,
        id: SeriesId,
        agenda: Vec<String>,
    ) -> Result<Series, ReviewError> {
        let mut series = self
            .store
            .series(actor.organisation_id, id)
            .await?
            .ok_or_else(|| not_found(Entity::Series, id))?;
        if !Self::sees_pair(actor, series.rep_id, &self.tree(actor).await?) {
            return Err(not_found(Entity::Series, id));
        }
        series.agenda = serde_json::json!(check_agenda(&agenda)?);
        series.updated_at = now();
        Series::try_from(self.store.update_series(series).await?)
    }

    /// Moves a series to another regular slot (its manager or an admin):
    /// the series and every occurrence still to come that is scheduled move
    /// to the new day, time, length and time zone; held, cancelled and past
    /// ones stay as they were.
    pub async fn reschedule_series(
        &self,
        actor: &Actor,
        id: SeriesId,
        slot: SeriesSlot,
    ) -> Result<Series, ReviewError> {
        let mut series = self
            .store
            .series(actor.organisation_id, id)
            .await?
            .ok_or_else(|| not_found(Entity::Series, id))?;
        if !Self::sees_pair(actor, series.rep_id, &self.tree(actor).await?) {
            return Err(not_found(Entity::Series, id));
        }
        if actor.role != Role::Admin && actor.user_id != series.manager_id {
            return Err(ReviewError::Forbidden(
                "a 1:1 series is moved by its manager or an admin".into(),
            ));
        }
        if let Some(day) = slot.weekday {
            series.weekday = day_name(day);
        }
        if let Some(time) = slot.time {
            series.local_time = local_time(&time)?;
        }
        if let Some(minutes) = slot.duration_minutes {
            series.duration_minutes = duration(minutes)?;
        }
        if let Some(tz) = slot.timezone {
            series.timezone = Timezone::parse("timezone", &tz)?.name().to_owned();
        }
        let at = now();
        series.updated_at = at;
        let series = self.store.update_series(series).await?;
        let coming = self
            .store
            .one_on_ones(
                actor.organisation_id,
                &OneOnOneFilter {
                    series_ids: Some(vec![series.id]),
                    from: Some(at),
                    ..Default::default()
                },
            )
            .await?;
        for mut row in coming.into_iter().filter(|o| o.status == OneOnOneStatus::Scheduled) {
            let week = Week::parse("week", &row.week)?;
            let moved = slot_start(&series, &week);
            if moved < at {
                // The new slot of this week has passed already: it keeps its time.
                continue;
            }
            row.scheduled_at = moved;
            row.duration_minutes = series.duration_minutes;
            row.updated_at = at;
            self.store.update_one_on_one(row).await?;
        }
        Series::try_from(series)
    }

    /// 1:1s the caller takes part in or oversees, by time.
    pub async fn list(
        &self,
        actor: &Actor,
        manager: Option<UserId>,
        rep: Option<UserId>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Result<Vec<OneOnOne>, ReviewError> {
        let mut visible = Vec::new();
        let tree = self.tree(actor).await?;
        for series in self.store.all_series(actor.organisation_id).await? {
            if manager.is_some_and(|m| m != series.manager_id)
                || rep.is_some_and(|r| r != series.rep_id)
            {
                continue;
            }
            if Self::sees_pair(actor, series.rep_id, &tree) {
                self.ensure_occurrences(
                    &series,
                    to.unwrap_or_else(|| now() + Duration::weeks(i64::from(WEEKS_AHEAD))),
                )
                .await?;
                visible.push(series.id);
            }
        }
        let filter = OneOnOneFilter {
            manager_id: manager,
            rep_id: rep,
            series_ids: Some(visible),
            from,
            to,
        };
        Ok(self
            .store
            .one_on_ones(actor.organisation_id, &filter)
            .await?
            .into_iter()
            .map(OneOnOne::from)
            .collect())
    }

    async fn visible_one_on_one(
        &self,
        actor: &Actor,
        id: OneOnOneId,
    ) -> Result<one_on_one::Model, ReviewError> {
        let row = self
            .store
            .one_on_one(actor.organisation_id, id)
            .await?
            .ok_or_else(|| not_found(Entity::OneOnOne, id))?;
        if Self::sees_pair(actor, row.rep_id, &self.tree(actor).await?) {
            Ok(row)
        } else {
            Err(not_found(Entity::OneOnOne, id))
        }
    }

    /// A 1:1 the caller may change: its manager or rep (or an admin).
    async fn own_one_on_one(
        &self,
        actor: &Actor,
        id: OneOnOneId,
    ) -> Result<one_on_one::Model, ReviewError> {
        let row = self.visible_one_on_one(actor, id).await?;
        let participant = actor.user_id == row.manager_id || actor.user_id == row.rep_id;
        if participant || actor.role == Role::Admin {
            Ok(row)
        } else {
            Err(ReviewError::Forbidden("only the manager and the rep change their 1:1".into()))
        }
    }

    /// One 1:1 with its segment, action items and what carries over.
    pub async fn one_on_one(
        &self,
        actor: &Actor,
        id: OneOnOneId,
    ) -> Result<OneOnOneView, ReviewError> {
        let row = self.visible_one_on_one(actor, id).await?;
        self.view_one_on_one(actor, row).await
    }

    async fn view_one_on_one(
        &self,
        actor: &Actor,
        row: one_on_one::Model,
    ) -> Result<OneOnOneView, ReviewError> {
        let series = self
            .store
            .series(actor.organisation_id, row.series_id)
            .await?
            .ok_or_else(|| not_found(Entity::Series, row.series_id))?;
        let clips = self.store.clips(row.id).await?;
        let earlier: Vec<OneOnOneId> = self
            .store
            .one_on_ones(
                actor.organisation_id,
                &OneOnOneFilter { series_ids: Some(vec![series.id]), ..Default::default() },
            )
            .await?
            .into_iter()
            .filter(|o| o.week < row.week)
            .map(|o| o.id)
            .collect();
        let carried_over = self
            .store
            .action_items(&earlier)
            .await?
            .into_iter()
            .filter(|i| i.done_at.is_none())
            .map(ActionItem::from)
            .collect();
        let action_items = self.store.action_items(&[row.id]).await?;
        let (_, settings) = self.weekly().review_settings(actor).await?;
        // Both people are named to whoever may see the 1:1, even where the
        // directory would not show one to the other (a rep and their manager).
        let name = |user: Option<filmroom_store::entity::user::Model>| {
            user.map_or_else(|| "former user".to_owned(), |u| u.name)
        };
        let manager_name = name(self.store.user(actor.organisation_id, row.manager_id).await?);
        let rep_name = name(self.store.user(actor.organisation_id, row.rep_id).await?);
        Ok(OneOnOneView {
            manager_name,
            rep_name,
            row: row.into(),
            series: series.try_into()?,
            clips: clips.into_iter().map(Clip::from).collect(),
            action_items: action_items.into_iter().map(ActionItem::from).collect(),
            carried_over,
            budget_ms: coaching::budget_ms(settings.clip_budget_minutes),
            min_action_items: settings.min_action_items,
        })
    }

    /// The material of the clip segment: the rep's calls shared (or further)
    /// in the 1:1's week and the week before, with their comments.
    pub async fn clip_candidates(
        &self,
        actor: &Actor,
        id: OneOnOneId,
    ) -> Result<Vec<ClipCandidate>, ReviewError> {
        let row = self.visible_one_on_one(actor, id).await?;
        let week = crate::rules::week::Week::parse("week", &row.week)?;
        let mut candidates = Vec::new();
        for week in [week.previous(), week] {
            let view = self.weekly().week(actor, row.rep_id, &week.to_string()).await?;
            for (slot, nomination) in [
                (filmroom_store::entity::nomination::Slot::WentWell, view.went_well),
                (filmroom_store::entity::nomination::Slot::Struggled, view.struggled),
            ] {
                let Some(nomination) = nomination else { continue };
                if nomination.row.state < filmroom_store::entity::nomination::ReviewState::Shared {
                    continue;
                }
                let comments = self.weekly().comments(actor, nomination.call.id, None).await?;
                candidates.push(ClipCandidate {
                    call: nomination.call,
                    week: week.to_string(),
                    slot,
                    comments,
                });
            }
        }
        Ok(candidates)
    }

    /// Moves, cancels or reinstates an occurrence, or replaces its notes.
    pub async fn update_one_on_one(
        &self,
        actor: &Actor,
        id: OneOnOneId,
        changes: OccurrenceChanges,
    ) -> Result<OneOnOneView, ReviewError> {
        let mut row = self.own_one_on_one(actor, id).await?;
        let held = row.status == OneOnOneStatus::Held;
        if let Some(notes) = changes.notes {
            if notes.chars().count() > 50_000 {
                return Err(invalid("notes", "must be at most 50,000 characters"));
            }
            row.notes = notes;
        }
        if changes.scheduled_at.is_some() || changes.cancelled.is_some() {
            if held {
                return Err(ReviewError::OneOnOneHeld);
            }
            if let Some(at) = changes.scheduled_at {
                // Each week has its own occurrence, and what a 1:1 covers
                // (clips, carried-over items) follows its week.
                let series = self
                    .store
                    .series(actor.organisation_id, row.series_id)
                    .await?
                    .ok_or_else(|| not_found(Entity::Series, row.series_id))?;
                let tz = crate::rules::actor::timezone(&series.timezone);
                let week = crate::rules::week::Week::containing(at, tz).to_string();
                if week != row.week {
                    return Err(invalid(
                        "scheduled_at",
                        format!("a 1:1 of {} moves within its week, not to {week}", row.week),
                    ));
                }
                row.scheduled_at = at;
            }
            match changes.cancelled {
                Some(true) => row.status = OneOnOneStatus::Cancelled,
                Some(false) => row.status = OneOnOneStatus::Scheduled,
                None => {}
            }
        }
        row.updated_at = now();
        let row = self.store.update_one_on_one(row).await?;
        self.view_one_on_one(actor, row).await
    }

    /// Adds a clip to the coaching segment, within the organisation's budget.
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id, one_on_one = %id), err)]
    pub async fn add_clip(
        &self,
        actor: &Actor,
        id: OneOnOneId,
        source: ClipSource,
        note: Option<String>,
    ) -> Result<OneOnOneView, ReviewError> {
        let row = self.own_one_on_one(actor, id).await?;
        if row.status == OneOnOneStatus::Held {
            return Err(ReviewError::OneOnOneHeld);
        }
        let (call_id, comment_id) = match &source {
            ClipSource::Comment(comment) => {
                let found = self.store.comment(actor.organisation_id, *comment).await?;
                let comment_row =
                    found.ok_or_else(|| invalid("comment_id", format!("no comment {comment}")))?;
                (comment_row.call_id, Some(comment_row))
            }
            ClipSource::Range { call_id, .. } => (*call_id, None),
        };
        // The caller must be able to see the call, not only the 1:1.
        let call = match self.visible_call(actor, call_id).await {
            Ok(call) if call.rep_id == row.rep_id => call,
            Ok(_) | Err(ReviewError::NotFound { .. }) => {
                return Err(invalid("call_id", format!("no call {call_id} of this 1:1's rep")));
            }
            Err(e) => return Err(e),
        };
        if call.status != CallStatus::Ready {
            return Err(ReviewError::NotReady {
                what: "audio",
                status: crate::rules::call_status::status_name(call.status),
            });
        }
        let duration = call.duration_ms.unwrap_or_default();
        let shared = self.store.call_is_shared(call.id).await?;
        let (start_ms, end_ms) = match (&source, &comment_id) {
            (ClipSource::Comment(_), Some(comment)) => {
                // Both people must be able to see the comment: the rep's own
                // comments only once the call is shared.
                if !rep_work_visible(row.manager_id, row.rep_id, comment.author_id, shared) {
                    return Err(invalid("comment_id", "the rep has not shared this call yet"));
                }
                match comment.end_ms {
                    // A short range comment becomes a clip long enough to hear.
                    Some(end) => coaching::widen_to_minimum(comment.at_ms, end, duration),
                    None => (
                        (comment.at_ms - CLIP_CONTEXT_MS).max(0),
                        (comment.at_ms + CLIP_CONTEXT_MS).min(duration),
                    ),
                }
            }
            (ClipSource::Range { start_ms, end_ms, .. }, _) => (*start_ms, *end_ms),
            _ => return Err(invalid("comment_id", "no such comment")),
        };
        check_range(start_ms, end_ms, duration)?;
        let (_, settings) = self.weekly().review_settings(actor).await?;
        if note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
            return Err(invalid("note", "must be at most 2000 characters"));
        }
        let budget = coaching::budget_ms(settings.clip_budget_minutes);
        let clip_ms = end_ms - start_ms;
        self.store
            .insert_clip_checked(
                clip::Model {
                    id: Uuid::now_v7().into(),
                    organisation_id: row.organisation_id,
                    one_on_one_id: row.id,
                    position: 0,
                    call_id: call.id,
                    start_ms,
                    end_ms,
                    comment_id: comment_id.map(|c| c.id),
                    note: note.filter(|n| !n.trim().is_empty()),
                    created_at: now(),
                },
                |clips| {
                    coaching::check_clip_fits(
                        clips.iter().map(|c| c.end_ms.saturating_sub(c.start_ms)),
                        clip_ms,
                        budget,
                    )
                },
            )
            .await?
            .ok_or(ReviewError::OneOnOneHeld)??;
        self.view_one_on_one(actor, row).await
    }

    /// Moves a clip's in and out points within its call, within the budget.
    pub async fn retime_clip(
        &self,
        actor: &Actor,
        clip_id: ClipId,
        start_ms: i64,
        end_ms: i64,
    ) -> Result<OneOnOneView, ReviewError> {
        let row = self.segment_of_clip(actor, clip_id).await?;
        let clip = self
            .store
            .clip(actor.organisation_id, clip_id)
            .await?
            .ok_or_else(|| not_found(Entity::Clip, clip_id))?;
        let call = self.visible_call(actor, clip.call_id).await.map_err(|e| match e {
            ReviewError::NotFound { .. } => not_found(Entity::Clip, clip_id),
            other => other,
        })?;
        check_range(start_ms, end_ms, call.duration_ms.unwrap_or_default())?;
        let (_, settings) = self.weekly().review_settings(actor).await?;
        let budget = coaching::budget_ms(settings.clip_budget_minutes);
        let clip_ms = end_ms - start_ms;
        self.store
            .retime_clip_checked(clip_id, row.id, start_ms, end_ms, |others| {
                // Judged against the other clips: this one is changed, not added.
                coaching::check_clip_fits(
                    others.iter().map(|c| c.end_ms.saturating_sub(c.start_ms)),
                    clip_ms,
                    budget,
                )
            })
            .await?
            .ok_or(ReviewError::OneOnOneHeld)??;
        self.view_one_on_one(actor, row).await
    }

    /// Moves a clip to `position` (0 is first) or changes its note.
    pub async fn update_clip(
        &self,
        actor: &Actor,
        clip_id: ClipId,
        position: Option<usize>,
        note: Option<String>,
    ) -> Result<OneOnOneView, ReviewError> {
        let row = self.segment_of_clip(actor, clip_id).await?;
        let mut clips = self.store.clips(row.id).await?;
        let from = clips
            .iter()
            .position(|c| c.id == clip_id)
            .ok_or_else(|| not_found(Entity::Clip, clip_id))?;
        if let Some(note) = note
            && let Some(clip) = clips.get_mut(from)
        {
            clip.note = Some(note).filter(|n| !n.trim().is_empty());
        }
        if let Some(to) = position {
            if to >= clips.len() {
                return Err(invalid(
                    "position",
                    format!(
                        "the segment has {} clips; positions run 0 to {}",
                        clips.len(),
                        clips.len() - 1
                    ),
                ));
            }
            let moved = clips.remove(from);
            clips.insert(to, moved);
        }
        renumber(&mut clips);
        self.store.save_clips(clips).await?;
        self.view_one_on_one(actor, row).await
    }

    /// The 1:1 whose segment holds `clip_id`, if the caller may still change it.
    async fn segment_of_clip(
        &self,
        actor: &Actor,
        clip_id: ClipId,
    ) -> Result<one_on_one::Model, ReviewError> {
        let target = self
            .store
            .clip(actor.organisation_id, clip_id)
            .await?
            .ok_or_else(|| not_found(Entity::Clip, clip_id))?;
        let row = self.own_one_on_one(actor, target.one_on_one_id).await.map_err(|e| match e {
            ReviewError::NotFound { .. } => not_found(Entity::Clip, clip_id),
            other => other,
        })?;
        if row.status == OneOnOneStatus::Held {
            return Err(ReviewError::OneOnOneHeld);
        }
        Ok(row)
    }

    /// Removes a clip from the segment.
    pub async fn remove_clip(&self, actor: &Actor, clip_id: ClipId) -> Result<(), ReviewError> {
        let row = self.segment_of_clip(actor, clip_id).await?;
        self.store.delete_clip(clip_id).await?;
        let mut clips = self.store.clips(row.id).await?;
        renumber(&mut clips);
        Ok(self.store.save_clips(clips).await?)
    }

    fn check_owner(row: &one_on_one::Model, owner: Option<UserId>) -> Result<(), ReviewError> {
        match owner {
            Some(owner) if owner != row.manager_id && owner != row.rep_id => Err(invalid(
                "owner_id",
                "an action item is owned by the manager or the rep of the 1:1",
            )),
            _ => Ok(()),
        }
    }

    /// Adds an action item to a 1:1.
    pub async fn add_action_item(
        &self,
        actor: &Actor,
        id: OneOnOneId,
        text: &str,
        owner_id: Option<UserId>,
        due_date: Option<NaiveDate>,
    ) -> Result<ActionItem, ReviewError> {
        let row = self.own_one_on_one(actor, id).await?;
        Self::check_owner(&row, owner_id)?;
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 2000 {
            return Err(invalid("text", "must be 1 to 2000 characters"));
        }
        let at = now();
        Ok(self
            .store
            .insert_action_item(action_item::Model {
                id: Uuid::now_v7().into(),
                organisation_id: row.organisation_id,
                one_on_one_id: row.id,
                text: text.to_owned(),
                owner_id,
                due_date,
                done_at: None,
                created_at: at,
                updated_at: at,
            })
            .await?
            .into())
    }

    /// Changes an action item, or marks it done or open again.
    pub async fn update_action_item(
        &self,
        actor: &Actor,
        item_id: ActionItemId,
        changes: ActionItemChanges,
    ) -> Result<ActionItem, ReviewError> {
        let mut item = self
            .store
            .action_item(actor.organisation_id, item_id)
            .await?
            .ok_or_else(|| not_found(Entity::ActionItem, item_id))?;
        let row = self
            .own_one_on_one(actor, item.one_on_one_id)
            .await
            .map_err(|_| not_found(Entity::ActionItem, item_id))?;
        if let Some(text) = changes.text {
            let text = text.trim();
            if text.is_empty() || text.chars().count() > 2000 {
                return Err(invalid("text", "must be 1 to 2000 characters"));
            }
            item.text = text.to_owned();
        }
        if changes.owner_id.is_some() {
            Self::check_owner(&row, changes.owner_id)?;
            item.owner_id = changes.owner_id;
        }
        if changes.due_date.is_some() {
            item.due_date = changes.due_date;
        }
        match changes.done {
            Some(true) if item.done_at.is_none() => item.done_at = Some(now()),
            Some(false) => item.done_at = None,
            _ => {}
        }
        item.updated_at = now();
        Ok(self.store.update_action_item(item).await?.into())
    }

    /// Marks a 1:1 held: it needs the organisation's minimum of action items,
    /// each with an owner and a due date. Every shared nomination with a clip
    /// in the segment becomes discussed.
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id, one_on_one = %id), err)]
    pub async fn hold(&self, actor: &Actor, id: OneOnOneId) -> Result<OneOnOneView, ReviewError> {
        // Holding records that coaching happened: the rep's manager, a manager
        // above them or an admin says so, never the rep alone.
        let mut row = self.visible_one_on_one(actor, id).await?;
        if actor.user_id == row.rep_id {
            return Err(ReviewError::Forbidden(
                "only the rep's manager, a manager above them or an admin marks a 1:1 held".into(),
            ));
        }
        match row.status {
            OneOnOneStatus::Held => return Err(ReviewError::OneOnOneHeld),
            OneOnOneStatus::Cancelled => {
                return Err(ReviewError::ActionItemsIncomplete(
                    "the 1:1 is cancelled; reinstate it first".into(),
                ));
            }
            OneOnOneStatus::Scheduled => {}
        }
        let (_, settings) = self.weekly().review_settings(actor).await?;
        let items: Vec<ActionItem> =
            self.store.action_items(&[row.id]).await?.into_iter().map(ActionItem::from).collect();
        if let Some(missing) = hold_missing(&items, settings.min_action_items) {
            return Err(ReviewError::ActionItemsIncomplete(missing));
        }
        let clips = self.store.clips(row.id).await?;
        let call_ids: Vec<CallId> =
            clips.iter().map(|c| c.call_id).collect::<HashSet<_>>().into_iter().collect();
        let at = now();
        let discussed: Vec<_> = self
            .store
            .reviewed_nominations_of_calls(row.rep_id, &call_ids)
            .await?
            .into_iter()
            .map(|mut n| {
                n.state = ReviewState::Discussed;
                n.discussed_at = Some(at);
                n.updated_at = at;
                n
            })
            .collect();
        row.status = OneOnOneStatus::Held;
        row.held_at = Some(at);
        row.updated_at = at;
        let event = event::Model {
            id: Uuid::now_v7().into(),
            organisation_id: row.organisation_id,
            kind: "one_on_one.held".into(),
            payload: serde_json::json!({
                "one_on_one_id": row.id,
                "manager_id": row.manager_id,
                "rep_id": row.rep_id,
                "week": row.week,
                "clips": clips.len(),
                "action_items": items.len(),
                "discussed_nominations": discussed.iter().map(|n| n.id).collect::<Vec<_>>(),
            }),
            created_at: at,
            delivered_at: None,
        };
        let row = self.store.hold_one_on_one(row, discussed, event).await?;
        self.view_one_on_one(actor, row).await
    }

    /// The share of a person's action items done by their due date, over
    /// due dates in `from..=to` (default: the last 90 days).
    pub async fn follow_through(
        &self,
        actor: &Actor,
        user: UserId,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<FollowThrough, ReviewError> {
        let person = self
            .store
            .user(actor.organisation_id, user)
            .await?
            .ok_or_else(|| not_found(Entity::User, user))?;
        let tree = self.tree(actor).await?;
        if !visibility::can_see(actor.user_id, actor.role, user, &tree) {
            return Err(not_found(Entity::User, user));
        }
        let organisation = self.organisation_row(actor).await?;
        let tz = timezone(&organisation.timezone);
        let today = now().with_timezone(&tz).date_naive();
        let to = to.unwrap_or(today);
        let from = match from {
            Some(from) => from,
            None => to
                .checked_sub_signed(Duration::days(90))
                .ok_or_else(|| invalid("to", format!("{to} is too early a date")))?,
        };
        if from > to {
            return Err(invalid("from", format!("{from} is after {to}")));
        }
        let items = self.store.action_items_due(actor.organisation_id, person.id, from, to).await?;
        let tally = coaching::tally(
            items
                .iter()
                .map(|i| (i.due_date, i.done_at.map(|d| d.with_timezone(&tz).date_naive()))),
            today,
        );
        Ok(FollowThrough {
            user_id: person.id,
            from,
            to,
            due: tally.due,
            done_on_time: tally.done_on_time,
            done_late: tally.done_late,
            overdue: tally.overdue,
            rate: (tally.due > 0)
                .then(|| crate::rules::stats::ratio(tally.done_on_time, tally.due)),
        })
    }
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(timezone: &str, weekday: &str, time: &str) -> one_on_one_series::Model {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap_or_default();
        one_on_one_series::Model {
            id: SeriesId::generate(),
            organisation_id: OrganisationId::generate(),
            manager_id: UserId::generate(),
            rep_id: UserId::generate(),
            weekday: weekday.to_owned(),
            local_time: time.to_owned(),
            duration_minutes: 30,
            timezone: timezone.to_owned(),
            agenda: serde_json::json!([]),
            created_at: at,
            updated_at: at,
        }
    }

    fn start(series: &one_on_one_series::Model, week: &str) -> String {
        let week = Week::parse("week", week).unwrap_or_else(|e| panic!("{e}"));
        slot_start(series, &week).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    /// Expected UTC times come from the zone database, never a fixed offset.
    fn expected(zone: Tz, date: (i32, u32, u32), time: (u32, u32)) -> String {
        zone.with_ymd_and_hms(date.0, date.1, date.2, time.0, time.1, 0)
            .single()
            .map(|t| t.with_timezone(&Utc).to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    }

    #[test]
    fn a_berlin_series_keeps_its_local_time_across_both_dst_changes() {
        let tuesday = series("Europe/Berlin", "tuesday", "09:30");
        // Summer time starts on 29 March 2026 and ends on 25 October 2026.
        for (week, date) in [
            ("2026-W13", (2026, 3, 24)),
            ("2026-W14", (2026, 3, 31)),
            ("2026-W43", (2026, 10, 20)),
            ("2026-W44", (2026, 10, 27)),
        ] {
            assert_eq!(start(&tuesday, week), expected(chrono_tz::Europe::Berlin, date, (9, 30)));
        }
        assert_eq!(start(&tuesday, "2026-W13"), "2026-03-24T08:30:00Z");
        assert_eq!(start(&tuesday, "2026-W14"), "2026-03-31T07:30:00Z");
    }

    #[test]
    fn a_new_york_series_keeps_its_local_time_across_both_dst_changes() {
        let monday = series("America/New_York", "monday", "16:00");
        // Daylight time starts on 8 March 2026 and ends on 1 November 2026.
        for (week, date) in [
            ("2026-W10", (2026, 3, 2)),
            ("2026-W11", (2026, 3, 9)),
            ("2026-W44", (2026, 10, 26)),
            ("2026-W45", (2026, 11, 2)),
        ] {
            assert_eq!(start(&monday, week), expected(chrono_tz::America::New_York, date, (16, 0)));
        }
        assert_eq!(start(&monday, "2026-W10"), "2026-03-02T21:00:00Z");
        assert_eq!(start(&monday, "2026-W11"), "2026-03-09T20:00:00Z");
    }

    #[test]
    fn a_slot_in_the_skipped_hour_moves_an_hour_later_and_a_repeated_hour_takes_the_first() {
        // 02:30 does not exist in Berlin on 29 March 2026; it did twice on 25 October.
        let spring = series("Europe/Berlin", "sunday", "02:30");
        assert_eq!(start(&spring, "2026-W13"), "2026-03-29T01:30:00Z");
        assert_eq!(start(&spring, "2026-W43"), "2026-10-25T00:30:00Z");
    }
}
