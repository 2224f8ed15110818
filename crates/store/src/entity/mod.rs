//! sea-orm entities: the rows as stored. Callers above the store turn them into
//! domain types; nothing here is serialised to a client.

pub mod action_item;
pub mod api_token;
pub mod call;
pub mod call_metrics;
pub mod clip;
pub mod comment;
pub mod email;
pub mod email_opt_out;
pub mod event;
pub mod focus_skill;
pub mod idempotency_key;
pub mod integration_token;
pub mod job;
pub mod nomination;
pub mod one_on_one;
pub mod one_on_one_series;
pub mod organisation;
pub mod password;
pub mod rubric_version;
pub mod score;
pub mod session;
pub mod sign_in_limit;
pub mod sign_in_link;
pub mod transcript_segment;
pub mod unsubscribe_token;
pub mod user;
pub mod webhook;
pub mod webhook_attempt;
pub mod webhook_delivery;
