//! Queries for webhooks: endpoints, the dispatch of outbox events into
//! deliveries, and the delivery log.

use crate::ids::{DeliveryId, EventId, OrganisationId, WebhookId};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::{
    Store, StoreError,
    entity::{event, webhook, webhook_attempt, webhook_delivery},
};

impl Store {
    /// Stores a new webhook.
    pub async fn insert_webhook(&self, row: webhook::Model) -> Result<webhook::Model, StoreError> {
        Ok(row.into_active_model().insert(&self.db).await?)
    }

    /// The organisation's webhooks, oldest first.
    pub async fn webhooks(
        &self,
        organisation_id: OrganisationId,
    ) -> Result<Vec<webhook::Model>, StoreError> {
        Ok(webhook::Entity::find()
            .filter(webhook::Column::OrganisationId.eq(organisation_id))
            .order_by_asc(webhook::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// One webhook of the organisation.
    pub async fn webhook(
        &self,
        organisation_id: OrganisationId,
        id: WebhookId,
    ) -> Result<Option<webhook::Model>, StoreError> {
        Ok(webhook::Entity::find_by_id(id)
            .filter(webhook::Column::OrganisationId.eq(organisation_id))
            .one(&self.db)
            .await?)
    }

    /// One webhook by id alone, for the worker.
    pub async fn webhook_by_id(&self, id: WebhookId) -> Result<Option<webhook::Model>, StoreError> {
        Ok(webhook::Entity::find_by_id(id).one(&self.db).await?)
    }

    /// Writes a changed webhook.
    pub async fn update_webhook(&self, row: webhook::Model) -> Result<webhook::Model, StoreError> {
        Ok(row.into_active_model().reset_all().update(&self.db).await?)
    }

    /// Deletes a webhook with its deliveries.
    pub async fn delete_webhook(&self, id: WebhookId) -> Result<(), StoreError> {
        webhook::Entity::delete_by_id(id).exec(&self.db).await?;
        Ok(())
    }

    /// Events not yet dispatched to webhooks, oldest first.
    pub async fn undispatched_events(&self, limit: u64) -> Result<Vec<event::Model>, StoreError> {
        Ok(event::Entity::find()
            .filter(event::Column::DeliveredAt.is_null())
            .order_by_asc(event::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?)
    }

    /// Marks an event dispatched and stores its deliveries with their jobs,
    /// all in one transaction; `false` when another worker did first.
    pub async fn dispatch_event(
        &self,
        id: EventId,
        at: DateTime<Utc>,
        deliveries: Vec<(webhook_delivery::Model, crate::NewJob)>,
    ) -> Result<bool, StoreError> {
        use sea_orm::TransactionTrait;
        // Claiming the event, its deliveries and their jobs commit together:
        // a crash in between leaves the event undispatched, never half done.
        let txn = self.db.begin().await?;
        let claimed = event::Entity::update_many()
            .col_expr(event::Column::DeliveredAt, Some(at).into())
            .filter(event::Column::Id.eq(id))
            .filter(event::Column::DeliveredAt.is_null())
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            txn.rollback().await?;
            return Ok(false);
        }
        for (delivery, job) in deliveries {
            delivery.into_active_model().insert(&txn).await?;
            crate::jobs::enqueue_job_on(&txn, job, at).await?;
        }
        txn.commit().await?;
        Ok(true)
    }

    /// One event by id.
    pub async fn event(&self, id: EventId) -> Result<Option<event::Model>, StoreError> {
        Ok(event::Entity::find_by_id(id).one(&self.db).await?)
    }

    /// Stores a new delivery.
    /// One delivery of the organisation.
    pub async fn delivery(
        &self,
        organisation_id: OrganisationId,
        id: DeliveryId,
    ) -> Result<Option<webhook_delivery::Model>, StoreError> {
        Ok(webhook_delivery::Entity::find_by_id(id)
            .filter(webhook_delivery::Column::OrganisationId.eq(organisation_id))
            .one(&self.db)
            .await?)
    }

    /// One delivery by id alone, for the worker.
    pub async fn delivery_by_id(
        &self,
        id: DeliveryId,
    ) -> Result<Option<webhook_delivery::Model>, StoreError> {
        Ok(webhook_delivery::Entity::find_by_id(id).one(&self.db).await?)
    }

    /// Writes a changed delivery.
    pub async fn update_delivery(
        &self,
        row: webhook_delivery::Model,
    ) -> Result<webhook_delivery::Model, StoreError> {
        Ok(row.into_active_model().reset_all().update(&self.db).await?)
    }

    /// A webhook's deliveries, newest first.
    pub async fn deliveries(
        &self,
        webhook_id: WebhookId,
        limit: u64,
    ) -> Result<Vec<webhook_delivery::Model>, StoreError> {
        Ok(webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::WebhookId.eq(webhook_id))
            .order_by_desc(webhook_delivery::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?)
    }

    /// Records one attempt.
    pub async fn insert_attempt(&self, row: webhook_attempt::Model) -> Result<(), StoreError> {
        row.into_active_model().insert(&self.db).await?;
        Ok(())
    }

    /// The attempts at the given deliveries, in order.
    pub async fn attempts(
        &self,
        delivery_ids: &[DeliveryId],
    ) -> Result<Vec<webhook_attempt::Model>, StoreError> {
        Ok(webhook_attempt::Entity::find()
            .filter(webhook_attempt::Column::DeliveryId.is_in(delivery_ids.iter().copied()))
            .order_by_asc(webhook_attempt::Column::Id)
            .all(&self.db)
            .await?)
    }
}
