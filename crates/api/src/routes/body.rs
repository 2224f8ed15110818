//! Request and response bodies. Domain types are never serialised directly,
//! so the wire format changes only on purpose.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use filmroom_review::{IssuedToken, Organisation, Person, Role, TokenInfo};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::ToSchema;
use uuid::Uuid;

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleBody {
    /// Runs the organisation.
    Admin,
    /// Coaches the people below them.
    Manager,
    /// Brings calls to review.
    Rep,
}

impl From<Role> for RoleBody {
    fn from(role: Role) -> Self {
        match role {
            Role::Admin => Self::Admin,
            Role::Manager => Self::Manager,
            Role::Rep => Self::Rep,
        }
    }
}

impl From<RoleBody> for Role {
    fn from(role: RoleBody) -> Self {
        match role {
            RoleBody::Admin => Self::Admin,
            RoleBody::Manager => Self::Manager,
            RoleBody::Rep => Self::Rep,
        }
    }
}

/// A user.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserBody {
    /// Id.
    pub id: Uuid,
    /// Email, lower-cased.
    #[schema(example = "ada@example.com")]
    pub email: String,
    /// Display name.
    #[schema(example = "Ada Lovelace")]
    pub name: String,
    /// Role.
    pub role: RoleBody,
    /// Their manager, if any.
    pub manager_id: Option<Uuid>,
    /// Ids in dialers and other systems, by source.
    #[schema(example = json!({"twilio": "client:ada"}))]
    pub external_ids: BTreeMap<String, String>,
    /// Deactivated users cannot sign in.
    pub active: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Their own IANA time zone for the times on their pages and in their
    /// emails; `null` means the organisation's.
    #[schema(example = "America/New_York")]
    pub timezone: Option<String>,
}

impl From<Person> for UserBody {
    fn from(p: Person) -> Self {
        Self {
            id: p.id.uuid(),
            email: p.email,
            name: p.name,
            role: p.role.into(),
            manager_id: p.manager_id.map(|m| m.uuid()),
            external_ids: p.external_ids,
            active: p.active,
            created_at: p.created_at,
            updated_at: p.updated_at,
            timezone: p.timezone,
        }
    }
}

/// Changes to the caller's own settings; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"timezone": "America/New_York"}))]
pub struct UpdateMeRequest {
    /// An IANA time zone for the times on your pages and in your emails;
    /// `null` goes back to the organisation's.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub timezone: Option<Option<String>>,
}

/// An organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationBody {
    /// Id.
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// IANA time zone; weeks and deadlines are computed in it.
    #[schema(example = "Europe/Berlin")]
    pub timezone: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl From<Organisation> for OrganisationBody {
    fn from(o: Organisation) -> Self {
        Self { id: o.id.uuid(), name: o.name, timezone: o.timezone, created_at: o.created_at }
    }
}

/// The caller and their organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeBody {
    /// The caller.
    pub user: UserBody,
    /// Their organisation.
    pub organisation: OrganisationBody,
}

/// A page of users.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    /// Users in creation order.
    pub items: Vec<UserBody>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A new user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "email": "grace@example.com",
    "name": "Grace Hopper",
    "role": "rep",
    "external_ids": {"twilio": "client:grace"}
}))]
pub struct CreateUserRequest {
    /// Email, unique in the organisation.
    #[schema(example = "grace@example.com")]
    pub email: String,
    /// Display name.
    #[schema(example = "Grace Hopper")]
    pub name: String,
    /// Role.
    pub role: RoleBody,
    /// Their manager: a manager or admin of the organisation.
    #[serde(default)]
    pub manager_id: Option<Uuid>,
    /// Ids in dialers and other systems, by source.
    #[serde(default)]
    pub external_ids: BTreeMap<String, String>,
}

