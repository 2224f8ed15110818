//! Search over transcripts and comments, each hit linking to its moment.

use actix_web::{HttpResponse, get, web};
use askama::Template;
use filmroom_review::{Review, ReviewError, SearchSource};
use serde::Deserialize;

use crate::{
    error::PageError,
    pages::{Layout, page},
    session::Viewer,
    view,
};

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
struct SearchPage {
    layout: Layout,
    q: String,
    searched: bool,
    error: Option<String>,
    results: Vec<ResultCall>,
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

/// `/search?q=`: calls whose transcript or comments say every word.
#[get("/search")]
pub async fn search(
    review: web::Data<Review>,
    viewer: Viewer,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, PageError> {
    let q = query.q.clone().unwrap_or_default();
    let mut error = None;
    let mut results = Vec::new();
    let searched = !q.trim().is_empty();
    if searched {
        match review.search().run(&viewer.actor, &q, 50).await {
            Ok(found) => {
                results = found
                    .into_iter()
                    .map(|r| ResultCall {
                        title: r.call.title.clone(),
                        date_text: view::day(
                            r.call.occurred_at.unwrap_or(r.call.created_at),
                            &viewer.organisation.timezone,
                        ),
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
                    })
                    .collect();
            }
            Err(ReviewError::InvalidField { message, .. }) => error = Some(message),
            Err(other) => return Err(other.into()),
        }
    }
    let html = SearchPage {
        layout: Layout::new("Search", "search", &viewer),
        q,
        searched,
        error,
        results,
    }
    .render()?;
    Ok(page(html))
}
