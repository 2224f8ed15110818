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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
}

impl Default for ReviewSettings {
    fn default() -> Self {
        Self {
            nomination_deadline: Day::Friday,
            manager_review_days: 3,
            clip_budget_minutes: 20,
            min_action_items: 3,
        }
    }
}

impl ReviewSettings {
    /// Reads stored settings; anything missing or unreadable takes its default.
    pub fn from_stored(value: Option<&serde_json::Value>) -> Self {
        value.and_then(|v| serde_json::from_value(v.clone()).ok()).unwrap_or_default()
    }
}
