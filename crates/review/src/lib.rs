//! filmroom's rules.
//!
//! Plain types and functions decide who may see and do what: [`people`] holds
//! validated values and the management tree, [`visibility`] the one rule for
//! reading a rep's data. [`Review`] applies those rules to stored data through
//! `filmroom-store`; HTTP handlers call one of its methods and hold no rule.

mod calls;
mod clips;
mod comments;
mod directory;
mod error;
mod focus;
pub mod idempotency;
pub mod ids;
pub mod integrations;
mod one_on_ones;
pub mod people;
mod reviews;
pub mod rubric;
pub mod search;
pub mod secrets;
pub mod settings;
pub mod transcript;
pub mod visibility;
pub mod webhooks;
pub mod week;
pub mod workflow;

pub use calls::{
    ANALYSIS_ATTEMPTS, AudioSource, AudioUpload, CallDetails, CallQuery, NewCall, call_event,
    status_name,
};
pub use clips::{ClipPlan, REEL_GAP_MS, ReelPlan};
pub use comments::{CommentChanges, CommentView, NewComment};
pub use directory::{
    Actor, IssuedToken, NewUser, Organisation, Page, PageRequest, Person, Review, TokenInfo,
    UserChanges,
};
pub use error::{AuthFailure, ReviewError};
pub use filmroom_store::Role;
pub use filmroom_store::{
    CallStatus, Direction, SearchSource,
    entity::{
        action_item::Model as ActionItemRecord,
        call::Model as CallRecord,
        clip::Model as ClipRecord,
        comment::CommentKind,
        event::Model as EventRecord,
        focus_skill::{FocusStatus, Model as FocusRecord, Prescription},
        integration_token::Model as IntegrationTokenRecord,
        nomination::{Model as NominationRecord, ReviewState, Slot},
        one_on_one::{Model as OneOnOneRecord, OneOnOneStatus},
        one_on_one_series::Model as SeriesRecord,
        organisation::Model as OrganisationRecord,
        score::{Model as ScoreRecord, ScorerKind},
        webhook::Model as WebhookRecord,
        webhook_attempt::Model as WebhookAttemptRecord,
        webhook_delivery::{DeliveryStatus, Model as DeliveryRecord},
    },
};
pub use focus::{FocusChanges, FocusView, NewFocus};
pub use one_on_ones::{
    ActionItemChanges, ClipSource, FollowThrough, NewSeries, OccurrenceChanges, OneOnOneView,
};
pub use reviews::{
    BoardRow, CriterionProgress, NominationView, RubricView, ScoreInput, SettingsChanges,
    TeamBoard, WeekProgress, WeekView, rep_work_visible, slot_name,
};
