//! Other systems: dialer integrations (integration tokens, pushed calls,
//! Twilio-compatible recording callbacks), webhooks and their deliveries, and
//! remembered `Idempotency-Key` requests.

pub mod idempotency;
pub(crate) mod pushes;
pub(crate) mod tokens;
pub(crate) mod twilio;
pub mod webhooks;

pub use pushes::{PushOutcome, PushedCall, RecordingSource, RepReference, check_recording_url};
pub use tokens::{
    IntegrationCaller, IntegrationToken, IntegrationTokenChanges, IssuedIntegrationToken,
    NewIntegrationToken,
};
pub use twilio::{CallbackOutcome, RecordingCallback, twilio_signature};
