//! The home page: a rep's week (the two slots, uploads, their calls) or, for
//! a manager, their reps with this week's two slots.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use filmroom_review::{
    Call, CallQuery, OneOnOneStatus, PageRequest, Review, ReviewError, Slot,
    ids::{CallId, UserId},
};
use serde::Deserialize;

use crate::{
    error::{Fragment, PageError},
    guards::Change,
    pages::{Layout, changed, page},
    session::Viewer,
    view,
};

/// The next step of a review, as a button.
pub struct NextStep {
    /// The state it moves to, for the form.
    pub target: String,
    /// What the button says.
    pub label: String,
    /// Why it cannot be taken yet, in words.
    pub blocked: Option<String>,
}

impl From<filmroom_review::NextMove> for NextStep {
    fn from(m: filmroom_review::NextMove) -> Self {
        Self {
            target: view::state_key(m.target).to_owned(),
            label: view::move_label(m.target).to_owned(),
            blocked: m.blocked.as_deref().map(view::sentence),
        }
    }
}

pub struct SlotCall {
    id: String,
    title: String,
    state_key: String,
    state_label: String,
    next: Option<NextStep>,
}

pub struct SlotCard {
    key: String,
    label: String,
    hint: String,
    call: Option<SlotCall>,
}

pub struct CallRow {
    id: String,
    title: String,
    date_iso: String,
    date_text: String,
    duration: String,
    status_key: String,
    status_label: String,
    failure: Option<String>,
    ready: bool,
    slot: Option<String>,
}

#[derive(Template)]
#[template(path = "calls_list.html")]
pub struct CallsList {
    rows: Vec<CallRow>,
    pending: bool,
    week: String,
    csrf: String,
}

#[derive(Template)]
#[template(path = "rep_home.html")]
struct RepHome {
    layout: Layout,
    layout_csrf: String,
    upload_js: String,
    week: String,
    deadline_iso: String,
    deadline_text: String,
    slots: Vec<SlotCard>,
    next_one_on_one: Option<(String, String, String)>,
    rep_id: String,
    calls: CallsList,
}

fn slot_key(slot: Slot) -> &'static str {
    filmroom_review::slot_name(slot)
}

async fn calls_list(review: &Review, viewer: &Viewer, week: &str) -> Result<CallsList, PageError> {
    let page = review
        .calls()
        .list(
            &viewer.actor,
            CallQuery { rep_id: Some(viewer.me.id), newest_first: true, ..CallQuery::default() },
            PageRequest { after: None, limit: 50 },
        )
        .await?;
    let this_week = review.weekly().week(&viewer.actor, viewer.me.id, week).await?;
    let slot_of = |id: CallId| {
        [(Slot::WentWell, &this_week.went_well), (Slot::Struggled, &this_week.struggled)]
            .into_iter()
            .find(|(_, n)| n.as_ref().is_some_and(|n| n.call.id == id))
            .map(|(slot, _)| view::slot_label(slot).to_owned())
    };
    let timezone = viewer.organisation.timezone.clone();
    let rows: Vec<CallRow> =
        page.items.into_iter().map(|call| row(call, &timezone, &slot_of)).collect();
    Ok(CallsList {
        pending: rows.iter().any(|r| r.status_key == "pending"),
        rows,
        week: week.to_owned(),
        csrf: viewer.csrf.clone(),
    })
}

fn row(call: Call, timezone: &str, slot_of: &impl Fn(CallId) -> Option<String>) -> CallRow {
    let date = call.occurred_at.unwrap_or(call.created_at);
    CallRow {
        id: call.id.to_string(),
        title: call.title.clone(),
        date_iso: view::iso(date),
        date_text: view::day(date, timezone),
        duration: call.duration_ms.map(view::clock).unwrap_or_default(),
        status_key: if view::status_pending(call.status) {
            "pending"
        } else {
            filmroom_review::status_name(call.status)
        }
        .to_owned(),
        status_label: view::status_label(call.status).to_owned(),
        failure: call
            .failure_message
            .clone()
            .filter(|_| call.status == filmroom_review::CallStatus::Failed),
        ready: call.status == filmroom_review::CallStatus::Ready,
        slot: slot_of(call.id),
    }
}

