//! The search page's view model: each call found with its matches, built
//! from what the review domain answered, with no I/O of its own.

use crate::{pages::Layout, session::Viewer, view};
use askama::Template;
use filmroom_review::SearchSource;
use filmroom_review::search::SearchResult;

pub struct Hit {
    href: String,
    at_label: String,
    source: String,
    text: String,
}

pub struct ResultCall {
    title: String,
    date_text: String,
    hits: Vec<Hit>,
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    layout: Layout,
    q: String,
    searched: bool,
    error: Option<String>,
    results: Vec<ResultCall>,
}

/// The search page for `q`: nothing searched yet, the calls found, or why
/// the words could not be searched.
pub fn search_page(
    viewer: &Viewer,
    q: String,
    found: Option<Result<Vec<SearchResult>, String>>,
) -> SearchPage {
    let searched = found.is_some();
    let (results, error) = match found {
        None => (Vec::new(), None),
        Some(Err(message)) => (Vec::new(), Some(message)),
        Some(Ok(found)) => (found.into_iter().map(|r| result_call(r, viewer)).collect(), None),
    };
    SearchPage { layout: Layout::new("Search", "search", viewer), q, searched, error, results }
}

fn result_call(r: SearchResult, viewer: &Viewer) -> ResultCall {
    ResultCall {
        title: r.call.title.clone(),
        date_text: view::day(r.call.occurred_at.unwrap_or(r.call.created_at), viewer.timezone()),
        hits: r
            .matches
            .iter()
            .map(|m| Hit {
                href: format!("/calls/{}?t={}", r.call.id, m.at_ms / 1000),
                at_label: view::clock(m.at_ms),
                source: match m.source {
                    SearchSource::Transcript => "Transcript",
                    SearchSource::Comment => "Comment",
                }
                .to_owned(),
                text: m.text.clone(),
            })
            .collect(),
    }
}
