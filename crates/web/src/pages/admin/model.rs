//! The admin pages' view models: people as a management tree, the
//! organisation's settings, the rubric editor, and integrations with their
//! delivery logs, built from what the review domain answered, with no I/O
//! of their own.

use crate::{pages::Layout, session::Viewer, view};
use askama::Template;
use filmroom_review::{
    IntegrationToken, RubricView, Webhook, settings::ReviewSettings, webhooks::DeliveryView,
};
use filmroom_review::{Person, Role, ids::UserId, metrics::Metric};

pub(super) fn role_key(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::Manager => "manager",
        Role::Rep => "rep",
    }
}

pub struct PersonRow {
    id: String,
    name: String,
    email: String,
    role: String,
    manager_id: String,
    manager: String,
    active: bool,
    depth: usize,
}

#[derive(Template)]
#[template(path = "admin_people.html")]
pub struct PeoplePage {
    layout: Layout,
    csrf: String,
    people: Vec<PersonRow>,
    managers: Vec<(String, String)>,
    link: Option<(String, String, String)>,
    error: Option<String>,
    email_enabled: bool,
}

/// The people in management-tree order: each manager followed by their reports.
fn tree_order(people: &[Person]) -> Vec<(usize, &Person)> {
    fn below<'a>(
        people: &'a [Person],
        manager: Option<UserId>,
        depth: usize,
        out: &mut Vec<(usize, &'a Person)>,
    ) {
        let mut level: Vec<&Person> = people.iter().filter(|p| p.manager_id == manager).collect();
        level.sort_by(|a, b| a.name.cmp(&b.name));
        for person in level {
            if out.iter().any(|(_, p)| p.id == person.id) || depth > 32 {
                continue;
            }
            out.push((depth, person));
            below(people, Some(person.id), depth + 1, out);
        }
    }
    let mut out = Vec::new();
    below(people, None, 0, &mut out);
    // Anyone whose manager is not in the list (cannot happen in one
    // organisation, but nobody should vanish from the page).
    for person in people {
        if !out.iter().any(|(_, p)| p.id == person.id) {
            out.push((0, person));
        }
    }
    out
}

#[derive(Template)]
#[template(path = "admin_settings.html")]
pub struct SettingsPage {
    layout: Layout,
    csrf: String,
    days: Vec<(String, bool)>,
    review_days: u32,
    clip_minutes: u32,
    min_items: u32,
    talk_min: String,
    talk_max: String,
    patience_min: String,
    monologue_max: String,
}

