//! The weekly 1:1: series and occurrences, the clip segment and its budget,
//! action items and follow-through.

pub(crate) mod series;
