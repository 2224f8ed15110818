//! A person in an organisation: an admin, a manager or a rep.

use sea_orm::entity::prelude::*;

use crate::ids::{OrganisationId, UserId};

/// What a user may do. Admins run the organisation; managers coach the reps
/// (and managers) below them in the management tree; reps bring their calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Role {
    /// Runs the organisation: people, tokens, rubric, settings.
    #[sea_orm(string_value = "admin")]
    Admin,
    /// Coaches the people who report to them, directly or further down.
    #[sea_orm(string_value = "manager")]
    Manager,
    /// Brings two calls a week and reviews them first.
    #[sea_orm(string_value = "rep")]
    Rep,
}

/// One user row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: UserId,
    /// The tenant this user belongs to.
    pub organisation_id: OrganisationId,
    /// Lower-cased; unique within the organisation.
    pub email: String,
    /// Display name.
    pub name: String,
    /// What this user may do.
    pub role: Role,
    /// The user's manager; `None` at the top of the tree.
    pub manager_id: Option<UserId>,
    /// Ids of this user in dialers and other systems, by source: `{"twilio": "…"}`.
    pub external_ids: Json,
    /// Deactivated users keep their history but can no longer sign in.
    pub active: bool,
    /// Creation time (UTC).
    pub created_at: DateTimeUtc,
    /// Last change (UTC).
    pub updated_at: DateTimeUtc,
    /// The person's own IANA time zone; `None` means the organisation's.
    pub timezone: Option<String>,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
