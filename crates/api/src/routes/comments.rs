//! Timestamped comments on calls.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use filmroom_review::ids::{CallId, CommentId};
use filmroom_review::{CommentChanges, CommentKind, CommentView, NewComment, Review};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    error::{ApiError, Problem},
    extract::{ApiJson, Authenticated, IfMatch, etag},
    routes::body::RoleBody,
};

/// What a comment is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommentKindBody {
    /// Something that worked.
    WentWell,
    /// Something to do better.
    Improve,
    /// A question.
    Question,
    /// Anything else.
    Note,
}

impl From<CommentKindBody> for CommentKind {
    fn from(k: CommentKindBody) -> Self {
        match k {
            CommentKindBody::WentWell => Self::WentWell,
            CommentKindBody::Improve => Self::Improve,
            CommentKindBody::Question => Self::Question,
            CommentKindBody::Note => Self::Note,
        }
    }
}

impl From<CommentKind> for CommentKindBody {
    fn from(k: CommentKind) -> Self {
        match k {
            CommentKind::WentWell => Self::WentWell,
            CommentKind::Improve => Self::Improve,
            CommentKind::Question => Self::Question,
            CommentKind::Note => Self::Note,
        }
    }
}

/// Who wrote a comment.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentAuthor {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Role when they wrote it.
    pub role: RoleBody,
}

/// A comment.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentBody {
    /// Id.
    pub id: Uuid,
    /// The call.
    pub call_id: Uuid,
    /// The author.
    pub author: CommentAuthor,
    /// Where in the call, ms.
    pub at_ms: i64,
    /// End of the range, ms.
    pub end_ms: Option<i64>,
    /// The text.
    pub body: String,
    /// What it is about.
    pub kind: CommentKindBody,
    /// The comment it replies to.
    pub parent_id: Option<Uuid>,
    /// Creation time.
    #[serde(serialize_with = "crate::routes::body::rfc3339")]
    pub created_at: DateTime<Utc>,
    /// Last edit.
    #[serde(serialize_with = "crate::routes::body::rfc3339")]
    pub updated_at: DateTime<Utc>,
    /// Moves by one on every edit. Send it back as `If-Match: "<version>"`
    /// with an edit, and an edit made meanwhile elsewhere is not overwritten.
    pub version: i32,
    /// With `?with_transcript=true`: the transcript line spoken at `at_ms`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcript: Option<crate::routes::transcripts::SegmentBody>,
}

impl From<CommentView> for CommentBody {
    fn from(v: CommentView) -> Self {
        Self {
            id: v.row.id.into(),
            call_id: v.row.call_id.into(),
            author: CommentAuthor {
                id: v.row.author_id.into(),
                name: v.author_name,
                role: v.row.author_role.into(),
            },
            at_ms: v.row.at_ms,
            end_ms: v.row.end_ms,
            body: v.row.body,
            kind: v.row.kind.into(),
            parent_id: v.row.parent_id.map(Into::into),
            created_at: v.row.created_at,
            updated_at: v.row.updated_at,
            version: v.row.version,
            transcript: None,
        }
    }
}

/// A new comment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "at_ms": 73500,
    "end_ms": 81200,
    "body": "Good pause after giving the price: you let the customer react before defending it.",
    "kind": "went_well"
}))]
pub struct CreateCommentRequest {
    /// Where in the call, ms (0 to the call's duration).
    #[schema(example = 73_500)]
    pub at_ms: i64,
    /// End of a range, ms (after `at_ms`).
    pub end_ms: Option<i64>,
    /// The text, up to 10,000 characters.
    pub body: String,
    /// What it is about.
    pub kind: CommentKindBody,
    /// Reply to this comment (replies are one level deep).
    pub parent_id: Option<Uuid>,
}

/// Changes to one's own comment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "at_ms": 73500,
    "end_ms": 95000,
    "body": "You discounted before asking what the budget was; ask first, then anchor on value.",
    "kind": "improve"
}))]
pub struct UpdateCommentRequest {
    /// New position.
    pub at_ms: Option<i64>,
    /// New end; `null` makes it a comment on one moment.
    #[serde(default, deserialize_with = "crate::routes::body::present")]
    #[schema(value_type = Option<i64>)]
    pub end_ms: Option<Option<i64>>,
    /// New text.
    pub body: Option<String>,
    /// New kind.
    pub kind: Option<CommentKindBody>,
}

