//! A call a rep brings to one week's review, in one of the two slots.

use sea_orm::entity::prelude::*;

use crate::ids::{CallId, FocusId, NominationId, OrganisationId, UserId};

/// Which of the week's two calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Slot {
    /// A call that went well.
    #[sea_orm(string_value = "went_well")]
    WentWell,
    /// A call where the rep struggled.
    #[sea_orm(string_value = "struggled")]
    Struggled,
}

/// Where a nomination is in the week's review. The legal moves are decided
/// in `filmroom-review`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum ReviewState {
    /// Picked; the rep has not finished reviewing it.
    #[sea_orm(string_value = "nominated")]
    Nominated,
    /// The rep coached themselves first.
    #[sea_orm(string_value = "self_reviewed")]
    SelfReviewed,
    /// Shared with the manager; locked.
    #[sea_orm(string_value = "shared")]
    Shared,
    /// The manager has reviewed it.
    #[sea_orm(string_value = "manager_reviewed")]
    ManagerReviewed,
    /// Talked through in the 1:1.
    #[sea_orm(string_value = "discussed")]
    Discussed,
}

/// One nomination row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "nominations")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: NominationId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// The rep.
    pub rep_id: UserId,
    /// ISO week in the organisation's time zone, `2026-W48`.
    pub week: String,
    /// Which slot.
    pub slot: Slot,
    /// The call.
    pub call_id: CallId,
    /// Where the review is.
    pub state: ReviewState,
    /// When the rep finished their self-review.
    pub self_reviewed_at: Option<DateTimeUtc>,
    /// When it was shared with the manager.
    pub shared_at: Option<DateTimeUtc>,
    /// When the manager finished reviewing.
    pub manager_reviewed_at: Option<DateTimeUtc>,
    /// When it was discussed in a 1:1.
    pub discussed_at: Option<DateTimeUtc>,
    /// The rep's focus skill when the call was shared, so the manager's
    /// comments can target it.
    pub focus_id: Option<FocusId>,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
