//! The weekly two-call review: nominations and their states, scores and the
//! rubric, progress over the weeks, the team board, the organisation's
//! review settings, the outbox, and the rep's focus skill.

pub(crate) mod board;
pub(crate) mod configure;
pub(crate) mod events;
pub(crate) mod focus;
pub(crate) mod nominations;
pub(crate) mod progress;
pub(crate) mod scores;
pub(crate) mod views;

pub use board::{BoardRow, TeamBoard};
pub use configure::SettingsChanges;
pub use events::Event;
pub use progress::{ConversationAverages, CriterionProgress, WeekProgress};
pub use scores::{ScoreInput, ScoreSave, score_stamp};
pub use views::{
    CallReview, NextMove, Nomination, NominationView, RubricView, Score, Scoring, WeekView,
    slot_name,
};
