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
        Ok(row.into_active_model().insert(self.db.writer()).await?)
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
        Ok(row.into_active_model().reset_all().update(self.db.writer()).await?)
    }

    /// Deletes a webhook with its deliveries.
    pub async fn delete_webhook(&self, id: WebhookId) -> Result<(), StoreError> {
        webhook::Entity::delete_by_id(id).exec(self.db.writer()).await?;
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
        Ok(row.into_active_model().reset_all().update(self.db.writer()).await?)
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
        row.into_active_model().insert(self.db.writer()).await?;
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

#[cfg(test)]
mod tests {
    use sea_orm::{EntityTrait, IntoActiveModel};

    use super::*;
    use crate::{
        DatabaseUrl, JobKind, NewJob, StorageLocation,
        entity::{organisation, user, user::Role, webhook_delivery::DeliveryStatus},
        ids::{DeliveryId, EventId, OrganisationId, UserId, WebhookId},
        now,
    };

    async fn store(dir: &std::path::Path) -> Result<Store, StoreError> {
        Store::open(
            &DatabaseUrl::sqlite_file(&dir.join("test.db")),
            &StorageLocation::Filesystem { root: dir.join("objects") },
            true,
        )
        .await
    }

    fn delivery(
        id: DeliveryId,
        org: OrganisationId,
        hook: WebhookId,
        event: EventId,
    ) -> (webhook_delivery::Model, NewJob) {
        let at = now();
        (
            webhook_delivery::Model {
                id,
                organisation_id: org,
                webhook_id: hook,
                event_id: event,
                status: DeliveryStatus::Pending,
                attempts: 0,
                last_status_code: None,
                last_error: None,
                created_at: at,
                updated_at: at,
            },
            NewJob {
                kind: JobKind::DeliverWebhook,
                payload: serde_json::json!({ "delivery_id": id }),
                dedupe_key: format!("webhook:{id}:first"),
                max_attempts: 3,
            },
        )
    }

    /// A failure between claiming an event and storing its deliveries (here
    /// a delivery that cannot be inserted) leaves the event undispatched and
    /// nothing half-written; the next dispatch then happens exactly once.
    #[tokio::test]
    async fn an_event_is_dispatched_with_all_its_deliveries_or_not_at_all() -> Result<(), StoreError>
    {
        let dir = tempfile::tempdir().map_err(StoreError::Io)?;
        let store = store(dir.path()).await?;
        let at = now();
        let org = OrganisationId::generate();
        store
            .insert_organisation_with_admin(
                organisation::Model {
                    id: org,
                    name: "Acme".into(),
                    timezone: "UTC".into(),
                    created_at: at,
                    settings: None,
                },
                user::Model {
                    id: UserId::generate(),
                    organisation_id: org,
                    email: "ada@acme.example".into(),
                    name: "Ada".into(),
                    role: Role::Admin,
                    manager_id: None,
                    external_ids: serde_json::json!({}),
                    active: true,
                    created_at: at,
                    updated_at: at,
                    timezone: None,
                },
            )
            .await?;
        let hook = store
            .insert_webhook(webhook::Model {
                id: WebhookId::generate(),
                organisation_id: org,
                url: "https://hooks.example/filmroom".into(),
                secret: "whsec_test".into(),
                event_types: serde_json::json!(["call.ready"]),
                active: true,
                created_at: at,
                updated_at: at,
            })
            .await?;
        let event = EventId::generate();
        event::Entity::insert(
            event::Model {
                id: event,
                organisation_id: org,
                kind: "call.ready".into(),
                payload: serde_json::json!({}),
                created_at: at,
                delivered_at: None,
            }
            .into_active_model(),
        )
        .exec(&store.db)
        .await?;

        // The second delivery repeats the first's id: the insert fails midway.
        let same = DeliveryId::generate();
        let broken = vec![delivery(same, org, hook.id, event), delivery(same, org, hook.id, event)];
        assert!(store.dispatch_event(event, now(), broken).await.is_err());
        assert_eq!(store.undispatched_events(10).await?.len(), 1, "the event is still to dispatch");
        assert!(store.deliveries(hook.id, 10).await?.is_empty(), "nothing was half written");

        let good = vec![delivery(DeliveryId::generate(), org, hook.id, event)];
        assert!(store.dispatch_event(event, now(), good).await?);
        let again = vec![delivery(DeliveryId::generate(), org, hook.id, event)];
        assert!(!store.dispatch_event(event, now(), again).await?, "dispatched once only");
        assert_eq!(store.deliveries(hook.id, 10).await?.len(), 1);
        assert!(store.undispatched_events(10).await?.is_empty());
        Ok(())
    }
}
