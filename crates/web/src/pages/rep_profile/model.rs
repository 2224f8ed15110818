//! A rep's page view model: what the page shows, built from what the
//! review domain answered, with no I/O of its own.

use crate::{pages::Layout, session::Viewer, view};
use askama::Template;
use filmroom_review::{Focus, FocusView, FollowThrough, OneOnOne, Person, RubricView};
use filmroom_review::{FocusStatus, OneOnOneStatus, Prescription, WeekProgress};

/// One criterion's chart.
pub struct CriterionChart {
    name: String,
    /// Server-drawn SVG: numbers and fixed markup only.
    svg: String,
    /// The same figures in words, week by week.
    rows: Vec<(String, String, String, String)>,
}

pub struct ConversationRow {
    week: String,
    calls: usize,
    talk_ratio: String,
    longest_monologue: String,
    patience: String,
    questions: String,
}

pub struct FocusCard {
    id: String,
    criterion: String,
    diagnosis: String,
    prescription: String,
    target: String,
    since: String,
    scores: Vec<(String, String, String)>,
}

pub struct PastFocus {
    criterion: String,
    status: String,
    dates: String,
}

pub struct Meeting {
    id: String,
    when_iso: String,
    when_text: String,
    status: String,
}

#[derive(Template)]
#[template(path = "rep_profile.html")]
pub struct RepProfile {
    layout: Layout,
    csrf: String,
    rep_id: String,
    name: String,
    coach: bool,
    charts: Vec<CriterionChart>,
    conversation: Vec<ConversationRow>,
    focus: Option<FocusCard>,
    past: Vec<PastFocus>,
    criteria: Vec<(String, String)>,
    follow_through: String,
    meetings: Vec<Meeting>,
    timezone: String,
    /// The rep's own manager: who sets up their 1:1s.
    sets_up_one_on_ones: bool,
}

fn score(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{v:.1}"))
}

/// A line chart of self (dashed) and manager (solid) scores per week, the
/// gap between them shaded where both exist.
fn chart(
    weeks: &[String],
    own: &[Option<f64>],
    manager: &[Option<f64>],
    min: i32,
    max: i32,
) -> String {
    const W: f64 = 420.0;
    const H: f64 = 150.0;
    const PAD: f64 = 28.0;
    let span = f64::from((max - min).max(1));
    let count = u32::try_from(weeks.len().max(2) - 1).unwrap_or(1);
    let x = |i: usize| {
        PAD + (W - 2.0 * PAD) * f64::from(u32::try_from(i).unwrap_or(0)) / f64::from(count)
    };
    let y = |v: f64| H - PAD - (H - 2.0 * PAD) * (v - f64::from(min)) / span;
    let mut svg = format!(
        "<svg viewBox=\"0 0 {W} {H}\" class=\"chart\" role=\"img\" aria-hidden=\"true\" focusable=\"false\">"
    );
    for level in min..=max {
        let ly = y(f64::from(level));
        svg.push_str(&format!(
            "<line x1=\"{PAD}\" x2=\"{}\" y1=\"{ly:.1}\" y2=\"{ly:.1}\" class=\"grid\"/><text x=\"6\" y=\"{:.1}\" class=\"axis\">{level}</text>",
            W - PAD,
            ly + 4.0
        ));
    }
    // The calibration gap: a band between the two lines, week by week.
    for i in 0..weeks.len().saturating_sub(1) {
        if let (Some(Some(a0)), Some(Some(b0)), Some(Some(a1)), Some(Some(b1))) =
            (own.get(i), manager.get(i), own.get(i + 1), manager.get(i + 1))
        {
            svg.push_str(&format!(
                "<polygon class=\"gap\" points=\"{:.1},{:.1} {:.1},{:.1} {:.1},{:.1} {:.1},{:.1}\"/>",
                x(i), y(*a0), x(i + 1), y(*a1), x(i + 1), y(*b1), x(i), y(*b0)
            ));
        }
    }
    // And a bar at each week where both scored, so one week shows its gap too.
    for (i, (a, b)) in own.iter().zip(manager).enumerate() {
        if let (Some(a), Some(b)) = (a, b) {
            svg.push_str(&format!(
                "<line class=\"gap-bar\" x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1:.1}\" y2=\"{2:.1}\"/>",
                x(i),
                y(*a),
                y(*b)
            ));
        }
    }
    for (values, class) in [(own, "self"), (manager, "manager")] {
        let points: Vec<String> = values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", x(i), y(v))))
            .collect();
        if points.len() > 1 {
            svg.push_str(&format!("<polyline class=\"{class}\" points=\"{}\"/>", points.join(" ")));
        }
        for point in &points {
            if let Some((px, py)) = point.split_once(',') {
                svg.push_str(&format!(
                    "<circle class=\"{class}\" cx=\"{px}\" cy=\"{py}\" r=\"3.5\"/>"
                ));
            }
        }
    }
    for (i, week) in weeks.iter().enumerate() {
        let label = week.rsplit_once('-').map_or(week.as_str(), |(_, w)| w);
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"middle\">{label}</text>",
            x(i),
            H - 8.0
        ));
    }
    svg.push_str("</svg>");
    svg
}

