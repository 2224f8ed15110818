//! Queries over integration tokens, idempotency keys and the full-text search
//! of transcripts and comments.

use crate::ids::{CallId, IdempotencyKeyId, IntegrationTokenId, OrganisationId, UserId};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, SqlErr, Statement, Value,
    sea_query::Expr,
};
use uuid::Uuid;

use crate::{
    Store, StoreError,
    entity::{
        idempotency_key::{self, IdempotencyStatus},
        integration_token,
    },
};

/// What the first request with an idempotency key found.
#[derive(Debug, Clone)]
pub enum IdempotencyClaim {
    /// The key is new (or expired); this request runs and owns the row.
    Claimed(idempotency_key::Model),
    /// The key was used before; the row says whether it has answered.
    Existing(idempotency_key::Model),
}

/// Where a search hit was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchSource {
    /// A transcript segment.
    Transcript,
    /// A comment.
    Comment,
}

/// One matching transcript segment or comment.
#[derive(Debug, Clone)]
pub struct SearchHit {
    /// Transcript or comment.
    pub source: SearchSource,
    /// The segment's or comment's id.
    pub id: Uuid,
    /// The call it belongs to.
    pub call_id: CallId,
    /// The rep whose call it is.
    pub rep_id: UserId,
    /// The comment's author (comments only).
    pub author_id: Option<UserId>,
    /// Where in the call, in ms.
    pub at_ms: i64,
    /// The matching text.
    pub text: String,
}

impl Store {
    /// Stores a new integration token.
    pub async fn insert_integration_token(
        &self,
        row: integration_token::Model,
    ) -> Result<integration_token::Model, StoreError> {
        Ok(row.into_active_model().insert(self.db.writer()).await?)
    }

    /// The integration token with this secret hash.
    pub async fn integration_token_by_hash(
        &self,
        secret_hash: &str,
    ) -> Result<Option<integration_token::Model>, StoreError> {
        Ok(integration_token::Entity::find()
            .filter(integration_token::Column::SecretHash.eq(secret_hash))
            .one(&self.db)
            .await?)
    }

    /// One integration token by id alone, for callbacks that name it in their URL.
    pub async fn integration_token_by_id(
        &self,
        id: IntegrationTokenId,
    ) -> Result<Option<integration_token::Model>, StoreError> {
        Ok(integration_token::Entity::find_by_id(id).one(&self.db).await?)
    }

    /// One integration token of the organisation.
    pub async fn integration_token(
        &self,
        organisation_id: OrganisationId,
        id: IntegrationTokenId,
    ) -> Result<Option<integration_token::Model>, StoreError> {
        Ok(integration_token::Entity::find_by_id(id)
            .filter(integration_token::Column::OrganisationId.eq(organisation_id))
            .one(&self.db)
            .await?)
    }

    /// The organisation's integration tokens in id order, after `after`.
    pub async fn integration_tokens_page(
        &self,
        organisation_id: OrganisationId,
        after: Option<IntegrationTokenId>,
        limit: u64,
    ) -> Result<Vec<integration_token::Model>, StoreError> {
        let mut query = integration_token::Entity::find()
            .filter(integration_token::Column::OrganisationId.eq(organisation_id));
        if let Some(after) = after {
            query = query.filter(integration_token::Column::Id.gt(after));
        }
        Ok(query.order_by_asc(integration_token::Column::Id).limit(limit).all(&self.db).await?)
    }

    /// Writes a changed integration token.
    pub async fn update_integration_token(
        &self,
        row: integration_token::Model,
    ) -> Result<integration_token::Model, StoreError> {
        Ok(row.into_active_model().reset_all().update(self.db.writer()).await?)
    }

    /// Marks an integration token revoked unless it already is.
    pub async fn revoke_integration_token(
        &self,
        token: integration_token::Model,
        at: DateTime<Utc>,
    ) -> Result<integration_token::Model, StoreError> {
        if token.revoked_at.is_some() {
            return Ok(token);
        }
        let mut active = token.into_active_model();
        active.revoked_at = sea_orm::Set(Some(at));
        Ok(active.update(self.db.writer()).await?)
    }

    /// Records that an integration token was used, at most once a minute.
    pub async fn touch_integration_token(
        &self,
        id: IntegrationTokenId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        integration_token::Entity::update_many()
            .col_expr(integration_token::Column::LastUsedAt, Expr::value(at))
            .filter(integration_token::Column::Id.eq(id))
            .filter(
                Condition::any()
                    .add(integration_token::Column::LastUsedAt.is_null())
                    .add(integration_token::Column::LastUsedAt.lt(at - Duration::minutes(1))),
            )
            .exec(self.db.writer())
            .await?;
        Ok(())
    }