/// Home: the rep's week, or the manager's team board.
#[get("/")]
pub async fn home(review: web::Data<Review>, viewer: Viewer) -> Result<HttpResponse, PageError> {
    let week = review.weekly().current_week(&viewer.actor).await?.to_string();
    let timezone = viewer.organisation.timezone.clone();
    if viewer.coaches() {
        return crate::pages::team::render(&review, &viewer, Some(&week)).await;
    }
    let this_week = review.weekly().week(&viewer.actor, viewer.me.id, &week).await?;
    let mut slots = Vec::new();
    for (slot, nomination, hint) in [
        (Slot::WentWell, &this_week.went_well, "A call you are proud of"),
        (Slot::Struggled, &this_week.struggled, "A call where you got stuck"),
    ] {
        let call = match nomination {
            Some(n) => {
                let next = review.weekly().call_review(&viewer.actor, n.call.id).await?.next_move;
                Some(SlotCall {
                    id: n.call.id.to_string(),
                    title: n.call.title.clone(),
                    state_key: view::state_key(n.row.state).to_owned(),
                    state_label: view::state_label(n.row.state).to_owned(),
                    next: next.map(NextStep::from),
                })
            }
            None => None,
        };
        slots.push(SlotCard {
            key: slot_key(slot).to_owned(),
            label: view::slot_label(slot).to_owned(),
            hint: hint.to_owned(),
            call,
        });
    }
    let next_one_on_one = review
        .one_on_ones()
        .list(&viewer.actor, None, Some(viewer.me.id), Some(chrono::Utc::now()), None)
        .await?
        .into_iter()
        .find(|o| o.status == OneOnOneStatus::Scheduled)
        .map(|o| {
            (o.id.to_string(), view::iso(o.scheduled_at), view::when(o.scheduled_at, &timezone))
        });
    let html = RepHome {
        layout: Layout::new("My week", "home", &viewer),
        layout_csrf: viewer.csrf.clone(),
        upload_js: crate::assets::url("upload.js"),
        deadline_iso: view::iso(this_week.nomination_deadline),
        deadline_text: view::when(this_week.nomination_deadline, &timezone),
        slots,
        next_one_on_one,
        rep_id: viewer.me.id.to_string(),
        calls: calls_list(&review, &viewer, &week).await?,
        week,
    }
    .render()?;
    Ok(page(html))
}

/// The rep's call list, which the home page refreshes while calls are in analysis.
#[get("/my-calls")]
pub async fn my_calls(review: web::Data<Review>, viewer: Viewer) -> Result<HttpResponse, Fragment> {
    let week = review.weekly().current_week(&viewer.actor).await?.to_string();
    let html = calls_list(&review, &viewer, &week).await?.render().map_err(PageError::from)?;
    Ok(crate::html(HttpResponse::Ok(), html))
}

#[derive(Deserialize)]
struct NominateForm {
    week: String,
    slot: String,
    call_id: CallId,
}

fn parse_slot(raw: &str) -> Result<Slot, ReviewError> {
    match raw {
        "went_well" => Ok(Slot::WentWell),
        "struggled" => Ok(Slot::Struggled),
        _ => Err(ReviewError::InvalidField {
            field: "slot".into(),
            message: "choose went well or struggled".into(),
        }),
    }
}

/// Puts one of the rep's calls in a slot of the week.
#[post("/nominations")]
pub async fn nominate(
    req: HttpRequest,
    review: web::Data<Review>,
    Change { viewer, form }: Change<NominateForm>,
) -> Result<HttpResponse, Fragment> {
    let slot = parse_slot(&form.slot)?;
    review.weekly().nominate(&viewer.actor, viewer.me.id, &form.week, slot, form.call_id).await?;
    Ok(changed(&req, "/"))
}

#[derive(Deserialize)]
struct MoveForm {
    call_id: CallId,
    week: String,
    slot: String,
    state: String,
    back: Option<String>,
}

/// Takes the review of the call in a week's slot to its next state
/// (self-reviewed, shared, manager reviewed).
#[post("/reviews/move")]
pub async fn move_review(
    req: HttpRequest,
    review: web::Data<Review>,
    Change { viewer, form }: Change<MoveForm>,
) -> Result<HttpResponse, Fragment> {
    let target =
        view::STATES.into_iter().find(|s| view::state_key(*s) == form.state).ok_or_else(|| {
            ReviewError::InvalidField {
                field: "state".into(),
                message: format!("`{}` is not a review state", form.state),
            }
        })?;
    let slot = parse_slot(&form.slot)?;
    let call = review.calls().call(&viewer.actor, form.call_id).await?;
    let rep: UserId = call.rep_id;
    review.weekly().move_review(&viewer.actor, rep, &form.week, slot, target).await?;
    Ok(changed(&req, &crate::pages::local_path(form.back.as_deref())))
}