/// Changes to a user; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Grace Hopper",
    "role": "rep",
    "external_ids": {"aircall": "1184302"},
    "active": true
}))]
pub struct UpdateUserRequest {
    /// New email.
    pub email: Option<String>,
    /// New display name.
    pub name: Option<String>,
    /// New role.
    pub role: Option<RoleBody>,
    /// New manager; `null` removes the manager.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Uuid>)]
    pub manager_id: Option<Option<Uuid>>,
    /// Replaces all external ids.
    pub external_ids: Option<BTreeMap<String, String>>,
    /// `false` deactivates the user and stops their tokens at once.
    pub active: Option<bool>,
}

/// Distinguishes a field sent as `null` (`Some(None)`) from one left out (`None`).
pub fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Writes a time as RFC 3339 exactly as chrono's `Serialize` does, in one
/// string: chrono's own goes through `collect_str`, which hands serde_json
/// each character to escape on its own, a large share of the cost of the
/// call room's hottest bodies (a call's comments, the call list).
pub fn rfc3339<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// [`rfc3339`] for an optional time.
pub fn rfc3339_opt<S: Serializer>(
    at: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => rfc3339(at, serializer),
        None => serializer.serialize_none(),
    }
}

/// A new token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "CRM sync"}))]
pub struct CreateTokenRequest {
    /// A label to recognise it by.
    #[schema(example = "laptop")]
    pub name: String,
    /// Your password: needed when the request is made with a browser
    /// session's cookie (a token outlives the session); bearer-token callers
    /// leave it out.
    pub password: Option<String>,
}

/// A token, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenBody {
    /// Id.
    pub id: Uuid,
    /// The user it acts as.
    pub user_id: Uuid,
    /// Label.
    pub name: String,
    /// First characters of the secret.
    #[schema(example = "fr_x7Kq2")]
    pub prefix: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last use, to the minute.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked; revoked tokens never work again.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<TokenInfo> for TokenBody {
    fn from(t: TokenInfo) -> Self {
        Self {
            id: t.id.uuid(),
            user_id: t.user_id.uuid(),
            name: t.name,
            prefix: t.prefix,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// A one-time link that lets a person set their password. Shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignInLinkBody {
    /// Whose password the link sets.
    pub user_id: Uuid,
    /// `invite` (no password yet) or `reset`.
    #[schema(example = "invite")]
    pub purpose: String,
    /// The link to send them; it works once. `null` in an `Idempotency-Key`
    /// replay: the link is never stored.
    pub url: Option<String>,
    /// `true` in an `Idempotency-Key` replay, whose `url` is `null`.
    pub secret_already_shown: bool,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// A token just issued. The secret is shown this once and never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedTokenBody {
    /// The token.
    pub token: TokenBody,
    /// The bearer secret: send it as `Authorization: Bearer <secret>`.
    /// `null` in an `Idempotency-Key` replay: the secret is never stored.
    pub secret: Option<String>,
    /// `true` in an `Idempotency-Key` replay, whose `secret` is `null`.
    pub secret_already_shown: bool,
}

impl From<IssuedToken> for IssuedTokenBody {
    fn from(t: IssuedToken) -> Self {
        Self { token: t.info.into(), secret: Some(t.secret), secret_already_shown: false }
    }
}

/// A page of tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPage {
    /// Tokens in creation order.
    pub items: Vec<TokenBody>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[derive(Serialize)]
    struct Times {
        #[serde(serialize_with = "rfc3339")]
        at: DateTime<Utc>,
        #[serde(serialize_with = "rfc3339_opt")]
        maybe: Option<DateTime<Utc>>,
    }

    #[test]
    fn times_read_exactly_as_chronos_own() {
        let base = Utc.with_ymd_and_hms(2026, 11, 30, 21, 5, 9).single().unwrap_or_default();
        for nanos in [0, 120_000_000, 123_456_000, 123_456_789, 1] {
            let at = base + chrono::Duration::nanoseconds(nanos);
            for maybe in [None, Some(at)] {
                let ours = serde_json::to_value(Times { at, maybe }).unwrap_or_default();
                let chronos = serde_json::json!({"at": at, "maybe": maybe});
                assert_eq!(ours, chronos);
            }
        }
    }
}
