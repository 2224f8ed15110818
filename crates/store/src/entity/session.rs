//! A browser session. The cookie holds a random secret; only its SHA-256 is kept.

use sea_orm::entity::prelude::*;

use crate::ids::{OrganisationId, SessionId, UserId};

/// One session row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: SessionId,
    /// The tenant the session acts in.
    pub organisation_id: OrganisationId,
    /// Who signed in.
    pub user_id: UserId,
    /// Hex SHA-256 of the cookie's secret.
    pub secret_hash: String,
    /// The token forms and htmx requests must echo back (CSRF).
    pub csrf_token: String,
    /// The browser that signed in, as it named itself, to tell sessions apart.
    pub user_agent: String,
    /// Sign-in time.
    pub created_at: DateTimeUtc,
    /// Last request, to the minute; the idle expiry counts from here.
    pub last_seen_at: DateTimeUtc,
    /// Absolute expiry, however active the session is.
    pub expires_at: DateTimeUtc,
    /// Set at sign-out or revocation; an ended session never authenticates again.
    pub ended_at: Option<DateTimeUtc>,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
