//! Search over transcripts and comments, each hit linking to its moment.

mod model;

use crate::{error::PageError, pages::page, session::Viewer};
use actix_web::{HttpResponse, get, web};
use askama::Template;
use filmroom_review::{Review, ReviewError};
use serde::Deserialize;

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
    let found = if q.trim().is_empty() {
        None
    } else {
        match review.search().run(&viewer.actor, &q, 50).await {
            Ok(found) => Some(Ok(found)),
            Err(ReviewError::InvalidField { message, .. }) => Some(Err(message)),
            Err(other) => return Err(other.into()),
        }
    };
    Ok(page(model::search_page(&viewer, q, found).render()?))
}
