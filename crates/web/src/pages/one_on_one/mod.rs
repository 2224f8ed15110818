//! The 1:1 room: the agenda with open items first, last time's commitments,
//! the clip segment built from comments on the rep's shared calls (budget,
//! order, one clip or the whole reel to play), this 1:1's action items, notes,
//! moving or cancelling it, and marking it held. The handlers fetch what
//! the review domain answers, `model` builds what the page shows.

mod model;

use crate::{
    error::{Fragment, PageError},
    guards::Change,
    pages::{Button, changed, page},
    session::Viewer,
    view,
};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use filmroom_review::{
    ActionItemChanges, ClipChanges, ClipSource, OccurrenceChanges, Review, ReviewError,
    ids::{ActionItemId, ClipId, CommentId, OneOnOneId, UserId},
};
use serde::Deserialize;

/// `/one-on-ones/{id}`: everything needed to run one 1:1.
#[get("/one-on-ones/{id}")]
pub async fn room(
    review: web::Data<Review>,
    viewer: Viewer,
    id: web::Path<OneOnOneId>,
) -> Result<HttpResponse, PageError> {
    let facts = fetch_room(&review, &viewer, id.into_inner()).await?;
    let html = model::room(&viewer, facts, chrono::Utc::now()).render()?;
    Ok(page(html))
}

/// What the 1:1 room shows, as the review domain answers for this viewer:
/// the 1:1, the comments that could become clips, and the title and length
/// of every clipped call.
async fn fetch_room(
    review: &Review,
    viewer: &Viewer,
    id: OneOnOneId,
) -> Result<model::RoomFacts, PageError> {
    let one_on_one = review.one_on_ones().one_on_one(&viewer.actor, id).await?;
    let candidates = review.one_on_ones().clip_candidates(&viewer.actor, id).await?;
    let mut calls = std::collections::HashMap::new();
    for c in &candidates {
        calls.insert(c.call.id, (c.call.title.clone(), c.call.duration_ms));
    }
    for clip in &one_on_one.clips {
        if let std::collections::hash_map::Entry::Vacant(slot) = calls.entry(clip.call_id) {
            let call = review.calls().call(&viewer.actor, clip.call_id).await?;
            slot.insert((call.title, call.duration_ms));
        }
    }
    Ok(model::RoomFacts { one_on_one, candidates, calls })
}

fn back(id: OneOnOneId) -> String {
    format!("/one-on-ones/{id}")
}

#[derive(Deserialize)]
struct ClipForm {
    comment_id: CommentId,
}

/// Adds a comment's moment to the clip segment.
#[post("/one-on-ones/{id}/clips")]
pub async fn add_clip(
    req: HttpRequest,
    review: web::Data<Review>,
    Change { viewer, form }: Change<ClipForm>,
    id: web::Path<OneOnOneId>,
) -> Result<HttpResponse, Fragment> {
    let id = id.into_inner();
    review
        .one_on_ones()
        .add_clip(&viewer.actor, id, ClipSource::Comment(form.comment_id), None)
        .await?;
    Ok(changed(&req, &back(id)))
}

#[derive(Deserialize)]
struct ClipMoveForm {
    one_on_one: OneOnOneId,
    position: usize,
}

/// Moves a clip to another place in the segment.
#[post("/clips/{id}/move")]
pub async fn move_clip(
    req: HttpRequest,
    review: web::Data<Review>,
    Change { viewer, form }: Change<ClipMoveForm>,
    id: web::Path<ClipId>,
) -> Result<HttpResponse, Fragment> {
    let changes = ClipChanges { position: Some(form.position), ..ClipChanges::default() };
    review.one_on_ones().update_clip(&viewer.actor, *id, changes).await?;
    Ok(changed(&req, &back(form.one_on_one)))
}

#[derive(Deserialize)]
struct ClipRemoveForm {
    one_on_one: OneOnOneId,
}

/// Takes a clip out of the segment.
#[post("/clips/{id}/remove")]
pub async fn remove_clip(
    req: HttpRequest,
    review: web::Data<Review>,
    Change { viewer, form }: Change<ClipRemoveForm>,
    id: web::Path<ClipId>,
) -> Result<HttpResponse, Fragment> {
    review.one_on_ones().remove_clip(&viewer.actor, *id).await?;
    Ok(changed(&req, &back(form.one_on_one)))
}

