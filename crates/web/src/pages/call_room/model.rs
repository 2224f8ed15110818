//! The call room's view model: what the page shows, built from what the
//! review domain answered, with no I/O of its own.

use crate::{assets, pages::Layout, session::Viewer, view};
use askama::Template;
use filmroom_review::{Call, CallReview, metrics::CallMetrics, transcript_format::Segment};
use filmroom_review::{
    CallStatus, CommentView,
    ids::{CallId, CommentId},
};
use std::collections::HashMap;

/// One comment as listed.
pub struct CommentItem {
    id: String,
    version: i32,
    at_ms: i64,
    end_ms: String,
    at_label: String,
    kind_key: String,
    kind_label: String,
    author: String,
    body: String,
    mine: bool,
    private: bool,
    reply: bool,
}

#[derive(Template)]
#[template(path = "comments.html")]
pub struct CommentList {
    call_id: String,
    csrf: String,
    items: Vec<CommentItem>,
    can_comment: bool,
}

pub struct LevelChoice {
    value: i32,
    description: String,
    checked: bool,
}

pub struct CriterionForm {
    key: String,
    name: String,
    description: String,
    levels: Vec<LevelChoice>,
    note: String,
    /// The score standing for this criterion as shown ([`score_stamp`]),
    /// sent back so a newer one by someone else is not replaced unseen.
    seen: String,
    /// Who gave the standing score and when, in words.
    given: Option<String>,
    /// The other person whose score a save would replace.
    other_scorer: Option<String>,
}

pub struct StateStep {
    label: String,
    done: bool,
    current: bool,
}

pub struct Line {
    start_ms: i64,
    end_ms: i64,
    at_label: String,
    speaker: String,
    text: String,
}

/// One figure of the conversation panel.
pub struct Figure {
    label: String,
    value: String,
    note: Option<String>,
    seek_ms: Option<u64>,
    /// What the figure's button does, for a screen reader: it plays the
    /// stretch from its start, which its visible text (a length) does not say.
    seek_label: String,
}

/// The conversation panel: figures, or why there are none.
pub struct Conversation {
    figures: Vec<Figure>,
    unassigned: bool,
}

fn seconds(ms: u64) -> String {
    let tenths = ms / 100;
    format!("{}.{} s", tenths / 10, tenths % 10)
}

/// "Inside/Outside the band …" for a metric the organisation set a band for.
fn band_note(
    m: &filmroom_review::metrics::CallMetrics,
    metric: filmroom_review::metrics::Metric,
    show: impl Fn(f64) -> String,
) -> Option<String> {
    let check = m.bands.iter().find(|b| b.metric == metric)?;
    let range = match (check.band.min, check.band.max) {
        (Some(min), Some(max)) => format!("{}–{}", show(min), show(max)),
        (Some(min), None) => format!("at least {}", show(min)),
        (None, Some(max)) => format!("at most {}", show(max)),
        (None, None) => return None,
    };
    Some(format!("{} the band ({range})", if check.inside { "Inside" } else { "Outside" }))
}

