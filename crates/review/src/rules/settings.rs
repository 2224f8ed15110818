//! An organisation's review settings, stored as JSON and read with defaults so
//! settings added later never break organisations created earlier.

use chrono::Weekday;
use serde::{Deserialize, Serialize};

/// The days of the week by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Day {
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

impl From<Day> for Weekday {
    fn from(day: Day) -> Self {
        match day {
            Day::Monday => Weekday::Mon,
            Day::Tuesday => Weekday::Tue,
            Day::Wednesday => Weekday::Wed,
            Day::Thursday => Weekday::Thu,
            Day::Friday => Weekday::Fri,
            Day::Saturday => Weekday::Sat,
            Day::Sunday => Weekday::Sun,
        }
    }
}

/// How an organisation runs its weekly reviews.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReviewSettings {
    /// Reps nominate their two calls by the end of this day (local time).
    pub nomination_deadline: Day,
    /// A shared call should be reviewed by the manager within this many days.
    pub manager_review_days: u32,
    /// Minutes of clips a 1:1's coaching segment may hold.
    pub clip_budget_minutes: u32,
    /// Action items a 1:1 must end with before it can be marked held.
    pub min_action_items: u32,
    /// Reference bands the conversation metrics are held against.
    pub metric_bands: crate::rules::metrics::MetricBands,
}

impl Default for ReviewSettings {
    fn default() -> Self {
        Self {
            nomination_deadline: Day::Friday,
            manager_review_days: 3,
            clip_budget_minutes: 20,
            min_action_items: 3,
            metric_bands: crate::rules::metrics::MetricBands::default(),
        }
    }
}

impl ReviewSettings {
    /// Reads stored settings: a setting never stored takes its default; a
    /// stored value that does not read is an error, not a silent default.
    pub fn from_stored(
        value: Option<&serde_json::Value>,
    ) -> Result<Self, crate::rules::error::ReviewError> {
        match value {
            None | Some(serde_json::Value::Null) => Ok(Self::default()),
            Some(value) => {
                crate::rules::error::stored_json("organisations.settings", value.clone())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_settings_fill_in_defaults_but_unreadable_ones_are_an_error() {
        assert_eq!(ReviewSettings::from_stored(None).ok(), Some(ReviewSettings::default()));
        let partial = serde_json::json!({"clip_budget_minutes": 25});
        let read = ReviewSettings::from_stored(Some(&partial)).ok();
        assert_eq!(read.map(|s| (s.clip_budget_minutes, s.min_action_items)), Some((25, 3)));
        let broken = serde_json::json!({"clip_budget_minutes": "twenty"});
        assert!(ReviewSettings::from_stored(Some(&broken)).is_err());
    }
}
