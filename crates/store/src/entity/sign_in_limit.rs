//! Failed sign-ins counted per limited key, shared by every API process.

use sea_orm::entity::prelude::*;

/// One limited key's window.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sign_in_limits")]
pub struct Model {
    /// SHA-256 of the key (`account:<email>`, `client:<address>`,
    /// `password:<user id>`), so failed guesses leave no email behind.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key_hash: String,
    /// When the window counting these failures began.
    pub window_start: DateTimeUtc,
    /// Attempts counted in the window.
    pub failures: i32,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