fn conversation(m: &filmroom_review::metrics::CallMetrics) -> Conversation {
    use filmroom_review::metrics::{LaneSource, Lanes, Metric};
    let mut figures = Vec::new();
    let label = |i: usize| m.labels.get(i).map_or("speech", String::as_str);
    let (first, second) = match m.lanes {
        Lanes::RepAndCustomer { rep } => (rep, 1 - rep),
        _ => (0, 1),
    };
    let by_transcript = m.lane_source == LaneSource::TranscriptSpeakers;
    let name = |lane: &str| match lane {
        "rep" => "Rep".to_owned(),
        "customer" => "Customer".to_owned(),
        "speech" => "Speech".to_owned(),
        other if by_transcript => other.to_owned(),
        other => format!("Channel {other}"),
    };
    let percent = |v: f64| format!("{:.0} %", v * 100.0);
    let span_ms = |v: f64| format!("{:.1} s", v / 1000.0);
    if let Some(ratio) = m.talk_ratio {
        figures.push(Figure {
            label: "Talk ratio".into(),
            value: format!("Rep {} · customer {}", percent(ratio), percent(1.0 - ratio)),
            note: band_note(m, Metric::TalkRatio, percent),
            seek_ms: None,
            seek_label: String::new(),
        });
    } else {
        for (i, ms) in m.speech_ms.iter().enumerate() {
            figures.push(Figure {
                label: format!("{} talking", name(label(i))),
                value: view::clock(i64::try_from(*ms).unwrap_or(i64::MAX)),
                note: None,
                seek_ms: None,
                seek_label: String::new(),
            });
        }
    }
    for (lane, what) in [(first, "longest monologue"), (second, "longest story")] {
        if let Some(Some(span)) = m.longest_turn.get(lane) {
            let (what, metric) = match label(lane) {
                "rep" => ("longest monologue", Some(Metric::LongestMonologueMs)),
                "customer" => ("longest story", Some(Metric::LongestStoryMs)),
                _ => (what, None),
            };
            let start = view::clock(i64::try_from(span.start_ms).unwrap_or(0));
            let from = format!("from {start}");
            let value = view::clock(i64::try_from(span.len_ms()).unwrap_or(i64::MAX));
            let seek_label = format!("{value}: play {}'s {what} from {start}", name(label(lane)));
            figures.push(Figure {
                seek_label,
                label: format!("{}'s {what}", name(label(lane))),
                value,
                note: Some(match metric.and_then(|m2| band_note(m, m2, span_ms)) {
                    Some(band) => format!("{from} · {band}"),
                    None => from,
                }),
                seek_ms: Some(span.start_ms),
            });
        }
    }
    if let Some(patience) = m.patience_ms {
        figures.push(Figure {
            label: "Patience".into(),
            value: seconds(patience),
            note: Some(match band_note(m, Metric::PatienceMs, span_ms) {
                Some(band) => format!("Mean wait before the rep answers · {band}"),
                None => "Mean wait before the rep answers".into(),
            }),
            seek_ms: None,
            seek_label: String::new(),
        });
    }
    if let Some(per_minute) = m.interactivity {
        figures.push(Figure {
            label: "Interactivity".into(),
            value: format!("{per_minute:.1} turns a minute"),
            note: band_note(m, Metric::InteractivityPerMinute, |v| format!("{v:.1}")),
            seek_ms: None,
            seek_label: String::new(),
        });
    }
    if let Some(questions) = m.rep_questions {
        figures.push(Figure {
            label: "Questions the rep asked".into(),
            value: questions.to_string(),
            note: band_note(m, Metric::RepQuestions, |v| format!("{v:.0}")),
            seek_ms: None,
            seek_label: String::new(),
        });
    }
    let pace: Vec<String> = m
        .words_per_minute
        .iter()
        .enumerate()
        .filter_map(|(i, wpm)| wpm.map(|w| format!("{} {w:.0}", name(label(i)))))
        .collect();
    if !pace.is_empty() {
        figures.push(Figure {
            label: "Words a minute".into(),
            value: pace.join(" · "),
            note: band_note(m, Metric::RepWordsPerMinute, |v| format!("{v:.0}")),
            seek_ms: None,
            seek_label: String::new(),
        });
    }
    if let Some(overlap) = &m.overlap {
        figures.push(Figure {
            label: "Talking over".into(),
            value: format!("{} times, {}", overlap.count, seconds(overlap.total_ms)),
            note: (overlap.count > 0).then(|| {
                format!(
                    "{} started {}, {} started {}",
                    name(label(0)),
                    overlap.started_by_first,
                    name(label(1)).to_lowercase(),
                    overlap.started_by_second
                )
            }),
            seek_ms: None,
            seek_label: String::new(),
        });
    }
    let longest_silence = m.dead_air.iter().max_by_key(|s| s.len_ms());
    let dead_air = match m.dead_air.len() {
        0 => "None".to_owned(),
        1 => "1 silence of 5 s or more".to_owned(),
        n => format!("{n} silences of 5 s or more"),
    };
    figures.push(Figure {
        label: "Dead air".into(),
        value: dead_air.clone(),
        note: longest_silence.map(|s| {
            format!(
                "Longest {} from {}",
                seconds(s.len_ms()),
                view::clock(i64::try_from(s.start_ms).unwrap_or(0))
            )
        }),
        seek_ms: longest_silence.map(|s| s.start_ms),
        seek_label: longest_silence.map_or_else(String::new, |s| {
            let start = view::clock(i64::try_from(s.start_ms).unwrap_or(0));
            format!("{dead_air}: play the longest from {start}")
        }),
    });
    Conversation {
        figures,
        unassigned: m.lanes == Lanes::Unassigned && m.lane_source == LaneSource::Channels,
    }
}