/// Comments on a call.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentList {
    /// By time in the call.
    pub items: Vec<CommentBody>,
}

/// Polling.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CommentQuery {
    /// Only comments created or edited after this time.
    pub since: Option<DateTime<Utc>>,
    /// Add the transcript line spoken at each comment's time.
    pub with_transcript: Option<bool>,
}

/// Comments on a ready call the caller can see, ordered by time in the call.
/// The rep's comments are theirs alone until they share the call.
#[utoipa::path(
    tag = "comments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Call id"), CommentQuery),
    responses(
        (status = 200, description = "Comments", body = CommentList),
        (status = 409, description = "The call is not analysed yet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/calls/{id}/comments")]
pub async fn list_comments(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<CallId>,
    query: web::Query<CommentQuery>,
) -> Result<web::Json<CommentList>, ApiError> {
    let id = id.into_inner();
    let items = if query.with_transcript.unwrap_or(false) {
        review
            .calls()
            .comments_with_transcript(&actor, id, query.since)
            .await?
            .into_iter()
            .map(|(comment, line)| CommentBody {
                transcript: line.map(Into::into),
                ..comment.into()
            })
            .collect()
    } else {
        review
            .weekly()
            .comments(&actor, id, query.since)
            .await?
            .into_iter()
            .map(Into::into)
            .collect()
    };
    Ok(web::Json(CommentList { items }))
}

/// Comments on a moment (or a stretch) of a ready call.
#[utoipa::path(
    tag = "comments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Call id")),
    request_body = CreateCommentRequest,
    responses(
        (status = 201, description = "Created", body = CommentBody, headers(("ETag" = String, description = "The comment's version, to send back as `If-Match` with an edit"))),
        (status = 409, description = "The call is not ready", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/calls/{id}/comments")]
pub async fn create_comment(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<CallId>,
    ApiJson(body): ApiJson<CreateCommentRequest>,
) -> Result<HttpResponse, ApiError> {
    let new = NewComment {
        at_ms: body.at_ms,
        end_ms: body.end_ms,
        body: body.body,
        kind: body.kind.into(),
        parent_id: body.parent_id.map(Into::into),
    };
    let comment = review.weekly().add_comment(&actor, id.into_inner(), new).await?;
    Ok(HttpResponse::Created()
        .insert_header(etag(comment.row.version))
        .json(CommentBody::from(comment)))
}

/// Edits one's own comment.
///
/// With `If-Match` (the comment's `ETag` or `version`), an edit made since elsewhere is not overwritten: 409
/// `edit_conflict` answers with the comment as it stands in `conflict`.
/// Without it, the last edit wins.
#[utoipa::path(
    tag = "comments",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Comment id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` (or `\"<version>\"`) of the comment as you read it; optional"),
    ),
    request_body = UpdateCommentRequest,
    responses(
        (status = 200, description = "Edited", body = CommentBody, headers(("ETag" = String, description = "The comment's new version"))),
        (status = 409, description = "`edit_conflict`: edited since the `If-Match` version", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/comments/{id}")]
pub async fn update_comment(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<CommentId>,
    IfMatch(seen_version): IfMatch,
    ApiJson(body): ApiJson<UpdateCommentRequest>,
) -> Result<HttpResponse, ApiError> {
    let changes = CommentChanges {
        at_ms: body.at_ms,
        end_ms: body.end_ms,
        body: body.body,
        kind: body.kind.map(Into::into),
        seen_version,
    };
    let comment = review.weekly().edit_comment(&actor, id.into_inner(), changes).await?;
    Ok(HttpResponse::Ok().insert_header(etag(comment.row.version)).json(CommentBody::from(comment)))
}

/// Deletes one's own comment and the replies to it.
#[utoipa::path(
    tag = "comments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Comment id")),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/v1/comments/{id}")]
pub async fn delete_comment(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<CommentId>,
) -> Result<HttpResponse, ApiError> {
    review.weekly().delete_comment(&actor, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
