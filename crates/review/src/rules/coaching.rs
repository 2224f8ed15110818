//! The 1:1's arithmetic as plain functions over plain values: whether a clip
//! fits the coaching segment's budget, and how an action-item record adds up
//! to follow-through. `one_on_ones` applies them to stored data.

use chrono::NaiveDate;

use crate::rules::error::ReviewError;

/// The most clips one 1:1 holds: a segment is for a few moments, and every
/// clip is a decode when the reel plays.
pub(crate) const MAX_CLIPS: usize = 50;

/// The shortest clip, in ms: anything shorter cannot be heard as a moment,
/// and a segment of tiny clips would be a decode each.
pub(crate) const MIN_CLIP_MS: i64 = 1_000;

/// Widens `start..end` to at least [`MIN_CLIP_MS`] around its middle, kept
/// inside `0..duration` (a call shorter than that gives the whole call).
pub(crate) fn widen_to_minimum(start: i64, end: i64, duration: i64) -> (i64, i64) {
    if end.saturating_sub(start) >= MIN_CLIP_MS {
        return (start, end);
    }
    let middle = start.saturating_add(end) / 2;
    let from = middle.saturating_sub(MIN_CLIP_MS / 2).max(0);
    let to = from.saturating_add(MIN_CLIP_MS).min(duration);
    (to.saturating_sub(MIN_CLIP_MS).max(0), to)
}

/// The segment's budget in milliseconds for a budget in minutes.
pub(crate) fn budget_ms(minutes: u32) -> i64 {
    i64::from(minutes).saturating_mul(60_000)
}

/// Whether a clip of `clip_ms` fits beside clips already in the segment
/// (their lengths in ms) within `budget_ms`; the refusal says what is left.
pub(crate) fn check_clip_fits(
    existing: impl IntoIterator<Item = i64>,
    clip_ms: i64,
    budget_ms: i64,
) -> Result<(), ReviewError> {
    let (count, used) =
        existing.into_iter().fold((0usize, 0i64), |(n, sum), ms| (n + 1, sum.saturating_add(ms)));
    if count >= MAX_CLIPS {
        return Err(ReviewError::InvalidField {
            field: "clip".into(),
            message: format!("a 1:1 holds at most {MAX_CLIPS} clips; remove one first"),
        });
    }
    if used.saturating_add(clip_ms) > budget_ms {
        return Err(ReviewError::ClipBudgetExceeded {
            remaining_ms: budget_ms.saturating_sub(used).max(0),
            budget_ms,
            clip_ms,
        });
    }
    Ok(())
}

/// How a person's commitments over a window add up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    /// Items whose due date has passed or that are done.
    pub due: usize,
    /// Done on or before their due date.
    pub done_on_time: usize,
    /// Done after it.
    pub done_late: usize,
    /// Not done, and their due date is before `today`.
    pub overdue: usize,
}

/// Counts items given as (due date, the local date it was done). An item
/// without a due date does not count; one not yet due and not done neither.
pub(crate) fn tally(
    items: impl IntoIterator<Item = (Option<NaiveDate>, Option<NaiveDate>)>,
    today: NaiveDate,
) -> Tally {
    let mut tally = Tally::default();
    for (due, done_on) in items {
        let Some(due) = due else { continue };
        match done_on {
            Some(done) if done <= due => {
                tally.due += 1;
                tally.done_on_time += 1;
            }
            Some(_) => {
                tally.due += 1;
                tally.done_late += 1;
            }
            None if due < today => {
                tally.due += 1;
                tally.overdue += 1;
            }
            None => {}
        }
    }
    tally
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    #[test]
    fn a_clip_fits_up_to_exactly_the_budget() {
        let budget = budget_ms(20);
        assert_eq!(budget, 1_200_000);
        assert!(check_clip_fits([600_000, 300_000], 300_000, budget).is_ok());
        assert!(check_clip_fits([], budget, budget).is_ok());
    }

    #[test]
    fn a_clip_over_the_budget_is_refused_with_what_is_left() {
        let refused = check_clip_fits([600_000, 500_000], 100_001, budget_ms(20));
        assert!(matches!(
            refused,
            Err(ReviewError::ClipBudgetExceeded {
                remaining_ms: 100_000,
                budget_ms: 1_200_000,
                clip_ms: 100_001
            })
        ));
    }

    #[test]
    fn short_ranges_widen_to_a_second_inside_the_call() {
        assert_eq!(widen_to_minimum(1_500, 2_000, 5_000), (1_250, 2_250));
        assert_eq!(widen_to_minimum(0, 200, 5_000), (0, 1_000));
        assert_eq!(widen_to_minimum(4_900, 5_000, 5_000), (4_000, 5_000));
        assert_eq!(widen_to_minimum(100, 300, 600), (0, 600));
        assert_eq!(widen_to_minimum(1_000, 3_000, 5_000), (1_000, 3_000));
    }

    #[test]
    fn a_segment_holds_at_most_fifty_clips_whatever_their_length() {
        assert!(check_clip_fits(vec![1; MAX_CLIPS - 1], 1, budget_ms(20)).is_ok());
        let refused = check_clip_fits(vec![1; MAX_CLIPS], 1, budget_ms(20));
        assert!(matches!(refused, Err(ReviewError::InvalidField { .. })), "{refused:?}");
    }

    #[test]
    fn huge_clips_saturate_instead_of_overflowing() {
        assert!(check_clip_fits([i64::MAX, i64::MAX], 1, budget_ms(u32::MAX)).is_err());
        assert_eq!(budget_ms(u32::MAX), i64::from(u32::MAX) * 60_000);
    }

    #[test]
    fn follow_through_counts_on_time_late_and_overdue_items() {
        let today = day(20);
        let items = [
            (Some(day(10)), Some(day(10))), // on time, the same day
            (Some(day(10)), Some(day(9))),  // on time, early
            (Some(day(10)), Some(day(11))), // late
            (Some(day(19)), None),          // overdue
            (Some(day(20)), None),          // due today: not yet overdue
            (Some(day(25)), None),          // not due yet
            (Some(day(25)), Some(day(18))), // done before it was due
            (None, Some(day(5))),           // no due date: not counted
        ];
        assert_eq!(
            tally(items, today),
            Tally { due: 5, done_on_time: 3, done_late: 1, overdue: 1 }
        );
    }

    #[test]
    fn nothing_due_is_an_empty_tally() {
        assert_eq!(tally([], day(1)), Tally::default());
    }
}