#[derive(Template)]
#[template(path = "call_room.html")]
pub struct CallRoom {
    layout: Layout,
    layout_csrf: String,
    player_js: String,
    wavesurfer_js: String,
    regions_js: String,
    timeline_js: String,
    call_id: String,
    title: String,
    rep_name: String,
    is_rep: bool,
    date_iso: String,
    date_text: String,
    duration_ms: i64,
    duration: String,
    channels: i32,
    rep_channel: i32,
    coarse_spp: u64,
    fine_spp: u32,
    ready: bool,
    status_label: String,
    failure: Option<String>,
    start_seconds: f64,
    steps: Vec<StateStep>,
    /// What happens next when the viewer has no step to take, in words.
    after: Option<String>,
    slot_label: Option<String>,
    week: String,
    slot_key: String,
    pending: bool,
    next: Option<crate::pages::home::NextStep>,
    private_note: bool,
    scoring_kind: String,
    scoring_blocked: Option<String>,
    criteria: Vec<CriterionForm>,
    comments: CommentList,
    transcript: Vec<Line>,
    conversation: Option<Conversation>,
}

fn items(views: Vec<CommentView>, viewer: &Viewer) -> Vec<CommentItem> {
    let mut replies: HashMap<CommentId, Vec<CommentView>> = HashMap::new();
    let mut top = Vec::new();
    for view in views {
        match view.row.parent_id {
            Some(parent) => replies.entry(parent).or_default().push(view),
            None => top.push(view),
        }
    }
    top.sort_by_key(|c| (c.row.at_ms, c.row.created_at));
    let item = |c: &CommentView, reply: bool| CommentItem {
        id: c.row.id.to_string(),
        version: c.row.version,
        at_ms: c.row.at_ms,
        end_ms: c.row.end_ms.map(|e| e.to_string()).unwrap_or_default(),
        at_label: match c.row.end_ms {
            Some(end) => format!("{}–{}", view::clock(c.row.at_ms), view::clock(end)),
            None => view::clock(c.row.at_ms),
        },
        kind_key: view::kind_key(c.row.kind).to_owned(),
        kind_label: view::kind_label(c.row.kind).to_owned(),
        author: c.author_name.clone(),
        body: c.row.body.clone(),
        mine: c.row.author_id == viewer.me.id,
        private: c.private_until_shared,
        reply,
    };
    let mut out = Vec::new();
    for comment in &top {
        out.push(item(comment, false));
        if let Some(mut thread) = replies.remove(&comment.row.id) {
            thread.sort_by_key(|c| c.row.created_at);
            out.extend(thread.iter().map(|c| item(c, true)));
        }
    }
    // Replies whose parent the viewer cannot see still show, as replies.
    let mut orphans: Vec<CommentView> = replies.into_values().flatten().collect();
    orphans.sort_by_key(|c| (c.row.at_ms, c.row.created_at));
    out.extend(orphans.iter().map(|c| item(c, true)));
    out
}

/// The resolution of the first waveform drawn: about 1,500 points over the
/// whole call, whatever its length, so it arrives at once; zooming fetches
/// the stored resolution.
fn coarse_samples_per_pixel(duration_ms: i64, sample_rate: i32) -> u64 {
    let fine = u64::from(filmroom_review::PEAKS_SAMPLES_PER_PIXEL);
    let frames = u64::try_from(duration_ms)
        .unwrap_or(0)
        .saturating_mul(u64::try_from(sample_rate).unwrap_or(0))
        / 1000;
    let factor = frames.div_ceil(fine.saturating_mul(1500)).max(1);
    fine.saturating_mul(factor)
}

/// What the call room needs from the review domain, fetched by its handler.
pub struct RoomFacts {
    /// The call.
    pub call: Call,
    /// Whose call it is.
    pub rep_name: String,
    /// Its place in the weekly review, as the viewer sees it.
    pub standing: CallReview,
    /// Its transcript (empty until it is ready).
    pub transcript: Vec<Segment>,
    /// Its conversation figures, once speech was analysed.
    pub metrics: Option<CallMetrics>,
    /// The comments the viewer may read.
    pub comments: Vec<CommentView>,
}

