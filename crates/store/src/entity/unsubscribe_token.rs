//! The secret of a one-click unsubscribe link: whoever holds the link may
//! turn off that kind of email for that person, and nothing else. Only the
//! SHA-256 is kept; links in old emails keep working.

use sea_orm::entity::prelude::*;

use crate::{entity::email::EmailKind, ids::UserId};

/// One token row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "unsubscribe_tokens")]
pub struct Model {
    /// Hex SHA-256 of the link's secret.
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    /// Whose email it turns off.
    pub user_id: UserId,
    /// Which kind.
    pub kind: EmailKind,
    /// When the email carrying it was composed.
    pub created_at: DateTimeUtc,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
