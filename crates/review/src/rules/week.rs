//! ISO weeks in an organisation's time zone: `2026-W48` runs from Monday
//! 00:00 to the next Monday 00:00 local time.

use std::fmt;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use crate::rules::error::ReviewError;

/// An ISO 8601 week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Week {
    year: i32,
    week: u32,
}

impl Week {
    /// Parses `YYYY-Www` (years 2000–2100, weeks that exist in that year).
    pub fn parse(field: &str, raw: &str) -> Result<Self, ReviewError> {
        let invalid = || ReviewError::InvalidField {
            field: field.to_owned(),
            message: format!("`{raw}` is not an ISO week like `2026-W48`"),
        };
        let (year, week) = raw.split_once("-W").ok_or_else(invalid)?;
        let year: i32 = year.parse().map_err(|_| invalid())?;
        let week: u32 = week.parse().map_err(|_| invalid())?;
        if !(2000..=2100).contains(&year) || week.to_string().len() > 2 && week > 53 {
            return Err(invalid());
        }
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).ok_or_else(invalid)?;
        Ok(Self { year, week })
    }

    /// The week containing `instant` in `tz`.
    pub fn containing(instant: DateTime<Utc>, tz: Tz) -> Self {
        let iso = instant.with_timezone(&tz).date_naive().iso_week();
        Self { year: iso.year(), week: iso.week() }
    }

    /// The date of one weekday of this week.
    pub fn day(&self, weekday: Weekday) -> NaiveDate {
        NaiveDate::from_isoywd_opt(self.year, self.week, weekday).unwrap_or_default()
    }

    /// The previous week.
    pub fn previous(&self) -> Self {
        let monday = self.day(Weekday::Mon) - Duration::days(7);
        let iso = monday.iso_week();
        Self { year: iso.year(), week: iso.week() }
    }

    /// The following week.
    pub fn next(&self) -> Self {
        let monday = self.day(Weekday::Mon) + Duration::days(7);
        let iso = monday.iso_week();
        Self { year: iso.year(), week: iso.week() }
    }

    /// Midnight local time at the start of `date`, as UTC.
    fn local_midnight(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
        let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
        tz.from_local_datetime(&midnight)
            .earliest()
            // Midnight skipped by a DST change: the first instant of that day.
            .or_else(|| tz.from_local_datetime(&(midnight + Duration::hours(1))).earliest())
            .map_or_else(|| Utc.from_utc_datetime(&midnight), |t| t.with_timezone(&Utc))
    }

    /// When this week starts (Monday 00:00 local).
    pub fn start(&self, tz: Tz) -> DateTime<Utc> {
        Self::local_midnight(self.day(Weekday::Mon), tz)
    }

    /// The end of `weekday` of this week (the next midnight, local).
    pub fn end_of(&self, weekday: Weekday, tz: Tz) -> DateTime<Utc> {
        Self::local_midnight(self.day(weekday) + Duration::days(1), tz)
    }
}

impl fmt::Display for Week {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-W{:02}", self.year, self.week)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn any_text_is_a_week_or_a_422(raw in ".{0,16}|[0-9]{1,6}-W[0-9]{1,3}") {
            match Week::parse("week", &raw) {
                // A week that reads prints back as itself.
                Ok(week) => proptest::prop_assert_eq!(
                    Week::parse("week", &week.to_string()).map(|w| w.to_string()).ok(),
                    Some(week.to_string())
                ),
                // Anything else is the caller's mistake about `week`: a 422.
                Err(e) => proptest::prop_assert!(
                    matches!(&e, ReviewError::InvalidField { field, .. } if field == "week"),
                    "{raw:?} gave {e:?}"
                ),
            }
        }

        #[test]
        fn weeks_of_supported_years_round_trip(year in 2000i32..=2100, week in 1u32..=52) {
            let text = format!("{year}-W{week:02}");
            let parsed = Week::parse("week", &text);
            proptest::prop_assert_eq!(parsed.map(|w| w.to_string()).ok(), Some(text));
        }

        #[test]
        fn every_instant_falls_in_a_week(seconds in -8_000_000_000_000i64..8_000_000_000_000) {
            if let Some(at) = DateTime::from_timestamp(seconds, 0) {
                let tz = chrono_tz::Europe::Berlin;
                let week = Week::containing(at, tz);
                // Within the calendar's range the instant lies inside its
                // week, and the weeks either side are its neighbours.
                if (2000..=2100).contains(&at.with_timezone(&tz).year()) {
                    proptest::prop_assert!(week.start(tz) <= at && at < week.next().start(tz));
                    proptest::prop_assert_eq!(week.next().previous(), week);
                    proptest::prop_assert_eq!(week.previous().next(), week);
                } else {
                    let _ = (week.previous(), week.next(), week.start(tz));
                }
            }
        }
    }

    #[test]
    fn weeks_parse_print_and_refuse_what_does_not_exist() -> Result<(), ReviewError> {
        assert_eq!(Week::parse("week", "2026-W48")?.to_string(), "2026-W48");
        assert_eq!(Week::parse("week", "2026-W01")?.to_string(), "2026-W01");
        assert!(Week::parse("week", "2026-W54").is_err());
        assert!(Week::parse("week", "2025-W53").is_err(), "2025 has 52 ISO weeks");
        assert!(Week::parse("week", "2026-48").is_err());
        assert!(Week::parse("week", "1999-W10").is_err());
        Ok(())
    }

    #[test]
    fn a_week_is_counted_in_the_organisations_time_zone() -> Result<(), ReviewError> {
        // Sunday 23:30 UTC is already Monday in Berlin.
        let instant = Utc.with_ymd_and_hms(2026, 11, 29, 23, 30, 0).single().unwrap_or_default();
        assert_eq!(Week::containing(instant, chrono_tz::UTC).to_string(), "2026-W48");
        assert_eq!(Week::containing(instant, chrono_tz::Europe::Berlin).to_string(), "2026-W49");
        let week = Week::parse("week", "2026-W48")?;
        assert_eq!(week.start(chrono_tz::Europe::Berlin).to_rfc3339(), "2026-11-22T23:00:00+00:00");
        assert_eq!(
            week.end_of(Weekday::Fri, chrono_tz::Europe::Berlin).to_rfc3339(),
            "2026-11-27T23:00:00+00:00"
        );
        assert_eq!(week.previous().to_string(), "2026-W47");
        Ok(())
    }
}
