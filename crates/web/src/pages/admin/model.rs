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

#[derive(Clone)]
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
    /// What was searched for, as typed.
    q: String,
    /// Which people of how many are shown, in words.
    shown: String,
    /// The pages before and after this one, when there are.
    previous: Option<String>,
    next: Option<String>,
    per_page: usize,
    /// How many the next page holds.
    next_count: usize,
    /// This page's query (`?page=2&q=ann`, or empty), which the change
    /// forms carry so the admin comes back to the same page.
    list_query: String,
}

/// The forms that change one person: fetched when their row on the People
/// page is opened, so a page of a hundred people does not carry a hundred
/// lists of every manager.
#[derive(Template)]
#[template(path = "admin_person_forms.html")]
pub struct PersonForms {
    csrf: String,
    p: PersonRow,
    managers: Vec<(String, String)>,
    email_enabled: bool,
    list_query: String,
}

/// The same forms as a page of their own, for a browser without scripts.
#[derive(Template)]
#[template(path = "admin_person.html")]
pub struct PersonPage {
    layout: Layout,
    csrf: String,
    p: PersonRow,
    managers: Vec<(String, String)>,
    email_enabled: bool,
    list_query: String,
}

/// The forms that change the person `id` of `people`; `None` when they are
/// not among them.
pub fn person_forms(
    viewer: &Viewer,
    people: &[Person],
    id: UserId,
    query: &PeopleQuery,
    email_enabled: bool,
) -> Option<PersonForms> {
    let names = names_of(people);
    let person = people.iter().find(|p| p.id == id)?;
    Some(PersonForms {
        csrf: viewer.csrf.clone(),
        p: person_row(person, 0, &names),
        managers: manager_choices(people),
        email_enabled,
        list_query: query.query_string(),
    })
}

impl PersonPage {
    /// The forms, on a page.
    pub fn new(viewer: &Viewer, forms: PersonForms) -> Self {
        let PersonForms { csrf, p, managers, email_enabled, list_query } = forms;
        Self {
            layout: Layout::new("People", "admin", viewer),
            csrf,
            p,
            managers,
            email_enabled,
            list_query,
        }
    }
}

fn names_of(people: &[Person]) -> std::collections::HashMap<UserId, &str> {
    people.iter().map(|p| (p.id, p.name.as_str())).collect()
}

fn person_row(
    p: &Person,
    depth: usize,
    names: &std::collections::HashMap<UserId, &str>,
) -> PersonRow {
    PersonRow {
        id: p.id.to_string(),
        name: p.name.clone(),
        email: p.email.clone(),
        role: role_key(p.role).to_owned(),
        manager_id: p.manager_id.map(|m| m.to_string()).unwrap_or_default(),
        manager: p
            .manager_id
            .and_then(|m| names.get(&m))
            .map(|n| (*n).to_owned())
            .unwrap_or_default(),
        active: p.active,
        depth,
    }
}

/// Everyone a person may report to, by name. Deactivated managers stay in
/// the list, so saving a person who still reports to one does not quietly
/// take their manager away.
fn manager_choices(people: &[Person]) -> Vec<(String, String)> {
    let mut managers: Vec<(String, String)> = people
        .iter()
        .filter(|p| p.role != Role::Rep)
        .map(|p| {
            let name = if p.active { p.name.clone() } else { format!("{} (deactivated)", p.name) };
            (p.id.to_string(), name)
        })
        .collect();
    managers.sort_by(|a, b| a.1.cmp(&b.1));
    managers
}

/// People shown on one page of the People list: enough to scan, few enough
/// that the page (each row carries its change form) stays quick.
pub(super) const PEOPLE_PER_PAGE: usize = 100;

/// Which part of the People list to show: a search over names and emails,
/// and a page of the matches in tree order (1 is the first).
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct PeopleQuery {
    /// Part of a name or an email, in any case.
    #[serde(default)]
    pub q: Option<String>,
    /// The page, from 1.
    #[serde(default)]
    pub page: Option<usize>,
}

impl PeopleQuery {
    /// The query again, for a link back to the same page (empty for the
    /// first page of everyone).
    pub fn query_string(&self) -> String {
        let q = self.q.as_deref().map(str::trim).unwrap_or_default();
        let page = self.page.unwrap_or(1).max(1);
        match (page, q.is_empty()) {
            (1, true) => String::new(),
            (page, true) => format!("?page={page}"),
            (page, false) => format!("?page={page}&q={}", crate::encode_query(q)),
        }
    }
}

