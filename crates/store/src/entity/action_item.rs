//! A commitment made in a 1:1, with an owner and a due date.

use sea_orm::entity::prelude::*;

use crate::ids::{ActionItemId, OneOnOneId, OrganisationId, UserId};

/// One action item row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "action_items")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: ActionItemId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// The 1:1 it was agreed in.
    pub one_on_one_id: OneOnOneId,
    /// What is to be done.
    pub text: String,
    /// Who does it: the manager or the rep.
    pub owner_id: Option<UserId>,
    /// By when.
    pub due_date: Option<Date>,
    /// When it was done.
    pub done_at: Option<DateTimeUtc>,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
    /// Moves by one on every change, so a save from an older copy is caught.
    pub version: i32,
    /// Who made the last change.
    pub updated_by: Option<UserId>,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
