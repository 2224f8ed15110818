//! How the domain's values are said on a page: times, states, kinds.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use filmroom_review::{CallStatus, CommentKind, ReviewState, Slot};

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

/// An instant in the organisation's time zone, the text shown before the
/// page's script puts it in the viewer's.
pub fn when(at: DateTime<Utc>, timezone: &str) -> String {
    let tz: Tz = timezone.parse().unwrap_or(chrono_tz::UTC);
    at.with_timezone(&tz).format("%a %-d %b %Y, %H:%M %Z").to_string()
}

/// A date in the organisation's time zone.
pub fn day(at: DateTime<Utc>, timezone: &str) -> String {
    let tz: Tz = timezone.parse().unwrap_or(chrono_tz::UTC);
    at.with_timezone(&tz).format("%-d %b %Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_read_like_a_player() {
        assert_eq!(clock(0), "00:00");
        assert_eq!(clock(83_400), "01:23");
        assert_eq!(clock(3_723_000), "1:02:03");
        assert_eq!(clock(-5), "00:00");
    }
}
