//! The call room: the waveform and player, comments pinned to moments, the
//! rubric, the review's state and the transcript. The handlers fetch what
//! the review domain answers, `model` builds what the page shows.

mod model;

use crate::{
    error::{Fragment, PageError},
    guards::Change,
    pages::{changed, page},
    session::Viewer,
    view,
};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use filmroom_review::{
    CallStatus, CommentChanges, CommentView, NewComment, Review, ReviewError, ScoreInput,
    ids::{CallId, CommentId},
};
use serde::Deserialize;

/// The comments the viewer may read on a call (none before it is ready).
async fn fetch_comments(
    review: &Review,
    viewer: &Viewer,
    call_id: CallId,
    status: CallStatus,
) -> Result<Vec<CommentView>, PageError> {
    if matches!(status, CallStatus::Ready | CallStatus::AudioDeleted) {
        Ok(review.weekly().comments(&viewer.actor, call_id, None).await?)
    } else {
        Ok(Vec::new())
    }
}

#[derive(Deserialize)]
struct RoomQuery {
    t: Option<f64>,
}

/// The call room.
#[get("/calls/{id}")]
pub async fn call_room(
    review: web::Data<Review>,
    viewer: Viewer,
    id: web::Path<CallId>,
    query: web::Query<RoomQuery>,
) -> Result<HttpResponse, PageError> {
    let facts = fetch_room(&review, &viewer, id.into_inner()).await?;
    let room = model::call_room(&viewer, facts, query.t);
    Ok(page(room.render()?))
}

/// What the call room shows, as the review domain answers for this viewer.
async fn fetch_room(
    review: &Review,
    viewer: &Viewer,
    id: CallId,
) -> Result<model::RoomFacts, PageError> {
    let call = review.calls().call(&viewer.actor, id).await?;
    let rep = review.directory().user(&viewer.actor, call.rep_id).await?;
    let standing = review.weekly().call_review(&viewer.actor, id).await?;
    let ready = call.status == CallStatus::Ready;
    let transcript =
        if ready { review.calls().transcript(&viewer.actor, id).await? } else { Vec::new() };
    let metrics = if ready {
        match review.calls().metrics(&viewer.actor, id).await {
            Ok(metrics) => Some(metrics),
            Err(ReviewError::SpeechNotAnalysed) => None,
            Err(e) => return Err(e.into()),
        }
    } else {
        None
    };
    let readable = fetch_comments(review, viewer, id, call.status).await?;
    Ok(model::RoomFacts {
        call,
        rep_name: rep.name,
        standing,
        transcript,
        metrics,
        comments: readable,
    })
}

/// While a call is being analysed its room asks this every few seconds: no
/// content until the call is ready or failed, then a reload.
#[get("/calls/{id}/status")]
pub async fn call_status(
    review: web::Data<Review>,
    viewer: Viewer,
    id: web::Path<CallId>,
) -> Result<HttpResponse, Fragment> {
    let call = review.calls().call(&viewer.actor, *id).await?;
    if view::status_pending(call.status) {
        return Ok(HttpResponse::NoContent().finish());
    }
    Ok(HttpResponse::Ok().insert_header(("HX-Refresh", "true")).finish())
}

fn list_response(list: &model::CommentList) -> Result<HttpResponse, Fragment> {
    Ok(crate::html(HttpResponse::Ok(), list.render().map_err(PageError::from)?))
}

/// The comment list, which the call room polls so others' comments appear.
#[get("/calls/{id}/comments")]
pub async fn comments(
    review: web::Data<Review>,
    viewer: Viewer,
    id: web::Path<CallId>,
) -> Result<HttpResponse, Fragment> {
    let call = review.calls().call(&viewer.actor, *id).await?;
    let list = model::comment_list(
        &viewer,
        call.id,
        call.status,
        fetch_comments(&review, &viewer, call.id, call.status).await?,
    );
    list_response(&list)
}

#[derive(Deserialize)]
struct CommentForm {
    at_ms: i64,
    end_ms: Option<String>,
    kind: String,
    body: String,
    parent_id: Option<String>,
    comment_id: Option<String>,
    /// The edited comment's version as the page showed it.
    version: Option<String>,
}

fn optional<T: std::str::FromStr>(
    field: &str,
    raw: Option<&str>,
) -> Result<Option<T>, ReviewError> {
    match raw.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| ReviewError::InvalidField {
            field: field.to_owned(),
            message: format!("`{v}` is not valid here; reload the page"),
        }),
    }
}

