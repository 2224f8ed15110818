//! A person who turned off one kind of email.

use sea_orm::entity::prelude::*;

use crate::{entity::email::EmailKind, ids::UserId};

/// One opt-out row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_opt_outs")]
pub struct Model {
    /// Who.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: UserId,
    /// Which kind they no longer get.
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: EmailKind,
    /// Since when.
    pub created_at: DateTimeUtc,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
