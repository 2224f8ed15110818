//! filmroom's rules.
//!
//! The crate reads from its folders: [`rules`] is the leaf layer (pure rules
//! over plain values and the types every area shares: [`visibility`] who
//! sees what, [`workflow`] the weekly review's states, the call lifecycle's
//! table, the 1:1's budget and follow-through, [`person`] and the management
//! tree, [`rubric`], [`week`], errors and ids), importing no area. Each area
//! is a folder over it: people (the directory and accounts), calls (the
//! record and its audio, the lifecycle's moves, comments, transcripts,
//! search, clips), weekly (the two-call review and the focus skill),
//! one_on_ones, integrations (dialers, webhooks, idempotency) and [`email`];
//! [`jobs`] holds the typed background jobs. [`Review`] is the root: it holds
//! the configuration and hands out one handle per area ([`Review::calls`],
//! [`Review::weekly`], …), through which areas reach each other. Handlers
//! call one area function and get the domain's own types back, never a
//! database row.

mod calls;
mod context;
pub mod email;
pub mod integrations;
pub mod jobs;
mod one_on_ones;
mod people;
pub mod rules;
mod weekly;

pub use calls::search;
pub use integrations::{idempotency, webhooks};
pub use people::accounts;
pub use rules::{
    ids, metrics, person, rubric, secrets, settings, text, transcript_format, visibility, week,
    workflow,
};

pub use calls::audio::{AudioSource, AudioUpload};
pub use calls::clips::{
    AudioRenderer, ClipPlan, REEL_GAP_MS, ReelPlan, RenderPart, RenderSpec, RenderStream,
};
pub use calls::comments::{Comment, CommentChanges, CommentView, NewComment};
pub use calls::lifecycle::{AnalysisSettled, FailedStep};
pub use calls::record::speech_key;
pub use calls::record::{Call, CallDetails, CallQuery, NewCall};
pub use context::{
    Accounts, CallLifecycle, Calls, Directory, Idempotency, Integrations, OneOnOnes, Review,
    Search, Webhooks, WeeklyReview,
};
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
pub use integrations::IntegrationToken;
pub use integrations::webhooks::{Delivery, Webhook, WebhookAttempt};
pub use one_on_ones::{
    ActionItem, ActionItemChanges, Clip, ClipCandidate, ClipChanges, ClipSource, FollowThrough,
    NewSeries, OccurrenceChanges, OneOnOne, OneOnOneView, Series, SeriesSlot,
};
pub use people::directory::{IssuedToken, NewUser, Organisation, Person, TokenInfo, UserChanges};
pub use rules::actor::{Actor, Credential, Page, PageRequest};
pub use rules::call_status::{can_become, status_name};
pub use rules::error::{AuthFailure, EditConflict, Entity, ReviewError, error_chain};
pub use rules::focus::Focus;
pub use rules::visibility::rep_work_visible;
pub use weekly::focus::{FocusChanges, FocusView, NewFocus};
pub use weekly::{
    BoardRow, CallReview, ConversationAverages, CriterionProgress, Event, NextMove, Nomination,
    NominationView, RubricView, Score, ScoreInput, ScoreSave, Scoring, SettingsChanges, TeamBoard,
    WeekProgress, WeekView, score_stamp, slot_name,
};