/// Adds a comment (or a reply), or edits one's own; answers with the list.
#[post("/calls/{id}/comments")]
pub async fn save_comment(
    req: HttpRequest,
    review: web::Data<Review>,
    Change { viewer, form }: Change<CommentForm>,
    id: web::Path<CallId>,
) -> Result<HttpResponse, Fragment> {
    let id = id.into_inner();
    let kind = view::parse_kind(&form.kind).ok_or_else(|| ReviewError::InvalidField {
        field: "kind".into(),
        message: "choose went well, improve, question or note".into(),
    })?;
    let end_ms: Option<i64> = optional("end_ms", form.end_ms.as_deref())?;
    match optional::<CommentId>("comment_id", form.comment_id.as_deref())? {
        Some(comment) => {
            review
                .weekly()
                .edit_comment(
                    &viewer.actor,
                    comment,
                    CommentChanges {
                        body: Some(form.body),
                        kind: Some(kind),
                        seen_version: optional("version", form.version.as_deref())?,
                        ..CommentChanges::default()
                    },
                )
                .await
                .map_err(crate::error::saving(&viewer, &req))?;
        }
        None => {
            review
                .weekly()
                .add_comment(
                    &viewer.actor,
                    id,
                    NewComment {
                        at_ms: form.at_ms,
                        end_ms,
                        body: form.body,
                        kind,
                        parent_id: optional("parent_id", form.parent_id.as_deref())?,
                    },
                )
                .await?;
        }
    }
    let call = review.calls().call(&viewer.actor, id).await?;
    let list = model::comment_list(
        &viewer,
        id,
        call.status,
        fetch_comments(&review, &viewer, id, call.status).await?,
    );
    list_response(&list)
}

/// Deletes one's own comment (and its replies); answers with the list.
#[post("/calls/{id}/comments/{comment}/delete")]
pub async fn delete_comment(
    review: web::Data<Review>,
    Change { viewer, .. }: Change<crate::pages::Button>,
    path: web::Path<(CallId, CommentId)>,
) -> Result<HttpResponse, Fragment> {
    let (call_id, comment) = path.into_inner();
    review.weekly().delete_comment(&viewer.actor, comment).await?;
    let call = review.calls().call(&viewer.actor, call_id).await?;
    let list = model::comment_list(
        &viewer,
        call_id,
        call.status,
        fetch_comments(&review, &viewer, call_id, call.status).await?,
    );
    list_response(&list)
}

/// Saves the viewer's scores on the call's nomination.
#[post("/calls/{id}/scores")]
pub async fn save_scores(
    req: HttpRequest,
    review: web::Data<Review>,
    Change { viewer, form: fields }: Change<Vec<(String, String)>>,
    id: web::Path<CallId>,
) -> Result<HttpResponse, Fragment> {
    let standing = review.weekly().call_review(&viewer.actor, *id).await?;
    let nomination = standing.nomination.ok_or_else(|| ReviewError::InvalidField {
        field: "call_id".into(),
        message: "this call is not in one of the week's two slots, so it is not scored".into(),
    })?;
    let mut scores = Vec::new();
    for (name, value) in &fields {
        let Some(criterion) = name.strip_prefix("score:") else { continue };
        let value: i32 = value.parse().map_err(|_| ReviewError::InvalidField {
            field: name.clone(),
            message: "choose one of the levels".into(),
        })?;
        let note = fields
            .iter()
            .find(|(k, _)| k.strip_prefix("note:") == Some(criterion))
            .map(|(_, v)| v.clone())
            .filter(|v| !v.trim().is_empty());
        let seen = fields
            .iter()
            .find(|(k, _)| k.strip_prefix("seen:") == Some(criterion))
            .map(|(_, v)| v.clone());
        scores.push(ScoreInput { criterion: criterion.to_owned(), value, note, seen });
    }
    if scores.is_empty() {
        return Err(ReviewError::InvalidField {
            field: "scores".into(),
            message: "choose a level for at least one criterion".into(),
        }
        .into());
    }
    review
        .weekly()
        .put_scores(
            &viewer.actor,
            nomination.row.rep_id,
            &nomination.row.week,
            nomination.row.slot,
            scores,
            filmroom_review::ScoreSave::SentCriteria,
        )
        .await
        .map_err(crate::error::saving(&viewer, &req))?;
    if crate::session::is_htmx(&req) {
        // The player keeps playing: only the form's status line changes.
        return Ok(crate::html(HttpResponse::Ok(), "<span>Scores saved.</span>".to_owned()));
    }
    Ok(changed(&req, &format!("/calls/{id}")))
}

#[derive(Deserialize)]
struct RepChannelForm {
    rep_channel: i32,
}

/// Says which channel of a two-channel call is the rep; the metrics follow.
#[post("/calls/{id}/rep-channel")]
pub async fn set_rep_channel(
    req: HttpRequest,
    review: web::Data<Review>,
    Change { viewer, form }: Change<RepChannelForm>,
    id: web::Path<CallId>,
) -> Result<HttpResponse, Fragment> {
    let details = filmroom_review::CallDetails {
        rep_channel: Some(form.rep_channel),
        ..filmroom_review::CallDetails::default()
    };
    review.calls().update_call(&viewer.actor, *id, details).await?;
    Ok(changed(&req, &format!("/calls/{id}")))
}