/// The call room for `viewer`, opening at `start` seconds when asked.
pub fn call_room(viewer: &Viewer, facts: RoomFacts, start: Option<f64>) -> CallRoom {
    let RoomFacts { call, standing, transcript, metrics, .. } = facts;
    let conversation = metrics.as_ref().map(conversation);
    let state = standing.nomination.as_ref().map(|n| n.row.state);
    let steps = view::STATES
        .iter()
        .map(|s| StateStep {
            label: view::state_label(*s).to_owned(),
            done: state.is_some_and(|current| current > *s),
            current: state == Some(*s),
        })
        .collect();
    // The standing score of the viewer's kind per criterion: one per
    // criterion, the viewer's own or another manager's.
    let standing_scores: HashMap<String, &filmroom_review::Score> =
        match (&standing.nomination, &standing.scoring) {
            (Some(n), Some(scoring)) => n
                .scores
                .iter()
                .filter(|s| s.scorer_kind == scoring.kind)
                .map(|s| (s.criterion.clone(), s))
                .collect(),
            _ => HashMap::new(),
        };
    let timezone = viewer.timezone().to_owned();
    let criteria = match (&standing.rubric, &standing.scoring) {
        (Some(rubric), Some(_)) => rubric
            .criteria
            .iter()
            .map(|c| {
                let score = standing_scores.get(&c.key).copied();
                let mine = score.filter(|s| s.scorer_id == viewer.me.id);
                let chosen = mine.map(|s| (s.value, s.note.clone()));
                let chosen = chosen.as_ref();
                let other_scorer = score.filter(|s| s.scorer_id != viewer.me.id).map(|s| {
                    standing
                        .nomination
                        .as_ref()
                        .and_then(|n| n.scorer_names.get(&s.scorer_id).cloned())
                        .unwrap_or_else(|| "Another manager".into())
                });
                let given = score.map(|s| {
                    let when = view::when(s.updated_at, &timezone);
                    match &other_scorer {
                        Some(name) => match &s.note {
                            Some(note) => format!("{name} gave {} on {when}: “{note}”", s.value),
                            None => format!("{name} gave {} on {when}", s.value),
                        },
                        None => format!("You gave this on {when}"),
                    }
                });
                let described: HashMap<i32, String> =
                    c.levels.iter().map(|l| (l.value, l.description.clone())).collect();
                CriterionForm {
                    key: c.key.clone(),
                    name: c.name.clone(),
                    description: c.description.clone().unwrap_or_default(),
                    levels: (c.min..=c.max)
                        .map(|value| LevelChoice {
                            value,
                            description: described.get(&value).cloned().unwrap_or_default(),
                            checked: chosen.is_some_and(|(v, _)| *v == value),
                        })
                        .collect(),
                    note: chosen.and_then(|(_, n)| n.clone()).unwrap_or_default(),
                    seen: score
                        .map(|s| filmroom_review::score_stamp(s.scorer_id, s.updated_at))
                        .unwrap_or_default(),
                    given,
                    other_scorer,
                }
            })
            .collect(),
        _ => Vec::new(),
    };
    let is_rep = viewer.me.id == call.rep_id;
    let shared = standing.shared;
    let date = call.occurred_at.unwrap_or(call.created_at);
    let duration_ms = call.duration_ms.unwrap_or_default();
    let after = standing
        .nomination
        .as_ref()
        .filter(|_| standing.next_move.is_none())
        .and_then(|n| what_happens_next(n.row.state, is_rep, &facts.rep_name));
    CallRoom {
        layout: Layout::new(call.title.clone(), "call", viewer),
        layout_csrf: viewer.csrf.clone(),
        player_js: assets::url("player.js"),
        wavesurfer_js: assets::url("wavesurfer.esm.js"),
        regions_js: assets::url("regions.esm.js"),
        timeline_js: assets::url("timeline.esm.js"),
        call_id: call.id.to_string(),
        title: call.title.clone(),
        rep_name: facts.rep_name,
        is_rep,
        date_iso: view::iso(date),
        date_text: view::when(date, &timezone),
        duration_ms,
        duration: view::clock(duration_ms),
        channels: call.channels.unwrap_or(1),
        coarse_spp: coarse_samples_per_pixel(duration_ms, call.sample_rate.unwrap_or(8000)),
        fine_spp: filmroom_review::PEAKS_SAMPLES_PER_PIXEL,
        // The API numbers channels from 1; the player's lanes from 0.
        rep_channel: call.rep_channel.filter(|c| (1..=2).contains(c)).map_or(-1, |c| c - 1),
        ready: call.status == CallStatus::Ready,
        status_label: view::status_label(call.status).to_owned(),
        failure: (call.status == CallStatus::Failed)
            .then(|| failure_words(call.failure_code.as_deref(), call.failure_message.as_deref())),
        start_seconds: start.filter(|t| t.is_finite() && *t >= 0.0).unwrap_or(0.0),
        steps,
        slot_label: standing.nomination.as_ref().map(|n| view::slot_label(n.row.slot).to_owned()),
        week: standing.nomination.as_ref().map(|n| n.row.week.clone()).unwrap_or_default(),
        slot_key: standing
            .nomination
            .as_ref()
            .map(|n| filmroom_review::slot_name(n.row.slot).to_owned())
            .unwrap_or_default(),
        pending: view::status_pending(call.status),
        after,
        next: standing.next_move.map(crate::pages::home::NextStep::from),
        private_note: is_rep && !shared,
        scoring_kind: match standing.scoring.as_ref().map(|s| s.kind) {
            Some(filmroom_review::ScorerKind::Rep) => "Your self-scores".to_owned(),
            Some(filmroom_review::ScorerKind::Manager) => "Your scores as manager".to_owned(),
            None => String::new(),
        },
        scoring_blocked: standing.scoring.and_then(|s| s.blocked).as_deref().map(view::sentence),
        criteria,
        comments: comment_list(viewer, call.id, call.status, facts.comments),
        conversation,
        transcript: transcript
            .into_iter()
            .map(|s| Line {
                at_label: view::clock(s.start_ms),
                start_ms: s.start_ms,
                end_ms: s.end_ms,
                speaker: s.speaker.unwrap_or_default(),
                text: s.text,
            })
            .collect(),
    }
}

