//! A rep's profile: per criterion, their own and their manager's scores over
//! the weeks with the calibration gap shaded; the week's conversation
//! figures; the focus skill (started, achieved or dropped by a manager); how
//! they keep their 1:1 commitments; and their 1:1s. The handler fetches
//! what the review domain answers, `model` builds the page.

mod model;

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
    FocusChanges, FocusStatus, NewFocus, Prescription, Review, ReviewError,
    ids::{FocusId, UserId},
};
use serde::Deserialize;

/// `/reps/{id}`: a rep's progress, focus and 1:1s.
#[get("/reps/{id}")]
pub async fn profile(
    review: web::Data<Review>,
    viewer: Viewer,
    id: web::Path<UserId>,
) -> Result<HttpResponse, PageError> {
    let rep_id = id.into_inner();
    let ones = review.one_on_ones();
    let facts = model::ProfileFacts {
        rep: review.directory().user(&viewer.actor, rep_id).await?,
        progress: review.weekly().progress(&viewer.actor, rep_id, None, None, None).await?,
        rubric: review.weekly().rubric(&viewer.actor).await?,
        focus: ones.focus(&viewer.actor, rep_id).await?,
        follow_through: ones.follow_through(&viewer.actor, rep_id, None, None).await?,
        one_on_ones: ones.list(&viewer.actor, None, Some(rep_id), None, None).await?,
    };
    Ok(page(model::profile(&viewer, facts).render()?))
}

#[derive(Deserialize)]
struct StartFocusForm {
    criterion: String,
    diagnosis: String,
    prescription: String,
    prescription_text: String,
    target_score: Option<String>,
}

fn prescription(raw: &str) -> Result<Prescription, ReviewError> {
    match raw {
        "shadow" => Ok(Prescription::Shadow),
        "role_play" => Ok(Prescription::RolePlay),
        "script" => Ok(Prescription::Script),
        "discussion" => Ok(Prescription::Discussion),
        "other" => Ok(Prescription::Other),
        _ => Err(ReviewError::InvalidField {
            field: "prescription".into(),
            message: "choose how the skill is to be built".into(),
        }),
    }
}

/// A manager starts a focus skill for the rep.
#[post("/reps/{id}/focus")]
pub async fn start_focus(
    req: HttpRequest,
    review: web::Data<Review>,
    Change { viewer, form }: Change<StartFocusForm>,
    id: web::Path<UserId>,
) -> Result<HttpResponse, Fragment> {
    let rep = id.into_inner();
    let target_score = match form.target_score.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => None,
        Some(raw) => Some(raw.parse::<i32>().map_err(|_| ReviewError::InvalidField {
            field: "target_score".into(),
            message: "the target is one of the criterion's levels".into(),
        })?),
    };
    let new = NewFocus {
        criterion: form.criterion.clone(),
        diagnosis: form.diagnosis.clone(),
        prescription: prescription(&form.prescription)?,
        prescription_text: form.prescription_text.clone(),
        target_score,
    };
    review.one_on_ones().start_focus(&viewer.actor, rep, new).await?;
    Ok(changed(&req, &format!("/reps/{rep}")))
}

#[derive(Deserialize)]
struct EndFocusForm {
    rep: UserId,
    status: String,
}

/// A manager marks the focus achieved or drops it.
#[post("/focus/{id}/end")]
pub async fn end_focus(
    req: HttpRequest,
    review: web::Data<Review>,
    Change { viewer, form }: Change<EndFocusForm>,
    id: web::Path<FocusId>,
) -> Result<HttpResponse, Fragment> {
    let status = match form.status.as_str() {
        "achieved" => FocusStatus::Achieved,
        "dropped" => FocusStatus::Dropped,
        _ => {
            return Err(ReviewError::InvalidField {
                field: "status".into(),
                message: "a focus is achieved or dropped".into(),
            }
            .into());
        }
    };
    let changes = FocusChanges { status: Some(status), ..FocusChanges::default() };
    review.one_on_ones().update_focus(&viewer.actor, *id, changes).await?;
    Ok(changed(&req, &format!("/reps/{}", form.rep)))
}

#[derive(Deserialize)]
struct SeriesForm {
    weekday: String,
    time: String,
    duration_minutes: u32,
    agenda: Option<String>,
}

/// Topics one per line, blank lines dropped.
pub fn agenda_lines(raw: Option<&str>) -> Vec<String> {
    raw.unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The rep's manager sets up their recurring 1:1.
#[post("/reps/{id}/one-on-ones")]
pub async fn set_up_one_on_ones(
    req: HttpRequest,
    review: web::Data<Review>,
    Change { viewer, form }: Change<SeriesForm>,
    id: web::Path<UserId>,
) -> Result<HttpResponse, Fragment> {
    let rep = id.into_inner();
    let weekday = view::parse_day(&form.weekday)?;
    let new = filmroom_review::NewSeries {
        manager_id: None,
        rep_id: rep,
        weekday,
        time: form.time.clone(),
        duration_minutes: form.duration_minutes,
        timezone: None,
        agenda: agenda_lines(form.agenda.as_deref()),
    };
    review.one_on_ones().create_series(&viewer.actor, new).await?;
    Ok(changed(&req, &format!("/reps/{rep}")))
}
