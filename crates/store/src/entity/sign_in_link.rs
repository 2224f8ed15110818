//! A one-time link that lets a person set their password: an invite for a new
//! account, or a reset. Only the SHA-256 of the link's secret is kept.

use sea_orm::entity::prelude::*;

use crate::ids::{OrganisationId, SignInLinkId, UserId};

/// Why a link was made; both set a password, and the page says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum LinkPurpose {
    /// A new person's first password.
    #[sea_orm(string_value = "invite")]
    Invite,
    /// A forgotten password.
    #[sea_orm(string_value = "reset")]
    Reset,
}

/// One link row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sign_in_links")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: SignInLinkId,
    /// The tenant.
    pub organisation_id: OrganisationId,
    /// Whose password the link sets.
    pub user_id: UserId,
    /// Invite or reset.
    pub purpose: LinkPurpose,
    /// Hex SHA-256 of the link's secret.
    pub token_hash: String,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// After this the link is refused.
    pub expires_at: DateTimeUtc,
    /// Set when used; a used link is refused.
    pub used_at: Option<DateTimeUtc>,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
