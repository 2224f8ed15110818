//! A clip in a 1:1's coaching segment: a stretch of a call to re-listen to.

use sea_orm::entity::prelude::*;

use crate::ids::{CallId, ClipId, CommentId, OneOnOneId, OrganisationId, UserId};

/// One clip row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "clips")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: ClipId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// The 1:1.
    pub one_on_one_id: OneOnOneId,
    /// Order in the segment, from 0.
    pub position: i32,
    /// The call.
    pub call_id: CallId,
    /// Start, ms.
    pub start_ms: i64,
    /// End, ms (exclusive).
    pub end_ms: i64,
    /// The comment it was made from.
    pub comment_id: Option<CommentId>,
    /// Why it is in the segment.
    pub note: Option<String>,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Counts changes to the note and the range (not the place in the
    /// segment), so a save made from an older copy is refused.
    pub version: i32,
    /// Who changed the note or range last.
    pub updated_by: Option<UserId>,
    /// When the note or range last changed; `None` until it first does.
    pub updated_at: Option<DateTimeUtc>,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
