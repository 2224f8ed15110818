//! The 1:1 room: the agenda with open items first, last time's commitments,
//! the clip segment built from comments on the rep's shared calls (budget,
//! order, one clip or the whole reel to play), this 1:1's action items, notes,
//! moving or cancelling it, and marking it held.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use filmroom_review::{
    ActionItem, ActionItemChanges, ClipSource, OccurrenceChanges, OneOnOneStatus, Review,
    ReviewError,
    ids::{ActionItemId, ClipId, CommentId, OneOnOneId, UserId},
};
use serde::Deserialize;

use crate::{
    error::{Fragment, PageError},
    guards::Change,
    pages::{Button, Layout, changed, page},
    session::Viewer,
    view,
};

pub struct ClipLine {
    id: String,
    position: usize,
    start: String,
    end: String,
    title: String,
    range: String,
    length: String,
    note: Option<String>,
    audio: String,
    call_href: String,
    start_ms: i64,
    end_ms: i64,
    /// The stretch of the call the in-and-out waveform shows: the clip with
    /// up to `CONTEXT_MS` either side.
    context_start_ms: i64,
    context_end_ms: i64,
    call_id: String,
}

/// How much of the call the in-and-out waveform shows either side of a clip.
const CONTEXT_MS: i64 = 10_000;

pub struct Candidate {
    comment_id: String,
    at: String,
    author: String,
    kind_key: String,
    kind_label: String,
    body: String,
    clipped: bool,
}

pub struct CandidateCall {
    title: String,
    slot: String,
    comments: Vec<Candidate>,
}

pub struct ItemLine {
    id: String,
    text: String,
    owner: String,
    due: String,
    done: bool,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "one_on_one.html")]
struct OneOnOneRoom {
    layout: Layout,
    script: String,
    wavesurfer_js: String,
    regions_js: String,
    csrf: String,
    id: String,
    with_name: String,
    when_iso: String,
    when_text: String,
    local_value: String,
    timezone: String,
    minutes: i32,
    status_label: String,
    held: bool,
    cancelled: bool,
    agenda: Vec<String>,
    carried_over: Vec<ItemLine>,
    clips: Vec<ClipLine>,
    used: String,
    budget: String,
    used_percent: u32,
    remaining: String,
    candidates: Vec<CandidateCall>,
    items: Vec<ItemLine>,
    min_items: u32,
    may_hold: bool,
    hold_blocked: Option<String>,
    notes: String,
    manager_id: String,
    manager_name: String,
    rep_id: String,
    rep_name: String,
    reel: String,
    series_id: String,
    agenda_text: String,
    may_change_series: bool,
    may_move_series: bool,
    series_days: Vec<(String, bool)>,
    series_time: String,
    series_minutes: i32,
}

fn item_line(item: &ActionItem, names: &[(UserId, String)], today: NaiveDate) -> ItemLine {
    ItemLine {
        id: item.id.to_string(),
        text: item.text.clone(),
        owner: item
            .owner_id
            .and_then(|o| names.iter().find(|(id, _)| *id == o).map(|(_, n)| n.clone()))
            .unwrap_or_else(|| "nobody yet".into()),
        due: item
            .due_date
            .map(|d| d.format("%-d %b").to_string())
            .unwrap_or_else(|| "no date".into()),
        done: item.done_at.is_some(),
        overdue: item.done_at.is_none() && item.due_date.is_some_and(|d| d < today),
    }
}

