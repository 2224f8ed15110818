//! Queries for email: the once-per-period outbox, opt-outs and unsubscribe
//! tokens, and the few cross-organisation reads the reminder schedule needs.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, sea_query::Expr,
};

use crate::ids::{EmailId, OrganisationId, UserId};
use crate::{
    NewJob, Store, StoreError,
    entity::{
        email::{self, EmailKind, EmailStatus},
        email_opt_out, nomination, one_on_one, organisation, unsubscribe_token, user,
    },
    jobs::enqueue_job_on,
};

impl Store {
    /// Queues an email and the job that sends it, in one transaction, unless
    /// the person already has one of this kind for this period. Returns
    /// whether it was queued.
    pub async fn queue_email(&self, row: email::Model, job: NewJob) -> Result<bool, StoreError> {
        let at = row.created_at;
        let txn = self.db.begin().await?;
        let inserted = email::Entity::insert(row.into_active_model())
            .on_conflict_do_nothing_on([
                email::Column::UserId,
                email::Column::Kind,
                email::Column::Period,
            ])
            .exec_without_returning(&txn)
            .await?;
        if !matches!(inserted, sea_orm::TryInsertResult::Inserted(1)) {
            txn.rollback().await?;
            return Ok(false);
        }
        enqueue_job_on(&txn, job, at).await?;
        txn.commit().await?;
        Ok(true)
    }

    /// Puts a failed email back in the queue with a fresh job, in one
    /// transaction, if it is still failed; returns whether it was.
    pub async fn requeue_failed_email(
        &self,
        id: EmailId,
        job: NewJob,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let txn = self.db.begin().await?;
        let requeued = email::Entity::update_many()
            .col_expr(email::Column::Status, Expr::value(EmailStatus::Queued))
            .col_expr(email::Column::Attempts, Expr::value(0))
            .col_expr(email::Column::LastError, Expr::value(Option::<String>::None))
            .col_expr(email::Column::UpdatedAt, Expr::value(at))
            .filter(email::Column::Id.eq(id))
            .filter(email::Column::Status.eq(EmailStatus::Failed))
            .exec(&txn)
            .await?;
        if requeued.rows_affected != 1 {
            txn.rollback().await?;
            return Ok(false);
        }
        enqueue_job_on(&txn, job, at).await?;
        txn.commit().await?;
        Ok(true)
    }

    /// Takes an email for one send attempt: it must be waiting, or held by
    /// an attempt that started before `stale_before` (its worker died).
    /// Returns whether this attempt has it.
    pub async fn claim_email(
        &self,
        id: EmailId,
        at: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let claimed = email::Entity::update_many()
            .col_expr(email::Column::Status, Expr::value(EmailStatus::Sending))
            .col_expr(email::Column::UpdatedAt, Expr::value(at))
            .filter(email::Column::Id.eq(id))
            .filter(
                Condition::any()
                    .add(email::Column::Status.is_in([EmailStatus::Queued, EmailStatus::Retrying]))
                    .add(
                        Condition::all()
                            .add(email::Column::Status.eq(EmailStatus::Sending))
                            .add(email::Column::UpdatedAt.lt(stale_before)),
                    ),
            )
            .exec(self.db.writer())
            .await?;
        Ok(claimed.rows_affected == 1)
    }

    /// One email.
    pub async fn email(&self, id: EmailId) -> Result<Option<email::Model>, StoreError> {
        Ok(email::Entity::find_by_id(id).one(&self.db).await?)
    }

    /// Writes a changed email.
    pub async fn update_email(&self, row: email::Model) -> Result<email::Model, StoreError> {
        Ok(row.into_active_model().reset_all().update(self.db.writer()).await?)
    }

    /// An organisation's emails, newest first, optionally of some statuses;
    /// `before` is the last id of the previous page.
    pub async fn emails_page(
        &self,
        organisation_id: OrganisationId,
        statuses: &[EmailStatus],
        before: Option<EmailId>,
        limit: u64,
    ) -> Result<Vec<email::Model>, StoreError> {
        let mut query =
            email::Entity::find().filter(email::Column::OrganisationId.eq(organisation_id));
        if !statuses.is_empty() {
            query = query.filter(email::Column::Status.is_in(statuses.iter().copied()));
        }
        if let Some(before) = before {
            query = query.filter(email::Column::Id.lt(before));
        }
        Ok(query.order_by_desc(email::Column::Id).limit(limit).all(&self.db).await?)
    }

