//! filmroom's rules.
//!
//! [`Review`] is the context over the store; each area of the product is a
//! view of it with its own functions: [`Review::directory`] (people and
//! tokens), [`Review::calls`], [`Review::lifecycle`] (the call lifecycle's
//! moves), [`Review::weekly`] (the two-call review), [`Review::one_on_ones`],
//! [`Review::integrations`], [`Review::webhooks`], [`Review::search`] and
//! [`Review::idempotency`]. The rules themselves are plain functions over
//! plain values where they can be: [`visibility`] (who sees what),
//! [`workflow`] (the weekly review's states), `lifecycle` (the call's),
//! [`jobs`] (background work and its retries), `coaching` (the 1:1's budget and
//! follow-through), [`people`], [`rubric`], [`week`]. Handlers call one area
//! function and get the domain's own types back, never a database row.

pub mod accounts;
mod call_transcript;
mod calls;
mod clips;
mod comments;
mod context;
mod directory;
pub mod email;
mod focus;
pub mod idempotency;
pub mod integrations;
pub mod jobs;
mod lifecycle;
mod one_on_ones;
mod reviews;
pub mod rules;
pub mod search;
pub mod webhooks;

pub use rules::{
    ids, metrics, people, rubric, secrets, settings, text, transcript, visibility, week, workflow,
};

pub use calls::{AudioSource, AudioUpload, Call, CallDetails, CallQuery, NewCall, speech_key};
pub use clips::{
    AudioRenderer, ClipPlan, REEL_GAP_MS, ReelPlan, RenderPart, RenderSpec, RenderStream,
};
pub use comments::{Comment, CommentChanges, CommentView, NewComment};
pub use context::{
    Accounts, CallLifecycle, Calls, Directory, Idempotency, Integrations, OneOnOnes, Review,
    Search, Webhooks, WeeklyReview,
};
pub use directory::{IssuedToken, NewUser, Organisation, Person, TokenInfo, UserChanges};
pub use filmroom_audio::SAMPLES_PER_PIXEL as PEAKS_SAMPLES_PER_PIXEL;
pub use filmroom_audio::Speech;
pub use filmroom_store::{
    CallStatus, Direction, SearchSource,
    entity::{
        comment::CommentKind,
        focus_skill::{FocusStatus, Prescription},
        nomination::{ReviewState, Slot},
        one_on_one::OneOnOneStatus,
        score::ScorerKind,
        sign_in_link::LinkPurpose,
        webhook_delivery::DeliveryStatus,
    },
};
pub use filmroom_store::{ReadCacheStats, Role};
pub use focus::{FocusChanges, FocusView, NewFocus};
pub use integrations::IntegrationToken;
pub use lifecycle::{AnalysisSettled, FailedStep, can_become, status_name};
pub use one_on_ones::{
    ActionItem, ActionItemChanges, Clip, ClipCandidate, ClipSource, FollowThrough, NewSeries,
    OccurrenceChanges, OneOnOne, OneOnOneView, Series, SeriesSlot,
};
pub use reviews::{
    BoardRow, CallReview, ConversationAverages, CriterionProgress, Event, NextMove, Nomination,
    NominationView, RubricView, Score, ScoreInput, Scoring, SettingsChanges, TeamBoard,
    WeekProgress, WeekView, slot_name,
};
pub use rules::actor::{Actor, Credential, Page, PageRequest};
pub use rules::error::{AuthFailure, Entity, ReviewError, error_chain};
pub use rules::focus_skill::Focus;
pub use rules::visibility::rep_work_visible;
pub use webhooks::{Delivery, Webhook, WebhookAttempt};
