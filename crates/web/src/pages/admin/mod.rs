//! The admin's pages: people (add, invite, role, manager, deactivate, the
//! management tree), the organisation's settings, the rubric editor,
//! integration tokens for dialers and webhooks with their delivery log.
//! Secrets made here are shown once, on the page that made them.

mod model;

use model::CriterionForm;

use crate::{
    error::{Fragment, PageError},
    guards::{Admin, AdminChange},
    pages::{Button, changed, page},
    session::Viewer,
    view,
};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use filmroom_review::{
    NewUser, PageRequest, Person, Review, ReviewError, Role, SettingsChanges, UserChanges,
    ids::{DeliveryId, IntegrationTokenId, UserId, WebhookId},
    integrations::NewIntegrationToken,
    metrics::{Band, Metric},
    rubric::{Criterion, Level},
};
use serde::Deserialize;

fn parse_role(raw: &str) -> Result<Role, ReviewError> {
    match raw {
        "admin" => Ok(Role::Admin),
        "manager" => Ok(Role::Manager),
        "rep" => Ok(Role::Rep),
        _ => Err(ReviewError::InvalidField {
            field: "role".into(),
            message: "choose admin, manager or rep".into(),
        }),
    }
}

/// The base of links people paste elsewhere: `--public-url` or the listen
/// address, never what the request says.
fn origin(req: &HttpRequest) -> String {
    filmroom_api::session::site(req).link_base()
}

async fn people_page(
    review: &Review,
    viewer: &Viewer,
    query: &model::PeopleQuery,
    link: Option<(String, String, String)>,
    error: Option<String>,
) -> Result<String, PageError> {
    let people = everyone(review, viewer).await?;
    Ok(model::people_page(viewer, &people, query, link, error).render()?)
}

/// Everyone in the organisation (the tree and the managers' list need
/// them all), read from the directory a page at a time.
async fn everyone(review: &Review, viewer: &Viewer) -> Result<Vec<Person>, PageError> {
    let mut people = Vec::new();
    let mut after = None;
    loop {
        let read =
            review.directory().users(&viewer.actor, PageRequest { after, limit: 1000 }).await?;
        people.extend(read.items);
        match read.next_after {
            Some(next) => after = Some(next),
            None => return Ok(people),
        }
    }
}

/// The forms that change one person: the People page fetches them when
/// the person's row is opened; a browser without scripts gets them as a page.
#[get("/admin/people/{id}/change")]
pub async fn person_change(
    req: HttpRequest,
    review: web::Data<Review>,
    Admin(viewer): Admin,
    id: web::Path<UserId>,
    list: web::Query<model::PeopleQuery>,
) -> Result<HttpResponse, PageError> {
    let people = everyone(&review, &viewer).await?;
    let enabled = review.emails().enabled();
    let forms = model::person_forms(&viewer, &people, *id, &list, enabled).ok_or_else(|| {
        ReviewError::NotFound { entity: filmroom_review::Entity::User, id: id.to_string() }
    })?;
    if crate::session::is_htmx(&req) {
        return Ok(crate::html(HttpResponse::Ok(), forms.render()?));
    }
    Ok(page(model::PersonPage::new(&viewer, forms).render()?))
}

/// `/admin`: the organisation's people as a management tree, a page at a
/// time, or those whose name or email holds `q`.
#[get("/admin")]
pub async fn people_list(
    review: web::Data<Review>,
    Admin(viewer): Admin,
    query: web::Query<model::PeopleQuery>,
) -> Result<HttpResponse, PageError> {
    Ok(page(people_page(&review, &viewer, &query, None, None).await?))
}

#[derive(Deserialize)]
struct NewPersonForm {
    name: String,
    email: String,
    role: String,
    manager_id: Option<String>,
}

fn optional_user(raw: Option<&str>) -> Result<Option<UserId>, ReviewError> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(None),
        Some(raw) => raw.parse().map(Some).map_err(|_| ReviewError::InvalidField {
            field: "manager_id".into(),
            message: "choose a manager from the list".into(),
        }),
    }
}

/// Adds a person and shows their invite link.
#[post("/admin/people")]
pub async fn add_person(
    req: HttpRequest,
    review: web::Data<Review>,
    AdminChange { viewer, form }: AdminChange<NewPersonForm>,
) -> Result<HttpResponse, PageError> {
    let added = async {
        let new = NewUser {
            email: form.email.clone(),
            name: form.name.clone(),
            role: parse_role(&form.role)?,
            manager_id: optional_user(form.manager_id.as_deref())?,
            external_ids: Default::default(),
        };
        let person = review.directory().create_user(&viewer.actor, new).await?;
        review.accounts().issue_link(&viewer.actor, person.id).await
    }
    .await;
    match added {
        Ok(issued) => {
            let url =
                format!("{}{}", origin(&req), filmroom_review::accounts::link_path(&issued.secret));
            let link = (issued.person.name, url, view::when(issued.expires_at, viewer.timezone()));
            Ok(page(people_page(&review, &viewer, &Default::default(), Some(link), None).await?))
        }
        Err(ReviewError::InvalidField { message, field }) => {
            let error = Some(format!("Not added: {field} {message}."));
            let html = people_page(&review, &viewer, &Default::default(), None, error).await?;
            Ok(crate::html(HttpResponse::UnprocessableEntity(), html))
        }
        Err(e) => Err(e.into()),
    }
}

