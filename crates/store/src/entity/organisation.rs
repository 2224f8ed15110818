//! An organisation: the tenant that owns users, calls and reviews.

use sea_orm::entity::prelude::*;

use crate::ids::OrganisationId;

/// One organisation row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organisations")]
pub struct Model {
    /// UUIDv7, so ids sort by creation time.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: OrganisationId,
    /// Display name.
    pub name: String,
    /// IANA time zone name; weeks and deadlines are computed in it.
    pub timezone: String,
    /// When the organisation was created (UTC).
    pub created_at: DateTimeUtc,
    /// Review settings as JSON (`null`: the defaults); validated by `filmroom-review`.
    pub settings: Option<Json>,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
