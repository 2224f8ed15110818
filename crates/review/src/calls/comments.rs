//! Timestamped comments on calls. The rep's own comments stay private until
//! they share the call: "no coaching until you have tried to coach yourself".

use crate::rules::ids::{CallId, CommentId, OrganisationId, UserId};
use crate::rules::versioned::save_unchanged;
use crate::rules::visibility::rep_work_visible;
use crate::{context::WeeklyReview, rules::actor::Actor};
use filmroom_store::Role;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use filmroom_store::{
    CallStatus,
    entity::{call, comment, comment::CommentKind},
    now,
};
use uuid::Uuid;

use crate::rules::error::Entity;
use crate::{rules::call_status::status_name, rules::error::ReviewError};

/// How a comment by someone no longer in the organisation is signed.
const FORMER_USER: &str = "former user";

/// Longest comment body, in characters.
pub const MAX_BODY_CHARS: usize = 10_000;

/// A new comment.
#[derive(Debug, Clone)]
pub struct NewComment {
    /// Where in the call.
    pub at_ms: i64,
    /// End of a range.
    pub end_ms: Option<i64>,
    /// The text.
    pub body: String,
    /// What it is about.
    pub kind: CommentKind,
    /// The comment it replies to.
    pub parent_id: Option<CommentId>,
}

/// Changes to one's own comment; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct CommentChanges {
    /// New position.
    pub at_ms: Option<i64>,
    /// New end (`Some(None)` makes it a point comment).
    pub end_ms: Option<Option<i64>>,
    /// New text.
    pub body: Option<String>,
    /// New kind.
    pub kind: Option<CommentKind>,
    /// The version the editor saw (an API `If-Match`, the page's version
    /// field): when the comment has moved on since, nothing is saved and the
    /// answer is an edit conflict. `None` saves over whatever is there.
    pub seen_version: Option<i32>,
}

/// A comment with its author's name.
#[derive(Debug, Clone)]
pub struct CommentView {
    /// The comment.
    pub row: Comment,
    /// The author's display name.
    pub author_name: String,
    /// The rep's own comment on a call not yet shared: only the rep sees it.
    pub private_until_shared: bool,
}

fn check_body(body: &str) -> Result<String, ReviewError> {
    let trimmed = body.trim();
    if trimmed.is_empty() || trimmed.chars().count() > MAX_BODY_CHARS {
        return Err(ReviewError::InvalidField {
            field: "body".into(),
            message: format!("must be 1 to {MAX_BODY_CHARS} characters"),
        });
    }
    Ok(trimmed.to_owned())
}

/// Checks a comment's position against the call's duration.
fn check_offsets(at_ms: i64, end_ms: Option<i64>, duration_ms: i64) -> Result<(), ReviewError> {
    if !(0..=duration_ms).contains(&at_ms) {
        return Err(ReviewError::OffsetOutOfRange { field: "at_ms", value: at_ms, duration_ms });
    }
    if let Some(end) = end_ms {
        if !(0..=duration_ms).contains(&end) {
            return Err(ReviewError::OffsetOutOfRange { field: "end_ms", value: end, duration_ms });
        }
        if end <= at_ms {
            return Err(ReviewError::InvalidField {
                field: "end_ms".into(),
                message: format!(
                    "must be after at_ms ({at_ms}); leave it out for a comment on one moment"
                ),
            });
        }
    }
    Ok(())
}

