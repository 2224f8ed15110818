//! The outbox: the events filmroom announces, as admins list them.

use crate::rules::error::ReviewError;
use crate::rules::ids::{EventId, OrganisationId};
use crate::{
    context::WeeklyReview, rules::actor::Actor, rules::actor::Page, rules::actor::PageRequest,
    rules::actor::page,
};
use chrono::{DateTime, Utc};
use filmroom_store::{Role, entity::event};

/// An outbox event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// UUIDv7, so events sort by time.
    pub id: EventId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// `call.ready`, `call.failed`, `review.shared`, `review.manager_reviewed`, …
    pub kind: String,
    /// What happened, as JSON.
    pub payload: serde_json::Value,
    /// When it happened.
    pub created_at: DateTime<Utc>,
    /// When it was delivered, once it has been.
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<event::Model> for Event {
    fn from(row: event::Model) -> Self {
        Self {
            id: row.id,
            organisation_id: row.organisation_id,
            kind: row.kind,
            payload: row.payload,
            created_at: row.created_at,
            delivered_at: row.delivered_at,
        }
    }
}

impl WeeklyReview<'_> {
    /// The organisation's event outbox (admins only), oldest first.
    pub async fn events(
        &self,
        actor: &Actor,
        request: PageRequest,
    ) -> Result<Page<Event>, ReviewError> {
        if actor.role != Role::Admin {
            return Err(ReviewError::Forbidden("only an admin can read the event log".into()));
        }
        let rows = self
            .store
            .events(actor.organisation_id, request.after.map(Into::into), request.limit + 1)
            .await?;
        Ok(page(rows, request, |e| e.id, Event::from))
    }
}