/// Makes a one-time sign-in link for a person (invite, or reset).
#[post("/admin/people/{id}/link")]
pub async fn person_link(
    req: HttpRequest,
    review: web::Data<Review>,
    AdminChange { viewer, .. }: AdminChange<Button>,
    id: web::Path<UserId>,
    list: web::Query<model::PeopleQuery>,
) -> Result<HttpResponse, PageError> {
    let issued = review.accounts().issue_link(&viewer.actor, *id).await?;
    let url = format!("{}{}", origin(&req), filmroom_review::accounts::link_path(&issued.secret));
    let link = (issued.person.name, url, view::when(issued.expires_at, viewer.timezone()));
    Ok(page(people_page(&review, &viewer, &list, Some(link), None).await?))
}

#[derive(Deserialize)]
struct PersonForm {
    role: Option<String>,
    manager_id: Option<String>,
    active: Option<String>,
}

/// Changes a person's role, manager or whether they are active.
#[post("/admin/people/{id}")]
pub async fn change_person(
    req: HttpRequest,
    review: web::Data<Review>,
    AdminChange { viewer, form }: AdminChange<PersonForm>,
    id: web::Path<UserId>,
    list: web::Query<model::PeopleQuery>,
) -> Result<HttpResponse, Fragment> {
    let changes = UserChanges {
        role: form.role.as_deref().map(parse_role).transpose()?,
        manager_id: match form.manager_id.as_deref() {
            None => None,
            Some(raw) => Some(optional_user(Some(raw))?),
        },
        active: form.active.as_deref().map(|a| a == "true"),
        ..UserChanges::default()
    };
    review.directory().update_user(&viewer.actor, *id, changes).await?;
    Ok(changed(&req, &format!("/admin{}", list.query_string())))
}

/// `/admin/settings`: how the organisation runs its weeks.
#[get("/admin/settings")]
pub async fn settings_form(
    review: web::Data<Review>,
    Admin(viewer): Admin,
) -> Result<HttpResponse, PageError> {
    let (_, settings) = review.weekly().review_settings(&viewer.actor).await?;
    Ok(page(model::settings_page(&viewer, &settings).render()?))
}

#[derive(Deserialize)]
struct SettingsForm {
    nomination_deadline: String,
    manager_review_days: u32,
    clip_budget_minutes: u32,
    min_action_items: u32,
    talk_min: Option<String>,
    talk_max: Option<String>,
    patience_min: Option<String>,
    monologue_max: Option<String>,
}

fn field_number(field: &str, raw: Option<&str>) -> Result<Option<f64>, ReviewError> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(None),
        Some(raw) => raw.replace(',', ".").parse::<f64>().map(Some).map_err(|_| {
            ReviewError::InvalidField { field: field.into(), message: "must be a number".into() }
        }),
    }
}

fn band(min: Option<f64>, max: Option<f64>) -> Option<Band> {
    (min.is_some() || max.is_some()).then_some(Band { min, max })
}

/// Saves the settings; an empty band field leaves that side open.
#[post("/admin/settings")]
pub async fn save_settings(
    req: HttpRequest,
    review: web::Data<Review>,
    AdminChange { viewer, form }: AdminChange<SettingsForm>,
) -> Result<HttpResponse, Fragment> {
    let day = view::DAYS.iter().find(|(k, _)| *k == form.nomination_deadline).map(|(_, d)| *d);
    let percent = |f: &str, raw: &Option<String>| {
        field_number(f, raw.as_deref()).map(|v| v.map(|v| v / 100.0))
    };
    let seconds = |f: &str, raw: &Option<String>| {
        field_number(f, raw.as_deref()).map(|v| v.map(|v| v * 1000.0))
    };
    // The form shows patience's minimum and the monologue's maximum only;
    // the other sides, set through the API, stay as they are.
    let (_, current) = review.weekly().review_settings(&viewer.actor).await?;
    let kept = |m: Metric| current.metric_bands.get(m).unwrap_or(Band { min: None, max: None });
    let changes = SettingsChanges {
        nomination_deadline: day,
        manager_review_days: Some(form.manager_review_days),
        clip_budget_minutes: Some(form.clip_budget_minutes),
        min_action_items: Some(form.min_action_items),
        metric_bands: vec![
            (
                Metric::TalkRatio,
                band(percent("talk_min", &form.talk_min)?, percent("talk_max", &form.talk_max)?),
            ),
            (
                Metric::PatienceMs,
                band(seconds("patience_min", &form.patience_min)?, kept(Metric::PatienceMs).max),
            ),
            (
                Metric::LongestMonologueMs,
                band(
                    kept(Metric::LongestMonologueMs).min,
                    seconds("monologue_max", &form.monologue_max)?,
                ),
            ),
        ],
    };
    review.weekly().update_review_settings(&viewer.actor, changes).await?;
    if crate::session::is_htmx(&req) {
        return Ok(crate::html(HttpResponse::Ok(), "<span>Settings saved.</span>".to_owned()));
    }
    Ok(changed(&req, "/admin/settings"))
}