/// The people in management-tree order: each manager followed by their
/// reports, alphabetically at each level, in time linear in the list.
fn tree_order(people: &[Person]) -> Vec<(usize, &Person)> {
    use std::collections::{HashMap, HashSet};
    let ids: HashSet<UserId> = people.iter().map(|p| p.id).collect();
    let mut reports: HashMap<Option<UserId>, Vec<&Person>> = HashMap::new();
    for person in people {
        // Someone whose manager is not in the list (cannot happen in one
        // organisation, but nobody should vanish from the page) is a root.
        let manager = person.manager_id.filter(|m| ids.contains(m));
        reports.entry(manager).or_default().push(person);
    }
    for level in reports.values_mut() {
        level.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    }
    let mut out = Vec::with_capacity(people.len());
    let mut placed: HashSet<UserId> = HashSet::new();
    // Depth first without recursion: a stack of (depth, person), each
    // level pushed in reverse so the first name comes out first.
    let mut stack: Vec<(usize, &Person)> =
        reports.get(&None).map(|l| l.iter().rev().map(|p| (0, *p)).collect()).unwrap_or_default();
    while let Some((depth, person)) = stack.pop() {
        if !placed.insert(person.id) {
            continue;
        }
        out.push((depth, person));
        if let Some(level) = reports.get(&Some(person.id)) {
            stack.extend(level.iter().rev().map(|p| (depth + 1, *p)));
        }
    }
    // A circle of managers has no root: its people still appear.
    for person in people {
        if placed.insert(person.id) {
            out.push((0, person));
        }
    }
    out
}

/// One page of the organisation's people as a management tree (or the
/// people matching a search, in tree order), with the link just made or
/// the reason a change was refused.
pub fn people_page(
    viewer: &Viewer,
    people: &[Person],
    query: &PeopleQuery,
    link: Option<(String, String, String)>,
    error: Option<String>,
) -> PeoplePage {
    let names = names_of(people);
    let q = query.q.as_deref().map(str::trim).unwrap_or_default().to_owned();
    let needle = q.to_lowercase();
    let matching: Vec<(usize, &Person)> = tree_order(people)
        .into_iter()
        .filter(|(_, p)| {
            needle.is_empty()
                || p.name.to_lowercase().contains(&needle)
                || p.email.to_lowercase().contains(&needle)
        })
        .collect();
    let pages = matching.len().div_ceil(PEOPLE_PER_PAGE).max(1);
    let page = query.page.unwrap_or(1).clamp(1, pages);
    let first = (page - 1) * PEOPLE_PER_PAGE;
    let rows: Vec<PersonRow> = matching
        .iter()
        .skip(first)
        .take(PEOPLE_PER_PAGE)
        // A search shows matches without their managers: no indent.
        .map(|(depth, p)| person_row(p, if needle.is_empty() { *depth } else { 0 }, &names))
        .collect();
    let shown = match (matching.len(), needle.is_empty()) {
        (0, false) => format!("Nobody’s name or email contains “{q}”."),
        (0, true) => "Nobody yet.".to_owned(),
        (n, empty) if n <= PEOPLE_PER_PAGE => {
            if empty {
                format!("{} {}.", view::count(n), if n == 1 { "person" } else { "people" })
            } else {
                format!("{} of {} match “{q}”.", view::count(n), view::count(people.len()))
            }
        }
        (n, empty) => {
            let range = format!("{}–{}", view::count(first + 1), view::count(first + rows.len()));
            if empty {
                format!("{range} of {} people, managers first.", view::count(n))
            } else {
                format!("{range} of {} matching “{q}”.", view::count(n))
            }
        }
    };
    let query_of = |to: usize| PeopleQuery { q: Some(q.clone()), page: Some(to) }.query_string();
    let link_to = |to: usize| format!("/admin{}", query_of(to));
    let list_query = query_of(page);
    let next_count = matching.len().saturating_sub(first + rows.len()).min(PEOPLE_PER_PAGE);
    PeoplePage {
        layout: Layout::new("People", "admin", viewer),
        csrf: viewer.csrf.clone(),
        people: rows,
        managers: manager_choices(people),
        link,
        error,
        previous: (page > 1).then(|| link_to(page - 1)),
        next: (page < pages).then(|| link_to(page + 1)),
        q,
        shown,
        per_page: PEOPLE_PER_PAGE,
        next_count,
        list_query,
    }
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