/// A band limit as typed: at most two decimals, no trailing zeros.
fn number(v: Option<f64>) -> String {
    v.map(|v| {
        let text = format!("{v:.2}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    })
    .unwrap_or_default()
}

pub struct CriterionForm {
    pub(super) index: usize,
    pub(super) key: String,
    pub(super) name: String,
    pub(super) description: String,
    pub(super) min: i32,
    pub(super) max: i32,
    pub(super) levels: String,
}

#[derive(Template)]
#[template(path = "admin_rubric.html")]
pub struct RubricPage {
    layout: Layout,
    csrf: String,
    version: Option<i32>,
    criteria: Vec<CriterionForm>,
    error: Option<String>,
}

pub struct TokenRow {
    id: String,
    name: String,
    source: String,
    prefix: String,
    rep_channel: i32,
    signed: bool,
    revoked: bool,
}

pub struct HookRow {
    id: String,
    url: String,
    events: String,
    deliveries: Vec<DeliveryRow>,
}

pub struct DeliveryRow {
    id: String,
    status: String,
    attempts: i32,
    last: String,
    when: String,
}

#[derive(Template)]
#[template(path = "admin_integrations.html")]
pub struct IntegrationsPage {
    layout: Layout,
    csrf: String,
    tokens: Vec<TokenRow>,
    hooks: Vec<HookRow>,
    events: Vec<String>,
    new_token: Option<(String, String, String)>,
    new_hook: Option<(String, String)>,
    error: Option<String>,
}

/// Everyone in the organisation as a management tree, with the link just
/// made or the reason a change was refused.
pub fn people_page(
    viewer: &Viewer,
    people: &[Person],
    link: Option<(String, String, String)>,
    error: Option<String>,
    email_enabled: bool,
) -> PeoplePage {
    let name_of = |id: Option<UserId>| {
        id.and_then(|id| people.iter().find(|p| p.id == id)).map(|p| p.name.clone())
    };
    let rows = tree_order(people)
        .into_iter()
        .map(|(depth, p)| PersonRow {
            id: p.id.to_string(),
            name: p.name.clone(),
            email: p.email.clone(),
            role: role_key(p.role).to_owned(),
            manager_id: p.manager_id.map(|m| m.to_string()).unwrap_or_default(),
            manager: name_of(p.manager_id).unwrap_or_default(),
            active: p.active,
            depth,
        })
        .collect();
    // Deactivated managers stay in the list, so saving a person who still
    // reports to one does not quietly take their manager away.
    let managers = people
        .iter()
        .filter(|p| p.role != Role::Rep)
        .map(|p| {
            let name = if p.active { p.name.clone() } else { format!("{} (deactivated)", p.name) };
            (p.id.to_string(), name)
        })
        .collect();
    PeoplePage {
        layout: Layout::new("People", "admin", viewer),
        csrf: viewer.csrf.clone(),
        people: rows,
        managers,
        link,
        error,
        email_enabled,
    }
}

/// How the organisation runs its weeks, as the settings form shows it.
pub fn settings_page(viewer: &Viewer, s: &ReviewSettings) -> SettingsPage {
    let band = |m: Metric| s.metric_bands.get(m);
    SettingsPage {
        layout: Layout::new("Settings", "admin", viewer),
        csrf: viewer.csrf.clone(),
        days: view::DAYS
            .iter()
            .map(|(k, d)| ((*k).to_owned(), *d == s.nomination_deadline))
            .collect(),
        review_days: s.manager_review_days,
        clip_minutes: s.clip_budget_minutes,
        min_items: s.min_action_items,
        talk_min: number(band(Metric::TalkRatio).and_then(|b| b.min).map(|v| v * 100.0)),
        talk_max: number(band(Metric::TalkRatio).and_then(|b| b.max).map(|v| v * 100.0)),
        patience_min: number(band(Metric::PatienceMs).and_then(|b| b.min).map(|v| v / 1000.0)),
        monologue_max: number(
            band(Metric::LongestMonologueMs).and_then(|b| b.max).map(|v| v / 1000.0),
        ),
    }
}

/// The rubric editor: the published criteria (or the ones just typed, when
/// they were refused), and an empty one to add.
pub fn rubric_page(
    viewer: &Viewer,
    rubric: Option<RubricView>,
    error: Option<String>,
    criteria: Option<Vec<CriterionForm>>,
) -> RubricPage {
    let version = rubric.as_ref().map(|r| r.version);
    let mut forms = criteria.unwrap_or_else(|| {
        rubric
            .map(|r| r.criteria)
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(index, c)| CriterionForm {
                index,
                key: c.key,
                name: c.name,
                description: c.description.unwrap_or_default(),
                min: c.min,
                max: c.max,
                levels: c
                    .levels
                    .iter()
                    .map(|l| format!("{}: {}", l.value, l.description))
                    .collect::<Vec<_>>()
                    .join("\n"),
            })
            .collect()
    });
    let next = forms.len();
    forms.push(CriterionForm {
        index: next,
        key: String::new(),
        name: String::new(),
        description: String::new(),
        min: 1,
        max: 5,
        levels: String::new(),
    });
    RubricPage {
        layout: Layout::new("Rubric", "admin", viewer),
        csrf: viewer.csrf.clone(),
        version,
        criteria: forms,
        error,
    }
}

/// What the integrations page shows once, after a form: a new token, a new
/// webhook's secret, or why one was not made.
pub struct IntegrationsShown {
    /// The new token's name, secret and callback URL.
    pub new_token: Option<(String, String, String)>,
    /// The new webhook's URL and signing secret.
    pub new_hook: Option<(String, String)>,
    /// Why the form was refused.
    pub error: Option<String>,
}

/// Dialer tokens and webhooks with their latest deliveries.
pub fn integrations_page(
    viewer: &Viewer,
    tokens: Vec<IntegrationToken>,
    hooks: Vec<(Webhook, Vec<DeliveryView>)>,
    shown: IntegrationsShown,
) -> IntegrationsPage {
    let timezone = viewer.timezone().to_owned();
    let tokens = tokens
        .into_iter()
        .map(|t| TokenRow {
            id: t.id.to_string(),
            name: t.name,
            source: t.source,
            prefix: t.prefix,
            rep_channel: t.rep_channel,
            signed: t.has_signing_secret,
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    let hooks = hooks
        .into_iter()
        .map(|(hook, deliveries)| HookRow {
            id: hook.id.to_string(),
            url: hook.url,
            events: hook.event_types.join(", "),
            deliveries: deliveries
                .into_iter()
                .take(20)
                .map(|d| DeliveryRow {
                    id: d.row.id.to_string(),
                    status: format!("{:?}", d.row.status).to_lowercase(),
                    attempts: d.row.attempts,
                    last: match (d.row.last_status_code, &d.row.last_error) {
                        (Some(code), _) => format!("HTTP {code}"),
                        (None, Some(error)) => error.clone(),
                        (None, None) => "not tried yet".into(),
                    },
                    when: view::when(d.row.updated_at, &timezone),
                })
                .collect(),
        })
        .collect();
    IntegrationsPage {
        layout: Layout::new("Integrations", "admin", viewer),
        csrf: viewer.csrf.clone(),
        tokens,
        hooks,
        events: filmroom_review::webhooks::EVENT_TYPES.iter().map(|e| (*e).to_owned()).collect(),
        new_token: shown.new_token,
        new_hook: shown.new_hook,
        error: shown.error,
    }
}
