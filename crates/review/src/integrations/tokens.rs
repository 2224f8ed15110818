//! Integration tokens: what a dialer authenticates with, acting for the
//! organisation and one source, made and revoked by admins.

use crate::rules::error::Entity;
use crate::rules::error::invalid;
use crate::rules::ids::{IntegrationTokenId, OrganisationId, UserId};
use crate::{
    context::Integrations, rules::actor::Actor, rules::actor::Page, rules::actor::PageRequest,
    rules::actor::page, rules::actor::require_admin,
};
use crate::{
    rules::error::AuthFailure, rules::error::ReviewError, rules::person::DisplayName,
    rules::secrets,
};
use chrono::{DateTime, Utc};
use filmroom_store::{entity::integration_token, now};
use uuid::Uuid;

/// A dialer authenticated by its integration token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationCaller {
    /// The integration token's id.
    pub id: IntegrationTokenId,
    /// The organisation it acts for.
    pub organisation_id: OrganisationId,
    /// Its source, which its calls carry.
    pub source: String,
    /// The default rep channel of two-channel recordings.
    pub rep_channel: i32,
}

/// What an admin sets on a new integration token.
#[derive(Debug, Clone, Default)]
pub struct NewIntegrationToken {
    /// A label ("Twilio production").
    pub name: String,
    /// The dialer: 1-32 characters of `a-z0-9_-`.
    pub source: String,
    /// The dialer's signing key (Twilio's auth token), for callbacks.
    pub signing_secret: Option<String>,
    /// The dialer account (Twilio's AccountSid).
    pub account_sid: Option<String>,
    /// The rep's channel in two-channel recordings (1 or 2; default 1).
    pub rep_channel: Option<i32>,
}

/// Changes to an integration token; `None` leaves a field as it is, and an
/// empty `signing_secret` or `account_sid` removes it.
#[derive(Debug, Clone, Default)]
pub struct IntegrationTokenChanges {
    /// A new label.
    pub name: Option<String>,
    /// The dialer's new signing key (a rotated Twilio auth token).
    pub signing_secret: Option<String>,
    /// The dialer account id.
    pub account_sid: Option<String>,
    /// The rep's channel in two-channel recordings.
    pub rep_channel: Option<i32>,
}

/// A new integration token and its secret, which is shown only this once.
#[derive(Debug, Clone)]
pub struct IssuedIntegrationToken {
    /// The stored token.
    pub token: IntegrationToken,
    /// The bearer secret.
    pub secret: String,
}

pub(super) fn check_source(raw: &str) -> Result<String, ReviewError> {
    let source = raw.trim();
    let ok = !source.is_empty()
        && source.len() <= 32
        && source
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !ok {
        return Err(invalid(
            "source",
            format!("`{raw}` must be 1-32 characters of a-z, 0-9, `_` or `-`, such as `twilio`"),
        ));
    }
    if source == crate::calls::record::PEOPLE_SOURCE {
        return Err(invalid(
            "source",
            "`api` is the source of calls people create; name the dialer",
        ));
    }
    Ok(source.to_owned())
}

pub(super) fn check_rep_channel(
    field: &str,
    channel: Option<i32>,
) -> Result<Option<i32>, ReviewError> {
    match channel {
        None | Some(1 | 2) => Ok(channel),
        Some(other) => {
            Err(invalid(field, format!("{other} is not a channel; use 1 (left) or 2 (right)")))
        }
    }
}

pub(super) fn optional_secret(
    field: &str,
    value: Option<String>,
) -> Result<Option<String>, ReviewError> {
    match value.map(|v| v.trim().to_owned()) {
        None => Ok(None),
        Some(v) if v.is_empty() => Ok(None),
        Some(v) if v.len() > 200 || v.chars().any(char::is_control) => {
            Err(invalid(field, "must be at most 200 characters without control characters"))
        }
        Some(v) => Ok(Some(v)),
    }
}