/// `/one-on-ones/{id}`: everything needed to run one 1:1.
#[get("/one-on-ones/{id}")]
pub async fn room(
    review: web::Data<Review>,
    viewer: Viewer,
    id: web::Path<OneOnOneId>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let view_ = review.one_on_ones().one_on_one(&viewer.actor, id).await?;
    let candidates = review.one_on_ones().clip_candidates(&viewer.actor, id).await?;
    let (manager_id, rep_id) = (view_.row.manager_id, view_.row.rep_id);
    let (manager_name, rep_name) = (view_.manager_name.clone(), view_.rep_name.clone());
    let names = vec![(manager_id, manager_name.clone()), (rep_id, rep_name.clone())];
    let timezone = view_.series.timezone.clone();
    let tz: chrono_tz::Tz = timezone.parse().unwrap_or(chrono_tz::UTC);
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let mut calls = std::collections::HashMap::new();
    for c in &candidates {
        calls.insert(c.call.id, (c.call.title.clone(), c.call.duration_ms));
    }
    let mut clips = Vec::new();
    for (position, clip) in view_.clips.iter().enumerate() {
        let (title, duration_ms) = match calls.get(&clip.call_id) {
            Some(known) => known.clone(),
            None => {
                let call = review.calls().call(&viewer.actor, clip.call_id).await?;
                (call.title, call.duration_ms)
            }
        };
        let context_start_ms = clip.start_ms.saturating_sub(CONTEXT_MS).max(0);
        let context_end_ms = clip
            .end_ms
            .saturating_add(CONTEXT_MS)
            .min(duration_ms.unwrap_or(clip.end_ms).max(clip.end_ms));
        clips.push(ClipLine {
            id: clip.id.to_string(),
            position,
            start: view::clock(clip.start_ms),
            end: view::clock(clip.end_ms),
            title,
            range: format!("{}–{}", view::clock(clip.start_ms), view::clock(clip.end_ms)),
            length: view::clock(clip.end_ms.saturating_sub(clip.start_ms)),
            note: clip.note.clone(),
            audio: format!(
                "/v1/calls/{}/audio?start_ms={}&end_ms={}",
                clip.call_id, clip.start_ms, clip.end_ms
            ),
            call_href: format!("/calls/{}?t={}", clip.call_id, clip.start_ms / 1000),
            start_ms: clip.start_ms,
            end_ms: clip.end_ms,
            context_start_ms,
            context_end_ms,
            call_id: clip.call_id.to_string(),
        });
    }
    let clipped: Vec<CommentId> = view_.clips.iter().filter_map(|c| c.comment_id).collect();
    let used_ms = view_.used_ms();
    let budget_ms = view_.budget_ms.max(1);
    let remaining_ms = budget_ms.saturating_sub(used_ms).max(0);
    let held = view_.row.status == OneOnOneStatus::Held;
    let cancelled = view_.row.status == OneOnOneStatus::Cancelled;
    let items: Vec<ItemLine> =
        view_.action_items.iter().map(|i| item_line(i, &names, today)).collect();
    let min_items = view_.min_action_items;
    let hold_blocked = view_.hold_blocked().map(|why| view::sentence(&why));
    let html = OneOnOneRoom {
        layout: Layout::new(format!("1:1 with {rep_name}"), "home", &viewer),
        script: crate::assets::url("one_on_one.js"),
        wavesurfer_js: crate::assets::url("wavesurfer.esm.js"),
        regions_js: crate::assets::url("regions.esm.js"),
        csrf: viewer.csrf.clone(),
        id: id.to_string(),
        with_name: if viewer.me.id == rep_id { manager_name.clone() } else { rep_name.clone() },
        when_iso: view::iso(view_.row.scheduled_at),
        when_text: view::when(view_.row.scheduled_at, &timezone),
        local_value: view_.row.scheduled_at.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string(),
        timezone: timezone.clone(),
        minutes: view_.row.duration_minutes,
        status_label: match view_.row.status {
            OneOnOneStatus::Scheduled => "Scheduled",
            OneOnOneStatus::Held => "Held",
            OneOnOneStatus::Cancelled => "Cancelled",
        }
        .into(),
        held,
        cancelled,
        agenda: view_.series.agenda.clone(),
        carried_over: view_.carried_over.iter().map(|i| item_line(i, &names, today)).collect(),
        clips,
        used: view::clock(used_ms),
        budget: view::clock(budget_ms),
        used_percent: u32::try_from((used_ms.clamp(0, budget_ms) * 100) / budget_ms).unwrap_or(100),
        remaining: view::clock(remaining_ms),
        candidates: candidates
            .iter()
            .map(|c| CandidateCall {
                title: c.call.title.clone(),
                slot: format!("{} · {}", view::slot_label(c.slot), c.week),
                comments: c
                    .comments
                    .iter()
                    .map(|v| Candidate {
                        comment_id: v.row.id.to_string(),
                        at: match v.row.end_ms {
                            Some(end) => {
                                format!("{}–{}", view::clock(v.row.at_ms), view::clock(end))
                            }
                            None => view::clock(v.row.at_ms),
                        },
                        author: v.author_name.clone(),
                        kind_key: view::kind_key(v.row.kind).to_owned(),
                        kind_label: view::kind_label(v.row.kind).to_owned(),
                        body: v.row.body.clone(),
                        clipped: clipped.contains(&v.row.id),
                    })
                    .collect(),
            })
            .collect(),
        items,
        min_items,
        may_hold: viewer.me.id != rep_id && !held && !cancelled,
        hold_blocked,
        notes: view_.row.notes.clone(),
        manager_id: manager_id.to_string(),
        manager_name,
        rep_id: rep_id.to_string(),
        rep_name,
        reel: format!("/v1/one-on-ones/{id}/reel"),
        series_id: view_.series.id.to_string(),
        agenda_text: view_.series.agenda.join("\n"),
        may_change_series: !held,
        may_move_series: viewer.me.id == manager_id
            || viewer.me.role == filmroom_review::Role::Admin,
        series_days: view::DAYS
            .iter()
            .map(|(d, _)| ((*d).to_owned(), *d == view_.series.weekday))
            .collect(),
        series_time: view_.series.local_time.clone(),
        series_minutes: view_.series.duration_minutes,
    }
    .render()?;
    Ok(page(html))
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
    review.one_on_ones().update_clip(&viewer.actor, *id, Some(form.position), None).await?;
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
    let changes = OccurrenceChanges { notes: Some(form.notes.clone()), ..Default::default() };
    review.one_on_ones().update_one_on_one(&viewer.actor, id, changes).await?;
    if crate::session::is_htmx(&req) {
        return Ok(crate::html(HttpResponse::Ok(), "<span>Notes saved.</span>".to_owned()));
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
            let current = review.one_on_ones().one_on_one(&viewer.actor, id).await?;
            let tz: chrono_tz::Tz = current.series.timezone.parse().unwrap_or(chrono_tz::UTC);
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
                    message: "that time does not exist in the 1:1's time zone (a clock change)"
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
    review.one_on_ones().set_agenda(&viewer.actor, *id, agenda).await?;
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
    review.one_on_ones().retime_clip(&viewer.actor, *id, start, end).await?;
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
    review.one_on_ones().reschedule_series(&viewer.actor, *id, slot).await?;
    Ok(changed(&req, &back(form.one_on_one)))
}
