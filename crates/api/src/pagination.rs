//! Cursor pagination: `?limit=&cursor=`, answered with `next_cursor`.
//!
//! A cursor is an opaque string; today it encodes the last id of the previous
//! page, which works because ids are time-ordered UUIDv7.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use filmroom_review::PageRequest;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::error::ApiError;

/// Items per page when `limit` is not given.
pub const DEFAULT_LIMIT: u64 = 50;
/// The largest `limit` accepted.
pub const MAX_LIMIT: u64 = 200;

/// Query parameters of every list endpoint.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl ListQuery {
    /// Checks the limit and decodes the cursor.
    pub fn page_request(&self) -> Result<PageRequest, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::InvalidQuery(format!(
                "limit must be between 1 and {MAX_LIMIT}, not {limit}"
            )));
        }
        // An empty cursor is the first page, as when `cursor` is left out.
        let after = self.cursor.as_deref().filter(|c| !c.is_empty()).map(decode).transpose()?;
        Ok(PageRequest { after, limit })
    }
}

/// Encodes the position after `id` as a cursor.
pub fn encode(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

fn decode(cursor: &str) -> Result<Uuid, ApiError> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| ApiError::InvalidCursor)?;
    Uuid::from_slice(&bytes).map_err(|_| ApiError::InvalidCursor)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn any_cursor_is_a_position_or_invalid_cursor(cursor in ".{0,64}") {
            let query = ListQuery { limit: None, cursor: Some(cursor) };
            let answer = query.page_request();
            proptest::prop_assert!(answer.is_ok() || matches!(answer, Err(ApiError::InvalidCursor)));
        }

        #[test]
        fn every_cursor_this_api_makes_round_trips(bytes in proptest::array::uniform16(0u8..)) {
            let id = Uuid::from_bytes(bytes);
            proptest::prop_assert_eq!(decode(&encode(id)).ok(), Some(id));
        }
    }

    #[test]
    fn a_cursor_round_trips_and_garbage_is_refused() {
        let id = Uuid::now_v7();
        let query = ListQuery { limit: None, cursor: Some(encode(id)) };
        assert_eq!(
            query.page_request().ok(),
            Some(PageRequest { after: Some(id), limit: DEFAULT_LIMIT })
        );
        let bad = ListQuery { limit: None, cursor: Some("not a cursor".into()) };
        assert!(matches!(bad.page_request(), Err(ApiError::InvalidCursor)));
        let too_many = ListQuery { limit: Some(500), cursor: None };
        assert!(matches!(too_many.page_request(), Err(ApiError::InvalidQuery(_))));
    }
}
