//! A timestamped comment on a call.

use sea_orm::entity::prelude::*;

use crate::ids::{CallId, CommentId, OrganisationId, UserId};

use super::user::Role;

/// What a comment is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum CommentKind {
    /// Something that worked.
    #[sea_orm(string_value = "went_well")]
    WentWell,
    /// Something to do better.
    #[sea_orm(string_value = "improve")]
    Improve,
    /// A question for the other person.
    #[sea_orm(string_value = "question")]
    Question,
    /// Anything else.
    #[sea_orm(string_value = "note")]
    Note,
}

/// One comment row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "comments")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: CommentId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// The call.
    pub call_id: CallId,
    /// Who wrote it.
    pub author_id: UserId,
    /// The author's role when they wrote it.
    pub author_role: Role,
    /// Where in the call, in milliseconds.
    pub at_ms: i64,
    /// End of the range, for a comment on a stretch of the call.
    pub end_ms: Option<i64>,
    /// The text.
    pub body: String,
    /// What it is about.
    pub kind: CommentKind,
    /// The comment this replies to (one level).
    pub parent_id: Option<CommentId>,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last edit.
    pub updated_at: DateTimeUtc,
    /// Moves by one on every edit, so a save from an older page is caught.
    pub version: i32,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