async fn rubric_page(
    review: &Review,
    viewer: &Viewer,
    error: Option<String>,
    criteria: Option<Vec<CriterionForm>>,
) -> Result<String, PageError> {
    let rubric = review.weekly().rubric(&viewer.actor).await?;
    Ok(model::rubric_page(viewer, rubric, error, criteria).render()?)
}

/// `/admin/rubric`: the criteria managers and reps score against.
#[get("/admin/rubric")]
pub async fn rubric_editor(
    review: web::Data<Review>,
    Admin(viewer): Admin,
) -> Result<HttpResponse, PageError> {
    Ok(page(rubric_page(&review, &viewer, None, None).await?))
}

/// The criteria of a submitted rubric form: `key.N`, `name.N`, … per
/// criterion; a criterion with neither key nor name is left out.
fn criteria_of(
    fields: &[(String, String)],
) -> (Vec<CriterionForm>, Result<Vec<Criterion>, String>) {
    let get = |name: &str, i: usize| {
        fields
            .iter()
            .find(|(k, _)| *k == format!("{name}.{i}"))
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let count = fields.iter().filter(|(k, _)| k.starts_with("key.")).count();
    let mut forms = Vec::new();
    let mut criteria = Vec::new();
    let mut problems = Vec::new();
    for i in 0..count.min(50) {
        let (key, name) = (get("key", i), get("name", i));
        if key.is_empty() && name.is_empty() {
            continue;
        }
        let min = get("min", i).parse::<i32>();
        let max = get("max", i).parse::<i32>();
        let levels_text = get("levels", i);
        let mut levels = Vec::new();
        for line in levels_text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            match line.split_once(':').map(|(v, d)| (v.trim().parse::<i32>(), d.trim())) {
                Some((Ok(value), description)) if !description.is_empty() => {
                    levels.push(Level { value, description: description.to_owned() });
                }
                _ => problems.push(format!("“{line}” is not a level like “3: Asks and digs”")),
            }
        }
        match (&min, &max) {
            (Ok(min), Ok(max)) => criteria.push(Criterion {
                key: key.clone(),
                name: name.clone(),
                description: Some(get("description", i)).filter(|d| !d.is_empty()),
                min: *min,
                max: *max,
                levels,
            }),
            _ => problems.push(format!("{name}: the scale is two whole numbers")),
        }
        forms.push(CriterionForm {
            index: forms.len(),
            key,
            name,
            description: get("description", i),
            min: min.unwrap_or(1),
            max: max.unwrap_or(5),
            levels: levels_text,
        });
    }
    let result = if problems.is_empty() { Ok(criteria) } else { Err(problems.join("; ")) };
    (forms, result)
}

/// Publishes the edited rubric as a new version; scores keep the version
/// they were given under.
#[post("/admin/rubric")]
pub async fn publish_rubric(
    req: HttpRequest,
    review: web::Data<Review>,
    AdminChange { viewer, form }: AdminChange<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let (forms, parsed) = criteria_of(&form);
    let outcome = match parsed {
        Ok(criteria) => review.weekly().publish_rubric(&viewer.actor, criteria).await.map(|_| ()),
        Err(problem) => Err(ReviewError::InvalidField { field: "rubric".into(), message: problem }),
    };
    match outcome {
        Ok(()) => Ok(changed(&req, "/admin/rubric")),
        Err(ReviewError::InvalidField { field, message }) => {
            let error = Some(format!("Not published: {field}: {message}."));
            let html = rubric_page(&review, &viewer, error, Some(forms)).await?;
            Ok(crate::html(HttpResponse::UnprocessableEntity(), html))
        }
        Err(e) => Err(e.into()),
    }
}