/// A dialer's integration token, never with its secrets.
#[derive(Debug, Clone, PartialEq)]
pub struct IntegrationToken {
    /// UUIDv7; also the `integration_id` of a dialer's callback URL.
    pub id: IntegrationTokenId,
    /// The organisation the token acts for.
    pub organisation_id: OrganisationId,
    /// The dialer (`twilio`, `aircall`, …); calls it pushes carry it, and
    /// dialer user ids are looked up under it in users' `external_ids`.
    pub source: String,
    /// What the admin called it.
    pub name: String,
    /// The first characters of the secret, shown in listings.
    pub prefix: String,
    /// Whether callbacks are signed with a stored signing secret.
    pub has_signing_secret: bool,
    /// The dialer account id (Twilio's AccountSid): callbacks from another
    /// account are refused, and recording downloads authenticate with it.
    pub account_sid: Option<String>,
    /// Which channel (1 or 2) of a two-channel recording is the rep.
    pub rep_channel: i32,
    /// The admin who created it.
    pub created_by: UserId,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last authenticated request, to the minute.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Set when revoked; a revoked token never authenticates again.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<integration_token::Model> for IntegrationToken {
    fn from(row: integration_token::Model) -> Self {
        Self {
            id: row.id,
            organisation_id: row.organisation_id,
            source: row.source,
            name: row.name,
            prefix: row.prefix,
            has_signing_secret: row.signing_secret.is_some(),
            account_sid: row.account_sid,
            rep_channel: row.rep_channel,
            created_by: row.created_by,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
        }
    }
}

impl Integrations<'_> {
    /// Creates an integration token (admins).
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id), err(level = "info"))]
    pub async fn create_integration_token(
        &self,
        actor: &Actor,
        new: NewIntegrationToken,
    ) -> Result<IssuedIntegrationToken, ReviewError> {
        require_admin(actor, "create integration tokens")?;
        let name = DisplayName::parse("name", &new.name)?.into_inner();
        let source = check_source(&new.source)?;
        let rep_channel = check_rep_channel("rep_channel", new.rep_channel)?.unwrap_or(1);
        let secret =
            secrets::generate_with_prefix(secrets::INTEGRATION_TOKEN_PREFIX).map_err(|e| {
                ReviewError::Store(filmroom_store::StoreError::Inconsistent(format!(
                    "no randomness available: {e}"
                )))
            })?;
        let row = integration_token::Model {
            id: Uuid::now_v7().into(),
            organisation_id: actor.organisation_id,
            source,
            name,
            prefix: secret.prefix,
            secret_hash: secret.hash,
            signing_secret: optional_secret("signing_secret", new.signing_secret)?,
            account_sid: optional_secret("account_sid", new.account_sid)?,
            rep_channel,
            created_by: actor.user_id,
            created_at: now(),
            last_used_at: None,
            revoked_at: None,
        };
        let token = self.store.insert_integration_token(row).await?;
        Ok(IssuedIntegrationToken { token: token.into(), secret: secret.secret })
    }

    /// The organisation's integration tokens (admins).
    pub async fn integration_tokens(
        &self,
        actor: &Actor,
        request: PageRequest,
    ) -> Result<Page<IntegrationToken>, ReviewError> {
        require_admin(actor, "list integration tokens")?;
        let rows = self
            .store
            .integration_tokens_page(
                actor.organisation_id,
                request.after.map(Into::into),
                request.limit + 1,
            )
            .await?;
        Ok(page(rows, request, |r| r.id, IntegrationToken::from))
    }

    /// Changes an integration token (admins): its label, or the dialer's
    /// signing key and account after a rotation, without changing the token
    /// or the callback URLs that name it.
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id, token = %id), err(level = "info"))]
    pub async fn update_integration_token(
        &self,
        actor: &Actor,
        id: IntegrationTokenId,
        changes: IntegrationTokenChanges,
    ) -> Result<IntegrationToken, ReviewError> {
        require_admin(actor, "change integration tokens")?;
        let mut token =
            self.store.integration_token(actor.organisation_id, id).await?.ok_or_else(|| {
                ReviewError::NotFound { entity: Entity::IntegrationToken, id: id.to_string() }
            })?;
        if let Some(name) = changes.name {
            token.name = DisplayName::parse("name", &name)?.into_inner();
        }
        if let Some(secret) = changes.signing_secret {
            token.signing_secret = optional_secret("signing_secret", Some(secret))?;
        }
        if let Some(account) = changes.account_sid {
            token.account_sid = optional_secret("account_sid", Some(account))?;
        }
        if let Some(channel) = check_rep_channel("rep_channel", changes.rep_channel)? {
            token.rep_channel = channel;
        }
        Ok(self.store.update_integration_token(token).await?.into())
    }

    /// Revokes an integration token at once (admins). Revoking twice changes nothing.
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id, token = %id), err(level = "info"))]
    pub async fn revoke_integration_token(
        &self,
        actor: &Actor,
        id: IntegrationTokenId,
    ) -> Result<IntegrationToken, ReviewError> {
        require_admin(actor, "revoke integration tokens")?;
        let token =
            self.store.integration_token(actor.organisation_id, id).await?.ok_or_else(|| {
                ReviewError::NotFound { entity: Entity::IntegrationToken, id: id.to_string() }
            })?;
        Ok(self.store.revoke_integration_token(token, now()).await?.into())
    }

    /// The dialer holding this integration token.
    pub async fn authenticate_integration(
        &self,
        secret: Option<&str>,
    ) -> Result<IntegrationCaller, ReviewError> {
        let secret = secret.ok_or(ReviewError::Unauthenticated(AuthFailure::Missing))?;
        let hash = secrets::hash(secret);
        let Some(token) = self.store.integration_token_by_hash(&hash).await? else {
            if self.store.token_by_hash(&hash).await?.is_some() {
                return Err(ReviewError::IntegrationTokenRequired);
            }
            return Err(ReviewError::Unauthenticated(AuthFailure::Invalid));
        };
        if token.revoked_at.is_some() {
            return Err(ReviewError::Unauthenticated(AuthFailure::Revoked));
        }
        self.store.touch_integration_token(token.id, now()).await?;
        Ok(IntegrationCaller {
            id: token.id,
            organisation_id: token.organisation_id,
            source: token.source,
            rep_channel: token.rep_channel,
        })
    }

    /// Whether a secret is an integration token (which user endpoints refuse
    /// with a clear answer rather than "invalid token").
    pub(crate) async fn is_integration_secret(&self, hash: &str) -> Result<bool, ReviewError> {
        Ok(self.store.integration_token_by_hash(hash).await?.is_some())
    }
}
