//! The 1:1 room's view model: what the page shows, built from what the
//! review domain answered, with no I/O of its own.

use crate::{pages::Layout, session::Viewer, view};
use askama::Template;
use chrono::NaiveDate;
use chrono::{DateTime, Utc};
use filmroom_review::{
    ActionItem, OneOnOneStatus,
    ids::{CommentId, UserId},
};
use filmroom_review::{ClipCandidate, OneOnOneView, ids::CallId};
use std::collections::HashMap;

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
pub struct OneOnOneRoom {
    layout: Layout,
    /// Changes whenever what both people see changes (clips, items, notes,
    /// status, time): the room polls its own page and reloads on a change.
    fingerprint: String,
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
    series_zone: String,
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
    /// The 1:1's version, sent back with the notes.
    version: i32,
    manager_id: String,
    manager_name: String,
    rep_id: String,
    rep_name: String,
    reel: String,
    series_id: String,
    agenda_text: String,
    /// The series' version, sent back with the agenda.
    series_version: i32,
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

/// What the 1:1 room needs from the review domain, fetched by its handler.
pub struct RoomFacts {
    /// The 1:1 as the viewer sees it.
    pub one_on_one: OneOnOneView,
    /// The comments on the rep's shared calls that could become clips.
    pub candidates: Vec<ClipCandidate>,
    /// Every clipped or candidate call's title and length.
    pub calls: HashMap<CallId, (String, Option<i64>)>,
}

/// The 1:1 room for `viewer` at `now` (which decides what is overdue).
pub fn room(viewer: &Viewer, facts: RoomFacts, now: DateTime<Utc>) -> OneOnOneRoom {
    let RoomFacts { one_on_one: view_, candidates, calls } = facts;
    let id = view_.row.id;
    let (manager_id, rep_id) = (view_.row.manager_id, view_.row.rep_id);
    let (manager_name, rep_name) = (view_.manager_name.clone(), view_.rep_name.clone());
    let names = vec![(manager_id, manager_name.clone()), (rep_id, rep_name.clone())];
    // Every time on the page is in the viewer's zone; only the series'
    // weekly slot keeps the series' own zone, which its form names.
    let timezone = viewer.timezone().to_owned();
    let series_zone = view_.series.timezone.clone();
    let tz: chrono_tz::Tz = timezone.parse().unwrap_or(chrono_tz::UTC);
    let today = now.with_timezone(&tz).date_naive();
    let mut clips = Vec::new();
    for (position, clip) in view_.clips.iter().enumerate() {
        let (title, duration_ms) = calls.get(&clip.call_id).cloned().unwrap_or_default();
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
    let status_label = match view_.row.status {
        OneOnOneStatus::Scheduled => "Scheduled",
        OneOnOneStatus::Held => "Held",
        OneOnOneStatus::Cancelled => "Cancelled",
    };
    let fingerprint = {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        for clip in &view_.clips {
            (clip.id, clip.start_ms, clip.end_ms, &clip.note).hash(&mut hasher);
        }
        for item in view_.action_items.iter().chain(&view_.carried_over) {
            (item.id, &item.text, item.done_at, item.due_date, item.owner_id).hash(&mut hasher);
        }
        (&view_.row.notes, view_.row.scheduled_at, status_label).hash(&mut hasher);
        (view_.row.version, view_.series.version, &view_.series.agenda).hash(&mut hasher);
        format!("{:016x}", hasher.finish())
    };
    OneOnOneRoom {
        fingerprint,
        layout: Layout::new(format!("1:1 with {rep_name}"), "home", viewer),
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
        series_zone,
        minutes: view_.row.duration_minutes,
        status_label: status_label.into(),
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
        version: view_.row.version,
        manager_id: manager_id.to_string(),
        manager_name,
        rep_id: rep_id.to_string(),
        rep_name,
        reel: format!("/v1/one-on-ones/{id}/reel"),
        series_id: view_.series.id.to_string(),
        agenda_text: view_.series.agenda.join("\n"),
        series_version: view_.series.version,
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
}
