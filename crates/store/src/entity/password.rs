//! A user's password, as an argon2id PHC string. Users without a row cannot
//! sign in with a password until they follow an invite link.

use sea_orm::entity::prelude::*;

use crate::ids::UserId;

/// One password row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "passwords")]
pub struct Model {
    /// Whose password.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: UserId,
    /// argon2id PHC string (algorithm, parameters, salt and hash).
    pub hash: String,
    /// When it was last set.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
