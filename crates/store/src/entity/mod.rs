//! sea-orm entities: the rows as stored. Callers above the store turn them into
//! domain types; nothing here is serialised to a client.

pub mod api_token;
pub mod call;
pub mod job;
pub mod organisation;
pub mod user;
