//! Queries for signing in from a browser: passwords, sessions and one-time
//! links. Only hashes of secrets are stored or compared.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, ExprTrait, OnConflict},
};

use crate::ids::{SessionId, SignInLinkId, UserId};
use crate::{
    Store, StoreError,
    cache::{CacheKey, Topic},
    entity::{password, session, sign_in_limit, sign_in_link, user},
};

impl Store {
    /// Counts one sign-in attempt against `key_hash` in one statement, so
    /// attempts made at once in several processes are all counted: a window
    /// that began at or before `expired` starts again at `at`. Answers the
    /// key's window and its count with this attempt.
    pub async fn count_sign_in_attempt(
        &self,
        key_hash: &str,
        at: DateTime<Utc>,
        expired: DateTime<Utc>,
    ) -> Result<sign_in_limit::Model, StoreError> {
        use sign_in_limit::Column;
        let column = |c: Column| Expr::col((sign_in_limit::Entity, c));
        let passed = column(Column::WindowStart).lte(expired);
        let upsert = OnConflict::column(Column::KeyHash)
            .value(
                Column::Failures,
                Expr::case(passed.clone(), 1).finally(column(Column::Failures).add(1)),
            )
            .value(Column::WindowStart, Expr::case(passed, at).finally(column(Column::WindowStart)))
            .to_owned();
        let row =
            sign_in_limit::Model { key_hash: key_hash.to_owned(), window_start: at, failures: 1 };
        Ok(sign_in_limit::Entity::insert(row.into_active_model())
            .on_conflict(upsert)
            .exec_with_returning(self.db.writer())
            .await?)
    }

    /// Takes one attempt back from `key_hash`'s window (an attempt that
    /// succeeded, or one another key refused).
    pub async fn take_back_sign_in_attempt(&self, key_hash: &str) -> Result<(), StoreError> {
        use sign_in_limit::Column;
        sign_in_limit::Entity::update_many()
            .col_expr(Column::Failures, Expr::col(Column::Failures).sub(1))
            .filter(Column::KeyHash.eq(key_hash))
            .filter(Column::Failures.gt(0))
            .exec(self.db.writer())
            .await?;
        Ok(())
    }

    /// Forgets `key_hash`'s window altogether (an account signed in).
    pub async fn forget_sign_in_attempts(&self, key_hash: &str) -> Result<(), StoreError> {
        sign_in_limit::Entity::delete_by_id(key_hash.to_owned()).exec(self.db.writer()).await?;
        Ok(())
    }

    /// Forgets windows that began at or before `expired`: they limit nothing.
    pub async fn prune_sign_in_limits(&self, expired: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(sign_in_limit::Entity::delete_many()
            .filter(sign_in_limit::Column::WindowStart.lte(expired))
            .exec(self.db.writer())
            .await?
            .rows_affected)
    }

