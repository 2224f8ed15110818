//! An API token: a bearer secret that acts as one user. Only its SHA-256 is kept.

use sea_orm::entity::prelude::*;

use crate::ids::{OrganisationId, TokenId, UserId};

/// One token row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: TokenId,
    /// The tenant the token acts in.
    pub organisation_id: OrganisationId,
    /// The user the token acts as.
    pub user_id: UserId,
    /// What the owner called it ("laptop", "dialer sync").
    pub name: String,
    /// The first characters of the secret, shown in listings so people can tell tokens apart.
    pub prefix: String,
    /// Hex SHA-256 of the whole secret.
    pub secret_hash: String,
    /// Creation time (UTC).
    pub created_at: DateTimeUtc,
    /// Last authenticated request, to the minute.
    pub last_used_at: Option<DateTimeUtc>,
    /// Set when revoked; a revoked token never authenticates again.
    pub revoked_at: Option<DateTimeUtc>,
    /// The token whose bearer issued this one, if any (not for tokens made
    /// by `filmroom admin bootstrap`); revoking it revokes this one too.
    pub issued_by: Option<TokenId>,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