    /// Of `users`, those who turned off `kind`.
    pub async fn opted_out(
        &self,
        users: &[UserId],
        kind: EmailKind,
    ) -> Result<HashSet<UserId>, StoreError> {
        Ok(email_opt_out::Entity::find()
            .filter(email_opt_out::Column::UserId.is_in(users.iter().copied()))
            .filter(email_opt_out::Column::Kind.eq(kind))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| row.user_id)
            .collect())
    }

    /// The kinds of email a person turned off.
    pub async fn opt_outs_of(&self, user: UserId) -> Result<Vec<EmailKind>, StoreError> {
        Ok(email_opt_out::Entity::find()
            .filter(email_opt_out::Column::UserId.eq(user))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| row.kind)
            .collect())
    }

    /// Turns one kind of email off (`true`) or back on for a person.
    pub async fn set_opt_out(
        &self,
        user: UserId,
        kind: EmailKind,
        off: bool,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if off {
            let row = email_opt_out::Model { user_id: user, kind, created_at: at };
            email_opt_out::Entity::insert(row.into_active_model())
                .on_conflict_do_nothing_on([
                    email_opt_out::Column::UserId,
                    email_opt_out::Column::Kind,
                ])
                .exec_without_returning(self.db.writer())
                .await?;
        } else {
            email_opt_out::Entity::delete_many()
                .filter(email_opt_out::Column::UserId.eq(user))
                .filter(email_opt_out::Column::Kind.eq(kind))
                .exec(self.db.writer())
                .await?;
        }
        Ok(())
    }

    /// Keeps the hash of an unsubscribe link's secret.
    pub async fn insert_unsubscribe_token(
        &self,
        row: unsubscribe_token::Model,
    ) -> Result<(), StoreError> {
        unsubscribe_token::Entity::insert(row.into_active_model())
            .exec_without_returning(self.db.writer())
            .await?;
        Ok(())
    }

    /// Forgets an unsubscribe token whose email never went out.
    pub async fn delete_unsubscribe_token(&self, token_hash: &str) -> Result<(), StoreError> {
        unsubscribe_token::Entity::delete_by_id(token_hash.to_owned())
            .exec(self.db.writer())
            .await?;
        Ok(())
    }

    /// The unsubscribe token with this hash.
    pub async fn unsubscribe_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<unsubscribe_token::Model>, StoreError> {
        Ok(unsubscribe_token::Entity::find_by_id(token_hash.to_owned()).one(&self.db).await?)
    }

    /// A user by id alone, whatever their organisation: for links that
    /// prove who they are for (unsubscribe).
    pub async fn user_anywhere(&self, id: UserId) -> Result<Option<user::Model>, StoreError> {
        Ok(user::Entity::find_by_id(id).one(&self.db).await?)
    }

    /// Every organisation, for the reminder schedule.
    pub async fn organisations(&self) -> Result<Vec<organisation::Model>, StoreError> {
        Ok(organisation::Entity::find()
            .order_by_asc(organisation::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// An organisation's nominations in one review state, any week.
    pub async fn nominations_in_state(
        &self,
        organisation_id: OrganisationId,
        state: nomination::ReviewState,
    ) -> Result<Vec<nomination::Model>, StoreError> {
        Ok(nomination::Entity::find()
            .filter(nomination::Column::OrganisationId.eq(organisation_id))
            .filter(nomination::Column::State.eq(state))
            .order_by_asc(nomination::Column::SharedAt)
            .all(&self.db)
            .await?)
    }

    /// Scheduled 1:1s of every organisation starting in `from..to`.
    pub async fn one_on_ones_starting(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<one_on_one::Model>, StoreError> {
        Ok(one_on_one::Entity::find()
            .filter(one_on_one::Column::Status.eq(one_on_one::OneOnOneStatus::Scheduled))
            .filter(one_on_one::Column::ScheduledAt.gte(from))
            .filter(one_on_one::Column::ScheduledAt.lt(to))
            .order_by_asc(one_on_one::Column::ScheduledAt)
            .all(&self.db)
            .await?)
    }
}