/// The comment list of a call: threads in time order, replies under their
/// comment.
pub fn comment_list(
    viewer: &Viewer,
    call_id: CallId,
    status: CallStatus,
    views: Vec<CommentView>,
) -> CommentList {
    CommentList {
        call_id: call_id.to_string(),
        csrf: viewer.csrf.clone(),
        items: items(views, viewer),
        can_comment: status == CallStatus::Ready,
    }
}

/// After sharing and after the manager's review, the panel says what happens
/// next and when, to the person looking.
fn what_happens_next(
    state: filmroom_review::ReviewState,
    is_rep: bool,
    rep_name: &str,
) -> Option<String> {
    use filmroom_review::ReviewState as S;
    match (state, is_rep) {
        (S::Shared, true) => Some(
            "Shared with your manager. They comment on it and score it before your next 1:1, where its best moments are played as clips."
                .into(),
        ),
        (S::ManagerReviewed, true) => Some(
            "Your manager has reviewed this call. Read their comments before your next 1:1: you go over it there."
                .into(),
        ),
        (S::ManagerReviewed, false) => Some(format!(
            "Reviewed. Add its best moments as clips in your next 1:1 with {rep_name}, from the 1:1 room."
        )),
        (S::Discussed, _) => Some("Discussed in a 1:1: this review is complete.".into()),
        _ => None,
    }
}

/// Why a recording could not be analysed, for the person who sent it: what
/// happened and what to do, never a decoder's own text (that stays in the
/// API's `failure.message` and the logs).
fn failure_words(code: Option<&str>, message: Option<&str>) -> String {
    const SEND: &str = "export it as WAV, MP3, FLAC, Ogg Vorbis or M4A and upload it to a new call";
    match code {
        Some("unsupported_codec") => format!("This recording is in a format filmroom cannot play (such as Opus); {SEND}."),
        Some("unsupported_format") => format!("This file is not a recording filmroom can read; {SEND}."),
        Some("no_audio") => "This file holds no sound to analyse; check it is the right recording and upload it to a new call.".into(),
        Some("decode_crashed" | "decode_timeout" | "decode_out_of_memory" | "analysis_failed") => format!(
            "This recording could not be analysed: it may be damaged or unusually large. An admin can try again; otherwise {SEND}."
        ),
        Some("audio_missing") => "The stored recording is missing; upload it again to a new call.".into(),
        Some("recording_url_refused" | "recording_fetch_failed") => "The dialer's recording could not be fetched; the dialer can send the call again with a fresh link.".into(),
        Some("recording_too_large") => "The dialer's recording is larger than this server accepts; ask an admin.".into(),
        _ => message.map_or_else(
            || "This recording could not be analysed.".to_owned(),
            |_| "This recording could not be analysed; an admin can see why on the call's details.".to_owned(),
        ),
    }
}
