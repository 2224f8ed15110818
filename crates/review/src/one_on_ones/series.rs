//! The 1:1 series: a recurring weekly slot with its standing agenda, and
//! the occurrences it schedules ahead, which move when the series moves.

use super::views::Series;
use crate::rules::error::Entity;
use crate::rules::error::{invalid, not_found};
use crate::rules::ids::{OrganisationId, SeriesId, UserId};
use crate::rules::versioned::save_unchanged;
use crate::{context::OneOnOnes, rules::actor::Actor};
use crate::{
    rules::error::ReviewError, rules::person::ManagementTree, rules::person::Timezone,
    rules::person::can_manage, rules::settings::Day, rules::visibility, rules::week::Week,
};
use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use filmroom_store::{
    OneOnOneFilter, Role,
    entity::{
        one_on_one::{self, OneOnOneStatus},
        one_on_one_series,
    },
    now,
};
use uuid::Uuid;

/// Occurrences kept scheduled ahead of today.
pub(super) const WEEKS_AHEAD: u32 = 8;

/// The furthest ahead a listing generates occurrences.
pub(super) const MAX_WEEKS_AHEAD: u32 = 52;

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

/// A series' local start time, `HH:MM`, as stored.
pub(super) fn local_time(raw: &str) -> Result<String, ReviewError> {
    NaiveTime::parse_from_str(raw.trim(), "%H:%M")
        .map(|t| t.format("%H:%M").to_string())
        .map_err(|_| invalid("time", format!("`{raw}` is not a local time like `09:30`")))
}

/// A 1:1's length, 5 to 240 minutes.
pub(super) fn duration(minutes: u32) -> Result<i32, ReviewError> {
    i32::try_from(minutes)
        .ok()
        .filter(|m| (5..=240).contains(m))
        .ok_or_else(|| invalid("duration_minutes", "must be 5 to 240 minutes"))
}

/// A day as stored on a series (`monday`, …).
pub(super) fn day_name(day: Day) -> String {
    serde_json::to_value(day).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// When the regular slot of `week` starts, in UTC.
pub(super) fn slot_start(series: &one_on_one_series::Model, week: &Week) -> DateTime<Utc> {
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

pub(super) fn occurrence(
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
        version: 1,
        updated_by: None,
    }
}

pub(super) fn check_agenda(agenda: &[String]) -> Result<Vec<String>, ReviewError> {
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
    pub(super) fn sees_pair(actor: &Actor, rep: UserId, tree: &ManagementTree) -> bool {
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
    pub(super) async fn ensure_occurrences(
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
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id), err(level = "info"))]
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
            version: 1,
            updated_by: None,
        };
        let series = self
            .store
            .insert_series(row)
            .await?
            .map_err(|existing| ReviewError::SeriesExists { id: existing.0.id.to_string() })?;
        self.ensure_occurrences(&series, at + Duration::weeks(i64::from(WEEKS_AHEAD))).await?;
        Series::try_from(series)
    }

    /// Replaces a series' standing agenda (either participant). With
    /// `seen_version` (the version the editor read), a change made since is
    /// not overwritten: the answer is an edit conflict with the agenda as it
    /// stands.
    pub async fn set_agenda(
        &self,
        actor: &Actor,
        id: SeriesId,
        agenda: Vec<String>,
        seen_version: Option<i32>,
    ) -> Result<Series, ReviewError> {
        let agenda = serde_json::json!(check_agenda(&agenda)?);
        let series = save_unchanged(
            seen_version,
            |series: &one_on_one_series::Model| series.version,
            async || self.visible_series(actor, id).await,
            async |mut series| {
                series.agenda = agenda.clone();
                series.updated_at = now();
                series.updated_by = Some(actor.user_id);
                Ok(self.store.update_series(series).await?)
            },
            async |series| self.agenda_conflict(actor, series).await,
        )
        .await?;
        Series::try_from(series)
    }

    async fn visible_series(
        &self,
        actor: &Actor,
        id: SeriesId,
    ) -> Result<one_on_one_series::Model, ReviewError> {
        let series = self
            .store
            .series(actor.organisation_id, id)
            .await?
            .ok_or_else(|| not_found(Entity::Series, id))?;
        if !Self::sees_pair(actor, series.rep_id, &self.tree(actor).await?) {
            return Err(not_found(Entity::Series, id));
        }
        Ok(series)
    }

    /// What was saved over an older copy of the agenda, by whom.
    async fn agenda_conflict(&self, actor: &Actor, row: &one_on_one_series::Model) -> ReviewError {
        let changed_by = self.changed_by(actor, row.updated_by).await;
        let topics: Vec<String> = serde_json::from_value(row.agenda.clone()).unwrap_or_default();
        ReviewError::EditConflict(Box::new(crate::rules::error::EditConflict {
            what: "standing topics".into(),
            version: row.version.to_string(),
            theirs: topics.join("\n"),
            changed_by,
            changed_at: row.updated_at,
            criterion: None,
        }))
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
        seen_version: Option<i32>,
    ) -> Result<Series, ReviewError> {
        // A few tries: a change that lands between this read and the write
        // makes the write miss, and the next round reads it.
        for _ in 0..3 {
            let series = self.visible_series(actor, id).await?;
            if actor.role != Role::Admin && actor.user_id != series.manager_id {
                return Err(ReviewError::Forbidden(
                    "a 1:1 series is moved by its manager or an admin".into(),
                ));
            }
            if seen_version.is_some_and(|seen| seen != series.version) {
                return Err(self.agenda_conflict(actor, &series).await);
            }
            if let Some(moved) = self.move_series_once(actor, series, &slot).await? {
                return Series::try_from(moved);
            }
        }
        Err(ReviewError::Internal(
            "the series kept changing while it was being moved; try again".into(),
        ))
    }

    async fn move_series_once(
        &self,
        actor: &Actor,
        mut series: one_on_one_series::Model,
        slot: &SeriesSlot,
    ) -> Result<Option<one_on_one_series::Model>, ReviewError> {
        if let Some(day) = slot.weekday {
            series.weekday = day_name(day);
        }
        if let Some(time) = &slot.time {
            series.local_time = local_time(time)?;
        }
        if let Some(minutes) = slot.duration_minutes {
            series.duration_minutes = duration(minutes)?;
        }
        if let Some(tz) = &slot.timezone {
            series.timezone = Timezone::parse("timezone", tz)?.name().to_owned();
        }
        let at = now();
        series.updated_at = at;
        series.updated_by = Some(actor.user_id);
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
        let mut moved_rows = Vec::new();
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
            row.updated_by = Some(actor.user_id);
            moved_rows.push(row);
        }
        Ok(self.store.move_series(series, moved_rows).await?)
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
            version: 1,
            updated_by: None,
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
