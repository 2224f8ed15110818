//! The manager's board: each rep's two calls of a week with their states and
//! overdue flags, the shared calls waiting for a review (longest waiting
//! first), week by week; a skip-level manager sees the reps grouped under
//! the managers they report to, with each manager's follow-through.

mod model;

use crate::{error::PageError, guards::Coach, pages::page, session::Viewer};
use actix_web::{HttpResponse, get, web};
use askama::Template;
use filmroom_review::Review;
use serde::Deserialize;

#[derive(Deserialize)]
struct TeamQuery {
    week: Option<String>,
}

/// Renders the board of `week` (default: this week) for a viewer who
/// coaches (the `/team` route's guard, or the home page, decided that).
pub async fn render(
    review: &Review,
    viewer: &Viewer,
    week: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let facts = fetch_board(review, viewer, week).await?;
    Ok(page(model::team_page(viewer, facts, chrono::Utc::now()).render()?))
}

/// What the board shows, as the review domain answers for this viewer: the
/// week's board, its 1:1s, and how each manager below keeps commitments.
async fn fetch_board(
    review: &Review,
    viewer: &Viewer,
    week: Option<&str>,
) -> Result<model::BoardFacts, PageError> {
    let current = review.weekly().current_week(&viewer.actor).await?;
    let week = week.map_or_else(|| current.to_string(), str::to_owned);
    let board = review.weekly().team_board(&viewer.actor, viewer.me.id, &week, true).await?;
    let tz: chrono_tz::Tz = viewer.timezone().parse().unwrap_or(chrono_tz::UTC);
    let (from, to) = (board.week.start(tz), board.week.next().start(tz));
    let one_on_ones = review
        .one_on_ones()
        .list(&viewer.actor, Some(viewer.me.id), None, Some(from), Some(to))
        .await?;
    let mut follow_through = std::collections::HashMap::new();
    for manager in &board.managers {
        let kept =
            review.one_on_ones().follow_through(&viewer.actor, manager.id, None, None).await?;
        follow_through.insert(manager.id, kept);
    }
    Ok(model::BoardFacts { current, board, one_on_ones, follow_through })
}

/// `/team?week=2026-W49`: the board of one week.
#[get("/team")]
pub async fn team(
    review: web::Data<Review>,
    Coach(viewer): Coach,
    query: web::Query<TeamQuery>,
) -> Result<HttpResponse, PageError> {
    render(&review, &viewer, query.week.as_deref()).await
}
