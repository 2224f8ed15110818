//! Queries over organisations and users. Every user query is scoped to one
//! organisation, so an id from another tenant simply finds nothing.

use crate::ids::{OrganisationId, UserId};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, SqlErr,
};

use crate::{
    Role, Store, StoreError,
    cache::{CacheKey, Topic},
    entity::{organisation, user},
};

/// The email is already used by another user of the organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmailTaken;

/// One edge of the management tree: a user and their manager, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManagementEdge {
    /// The user.
    pub user_id: UserId,
    /// Their manager.
    pub manager_id: Option<UserId>,
    /// The user's role.
    pub role: Role,
    /// Whether the user is active.
    pub active: bool,
}

impl Store {
    /// Creates an organisation together with its first user, atomically.
    pub async fn insert_organisation_with_admin(
        &self,
        organisation: organisation::Model,
        admin: user::Model,
    ) -> Result<(organisation::Model, user::Model), StoreError> {
        let _changing = self.changing([
            Topic::Organisation(organisation.id),
            Topic::People(organisation.id),
            Topic::Accounts,
        ]);
        let txn = self.db.begin().await?;
        let organisation = organisation.into_active_model().insert(&txn).await?;
        let admin = admin.into_active_model().insert(&txn).await?;
        txn.commit().await?;
        Ok((organisation, admin))
    }

    /// Finds organisations by exact name.
    pub async fn organisation_named(
        &self,
        name: &str,
    ) -> Result<Option<organisation::Model>, StoreError> {
        Ok(organisation::Entity::find()
            .filter(organisation::Column::Name.eq(name))
            .one(&self.db)
            .await?)
    }

    /// One organisation by id.
    pub async fn organisation(
        &self,
        id: OrganisationId,
    ) -> Result<Option<organisation::Model>, StoreError> {
        self.cached(CacheKey::Organisation(id), async {
            Ok(organisation::Entity::find_by_id(id).one(&self.db).await?)
        })
        .await
    }

    /// Inserts a user; a duplicate email within the organisation is an expected outcome.
    pub async fn insert_user(
        &self,
        row: user::Model,
    ) -> Result<Result<user::Model, EmailTaken>, StoreError> {
        let _changing = self.changing([Topic::People(row.organisation_id)]);
        match row.into_active_model().insert(self.db.writer()).await {
            Ok(model) => Ok(Ok(model)),
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                Ok(Err(EmailTaken))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Writes every field of an existing user; a duplicate email is an expected outcome.
    pub async fn update_user(
        &self,
        row: user::Model,
    ) -> Result<Result<user::Model, EmailTaken>, StoreError> {
        // A credential carries its person's role and whether they are active.
        let _changing = self.changing([Topic::People(row.organisation_id), Topic::Accounts]);
        let active = row.into_active_model().reset_all();
        match active.update(self.db.writer()).await {
            Ok(model) => Ok(Ok(model)),
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                Ok(Err(EmailTaken))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// One user of the organisation by id.
    pub async fn user(
        &self,
        organisation_id: OrganisationId,
        id: UserId,
    ) -> Result<Option<user::Model>, StoreError> {
        Ok(user::Entity::find_by_id(id)
            .filter(user::Column::OrganisationId.eq(organisation_id))
            .one(&self.db)
            .await?)
    }

    /// Users of the organisation among `ids` (all of them when `ids` is `None`),
    /// in id order, after `after`, at most `limit`.
    pub async fn users_page(
        &self,
        organisation_id: OrganisationId,
        ids: Option<&[UserId]>,
        after: Option<UserId>,
        limit: u64,
    ) -> Result<Vec<user::Model>, StoreError> {
        let mut query =
            user::Entity::find().filter(user::Column::OrganisationId.eq(organisation_id));
        if let Some(ids) = ids {
            query = query.filter(user::Column::Id.is_in(ids.iter().copied()));
        }
        if let Some(after) = after {
            query = query.filter(user::Column::Id.gt(after));
        }
        Ok(query.order_by_asc(user::Column::Id).limit(limit).all(&self.db).await?)
    }

    /// The whole management tree of the organisation, one edge per user.
    pub async fn management_edges(
        &self,
        organisation_id: OrganisationId,
    ) -> Result<Vec<ManagementEdge>, StoreError> {
        self.cached(CacheKey::ManagementEdges(organisation_id), async {
            let rows: Vec<(UserId, Option<UserId>, Role, bool)> = user::Entity::find()
                .select_only()
                .column(user::Column::Id)
                .column(user::Column::ManagerId)
                .column(user::Column::Role)
                .column(user::Column::Active)
                .filter(user::Column::OrganisationId.eq(organisation_id))
                .into_tuple()
                .all(&self.db)
                .await?;
            Ok(rows
                .into_iter()
                .map(|(user_id, manager_id, role, active)| ManagementEdge {
                    user_id,
                    manager_id,
                    role,
                    active,
                })
                .collect())
        })
        .await
    }

    /// Users of the organisation that have at least one external id set.
    pub async fn users_with_external_ids(
        &self,
        organisation_id: OrganisationId,
    ) -> Result<Vec<user::Model>, StoreError> {
        let users = user::Entity::find()
            .filter(user::Column::OrganisationId.eq(organisation_id))
            .all(&self.db)
            .await?;
        Ok(users
            .into_iter()
            .filter(|u| u.external_ids.as_object().is_some_and(|m| !m.is_empty()))
            .collect())
    }

    /// How many users of the organisation there are.
    pub async fn count_users(&self, organisation_id: OrganisationId) -> Result<u64, StoreError> {
        Ok(user::Entity::find()
            .filter(user::Column::OrganisationId.eq(organisation_id))
            .count(&self.db)
            .await?)
    }
}

/// The current time, truncated to microseconds so that what is written equals
/// what PostgreSQL and SQLite read back.
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}