    /// Claims `key` for `scope`. Keys older than `retention` are forgotten
    /// first, and a claim still in progress after `stale_after` (its request
    /// died with its process) is taken over.
    pub async fn claim_idempotency_key(
        &self,
        scope: &str,
        key: &str,
        at: DateTime<Utc>,
        retention: Duration,
        stale_after: Duration,
    ) -> Result<IdempotencyClaim, StoreError> {
        idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::CreatedAt.lt(at - retention))
            .exec(self.db.writer())
            .await?;
        let row = idempotency_key::Model {
            id: IdempotencyKeyId::from(Uuid::nil()),
            scope: scope.to_owned(),
            key: key.to_owned(),
            request_hash: None,
            status: IdempotencyStatus::InProgress,
            response_status: None,
            response_headers: None,
            response_body: None,
            created_at: at,
            completed_at: None,
        };
        // A key released between our failed insert and the read is free
        // again: try once more rather than fail.
        for _ in 0..3 {
            let row = idempotency_key::Model { id: IdempotencyKeyId::generate(), ..row.clone() };
            match row.clone().into_active_model().insert(self.db.writer()).await {
                Ok(row) => return Ok(IdempotencyClaim::Claimed(row)),
                Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {}
                Err(e) => return Err(e.into()),
            }
            let Some(existing) = idempotency_key::Entity::find()
                .filter(idempotency_key::Column::Scope.eq(scope))
                .filter(idempotency_key::Column::Key.eq(key))
                .one(&self.db)
                .await?
            else {
                continue;
            };
            if existing.status == IdempotencyStatus::InProgress
                && existing.created_at < at - stale_after
            {
                // The new owner gets a new id, so the stale request, should it
                // still finish, completes or releases nothing.
                let owner = IdempotencyKeyId::generate();
                let taken = idempotency_key::Entity::update_many()
                    .col_expr(idempotency_key::Column::Id, Expr::value(owner))
                    .col_expr(idempotency_key::Column::CreatedAt, Expr::value(at))
                    .filter(idempotency_key::Column::Id.eq(existing.id))
                    .filter(idempotency_key::Column::Status.eq(IdempotencyStatus::InProgress))
                    .exec(self.db.writer())
                    .await?;
                if taken.rows_affected == 1 {
                    return Ok(IdempotencyClaim::Claimed(idempotency_key::Model {
                        id: owner,
                        created_at: at,
                        ..existing
                    }));
                }
                continue;
            }
            return Ok(IdempotencyClaim::Existing(existing));
        }
        Err(StoreError::Inconsistent(format!(
            "idempotency key `{key}` changed hands too often while being claimed"
        )))
    }

    /// Stores the response of a claimed key.
    pub async fn complete_idempotency_key(
        &self,
        id: IdempotencyKeyId,
        request_hash: &str,
        status: i32,
        headers: serde_json::Value,
        body: Vec<u8>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        idempotency_key::Entity::update_many()
            .col_expr(idempotency_key::Column::RequestHash, Expr::value(request_hash))
            .col_expr(idempotency_key::Column::Status, Expr::value(IdempotencyStatus::Completed))
            .col_expr(idempotency_key::Column::ResponseStatus, Expr::value(status))
            .col_expr(idempotency_key::Column::ResponseHeaders, Expr::value(headers))
            .col_expr(idempotency_key::Column::ResponseBody, Expr::value(body))
            .col_expr(idempotency_key::Column::CompletedAt, Expr::value(at))
            .filter(idempotency_key::Column::Id.eq(id))
            .filter(idempotency_key::Column::Status.eq(IdempotencyStatus::InProgress))
            .exec(self.db.writer())
            .await?;
        Ok(())
    }

    /// Forgets a claimed key whose request left nothing worth replaying.
    pub async fn release_idempotency_key(&self, id: IdempotencyKeyId) -> Result<(), StoreError> {
        idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::Id.eq(id))
            .filter(idempotency_key::Column::Status.eq(IdempotencyStatus::InProgress))
            .exec(self.db.writer())
            .await?;
        Ok(())
    }

    /// Transcript segments and comments of the organisation's calls that match
    /// every word of `words`, best first, on calls of `rep_ids` (`None`: any
    /// rep). A rep's comments on a call not yet shared are left out unless
    /// `viewer` is that rep, so that unreadable comments do not crowd out the
    /// `limit`; the review layer still applies its visibility rule to every hit.
    pub async fn search(
        &self,
        organisation_id: OrganisationId,
        viewer: UserId,
        rep_ids: Option<&[UserId]>,
        words: &[String],
        limit: u64,
    ) -> Result<Vec<SearchHit>, StoreError> {
        let backend = sea_orm::ConnectionTrait::get_database_backend(&self.db);
        let mut hits = Vec::new();
        for source in [SearchSource::Transcript, SearchSource::Comment] {
            let scope = SearchScope { organisation_id, viewer, rep_ids };
            let statement = search_statement(backend, source, &scope, words, limit);
            for row in self.db.query_all_raw(statement).await? {
                hits.push(SearchHit {
                    source,
                    id: row.try_get("", "id")?,
                    call_id: row.try_get("", "call_id")?,
                    rep_id: row.try_get("", "rep_id")?,
                    author_id: match source {
                        SearchSource::Comment => Some(row.try_get("", "author_id")?),
                        SearchSource::Transcript => None,
                    },
                    at_ms: row.try_get("", "at_ms")?,
                    text: row.try_get("", "text")?,
                });
            }
        }
        Ok(hits)
    }
}

