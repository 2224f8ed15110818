//! The home page: a rep's week (the two slots, uploads, their calls) or, for
//! a manager, their reps with this week's two slots.

mod model;

pub use model::NextStep;

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
    Call, CallQuery, PageRequest, Review, ReviewError, Slot, WeekView,
    ids::{CallId, UserId},
};
use serde::Deserialize;

/// The rep's calls, newest first, with the week's picks.
async fn fetch_calls(
    review: &Review,
    viewer: &Viewer,
    week: &str,
) -> Result<(Vec<Call>, WeekView), PageError> {
    let page = review
        .calls()
        .list(
            &viewer.actor,
            CallQuery { rep_id: Some(viewer.me.id), newest_first: true, ..CallQuery::default() },
            PageRequest { after: None, limit: 50 },
        )
        .await?;
    let this_week = review.weekly().week(&viewer.actor, viewer.me.id, week).await?;
    Ok((page.items, this_week))
}

/// Home: the rep's week, or the manager's team board.
#[get("/")]
pub async fn home(review: web::Data<Review>, viewer: Viewer) -> Result<HttpResponse, PageError> {
    let week = review.weekly().current_week(&viewer.actor).await?.to_string();
    if viewer.coaches() {
        return crate::pages::team::render(&review, &viewer, Some(&week)).await;
    }
    let (calls, this_week) = fetch_calls(&review, &viewer, &week).await?;
    let mut next_moves = Vec::new();
    for nomination in [&this_week.went_well, &this_week.struggled].into_iter().flatten() {
        let standing = review.weekly().call_review(&viewer.actor, nomination.call.id).await?;
        next_moves.push((nomination.call.id, standing.next_move));
    }
    let one_on_ones = review
        .one_on_ones()
        .list(&viewer.actor, None, Some(viewer.me.id), Some(chrono::Utc::now()), None)
        .await?;
    let facts = model::HomeFacts { week, this_week, next_moves, one_on_ones, calls };
    Ok(page(model::rep_home(&viewer, facts).render()?))
}

/// The rep's call list, which the home page refreshes while calls are in analysis.
#[get("/my-calls")]
pub async fn my_calls(review: web::Data<Review>, viewer: Viewer) -> Result<HttpResponse, Fragment> {
    let week = review.weekly().current_week(&viewer.actor).await?.to_string();
    let (calls, this_week) = fetch_calls(&review, &viewer, &week).await?;
    let list = model::calls_list(&viewer, &week, calls, &this_week);
    let html = list.render().map_err(PageError::from)?;
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
