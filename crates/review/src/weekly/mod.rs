//! The weekly two-call review: nominations and their states, scores, the
//! rubric as reviewers see it, progress, the team board, organisation
//! settings, and the rep's focus skill.

pub(crate) mod focus;
pub(crate) mod nominations;