impl WeeklyReview<'_> {
    /// A ready call the caller can see, with whether its review is shared.
    /// A call whose comments the caller may read (`reading`) or write: a
    /// ready call, or for reading also one whose recording an admin removed,
    /// since the coaching record stays.
    async fn commentable_call(
        &self,
        actor: &Actor,
        call_id: CallId,
        reading: bool,
    ) -> Result<(call::Model, bool), ReviewError> {
        let call = self.visible_call(actor, call_id).await?;
        let readable = reading && call.status == CallStatus::AudioDeleted;
        if call.status != CallStatus::Ready && !readable {
            return Err(ReviewError::NotReady {
                what: "comments",
                status: status_name(call.status),
            });
        }
        let shared = self.store.call_is_shared(call.id).await?;
        Ok((call, shared))
    }

    async fn with_names(
        &self,
        actor: &Actor,
        rows: Vec<comment::Model>,
    ) -> Result<Vec<CommentView>, ReviewError> {
        let authors: Vec<UserId> = rows
            .iter()
            .map(|r| r.author_id)
            .collect::<std::collections::HashSet<_>>()
            .into_iter()
            .collect();
        // One query for every author's name, however many comments there are.
        let limit = u64::try_from(authors.len()).unwrap_or(u64::MAX);
        let names: HashMap<UserId, String> = self
            .store
            .users_page(actor.organisation_id, Some(&authors), None, limit)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let views = rows
            .into_iter()
            .map(|row| {
                let author_name =
                    names.get(&row.author_id).cloned().unwrap_or_else(|| FORMER_USER.to_owned());
                CommentView { row: row.into(), author_name, private_until_shared: false }
            })
            .collect::<Vec<_>>();
        Ok(views)
    }

    /// Comments on a call the caller can see, by time; `since` returns only
    /// those created or edited after it, for polling.
    pub async fn comments(
        &self,
        actor: &Actor,
        call_id: CallId,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<CommentView>, ReviewError> {
        let (call, shared) = self.commentable_call(actor, call_id, true).await?;
        let rows =
            self.store.comments_of_call_with_authors(actor.organisation_id, call.id, since).await?;
        Ok(rows
            .into_iter()
            .filter(|(c, _)| rep_work_visible(actor.user_id, call.rep_id, c.author_id, shared))
            .map(|(row, author)| CommentView {
                private_until_shared: !shared && row.author_id == call.rep_id,
                author_name: author.unwrap_or_else(|| FORMER_USER.to_owned()),
                row: row.into(),
            })
            .collect())
    }

    /// Comments on a call the caller can see.
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id, call = %call_id), err(level = "info"))]
    pub async fn add_comment(
        &self,
        actor: &Actor,
        call_id: CallId,
        new: NewComment,
    ) -> Result<CommentView, ReviewError> {
        let (call, shared) = self.commentable_call(actor, call_id, false).await?;
        let body = check_body(&new.body)?;
        check_offsets(new.at_ms, new.end_ms, call.duration_ms.unwrap_or_default())?;
        if let Some(parent_id) = new.parent_id {
            let parent_field =
                |message: String| ReviewError::InvalidField { field: "parent_id".into(), message };
            let parent = self
                .store
                .comment(actor.organisation_id, parent_id)
                .await?
                .filter(|p| p.call_id == call.id)
                .filter(|p| rep_work_visible(actor.user_id, call.rep_id, p.author_id, shared))
                .ok_or_else(|| parent_field(format!("no comment {parent_id} on this call")))?;
            if parent.parent_id.is_some() {
                return Err(parent_field(
                    "replies are one level deep; reply to the comment that started the thread"
                        .into(),
                ));
            }
        }
        let at = now();
        let row = comment::Model {
            id: Uuid::now_v7().into(),
            organisation_id: actor.organisation_id,
            call_id: call.id,
            author_id: actor.user_id,
            author_role: actor.role,
            at_ms: new.at_ms,
            end_ms: new.end_ms,
            body,
            kind: new.kind,
            parent_id: new.parent_id,
            created_at: at,
            updated_at: at,
            version: 1,
        };
        let row = self.store.insert_comment(row).await?;
        let mut views = self.with_names(actor, vec![row]).await?;
        let mut view = views.pop().ok_or_else(|| ReviewError::NotFound {
            entity: Entity::Comment,
            id: call_id.to_string(),
        })?;
        view.private_until_shared = !shared && view.row.author_id == call.rep_id;
        Ok(view)
    }

    async fn own_comment(
        &self,
        actor: &Actor,
        id: CommentId,
    ) -> Result<(comment::Model, call::Model), ReviewError> {
        let not_found = || ReviewError::NotFound { entity: Entity::Comment, id: id.to_string() };
        let row = self.store.comment(actor.organisation_id, id).await?.ok_or_else(not_found)?;
        // Visibility first: someone who cannot see the call cannot learn the comment exists.
        let (call, shared) =
            self.commentable_call(actor, row.call_id, false).await.map_err(|_| not_found())?;
        if !rep_work_visible(actor.user_id, call.rep_id, row.author_id, shared) {
            return Err(not_found());
        }
        if row.author_id != actor.user_id {
            return Err(ReviewError::Forbidden(
                "only its author can change or delete a comment".into(),
            ));
        }
        Ok((row, call))
    }

    /// Edits one's own comment.
    pub async fn edit_comment(
        &self,
        actor: &Actor,
        id: CommentId,
        changes: CommentChanges,
    ) -> Result<CommentView, ReviewError> {
        let row = save_unchanged(
            changes.seen_version,
            |(row, _): &(comment::Model, _)| row.version,
            async || self.own_comment(actor, id).await,
            async |(mut row, call)| {
                if let Some(body) = &changes.body {
                    row.body = check_body(body)?;
                }
                if let Some(kind) = changes.kind {
                    row.kind = kind;
                }
                if let Some(at_ms) = changes.at_ms {
                    row.at_ms = at_ms;
                }
                if let Some(end_ms) = changes.end_ms {
                    row.end_ms = end_ms;
                }
                check_offsets(row.at_ms, row.end_ms, call.duration_ms.unwrap_or_default())?;
                row.updated_at = now();
                Ok(self.store.update_comment(row).await?)
            },
            async |(row, _)| comment_conflict(row),
        )
        .await?;
        let mut views = self.with_names(actor, vec![row]).await?;
        views
            .pop()
            .ok_or_else(|| ReviewError::NotFound { entity: Entity::Comment, id: id.to_string() })
    }

    /// Deletes one's own comment and the replies to it.
    pub async fn delete_comment(&self, actor: &Actor, id: CommentId) -> Result<(), ReviewError> {
        let (row, _) = self.own_comment(actor, id).await?;
        Ok(self.store.delete_comment(row.call_id, row.id).await?)
    }
}

