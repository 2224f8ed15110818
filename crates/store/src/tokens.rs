//! Queries over API tokens. Only hashes of secrets are stored or compared.

use crate::ids::{OrganisationId, TokenId, UserId};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, JoinType, QueryFilter,
    QueryOrder, QuerySelect, RelationDef, sea_query::Expr,
};

use crate::{
    Store, StoreError,
    cache::{CacheKey, Topic},
    entity::{api_token, user},
};

impl Store {
    /// Stores a new token.
    pub async fn insert_token(
        &self,
        row: api_token::Model,
    ) -> Result<api_token::Model, StoreError> {
        Ok(row.into_active_model().insert(self.db.writer()).await?)
    }

    /// The token with this secret hash and the user it acts as, in one
    /// query: every API request asks this first.
    pub async fn token_by_hash(
        &self,
        secret_hash: &str,
    ) -> Result<Option<(api_token::Model, user::Model)>, StoreError> {
        self.cached(CacheKey::Token(secret_hash.to_owned()), async {
            let owner: RelationDef = api_token::Entity::belongs_to(user::Entity)
                .from(api_token::Column::UserId)
                .to(user::Column::Id)
                .into();
            let Some((token, owner)) = api_token::Entity::find()
                .join(JoinType::LeftJoin, owner)
                .select_also(user::Entity)
                .filter(api_token::Column::SecretHash.eq(secret_hash))
                .one(&self.db)
                .await?
            else {
                return Ok(None);
            };
            let owner = owner.ok_or_else(|| {
                StoreError::Inconsistent(format!("token {} has no user", token.id))
            })?;
            Ok(Some((token, owner)))
        })
        .await
    }

    /// Records that the token with this secret hash was used, at most once a
    /// minute per token so that reads do not turn into a write each.
    pub async fn touch_token(
        &self,
        id: TokenId,
        secret_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedAt, Expr::value(at))
            .filter(api_token::Column::Id.eq(id))
            .filter(
                Condition::any()
                    .add(api_token::Column::LastUsedAt.is_null())
                    .add(api_token::Column::LastUsedAt.lt(at - Duration::minutes(1))),
            )
            .exec(self.db.writer())
            .await?;
        // Only its own kept answer shows the last use.
        self.db.cache().forget(CacheKey::Token(secret_hash.to_owned()));
        Ok(())
    }

    /// One token of the organisation by id.
    pub async fn token(
        &self,
        organisation_id: OrganisationId,
        id: TokenId,
    ) -> Result<Option<api_token::Model>, StoreError> {
        Ok(api_token::Entity::find_by_id(id)
            .filter(api_token::Column::OrganisationId.eq(organisation_id))
            .one(&self.db)
            .await?)
    }

    /// A user's tokens in id order, after `after`, at most `limit`.
    pub async fn tokens_page(
        &self,
        user_id: UserId,
        after: Option<TokenId>,
        limit: u64,
    ) -> Result<Vec<api_token::Model>, StoreError> {
        let mut query = api_token::Entity::find().filter(api_token::Column::UserId.eq(user_id));
        if let Some(after) = after {
            query = query.filter(api_token::Column::Id.gt(after));
        }
        Ok(query.order_by_asc(api_token::Column::Id).limit(limit).all(&self.db).await?)
    }

    /// Marks a token revoked unless it already is; returns the stored row.
    pub async fn revoke_token(
        &self,
        token: api_token::Model,
        at: DateTime<Utc>,
    ) -> Result<api_token::Model, StoreError> {
        if token.revoked_at.is_some() {
            return Ok(token);
        }
        let _changing = self.changing([Topic::Accounts]);
        let txn = self.db.begin().await?;
        // The write comes first: on SQLite it takes the write lock before any
        // read, so the transaction never has to upgrade a read lock (which
        // fails at once under concurrent writers instead of waiting).
        let id = token.id;
        let mut active = token.into_active_model();
        active.revoked_at = sea_orm::Set(Some(at));
        let revoked = active.update(&txn).await?;
        // Every token minted with this one, and with those, down the lineage.
        let mut generation = vec![id];
        let mut lineage = std::collections::HashSet::new();
        while !generation.is_empty() {
            let mut next = Vec::new();
            for parents in generation.chunks(500) {
                let children: Vec<TokenId> = api_token::Entity::find()
                    .select_only()
                    .column(api_token::Column::Id)
                    .filter(api_token::Column::IssuedBy.is_in(parents.iter().copied()))
                    .into_tuple()
                    .all(&txn)
                    .await?;
                next.extend(children.into_iter().filter(|c| lineage.insert(*c)));
            }
            generation = next;
        }
        let lineage: Vec<TokenId> = lineage.into_iter().collect();
        for chunk in lineage.chunks(500) {
            api_token::Entity::update_many()
                .col_expr(api_token::Column::RevokedAt, Some(at).into())
                .filter(api_token::Column::Id.is_in(chunk.iter().copied()))
                .filter(api_token::Column::RevokedAt.is_null())
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(revoked)
    }
}
