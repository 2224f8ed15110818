//! An integration token: the credential a dialer uses to push calls for a
//! whole organisation. Only its SHA-256 is kept.

use sea_orm::entity::prelude::*;

use crate::ids::{IntegrationTokenId, OrganisationId, UserId};

/// One integration token row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "integration_tokens")]
pub struct Model {
    /// UUIDv7; also the `integration_id` of a dialer's callback URL.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: IntegrationTokenId,
    /// The organisation the token acts for.
    pub organisation_id: OrganisationId,
    /// The dialer (`twilio`, `aircall`, …); calls it pushes carry it, and
    /// dialer user ids are looked up under it in users' `external_ids`.
    pub source: String,
    /// What the admin called it.
    pub name: String,
    /// The first characters of the secret, shown in listings.
    pub prefix: String,
    /// Hex SHA-256 of the whole secret.
    pub secret_hash: String,
    /// The dialer's own signing key (Twilio's auth token), kept in clear
    /// because signatures are recomputed with it.
    pub signing_secret: Option<String>,
    /// The dialer account id (Twilio's AccountSid): callbacks from another
    /// account are refused, and recording downloads authenticate with it.
    pub account_sid: Option<String>,
    /// Which channel (1 or 2) of a two-channel recording is the rep.
    pub rep_channel: i32,
    /// The admin who created it.
    pub created_by: UserId,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last authenticated request, to the minute.
    pub last_used_at: Option<DateTimeUtc>,
    /// Set when revoked; a revoked token never authenticates again.
    pub revoked_at: Option<DateTimeUtc>,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