fn charts(
    progress: &[WeekProgress],
    criteria: &[filmroom_review::rubric::Criterion],
) -> Vec<CriterionChart> {
    let weeks: Vec<String> =
        progress.iter().filter(|w| !w.criteria.is_empty()).map(|w| w.week.clone()).collect();
    criteria
        .iter()
        .filter_map(|criterion| {
            let of = |w: &str| {
                progress
                    .iter()
                    .find(|p| p.week == w)
                    .and_then(|p| p.criteria.iter().find(|c| c.criterion == criterion.key))
            };
            let own: Vec<Option<f64>> =
                weeks.iter().map(|w| of(w).and_then(|c| c.self_score)).collect();
            let manager: Vec<Option<f64>> =
                weeks.iter().map(|w| of(w).and_then(|c| c.manager_score)).collect();
            if own.iter().chain(&manager).all(Option::is_none) {
                return None;
            }
            Some(CriterionChart {
                name: criterion.name.clone(),
                svg: chart(&weeks, &own, &manager, criterion.min, criterion.max),
                rows: weeks
                    .iter()
                    .map(|w| {
                        let c = of(w);
                        (
                            w.clone(),
                            score(c.and_then(|c| c.self_score)),
                            score(c.and_then(|c| c.manager_score)),
                            c.and_then(|c| c.gap)
                                .map_or_else(|| "–".into(), |g| format!("{g:+.1}")),
                        )
                    })
                    .collect(),
            })
        })
        .collect()
}

fn prescription_label(p: Prescription) -> &'static str {
    match p {
        Prescription::Shadow => "Shadow a colleague",
        Prescription::RolePlay => "Role-play",
        Prescription::Script => "Work from a script",
        Prescription::Discussion => "Discuss in 1:1s",
        Prescription::Other => "Other",
    }
}

/// What a rep's page needs from the review domain, fetched by its handler.
pub struct ProfileFacts {
    /// The rep.
    pub rep: Person,
    /// Their scores and conversation figures week by week.
    pub progress: Vec<WeekProgress>,
    /// The rubric, for the criteria's names.
    pub rubric: Option<RubricView>,
    /// The active focus skill and the earlier ones.
    pub focus: (Option<FocusView>, Vec<Focus>),
    /// How they keep their 1:1 commitments.
    pub follow_through: FollowThrough,
    /// Their 1:1s.
    pub one_on_ones: Vec<OneOnOne>,
}

