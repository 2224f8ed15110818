//! How the domain's values are said on a page: times, states, kinds.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use filmroom_review::{CallStatus, CommentKind, ReviewError, ReviewState, Slot, settings::Day};

/// A message from the rules with its first letter capitalised.
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    let Some(first) = chars.next() else { return String::new() };
    let mut out: String = first.to_uppercase().collect();
    out.push_str(chars.as_str());
    out
}

/// A message from the rules as a sentence: capitalised, with a full stop.
pub fn sentence(text: &str) -> String {
    let mut out = capitalised(text);
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// A whole number with its thousands set apart by commas: "1,234".
pub fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// `mm:ss`, or `h:mm:ss` from an hour on.
pub fn clock(ms: i64) -> String {
    let seconds = ms.max(0) / 1000;
    let (hours, minutes, seconds) = (seconds / 3600, (seconds / 60) % 60, seconds % 60);
    if hours > 0 {
        format!("{hours}:{minutes:02}:{seconds:02}")
    } else {
        format!("{minutes:02}:{seconds:02}")
    }
}

/// A review state as people say it.
pub fn state_label(state: ReviewState) -> &'static str {
    match state {
        ReviewState::Nominated => "Picked",
        ReviewState::SelfReviewed => "Self-reviewed",
        ReviewState::Shared => "Shared",
        ReviewState::ManagerReviewed => "Manager reviewed",
        ReviewState::Discussed => "Discussed",
    }
}

/// The button that takes a review to `target`.
pub fn move_label(target: ReviewState) -> &'static str {
    match target {
        ReviewState::Nominated => "Pick",
        ReviewState::SelfReviewed => "Finish self-review",
        ReviewState::Shared => "Share with manager",
        ReviewState::ManagerReviewed => "Finish manager review",
        ReviewState::Discussed => "Mark discussed",
    }
}

/// Every review state in order, for the state bar.
pub const STATES: [ReviewState; 5] = [
    ReviewState::Nominated,
    ReviewState::SelfReviewed,
    ReviewState::Shared,
    ReviewState::ManagerReviewed,
    ReviewState::Discussed,
];

/// The state's key in forms and CSS classes.
pub fn state_key(state: ReviewState) -> &'static str {
    filmroom_review::workflow::state_name(state)
}

/// A slot as people say it.
pub fn slot_label(slot: Slot) -> &'static str {
    match slot {
        Slot::WentWell => "Went well",
        Slot::Struggled => "Struggled",
    }
}

/// A comment kind's key in forms and CSS classes.
pub fn kind_key(kind: CommentKind) -> &'static str {
    match kind {
        CommentKind::WentWell => "went_well",
        CommentKind::Improve => "improve",
        CommentKind::Question => "question",
        CommentKind::Note => "note",
    }
}

/// A comment kind as people say it.
pub fn kind_label(kind: CommentKind) -> &'static str {
    match kind {
        CommentKind::WentWell => "Went well",
        CommentKind::Improve => "Improve",
        CommentKind::Question => "Question",
        CommentKind::Note => "Note",
    }
}

/// Reads a kind from a form.
pub fn parse_kind(raw: &str) -> Option<CommentKind> {
    match raw {
        "went_well" => Some(CommentKind::WentWell),
        "improve" => Some(CommentKind::Improve),
        "question" => Some(CommentKind::Question),
        "note" => Some(CommentKind::Note),
        _ => None,
    }
}

/// A call's status in words, with what happens next.
pub fn status_label(status: CallStatus) -> &'static str {
    match status {
        CallStatus::Uploading => "Uploading",
        CallStatus::Queued => "Waiting for analysis",
        CallStatus::Processing => "Analysing",
        CallStatus::Ready => "Ready",
        CallStatus::Failed => "Failed",
        CallStatus::AudioDeleted => "Recording removed",
    }
}

/// Whether the status will change by itself (the list keeps refreshing).
pub fn status_pending(status: CallStatus) -> bool {
    matches!(status, CallStatus::Uploading | CallStatus::Queued | CallStatus::Processing)
}

/// An instant for `<time datetime>`; the page's script shows it in the
/// viewer's own time zone.
pub fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// An instant in the viewer's time zone (`Viewer::timezone`), in the one
/// format every page uses: `Mon 7 Dec 2026, 16:00 CET`.
pub fn when(at: DateTime<Utc>, timezone: &str) -> String {
    let tz: Tz = timezone.parse().unwrap_or(chrono_tz::UTC);
    at.with_timezone(&tz).format("%a %-d %b %Y, %H:%M %Z").to_string()
}

/// A date in the viewer's time zone.
pub fn day(at: DateTime<Utc>, timezone: &str) -> String {
    let tz: Tz = timezone.parse().unwrap_or(chrono_tz::UTC);
    at.with_timezone(&tz).format("%-d %b %Y").to_string()
}

/// The days of the week as forms send them, in order.
pub const DAYS: [(&str, Day); 7] = [
    ("monday", Day::Monday),
    ("tuesday", Day::Tuesday),
    ("wednesday", Day::Wednesday),
    ("thursday", Day::Thursday),
    ("friday", Day::Friday),
    ("saturday", Day::Saturday),
    ("sunday", Day::Sunday),
];

/// A day chosen in a form.
pub fn parse_day(raw: &str) -> Result<Day, ReviewError> {
    DAYS.iter().find(|(name, _)| *name == raw).map(|(_, day)| *day).ok_or_else(|| {
        ReviewError::InvalidField { field: "weekday".into(), message: "choose a day".into() }
    })
}

/// A time typed as `m:ss`, `h:mm:ss` or plain seconds (`75`, `75.5`), in ms.
pub fn parse_clock(raw: &str) -> Option<i64> {
    let parts: Vec<&str> = raw.trim().split(':').collect();
    if parts.is_empty() || parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let (whole, last) = parts.split_at(parts.len() - 1);
    let seconds: f64 = last.first()?.parse().ok().filter(|s: &f64| s.is_finite() && *s >= 0.0)?;
    if !whole.is_empty() && seconds >= 60.0 {
        return None;
    }
    let mut minutes: i64 = 0;
    for part in whole {
        let value: i64 = part.parse().ok().filter(|v| *v >= 0 && *v < 100_000)?;
        minutes = minutes.checked_mul(60)?.checked_add(value)?;
    }
    if whole.len() == 2 && whole.last().and_then(|m| m.parse::<i64>().ok()).is_some_and(|m| m >= 60)
    {
        return None;
    }
    let millis = (seconds * 1000.0).round();
    if millis > 8.64e10 {
        return None;
    }
    // Bounded above, so the conversion is exact.
    #[allow(clippy::cast_possible_truncation)]
    let millis = millis as i64;
    minutes.checked_mul(60_000)?.checked_add(millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_times_read_as_a_person_means_them() {
        assert_eq!(parse_clock("1:05"), Some(65_000));
        assert_eq!(parse_clock("01:02:03"), Some(3_723_000));
        assert_eq!(parse_clock("75.5"), Some(75_500));
        assert_eq!(parse_clock(" 0:00 "), Some(0));
        for bad in ["", "1:", ":30", "1:75", "1:61:00", "-3", "abc", "1:2:3:4", "NaN", "1e300"] {
            assert_eq!(parse_clock(bad), None, "{bad}");
        }
    }

    #[test]
    fn clocks_read_like_a_player() {
        assert_eq!(clock(0), "00:00");
        assert_eq!(clock(83_400), "01:23");
        assert_eq!(clock(3_723_000), "1:02:03");
        assert_eq!(clock(-5), "00:00");
    }
}
