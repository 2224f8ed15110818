//! The team board's view model: what the page shows, built from what the
//! review domain answered, with no I/O of its own.

use crate::{pages::Layout, session::Viewer, view};
use askama::Template;
use chrono::Weekday;
use chrono::{DateTime, Utc};
use filmroom_review::{BoardRow, Nomination, Person, TeamBoard, ids::UserId, week::Week};
use filmroom_review::{FollowThrough, OneOnOne};
use std::collections::HashMap;

pub struct BoardSlot {
    call_id: String,
    state_key: String,
    state_label: String,
}

pub struct BoardLine {
    name: String,
    rep_id: String,
    went_well: Option<BoardSlot>,
    struggled: Option<BoardSlot>,
    nomination_overdue: bool,
    review_overdue: bool,
}

/// The reps reporting to one manager.
pub struct Group {
    heading: String,
    /// The manager's follow-through, for a skip-level view.
    follow_through: Option<String>,
    lines: Vec<BoardLine>,
}

/// A shared call waiting for its review.
pub struct Waiting {
    call_id: String,
    rep: String,
    slot: String,
    since_iso: String,
    since_text: String,
    overdue: bool,
}

/// One of the week's 1:1s.
pub struct Meeting {
    id: String,
    rep: String,
    when_iso: String,
    when_text: String,
    status: String,
}

#[derive(Template)]
#[template(path = "team.html")]
pub struct TeamPage {
    layout: Layout,
    week: String,
    week_dates: String,
    previous_week: String,
    next_week: String,
    this_week: Option<String>,
    deadline_iso: String,
    deadline_text: String,
    deadline_passed: bool,
    waiting: Vec<Waiting>,
    groups: Vec<Group>,
    reps: usize,
    meetings: Vec<Meeting>,
}

fn slot(n: &Option<Nomination>) -> Option<BoardSlot> {
    n.as_ref().map(|n| BoardSlot {
        call_id: n.call_id.to_string(),
        state_key: view::state_key(n.state).to_owned(),
        state_label: view::state_label(n.state).to_owned(),
    })
}

fn line(row: &BoardRow) -> BoardLine {
    BoardLine {
        name: row.rep.name.clone(),
        rep_id: row.rep.id.to_string(),
        went_well: slot(&row.went_well),
        struggled: slot(&row.struggled),
        nomination_overdue: row.nomination_overdue,
        review_overdue: row.review_overdue,
    }
}

fn week_dates(week: &Week) -> String {
    let (monday, sunday) = (week.day(Weekday::Mon), week.day(Weekday::Sun));
    format!("{} – {}", monday.format("%-d %b"), sunday.format("%-d %b %Y"))
}

fn percent(part: usize, whole: usize) -> String {
    let part = u32::try_from(part).unwrap_or(u32::MAX);
    let whole = u32::try_from(whole).unwrap_or(u32::MAX).max(1);
    format!("{:.0} %", f64::from(part) * 100.0 / f64::from(whole))
}

/// The groups of a board: the viewer's own reps first, then each manager
/// below them with their reps and how they follow through.
fn groups(
    viewer: &Viewer,
    board: &TeamBoard,
    follow_through: &HashMap<UserId, FollowThrough>,
) -> Vec<Group> {
    let under = |manager: UserId| -> Vec<BoardLine> {
        board.reps.iter().filter(|r| r.rep.manager_id == Some(manager)).map(line).collect()
    };
    let mut groups = vec![Group {
        heading: "Your reps".into(),
        follow_through: None,
        lines: under(viewer.me.id),
    }];
    let mut managers: Vec<&Person> = board.managers.iter().collect();
    managers.sort_by(|a, b| a.name.cmp(&b.name));
    for manager in managers {
        let lines = under(manager.id);
        if lines.is_empty() {
            continue;
        }
        let (reviewed, shared) = board.reviews_done(manager.id);
        let reviews = match shared {
            0 => "nothing shared with them yet this week".to_owned(),
            n => format!("reviewed {reviewed} of {n} shared calls this week"),
        };
        let commitments = match follow_through.get(&manager.id) {
            Some(items) if items.due > 0 => format!(
                "kept {} of 1:1 commitments on time ({} of {}, last 90 days)",
                percent(items.done_on_time, items.due),
                items.done_on_time,
                items.due
            ),
            _ => "no 1:1 commitments due in the last 90 days".to_owned(),
        };
        groups.push(Group {
            heading: format!("{}'s reps", manager.name),
            follow_through: Some(format!("{}: {reviews}; {commitments}.", manager.name)),
            lines,
        });
    }
    if groups.len() > 1 && groups.first().is_some_and(|g| g.lines.is_empty()) {
        groups.remove(0);
    }
    groups
}

/// What the team board needs from the review domain, fetched by its handler.
pub struct BoardFacts {
    /// This week, by the organisation's calendar.
    pub current: Week,
    /// The board of the week shown.
    pub board: TeamBoard,
    /// The viewer's 1:1s that week.
    pub one_on_ones: Vec<OneOnOne>,
    /// How each manager below the viewer keeps their 1:1 commitments.
    pub follow_through: HashMap<UserId, FollowThrough>,
}

/// The team board for `viewer` at `now` (which decides what is past due).
pub fn team_page(viewer: &Viewer, facts: BoardFacts, now: DateTime<Utc>) -> TeamPage {
    let BoardFacts { current, board, one_on_ones, follow_through } = facts;
    let timezone = viewer.timezone().to_owned();
    let waiting = board
        .waiting()
        .into_iter()
        .map(|(rep, n)| {
            let since = n.shared_at.unwrap_or(n.updated_at);
            Waiting {
                call_id: n.call_id.to_string(),
                rep: rep.name.clone(),
                slot: view::slot_label(n.slot).to_lowercase(),
                since_iso: view::iso(since),
                since_text: view::when(since, &timezone),
                overdue: board.is_overdue(n),
            }
        })
        .collect();
    let meetings = one_on_ones
        .into_iter()
        .map(|o| Meeting {
            id: o.id.to_string(),
            rep: board
                .reps
                .iter()
                .find(|r| r.rep.id == o.rep_id)
                .map_or_else(|| "a rep".to_owned(), |r| r.rep.name.clone()),
            when_iso: view::iso(o.scheduled_at),
            when_text: view::when(o.scheduled_at, &timezone),
            status: match o.status {
                filmroom_review::OneOnOneStatus::Scheduled => "",
                filmroom_review::OneOnOneStatus::Held => "Held",
                filmroom_review::OneOnOneStatus::Cancelled => "Cancelled",
            }
            .to_owned(),
        })
        .collect();
    TeamPage {
        meetings,
        layout: Layout::new("Your team", "home", viewer),
        week: board.week.to_string(),
        week_dates: week_dates(&board.week),
        previous_week: board.week.previous().to_string(),
        next_week: board.week.next().to_string(),
        this_week: (board.week != current).then(|| current.to_string()),
        deadline_iso: view::iso(board.nomination_deadline),
        deadline_text: view::when(board.nomination_deadline, &timezone),
        deadline_passed: now > board.nomination_deadline,
        waiting,
        reps: board.reps.len(),
        groups: groups(viewer, &board, &follow_through),
    }
}