/// The conflict of an edit made over an older copy of one's own comment
/// (another tab, another device): only its author edits a comment.
fn comment_conflict(row: &comment::Model) -> ReviewError {
    ReviewError::EditConflict(Box::new(crate::rules::error::EditConflict {
        what: "comment".into(),
        version: row.version.to_string(),
        theirs: row.body.clone(),
        changed_by: "you".into(),
        changed_at: row.updated_at,
        criterion: None,
    }))
}

/// A timestamped comment on a call.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    /// UUIDv7.
    pub id: CommentId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// The call.
    pub call_id: CallId,
    /// Who wrote it.
    pub author_id: UserId,
    /// The author's role when they wrote it.
    pub author_role: Role,
    /// Where in the call, in milliseconds.
    pub at_ms: i64,
    /// End of the range, for a comment on a stretch of the call.
    pub end_ms: Option<i64>,
    /// The text.
    pub body: String,
    /// What it is about.
    pub kind: CommentKind,
    /// The comment this replies to (one level).
    pub parent_id: Option<CommentId>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last edit.
    pub updated_at: DateTime<Utc>,
    /// Moves by one on every edit; what `If-Match` and the page send back.
    pub version: i32,
}

impl From<comment::Model> for Comment {
    fn from(row: comment::Model) -> Self {
        Self {
            id: row.id,
            organisation_id: row.organisation_id,
            call_id: row.call_id,
            author_id: row.author_id,
            author_role: row.author_role,
            at_ms: row.at_ms,
            end_ms: row.end_ms,
            body: row.body,
            kind: row.kind,
            parent_id: row.parent_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        }
    }
}