#[derive(Deserialize)]
struct ItemForm {
    text: String,
    owner_id: Option<UserId>,
    due_date: Option<String>,
}

fn due_date(raw: Option<&str>) -> Result<Option<NaiveDate>, ReviewError> {
    match raw.map(str::trim).filter(|d| !d.is_empty()) {
        None => Ok(None),
        Some(raw) => NaiveDate::parse_from_str(raw, "%Y-%m-%d").map(Some).map_err(|_| {
            ReviewError::InvalidField {
                field: "due_date".into(),
                message: "choose a due date".into(),
            }
        }),
    }
}

/// Adds a commitment to the 1:1.
#[post("/one-on-ones/{id}/action-items")]
pub async fn add_item(
    req: HttpRequest,
    review: web::Data<Review>,
    Change { viewer, form }: Change<ItemForm>,
    id: web::Path<OneOnOneId>,
) -> Result<HttpResponse, Fragment> {
    let id = id.into_inner();
    let due = due_date(form.due_date.as_deref())?;
    review.one_on_ones().add_action_item(&viewer.actor, id, &form.text, form.owner_id, due).await?;
    Ok(changed(&req, &back(id)))
}

#[derive(Deserialize)]
struct DoneForm {
    one_on_one: OneOnOneId,
    done: bool,
}

/// Marks a commitment done, or open again.
#[post("/action-items/{id}/done")]
pub async fn item_done(
    req: HttpRequest,
    review: web::Data<Review>,
    Change { viewer, form }: Change<DoneForm>,
    id: web::Path<ActionItemId>,
) -> Result<HttpResponse, Fragment> {
    let changes = ActionItemChanges { done: Some(form.done), ..ActionItemChanges::default() };
    review.one_on_ones().update_action_item(&viewer.actor, *id, changes).await?;
    Ok(changed(&req, &back(form.one_on_one)))
}

/// Records that the 1:1 happened.
#[post("/one-on-ones/{id}/held")]
pub async fn hold(
    req: HttpRequest,
    review: web::Data<Review>,
    Change { viewer, .. }: Change<Button>,
    id: web::Path<OneOnOneId>,
) -> Result<HttpResponse, Fragment> {
    let id = id.into_inner();
    review.one_on_ones().hold(&viewer.actor, id).await?;
    Ok(changed(&req, &back(id)))
}

#[derive(Deserialize)]
struct NotesForm {
    notes: String,
    /// The 1:1's version as the page showed it.
    version: Option<i32>,
}

/// Replaces the 1:1's notes.
#[post("/one-on-ones/{id}/notes")]
pub async fn save_notes(
    req: HttpRequest,
    review: web::Data<Review>,
    Change { viewer, form }: Change<NotesForm>,
    id: web::Path<OneOnOneId>,
) -> Result<HttpResponse, Fragment> {
    let id = id.into_inner();
    let changes = OccurrenceChanges {
        notes: Some(form.notes.clone()),
        seen_version: form.version,
        ..Default::default()
    };
    let saved = review
        .one_on_ones()
        .update_one_on_one(&viewer.actor, id, changes)
        .await
        .map_err(crate::error::saving(&viewer, &req))?;
    if crate::session::is_htmx(&req) {
        // The form's version follows, so the next save is checked against this one.
        return Ok(crate::html(
            HttpResponse::Ok(),
            format!(
                "<span>Notes saved.</span><input type=\"hidden\" name=\"version\" id=\"notes-version\" value=\"{}\" hx-swap-oob=\"true\">",
                saved.row.version
            ),
        ));
    }
    Ok(changed(&req, &back(id)))
}

#[derive(Deserialize)]
struct ScheduleForm {
    /// Local date and time in the series' time zone, `YYYY-MM-DDTHH:MM`.
    scheduled_at: Option<String>,
    /// `cancel` or `reinstate`.
    action: Option<String>,
}