/// The backend's full-text query: PostgreSQL's `to_tsvector @@ plainto_tsquery`
/// over the GIN expression indexes, or SQLite's FTS5 tables.
/// Whose calls and comments a search may return.
struct SearchScope<'a> {
    organisation_id: OrganisationId,
    viewer: UserId,
    rep_ids: Option<&'a [UserId]>,
}

fn search_statement(
    backend: DatabaseBackend,
    source: SearchSource,
    scope: &SearchScope<'_>,
    words: &[String],
    limit: u64,
) -> Statement {
    let mut values: Vec<Value> = Vec::new();
    let mut param = |value: Value| {
        values.push(value);
        match backend {
            DatabaseBackend::Postgres => format!("${}", values.len()),
            _ => "?".to_owned(),
        }
    };
    let postgres = backend == DatabaseBackend::Postgres;
    let (columns, from, text_column) = match (source, postgres) {
        (SearchSource::Transcript, true) => (
            "s.id AS id, s.call_id AS call_id, c.rep_id AS rep_id, s.start_ms AS at_ms, s.text AS text",
            "transcript_segments s JOIN calls c ON c.id = s.call_id",
            "s.text",
        ),
        (SearchSource::Comment, true) => (
            "s.id AS id, s.call_id AS call_id, c.rep_id AS rep_id, s.author_id AS author_id, s.at_ms AS at_ms, s.body AS text",
            "comments s JOIN calls c ON c.id = s.call_id",
            "s.body",
        ),
        (SearchSource::Transcript, false) => (
            "s.id AS id, s.call_id AS call_id, c.rep_id AS rep_id, s.start_ms AS at_ms, s.text AS text",
            "transcript_search f JOIN transcript_segments s ON s.id = f.segment_id JOIN calls c ON c.id = s.call_id",
            "transcript_search",
        ),
        (SearchSource::Comment, false) => (
            "s.id AS id, s.call_id AS call_id, c.rep_id AS rep_id, s.author_id AS author_id, s.at_ms AS at_ms, s.body AS text",
            "comment_search f JOIN comments s ON s.id = f.comment_id JOIN calls c ON c.id = s.call_id",
            "comment_search",
        ),
    };
    let (matches, rank) = if postgres {
        let query = param(words.join(" ").into());
        (
            format!("to_tsvector('english', {text_column}) @@ plainto_tsquery('english', {query})"),
            format!(
                "ts_rank(to_tsvector('english', {text_column}), plainto_tsquery('english', {query})) DESC"
            ),
        )
    } else {
        // Each word quoted, so FTS5 operators in the input are plain text.
        let query = words
            .iter()
            .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" ");
        let query = param(query.into());
        (format!("{text_column} MATCH {query}"), "f.rank".to_owned())
    };
    let organisation = param(scope.organisation_id.into());
    let mut sql = format!(
        "SELECT {columns} FROM {from} WHERE {matches} AND s.organisation_id = {organisation}"
    );
    if source == SearchSource::Comment {
        let viewer = param(scope.viewer.into());
        sql.push_str(&format!(
            " AND (s.author_id <> c.rep_id OR c.rep_id = {viewer} OR EXISTS (SELECT 1 FROM nominations n \
             WHERE n.call_id = c.id AND n.state NOT IN ('nominated', 'self_reviewed')))"
        ));
    }
    if let Some(reps) = scope.rep_ids {
        if reps.is_empty() {
            sql.push_str(" AND 1 = 0");
        } else {
            let list = reps.iter().map(|r| param((*r).into())).collect::<Vec<_>>().join(", ");
            sql.push_str(&format!(" AND c.rep_id IN ({list})"));
        }
    }
    let limit = param(i64::try_from(limit).unwrap_or(i64::MAX).into());
    sql.push_str(&format!(" ORDER BY {rank}, s.id LIMIT {limit}"));
    Statement::from_sql_and_values(backend, sql, values)
}

impl Store {
    /// The user of the organisation with this (normalised) email.
    pub async fn user_by_email(
        &self,
        organisation_id: OrganisationId,
        email: &str,
    ) -> Result<Option<crate::entity::user::Model>, StoreError> {
        use crate::entity::user;
        Ok(user::Entity::find()
            .filter(user::Column::OrganisationId.eq(organisation_id))
            .filter(user::Column::Email.eq(email))
            .one(&self.db)
            .await?)
    }
}