/// The page of `facts.rep` as `viewer` sees it.
pub fn profile(viewer: &Viewer, facts: ProfileFacts) -> RepProfile {
    let ProfileFacts {
        rep,
        progress,
        rubric,
        focus: (active, history),
        follow_through: items,
        one_on_ones,
    } = facts;
    let rep_id = rep.id;
    let criteria = rubric.map(|r| r.criteria).unwrap_or_default();
    let name_of = |key: &str| {
        criteria.iter().find(|c| c.key == key).map_or_else(|| key.to_owned(), |c| c.name.clone())
    };
    let timezone = viewer.timezone().to_owned();
    let focus = active.map(|f| FocusCard {
        id: f.row.id.to_string(),
        criterion: name_of(&f.row.criterion),
        diagnosis: f.row.diagnosis.clone(),
        prescription: format!(
            "{}: {}",
            prescription_label(f.row.prescription_kind),
            f.row.prescription_text
        ),
        target: f
            .row
            .target_score
            .map_or_else(|| "no target set".into(), |t| format!("target {t}")),
        since: view::day(f.row.started_at, &timezone),
        scores: f
            .progress
            .iter()
            .map(|w| {
                let c = w.criteria.first();
                (
                    w.week.clone(),
                    score(c.and_then(|c| c.self_score)),
                    score(c.and_then(|c| c.manager_score)),
                )
            })
            .collect(),
    });
    let past = history
        .iter()
        .filter(|f| f.status != FocusStatus::Active)
        .map(|f| PastFocus {
            criterion: name_of(&f.criterion),
            status: match f.status {
                FocusStatus::Achieved => "Achieved",
                FocusStatus::Dropped => "Dropped",
                FocusStatus::Active => "Active",
            }
            .into(),
            dates: format!(
                "{} – {}",
                view::day(f.started_at, &timezone),
                f.ended_at.map(|e| view::day(e, &timezone)).unwrap_or_default()
            ),
        })
        .collect();
    let follow_through = match items.due {
        0 => "No 1:1 commitments were due in the last 90 days.".to_owned(),
        due => format!(
            "Kept {} of {due} 1:1 commitments by their due date in the last 90 days ({} late, {} still open).",
            items.done_on_time, items.done_late, items.overdue
        ),
    };
    let meetings: Vec<Meeting> = one_on_ones
        .into_iter()
        .map(|o| Meeting {
            id: o.id.to_string(),
            when_iso: view::iso(o.scheduled_at),
            when_text: view::when(o.scheduled_at, &timezone),
            status: match o.status {
                OneOnOneStatus::Scheduled => "Scheduled",
                OneOnOneStatus::Held => "Held",
                OneOnOneStatus::Cancelled => "Cancelled",
            }
            .into(),
        })
        .collect();
    let percent = |v: Option<f64>| v.map_or_else(|| "–".into(), |v| format!("{:.0} %", v * 100.0));
    let seconds = |v: Option<f64>| v.map_or_else(|| "–".into(), |v| format!("{:.1} s", v / 1000.0));
    let conversation = progress
        .iter()
        .filter_map(|w| {
            w.conversation.map(|c| ConversationRow {
                week: w.week.clone(),
                calls: c.calls,
                talk_ratio: percent(c.talk_ratio),
                longest_monologue: seconds(c.longest_monologue_ms),
                patience: seconds(c.patience_ms),
                questions: c.rep_questions.map_or_else(|| "–".into(), |q| format!("{q:.1}")),
            })
        })
        .collect();
    let coach = viewer.coaches() && viewer.me.id != rep_id;
    RepProfile {
        layout: Layout::new(rep.name.clone(), "home", viewer),
        csrf: viewer.csrf.clone(),
        rep_id: rep_id.to_string(),
        name: rep.name.clone(),
        coach,
        charts: charts(&progress, &criteria),
        conversation,
        focus,
        past,
        criteria: criteria.iter().map(|c| (c.key.clone(), c.name.clone())).collect(),
        follow_through,
        meetings,
        timezone: viewer.timezone().to_owned(),
        sets_up_one_on_ones: rep.manager_id == Some(viewer.me.id),
    }
}
