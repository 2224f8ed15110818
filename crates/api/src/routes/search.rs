//! Full-text search over transcripts and comments.

use actix_web::{get, web};
use filmroom_review::SearchSource;
use filmroom_review::{Review, search::SearchResult};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{error::ApiError, extract::Authenticated, routes::calls::CallBody};

/// What to search for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// Words that must all appear in a transcript line or a comment
    /// (stemmed: `price` finds `pricing`). Punctuation is ignored.
    #[param(example = "pricing objection", min_length = 1, max_length = 200)]
    pub q: String,
    /// Calls to return, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
}

/// Where a match was found.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchSource {
    /// A transcript segment.
    Transcript,
    /// A comment.
    Comment,
}

/// One matching transcript line or comment.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchMatchBody {
    /// Transcript or comment.
    pub source: MatchSource,
    /// The segment's or comment's id.
    pub id: Uuid,
    /// Where in the call, ms: open the player there.
    pub at_ms: i64,
    /// The matching text.
    pub text: String,
}

/// A call with its matches, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHitBody {
    /// The call.
    pub call: CallBody,
    /// What matched in it (at most 20).
    pub matches: Vec<SearchMatchBody>,
}

/// Search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    /// The words searched for, as understood.
    pub words: Vec<String>,
    /// Matching calls, best first.
    pub items: Vec<SearchHitBody>,
}

impl From<SearchResult> for SearchHitBody {
    fn from(result: SearchResult) -> Self {
        Self {
            call: result.call.into(),
            matches: result
                .matches
                .into_iter()
                .map(|m| SearchMatchBody {
                    source: match m.source {
                        SearchSource::Transcript => MatchSource::Transcript,
                        SearchSource::Comment => MatchSource::Comment,
                    },
                    id: m.id,
                    at_ms: m.at_ms,
                    text: m.text,
                })
                .collect(),
        }
    }
}

/// Finds calls by what was said (transcripts) and written (comments), among
/// the calls and comments the caller may see.
#[utoipa::path(
    tag = "search",
    security(("bearer" = [])),
    params(SearchQuery),
    responses((status = 200, description = "Matching calls", body = SearchResults))
)]
#[get("/v1/search")]
pub async fn search(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    query: web::Query<SearchQuery>,
) -> Result<web::Json<SearchResults>, ApiError> {
    let limit = query.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::InvalidQuery(format!(
            "limit must be between 1 and 100, not {limit}"
        )));
    }
    let words = filmroom_review::search::query_words(&query.q)?;
    let results = review.search().run(&actor, &query.q, limit).await?;
    Ok(web::Json(SearchResults {
        words,
        items: results.into_iter().map(SearchHitBody::from).collect(),
    }))
}