async fn integrations_page(
    review: &Review,
    viewer: &Viewer,
    new_token: Option<(String, String, String)>,
    new_hook: Option<(String, String)>,
    error: Option<String>,
) -> Result<String, PageError> {
    let tokens = review
        .integrations()
        .integration_tokens(&viewer.actor, PageRequest { after: None, limit: 200 })
        .await?
        .items;
    let mut hooks = Vec::new();
    for hook in review.webhooks().list(&viewer.actor).await? {
        let deliveries = review.webhooks().deliveries(&viewer.actor, hook.id).await?;
        hooks.push((hook, deliveries));
    }
    let shown = model::IntegrationsShown { new_token, new_hook, error };
    Ok(model::integrations_page(viewer, tokens, hooks, shown).render()?)
}

/// `/admin/integrations`: dialer tokens and webhooks.
#[get("/admin/integrations")]
pub async fn integrations_list(
    review: web::Data<Review>,
    Admin(viewer): Admin,
) -> Result<HttpResponse, PageError> {
    Ok(page(integrations_page(&review, &viewer, None, None, None).await?))
}

#[derive(Deserialize)]
struct TokenForm {
    name: String,
    source: String,
    rep_channel: i32,
    signing_secret: Option<String>,
    account_sid: Option<String>,
}

fn optional(raw: Option<&str>) -> Option<String> {
    raw.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

async fn refused(
    review: &Review,
    viewer: &Viewer,
    error: ReviewError,
) -> Result<HttpResponse, PageError> {
    match error {
        ReviewError::InvalidField { field, message } => {
            let error = Some(format!("Not made: {field} {message}."));
            let html = integrations_page(review, viewer, None, None, error).await?;
            Ok(crate::html(HttpResponse::UnprocessableEntity(), html))
        }
        other => Err(other.into()),
    }
}

/// Makes an integration token; its secret and callback URL are shown once.
#[post("/admin/integrations/tokens")]
pub async fn add_token(
    req: HttpRequest,
    review: web::Data<Review>,
    AdminChange { viewer, form }: AdminChange<TokenForm>,
) -> Result<HttpResponse, PageError> {
    let new = NewIntegrationToken {
        name: form.name.clone(),
        source: form.source.clone(),
        signing_secret: optional(form.signing_secret.as_deref()),
        account_sid: optional(form.account_sid.as_deref()),
        rep_channel: Some(form.rep_channel),
    };
    match review.integrations().create_integration_token(&viewer.actor, new).await {
        Ok(issued) => {
            let callback = format!(
                "{}/v1/integrations/twilio/recording-status?integration_id={}&rep=",
                origin(&req),
                issued.token.id
            );
            let made = Some((issued.token.name, issued.secret, callback));
            Ok(page(integrations_page(&review, &viewer, made, None, None).await?))
        }
        Err(e) => refused(&review, &viewer, e).await,
    }
}

/// Revokes an integration token.
#[post("/admin/integrations/tokens/{id}/revoke")]
pub async fn revoke_token(
    req: HttpRequest,
    review: web::Data<Review>,
    AdminChange { viewer, .. }: AdminChange<Button>,
    id: web::Path<IntegrationTokenId>,
) -> Result<HttpResponse, Fragment> {
    review.integrations().revoke_integration_token(&viewer.actor, *id).await?;
    Ok(changed(&req, "/admin/integrations"))
}

/// Registers a webhook; its signing secret is shown once.
#[post("/admin/integrations/webhooks")]
pub async fn add_webhook(
    review: web::Data<Review>,
    AdminChange { viewer, form }: AdminChange<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let value = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let events: Vec<String> =
        form.iter().filter(|(k, _)| k == "event").map(|(_, v)| v.clone()).collect();
    let url = value("url").unwrap_or_default();
    match review.webhooks().create_webhook(&viewer.actor, &url, None, events).await {
        Ok(hook) => {
            let made = Some((hook.url, hook.secret));
            Ok(page(integrations_page(&review, &viewer, None, made, None).await?))
        }
        Err(e) => refused(&review, &viewer, e).await,
    }
}

/// Removes a webhook.
#[post("/admin/integrations/webhooks/{id}/delete")]
pub async fn delete_webhook(
    req: HttpRequest,
    review: web::Data<Review>,
    AdminChange { viewer, .. }: AdminChange<Button>,
    id: web::Path<WebhookId>,
) -> Result<HttpResponse, Fragment> {
    review.webhooks().delete_webhook(&viewer.actor, *id).await?;
    Ok(changed(&req, "/admin/integrations"))
}

/// Sends a delivery again.
#[post("/admin/integrations/deliveries/{id}/redeliver")]
pub async fn redeliver(
    req: HttpRequest,
    review: web::Data<Review>,
    AdminChange { viewer, .. }: AdminChange<Button>,
    id: web::Path<DeliveryId>,
) -> Result<HttpResponse, Fragment> {
    review.webhooks().redeliver(&viewer.actor, *id).await?;
    Ok(changed(&req, "/admin/integrations"))
}