/// Moves the 1:1 to another time of its week, cancels or reinstates it.
#[post("/one-on-ones/{id}/schedule")]
pub async fn schedule(
    req: HttpRequest,
    review: web::Data<Review>,
    Change { viewer, form }: Change<ScheduleForm>,
    id: web::Path<OneOnOneId>,
) -> Result<HttpResponse, Fragment> {
    let id = id.into_inner();
    let mut changes = OccurrenceChanges::default();
    match form.action.as_deref() {
        Some("cancel") => changes.cancelled = Some(true),
        Some("reinstate") => changes.cancelled = Some(false),
        _ => {
            // Typed in the viewer's own zone, as the form's label says.
            let tz: chrono_tz::Tz = viewer.timezone().parse().unwrap_or(chrono_tz::UTC);
            let bad = || ReviewError::InvalidField {
                field: "scheduled_at".into(),
                message: "choose a date and a time".into(),
            };
            let local = NaiveDateTime::parse_from_str(
                form.scheduled_at.as_deref().unwrap_or_default(),
                "%Y-%m-%dT%H:%M",
            )
            .map_err(|_| bad())?;
            let at = tz.from_local_datetime(&local).earliest().ok_or_else(|| {
                ReviewError::InvalidField {
                    field: "scheduled_at".into(),
                    message: "that time does not exist in your time zone (the clocks change then); choose another"
                        .into(),
                }
            })?;
            changes.scheduled_at = Some(at.with_timezone(&chrono::Utc));
        }
    }
    review.one_on_ones().update_one_on_one(&viewer.actor, id, changes).await?;
    Ok(changed(&req, &back(id)))
}

#[derive(Deserialize)]
struct AgendaForm {
    one_on_one: OneOnOneId,
    agenda: Option<String>,
    /// The series' version as the page showed it.
    version: Option<i32>,
}

/// Replaces the series' standing topics.
#[post("/series/{id}/agenda")]
pub async fn set_agenda(
    req: HttpRequest,
    review: web::Data<Review>,
    Change { viewer, form }: Change<AgendaForm>,
    id: web::Path<filmroom_review::ids::SeriesId>,
) -> Result<HttpResponse, Fragment> {
    let agenda = crate::pages::rep_profile::agenda_lines(form.agenda.as_deref());
    review
        .one_on_ones()
        .set_agenda(&viewer.actor, *id, agenda, form.version)
        .await
        .map_err(crate::error::saving(&viewer, &req))?;
    Ok(changed(&req, &back(form.one_on_one)))
}

#[derive(Deserialize)]
struct RetimeForm {
    one_on_one: OneOnOneId,
    start: String,
    end: String,
}

/// Moves a clip's in and out points.
#[post("/clips/{id}/retime")]
pub async fn retime_clip(
    req: HttpRequest,
    review: web::Data<Review>,
    Change { viewer, form }: Change<RetimeForm>,
    id: web::Path<ClipId>,
) -> Result<HttpResponse, Fragment> {
    let time = |field: &str, raw: &str| {
        view::parse_clock(raw).ok_or_else(|| ReviewError::InvalidField {
            field: field.into(),
            message: format!("“{raw}” is not a time like 1:05"),
        })
    };
    let (start, end) = (time("start", &form.start)?, time("end", &form.end)?);
    let changes = ClipChanges { range: Some((start, end)), ..ClipChanges::default() };
    review.one_on_ones().update_clip(&viewer.actor, *id, changes).await?;
    Ok(changed(&req, &back(form.one_on_one)))
}

#[derive(Deserialize)]
struct SlotForm {
    one_on_one: OneOnOneId,
    weekday: String,
    time: String,
    duration_minutes: u32,
}

/// Moves the series to another day, time or length; the 1:1s to come follow.
#[post("/series/{id}/slot")]
pub async fn reschedule(
    req: HttpRequest,
    review: web::Data<Review>,
    Change { viewer, form }: Change<SlotForm>,
    id: web::Path<filmroom_review::ids::SeriesId>,
) -> Result<HttpResponse, Fragment> {
    let weekday = view::parse_day(&form.weekday)?;
    let slot = filmroom_review::SeriesSlot {
        weekday: Some(weekday),
        time: Some(form.time.clone()),
        duration_minutes: Some(form.duration_minutes),
        timezone: None,
    };
    review.one_on_ones().reschedule_series(&viewer.actor, *id, slot, None).await?;
    Ok(changed(&req, &back(form.one_on_one)))
}
