//! The rep's week view model: what the page shows, built from what the
//! review domain answered, with no I/O of its own.

use crate::{pages::Layout, session::Viewer, view};
use askama::Template;
use filmroom_review::{Call, OneOnOneStatus, Slot, ids::CallId};
use filmroom_review::{NextMove, OneOnOne, WeekView};

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
pub struct RepHome {
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

/// The rep's call list: newest first, each with its pick for the week.
pub fn calls_list(
    viewer: &Viewer,
    week: &str,
    calls: Vec<Call>,
    this_week: &WeekView,
) -> CallsList {
    let slot_of = |id: CallId| {
        [(Slot::WentWell, &this_week.went_well), (Slot::Struggled, &this_week.struggled)]
            .into_iter()
            .find(|(_, n)| n.as_ref().is_some_and(|n| n.call.id == id))
            .map(|(slot, _)| view::slot_label(slot).to_owned())
    };
    let timezone = viewer.timezone().to_owned();
    let rows: Vec<CallRow> = calls.into_iter().map(|call| row(call, &timezone, &slot_of)).collect();
    CallsList {
        pending: rows.iter().any(|r| r.status_key == "pending"),
        rows,
        week: week.to_owned(),
        csrf: viewer.csrf.clone(),
    }
}

/// What the rep's week needs from the review domain, fetched by its handler.
pub struct HomeFacts {
    /// This ISO week.
    pub week: String,
    /// The week's two slots.
    pub this_week: WeekView,
    /// Each picked call's next step for the viewer.
    pub next_moves: Vec<(CallId, Option<NextMove>)>,
    /// The rep's 1:1s from now on.
    pub one_on_ones: Vec<OneOnOne>,
    /// The rep's calls, newest first.
    pub calls: Vec<Call>,
}

/// The rep's week.
pub fn rep_home(viewer: &Viewer, facts: HomeFacts) -> RepHome {
    let HomeFacts { week, this_week, next_moves, one_on_ones, calls } = facts;
    let timezone = viewer.timezone().to_owned();
    let mut slots = Vec::new();
    for (slot, nomination, hint) in [
        (Slot::WentWell, &this_week.went_well, "A call you are proud of"),
        (Slot::Struggled, &this_week.struggled, "A call where you got stuck"),
    ] {
        let call = nomination.as_ref().map(|n| SlotCall {
            id: n.call.id.to_string(),
            title: n.call.title.clone(),
            state_key: view::state_key(n.row.state).to_owned(),
            state_label: view::state_label(n.row.state).to_owned(),
            next: next_moves
                .iter()
                .find(|(id, _)| *id == n.call.id)
                .and_then(|(_, next)| next.clone())
                .map(NextStep::from),
        });
        slots.push(SlotCard {
            key: slot_key(slot).to_owned(),
            label: view::slot_label(slot).to_owned(),
            hint: hint.to_owned(),
            call,
        });
    }
    let next_one_on_one =
        one_on_ones.into_iter().find(|o| o.status == OneOnOneStatus::Scheduled).map(|o| {
            (o.id.to_string(), view::iso(o.scheduled_at), view::when(o.scheduled_at, &timezone))
        });
    RepHome {
        layout: Layout::new("My week", "home", viewer),
        layout_csrf: viewer.csrf.clone(),
        upload_js: crate::assets::url("upload.js"),
        deadline_iso: view::iso(this_week.nomination_deadline),
        deadline_text: view::when(this_week.nomination_deadline, &timezone),
        slots,
        next_one_on_one,
        rep_id: viewer.me.id.to_string(),
        calls: calls_list(viewer, &week, calls, &this_week),
        week,
    }
}
