//! Full-text search over transcripts and comments, limited to what the caller
//! may see: the calls of the reps they can see, and of those calls' comments
//! only the ones the privacy rule lets them read.

use crate::rules::ids::{CallId, UserId};
use crate::rules::visibility::rep_work_visible;
use crate::{context::Search, rules::actor::Actor};
use std::collections::HashMap;

use filmroom_store::{Role, SearchSource};
use uuid::Uuid;

use crate::rules::error::ReviewError;

/// Matches looked at per source before grouping by call.
const CANDIDATES: u64 = 500;

/// One matching transcript line or comment.
#[derive(Debug, Clone)]
pub struct SearchMatch {
    /// Transcript or comment.
    pub source: SearchSource,
    /// The segment's or comment's id.
    pub id: Uuid,
    /// Where in the call, ms.
    pub at_ms: i64,
    /// The matching text.
    pub text: String,
}

/// A call with what matched in it, best match first.
#[derive(Debug, Clone)]
pub struct SearchResult {
    /// The call.
    pub call: crate::calls::record::Call,
    /// Its matches.
    pub matches: Vec<SearchMatch>,
}

/// Words too common to search for; PostgreSQL's English configuration drops
/// them too, so both backends answer alike.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "its", "of", "on", "or", "so", "than", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "were", "will", "with",
];

/// Splits a query into the words every match must contain; punctuation and
/// search operators are treated as spaces so any input is a valid query.
/// One-letter pieces (`s` of `delay's`) and the most common words are left out.
pub fn query_words(q: &str) -> Result<Vec<String>, ReviewError> {
    let invalid =
        |message: &str| ReviewError::InvalidField { field: "q".into(), message: message.into() };
    if q.chars().count() > 200 {
        return Err(invalid("must be at most 200 characters"));
    }
    let mut words: Vec<String> = Vec::new();
    for word in q.split(|c: char| !c.is_alphanumeric()).map(str::to_lowercase) {
        if word.chars().count() > 1
            && !STOP_WORDS.contains(&word.as_str())
            && !words.contains(&word)
        {
            words.push(word);
        }
    }
    words.truncate(16);
    if words.is_empty() {
        return Err(invalid("give at least one word to search for, e.g. `q=pricing objection`"));
    }
    Ok(words)
}

impl Search<'_> {
    /// Calls whose transcript or comments contain every word of `q`, among
    /// what the caller may see; at most `limit` calls, best first.
    pub async fn run(
        &self,
        actor: &Actor,
        q: &str,
        limit: usize,
    ) -> Result<Vec<SearchResult>, ReviewError> {
        let words = query_words(q)?;
        let rep_ids: Option<Vec<UserId>> = match actor.role {
            Role::Admin => None,
            _ => {
                let tree = self.tree(actor).await?;
                let mut ids: Vec<UserId> = tree.everyone_below(actor.user_id).into_iter().collect();
                ids.push(actor.user_id);
                Some(ids)
            }
        };
        let organisation_id = actor.organisation_id;
        let hits = self
            .store
            .search(organisation_id, actor.user_id, rep_ids.as_deref(), &words, CANDIDATES)
            .await?;

        let mut order: Vec<CallId> = Vec::new();
        let mut by_call: HashMap<CallId, Vec<SearchMatch>> = HashMap::new();
        let mut shared: HashMap<CallId, bool> = HashMap::new();
        for hit in hits {
            if let (SearchSource::Comment, Some(author)) = (hit.source, hit.author_id) {
                let is_shared = match shared.get(&hit.call_id) {
                    Some(known) => *known,
                    None => {
                        let known = self.store.call_is_shared(hit.call_id).await?;
                        shared.insert(hit.call_id, known);
                        known
                    }
                };
                if !rep_work_visible(actor.user_id, hit.rep_id, author, is_shared) {
                    continue;
                }
            }
            let entry = by_call.entry(hit.call_id).or_insert_with(|| {
                order.push(hit.call_id);
                Vec::new()
            });
            entry.push(SearchMatch {
                source: hit.source,
                id: hit.id,
                at_ms: hit.at_ms,
                text: hit.text,
            });
        }

        let mut results = Vec::new();
        for call_id in order.into_iter().take(limit) {
            let Some(call) = self.store.call(organisation_id, call_id).await? else {
                continue;
            };
            let mut matches = by_call.remove(&call_id).unwrap_or_default();
            matches.truncate(20);
            results.push(SearchResult { call: call.into(), matches });
        }
        Ok(results)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_and_punctuation_are_plain_words() {
        let words = |q: &str| query_words(q).ok();
        assert_eq!(words("\"pricing\" OR -budget*"), Some(vec!["pricing".into(), "budget".into()]));
        assert_eq!(words("delay's NEAR(x)"), Some(vec!["delay".into(), "near".into()]));
        assert!(query_words(" ?! ").is_err());
        assert!(query_words("the a of").is_err());
    }
}
