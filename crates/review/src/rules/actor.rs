//! Who acts, and how lists are cut into pages: what every area's functions
//! take and give back.

use chrono_tz::Tz;
use filmroom_store::Role;
use uuid::Uuid;

use crate::rules::{
    error::ReviewError,
    ids::{OrganisationId, SessionId, TokenId, UserId},
};

/// The authenticated caller: a user of one organisation, acting through one token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// Who is acting.
    pub user_id: UserId,
    /// The tenant they act in; every lookup is scoped to it.
    pub organisation_id: OrganisationId,
    /// Their role at the time of the request.
    pub role: Role,
    /// How they proved who they are.
    pub credential: Credential,
}

/// What a request presented to authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// A personal API token (`Authorization: Bearer`).
    Token(TokenId),
    /// A browser session cookie.
    Session(SessionId),
    /// None: the server composing this email reads as its recipient, so
    /// the email shows only what they may see. Composing calls read-only
    /// functions only.
    Email(crate::rules::ids::EmailId),
}

impl Credential {
    /// The browser session, when the request came with one.
    pub fn session(self) -> Option<SessionId> {
        match self {
            Self::Session(id) => Some(id),
            Self::Token(_) | Self::Email(_) => None,
        }
    }

    /// The token, when the request presented one.
    pub fn token(self) -> Option<TokenId> {
        match self {
            Self::Token(id) => Some(id),
            Self::Session(_) | Self::Email(_) => None,
        }
    }
}

/// Where a page of a list starts and how long it may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// The last id of the previous page.
    pub after: Option<Uuid>,
    /// Maximum items.
    pub limit: u64,
}

/// One page of a list, in id (creation) order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Where the next page starts, when there is one.
    pub next_after: Option<Uuid>,
}

pub(crate) fn page<T, R, I: Into<Uuid>>(
    mut rows: Vec<R>,
    request: PageRequest,
    id: impl Fn(&R) -> I,
    map: impl Fn(R) -> T,
) -> Page<T> {
    let limit = usize::try_from(request.limit).unwrap_or(usize::MAX);
    let next_after = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|row| id(row).into())
    } else {
        None
    };
    Page { items: rows.into_iter().map(map).collect(), next_after }
}

pub(crate) fn require_admin(actor: &Actor, action: &str) -> Result<(), ReviewError> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(ReviewError::Forbidden(format!("only an admin can {action}")))
    }
}

/// An organisation's time zone by its IANA name (UTC when it does not read).
pub(crate) fn timezone(name: &str) -> Tz {
    name.parse().unwrap_or(chrono_tz::UTC)
}