    /// Active users with this (normalised) email, in every organisation.
    pub async fn active_users_by_email(&self, email: &str) -> Result<Vec<user::Model>, StoreError> {
        Ok(user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .filter(user::Column::Active.eq(true))
            .order_by_asc(user::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// A user's password hash, if they have set one.
    pub async fn password(&self, user_id: UserId) -> Result<Option<password::Model>, StoreError> {
        Ok(password::Entity::find_by_id(user_id).one(&self.db).await?)
    }

    /// Sets a user's password and ends their other sessions, in one
    /// transaction: a changed password locks out whoever knew the old one.
    pub async fn set_password(
        &self,
        row: password::Model,
        keep_session: Option<SessionId>,
    ) -> Result<(), StoreError> {
        let _changing = self.changing([Topic::Accounts]);
        let txn = self.db.begin().await?;
        let user_id = row.user_id;
        let at = row.updated_at;
        upsert_password(&txn, row).await?;
        end_sessions(&txn, user_id, keep_session, at).await?;
        retire_links(&txn, user_id, at).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Ends every session of a user and retires their unused links, as when
    /// they are deactivated: reactivating them brings neither back.
    pub async fn lock_out(&self, user_id: UserId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let _changing = self.changing([Topic::Accounts]);
        let txn = self.db.begin().await?;
        end_sessions(&txn, user_id, None, at).await?;
        retire_links(&txn, user_id, at).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Marks a link used and sets the password it was made for, in one
    /// transaction. Returns false, changing nothing, when the link was used
    /// or expired in the meantime (two tabs submitting at once).
    pub async fn use_link(
        &self,
        link: SignInLinkId,
        row: password::Model,
    ) -> Result<bool, StoreError> {
        let _changing = self.changing([Topic::Accounts]);
        let txn = self.db.begin().await?;
        let at = row.updated_at;
        let claimed = sign_in_link::Entity::update_many()
            .col_expr(sign_in_link::Column::UsedAt, Expr::value(Some(at)))
            .filter(sign_in_link::Column::Id.eq(link))
            .filter(sign_in_link::Column::UserId.eq(row.user_id))
            .filter(sign_in_link::Column::UsedAt.is_null())
            .filter(sign_in_link::Column::ExpiresAt.gt(at))
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            txn.rollback().await?;
            return Ok(false);
        }
        let user_id = row.user_id;
        upsert_password(&txn, row).await?;
        end_sessions(&txn, user_id, None, at).await?;
        retire_links(&txn, user_id, at).await?;
        txn.commit().await?;
        Ok(true)
    }

    /// Stores a new one-time link and retires the person's earlier unused
    /// ones, so only the newest link they were sent works.
    pub async fn insert_sign_in_link(
        &self,
        row: sign_in_link::Model,
    ) -> Result<sign_in_link::Model, StoreError> {
        let txn = self.db.begin().await?;
        retire_links(&txn, row.user_id, row.created_at).await?;
        let stored = row.into_active_model().insert(&txn).await?;
        txn.commit().await?;
        Ok(stored)
    }

    /// The link with this secret hash and the user it is for.
    pub async fn sign_in_link_by_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<(sign_in_link::Model, user::Model)>, StoreError> {
        let Some(link) = sign_in_link::Entity::find()
            .filter(sign_in_link::Column::TokenHash.eq(token_hash))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let owner = user::Entity::find_by_id(link.user_id)
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::Inconsistent(format!("link {} has no user", link.id)))?;
        Ok(Some((link, owner)))
    }

    /// Stores a new session.
    pub async fn insert_session(&self, row: session::Model) -> Result<session::Model, StoreError> {
        Ok(row.into_active_model().insert(self.db.writer()).await?)
    }

    /// The session with this secret hash and the user it acts as, in one
    /// query: every page asks this first.
    pub async fn session_by_hash(
        &self,
        secret_hash: &str,
    ) -> Result<Option<(session::Model, user::Model)>, StoreError> {
        self.cached(CacheKey::Session(secret_hash.to_owned()), async {
            let owner: sea_orm::RelationDef = session::Entity::belongs_to(user::Entity)
                .from(session::Column::UserId)
                .to(user::Column::Id)
                .into();
            let Some((found, owner)) = session::Entity::find()
                .join(sea_orm::JoinType::LeftJoin, owner)
                .select_also(user::Entity)
                .filter(session::Column::SecretHash.eq(secret_hash))
                .one(&self.db)
                .await?
            else {
                return Ok(None);
            };
            let owner = owner.ok_or_else(|| {
                StoreError::Inconsistent(format!("session {} has no user", found.id))
            })?;
            Ok(Some((found, owner)))
        })
        .await
    }

    /// Records activity on the session with this secret hash (callers do
    /// this at most once a minute).
    pub async fn touch_session(
        &self,
        id: SessionId,
        secret_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(at))
            .filter(session::Column::Id.eq(id))
            .exec(self.db.writer())
            .await?;
        // Only its own kept answer shows the last activity.
        self.db.cache().forget(CacheKey::Session(secret_hash.to_owned()));
        Ok(())
    }

    /// Ends one of a user's sessions; ending an ended one changes nothing.
    /// Returns whether a live session of that user was ended.
    pub async fn end_session(
        &self,
        user_id: UserId,
        id: SessionId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let _changing = self.changing([Topic::Accounts]);
        let ended = session::Entity::update_many()
            .col_expr(session::Column::EndedAt, Expr::value(Some(at)))
            .filter(session::Column::Id.eq(id))
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::EndedAt.is_null())
            .exec(self.db.writer())
            .await?;
        Ok(ended.rows_affected == 1)
    }

    /// Ends every session of a user, but `keep`.
    pub async fn end_sessions_of(
        &self,
        user_id: UserId,
        keep: Option<SessionId>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _changing = self.changing([Topic::Accounts]);
        end_sessions(self.db.writer(), user_id, keep, at).await
    }

    /// A user's sessions that have not ended nor expired, newest first.
    pub async fn live_sessions(
        &self,
        user_id: UserId,
        at: DateTime<Utc>,
    ) -> Result<Vec<session::Model>, StoreError> {
        Ok(session::Entity::find()
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::EndedAt.is_null())
            .filter(session::Column::ExpiresAt.gt(at))
            .order_by_desc(session::Column::Id)
            .all(&self.db)
            .await?)
    }
}

async fn upsert_password(
    db: &impl sea_orm::ConnectionTrait,
    row: password::Model,
) -> Result<(), StoreError> {
    password::Entity::insert(row.into_active_model())
        .on_conflict(
            OnConflict::column(password::Column::UserId)
                .update_columns([password::Column::Hash, password::Column::UpdatedAt])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

async fn end_sessions(
    db: &impl sea_orm::ConnectionTrait,
    user_id: UserId,
    keep: Option<SessionId>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut query = session::Entity::update_many()
        .col_expr(session::Column::EndedAt, Expr::value(Some(at)))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::EndedAt.is_null());
    if let Some(keep) = keep {
        query = query.filter(session::Column::Id.ne(keep));
    }
    query.exec(db).await?;
    Ok(())
}

async fn retire_links(
    db: &impl sea_orm::ConnectionTrait,
    user_id: UserId,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sign_in_link::Entity::update_many()
        .col_expr(sign_in_link::Column::ExpiresAt, Expr::value(at))
        .filter(sign_in_link::Column::UserId.eq(user_id))
        .filter(sign_in_link::Column::UsedAt.is_null())
        .filter(sign_in_link::Column::ExpiresAt.gt(at))
        .exec(db)
        .await?;
    Ok(())
}
