//! The weekly 1:1: the series and its occurrences, the clip segment and its
//! budget, action items and holding, and follow-through.

pub(crate) mod clips;
pub(crate) mod follow_through;
pub(crate) mod items;
pub(crate) mod occurrences;
pub(crate) mod series;
pub(crate) mod views;

pub use clips::{ClipCandidate, ClipChanges, ClipSource};
pub use follow_through::FollowThrough;
pub use items::ActionItemChanges;
pub use occurrences::OccurrenceChanges;
pub use series::{NewSeries, SeriesSlot};
pub use views::{ActionItem, Clip, OneOnOne, OneOnOneView, Series};
