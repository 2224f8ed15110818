//! Dialer integrations: integration tokens, calls pushed by dialers (with
//! their audio, or a recording URL the worker fetches), and Twilio-compatible
//! recording callbacks.
//!
//! An integration token acts for its organisation but holds no user's rights:
//! it may push calls and read the calls of its source, nothing else. Dialer
//! users become reps through the `external_ids` of users (per source) or
//! their email.

use crate::calls::record::Call;
use crate::rules::ids::{CallId, IntegrationTokenId, OrganisationId, UserId};
use crate::{
    context::Integrations, context::Review, rules::actor::Actor, rules::actor::Page,
    rules::actor::PageRequest, rules::actor::page, rules::actor::require_admin,
};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

use base64::{Engine, engine::general_purpose::STANDARD};
use filmroom_store::{
    CallFilter, CallStatus, NewJob,
    entity::{call, integration_token, user},
    now,
};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use uuid::Uuid;

use crate::jobs::{FetchRecording, Job};
use crate::rules::error::Entity;
use crate::{
    calls::record::AudioUpload, calls::record::CallDetails, rules::error::AuthFailure,
    rules::error::ReviewError, rules::person::DisplayName, rules::person::Email, rules::secrets,
};

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

/// How a dialer names the rep whose call it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepReference {
    /// The rep's user id in the dialer, matched against `external_ids[source]`.
    pub external_id: Option<String>,
    /// The rep's email, matched when there is no external id match.
    pub email: Option<String>,
}

/// Where a pushed call's audio comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordingSource {
    /// The body carries it (multipart).
    Upload,
    /// The worker downloads it.
    Url {
        /// HTTP(S) URL.
        url: String,
        /// Send the integration's account id and signing secret as HTTP basic
        /// auth (Twilio media URLs with authentication enforced).
        authenticate: bool,
    },
}

/// A call a dialer pushes.
#[derive(Debug, Clone)]
pub struct PushedCall {
    /// The rep.
    pub rep: RepReference,
    /// The call's id in the dialer; pushing it again returns the same call.
    pub external_ref: String,
    /// Its details.
    pub details: CallDetails,
    /// The rep's channel in a two-channel recording (default: the token's).
    pub rep_channel: Option<i32>,
    /// Where the audio comes from.
    pub recording: RecordingSource,
}

/// A Twilio-style `RecordingStatusCallback` (Telnyx and SignalWire send the same).
#[derive(Debug, Clone)]
pub struct RecordingCallback {
    /// The integration named by the callback URL's `integration_id`.
    pub integration_id: IntegrationTokenId,
    /// Every URL the dialer may have signed (public URL first).
    pub signed_urls: Vec<String>,
    /// The form fields, as received.
    pub params: Vec<(String, String)>,
    /// The `X-Twilio-Signature` header.
    pub signature: Option<String>,
    /// The rep, from the callback URL's `rep` / `rep_email`.
    pub rep: RepReference,
    /// The rep's channel, from the callback URL's `rep_channel`.
    pub rep_channel: Option<i32>,
}

/// What a push did.
#[derive(Debug, Clone)]
pub struct PushOutcome {
    /// The call.
    pub call: Call,
    /// Whether this push created it (201) rather than found it (200).
    pub created: bool,
    /// Whether the request's audio should now be stored into it: a new call
    /// pushed with multipart, or a failed one pushed again with its audio.
    pub awaiting_upload: bool,
}

/// What a recording callback did.
#[derive(Debug, Clone)]
pub enum CallbackOutcome {
    /// A completed recording: the call, and whether it is new.
    Call(Box<Call>, bool),
    /// Any other status (`in-progress`, `absent`, `failed`): acknowledged, nothing stored.
    Ignored(String),
}

/// The job that downloads a call's recording; each push gets its own.
fn fetch_job(
    review: &Review,
    call_id: CallId,
    url: String,
    integration_id: Option<IntegrationTokenId>,
) -> Result<NewJob, ReviewError> {
    Job::FetchRecording(FetchRecording { call_id, url, integration_id })
        .to_new_job(review.analysis_attempts, None)
}

fn invalid(field: &str, message: impl Into<String>) -> ReviewError {
    ReviewError::InvalidField { field: field.to_owned(), message: message.into() }
}

fn check_source(raw: &str) -> Result<String, ReviewError> {
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

fn check_rep_channel(field: &str, channel: Option<i32>) -> Result<Option<i32>, ReviewError> {
    match channel {
        None | Some(1 | 2) => Ok(channel),
        Some(other) => {
            Err(invalid(field, format!("{other} is not a channel; use 1 (left) or 2 (right)")))
        }
    }
}

fn optional_secret(field: &str, value: Option<String>) -> Result<Option<String>, ReviewError> {
    match value.map(|v| v.trim().to_owned()) {
        None => Ok(None),
        Some(v) if v.is_empty() => Ok(None),
        Some(v) if v.len() > 200 || v.chars().any(char::is_control) => {
            Err(invalid(field, "must be at most 200 characters without control characters"))
        }
        Some(v) => Ok(Some(v)),
    }
}

/// Checks a recording URL before it is queued: an absolute `http` or `https`
/// URL with a host, at most 2048 characters. Where it points is checked by the
/// worker, after DNS resolution and on every redirect.
pub fn check_recording_url(field: &str, raw: &str) -> Result<String, ReviewError> {
    if raw.len() > 2048 {
        return Err(invalid(field, "must be at most 2048 characters"));
    }
    let url = url::Url::parse(raw.trim())
        .map_err(|e| invalid(field, format!("`{raw}` is not an absolute URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(
            field,
            format!("only http and https URLs are fetched, not `{}`", url.scheme()),
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid(field, "the URL has no host"));
    }
    Ok(url.to_string())
}

/// Twilio's request signature: base64 of HMAC-SHA1 over the URL followed by
/// every form field's name and value, sorted by name.
pub fn twilio_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    // HMAC takes keys of any length, so this never fails; an empty result
    // never matches because empty signatures are refused.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()) else {
        return String::new();
    };
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    STANDARD.encode(mac.finalize().into_bytes())
}

fn signature_matches(
    auth_token: &str,
    urls: &[String],
    params: &[(String, String)],
    signature: &str,
) -> bool {
    let presented = match STANDARD.decode(signature.trim()) {
        Ok(bytes) if !bytes.is_empty() => bytes,
        _ => return false,
    };
    urls.iter().any(|url| {
        STANDARD
            .decode(twilio_signature(auth_token, url, params))
            .is_ok_and(|expected| constant_time_eq(&expected, &presented))
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Integrations<'_> {
    /// Creates an integration token (admins).
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id), err)]
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
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id, token = %id), err)]
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
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id, token = %id), err)]
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

    /// Finds the rep a dialer names: by `external_ids[source]` first, then by email.
    async fn rep_for(
        &self,
        organisation_id: OrganisationId,
        source: &str,
        rep: &RepReference,
    ) -> Result<user::Model, ReviewError> {
        if rep.external_id.is_none() && rep.email.is_none() {
            return Err(invalid(
                "rep",
                "name the rep with `rep.external_id` (their id in the dialer) or `rep.email`",
            ));
        }
        let mut found = None;
        if let Some(external_id) = &rep.external_id {
            found =
                self.store.users_with_external_ids(organisation_id).await?.into_iter().find(|u| {
                    u.external_ids.get(source).and_then(|v| v.as_str())
                        == Some(external_id.as_str())
                });
        }
        if found.is_none()
            && let Some(email) = &rep.email
        {
            let email = Email::parse("rep.email", email)?;
            found = self.store.user_by_email(organisation_id, email.as_str()).await?;
        }
        let Some(user) = found else {
            return Err(ReviewError::UnknownRep {
                source_name: source.to_owned(),
                external_id: rep.external_id.clone(),
                email: rep.email.clone(),
            });
        };
        if !user.active {
            return Err(invalid(
                "rep",
                format!("{} is deactivated; reactivate them to take their calls", user.email),
            ));
        }
        Ok(user)
    }

    /// Creates (or, for an `external_ref` the source pushed before, returns) a
    /// pushed call. With a recording URL the fetch is queued at once, because
    /// dialers' URLs expire within minutes. A call whose recording failed
    /// takes a new one when it is pushed again with one.
    #[tracing::instrument(skip_all, fields(integration = %caller.id), err)]
    pub async fn push_call(
        &self,
        caller: &IntegrationCaller,
        pushed: PushedCall,
    ) -> Result<PushOutcome, ReviewError> {
        let organisation_id = caller.organisation_id;
        let external_ref = pushed.external_ref.trim().to_owned();
        if external_ref.is_empty() || external_ref.chars().count() > 200 {
            return Err(invalid(
                "external_ref",
                "must be 1-200 characters: the call's id in the dialer",
            ));
        }
        let rep_channel =
            check_rep_channel("rep_channel", pushed.rep_channel)?.unwrap_or(caller.rep_channel);
        let recording = match pushed.recording {
            RecordingSource::Url { url, authenticate } => RecordingSource::Url {
                url: check_recording_url("recording_url", &url)?,
                authenticate,
            },
            RecordingSource::Upload => RecordingSource::Upload,
        };
        let rep = self.rep_for(organisation_id, &caller.source, &pushed.rep).await?;
        if let Some(existing) =
            self.store.call_by_source_ref(organisation_id, &caller.source, &external_ref).await?
        {
            // A re-send finds its call only when it names the same rep.
            if existing.rep_id != rep.id {
                return Err(ReviewError::ExternalRefTaken { external_ref });
            }
            return self.push_again(caller, existing, recording).await;
        }
        let token = self
            .store
            .integration_token_by_id(caller.id)
            .await?
            .ok_or(ReviewError::Unauthenticated(AuthFailure::Invalid))?;
        let at = now();
        let row = crate::calls::record::waiting_call(
            organisation_id,
            rep.id,
            pushed.details,
            Some(external_ref),
            crate::calls::record::CallOrigin {
                created_by: token.created_by,
                source: caller.source.clone(),
                integration_id: Some(caller.id),
                rep_channel: Some(rep_channel),
            },
            at,
        )?;
        let awaiting_upload = matches!(recording, RecordingSource::Upload);
        let job = match recording {
            RecordingSource::Url { url, authenticate } => {
                Some(fetch_job(self, row.id, url, authenticate.then_some(caller.id))?)
            }
            RecordingSource::Upload => None,
        };
        match self.store.insert_call_with_job(row, job, at).await? {
            Ok(call) => Ok(PushOutcome { call: call.into(), created: true, awaiting_upload }),
            // Pushed twice at once: the other request created it.
            Err(existing) if existing.0.rep_id == rep.id => {
                Ok(PushOutcome { call: existing.0.into(), created: false, awaiting_upload: false })
            }
            Err(existing) => Err(ReviewError::ExternalRefTaken {
                external_ref: existing.0.external_ref.unwrap_or_default(),
            }),
        }
    }

    /// A push of a call the source pushed before: nothing changes, unless the
    /// call failed and this push brings a recording, which replaces it.
    async fn push_again(
        &self,
        caller: &IntegrationCaller,
        existing: call::Model,
        recording: RecordingSource,
    ) -> Result<PushOutcome, ReviewError> {
        if existing.status != CallStatus::Failed {
            return Ok(PushOutcome {
                call: existing.into(),
                created: false,
                awaiting_upload: false,
            });
        }
        let RecordingSource::Url { url, authenticate } = recording else {
            return Ok(PushOutcome {
                call: existing.into(),
                created: false,
                awaiting_upload: true,
            });
        };
        let job = fetch_job(self, existing.id, url, authenticate.then_some(caller.id))?;
        let call = self.lifecycle().fetch_again(&existing, job).await?;
        Ok(PushOutcome { call: call.into(), created: false, awaiting_upload: false })
    }

    /// Starts receiving the audio of a call the integration pushed.
    pub async fn begin_pushed_audio(
        &self,
        caller: &IntegrationCaller,
        id: CallId,
        max_bytes: u64,
    ) -> Result<AudioUpload, ReviewError> {
        let row = self.pushed_call_row(caller, id).await?;
        self.calls().audio_upload_for(row, max_bytes)
    }

    /// Starts storing a fetched recording (the worker, acting for no one).
    pub async fn begin_fetched_audio(
        &self,
        call_id: CallId,
        max_bytes: u64,
    ) -> Result<Option<AudioUpload>, ReviewError> {
        match self.store.call_by_id(call_id).await? {
            Some(row) if row.status == CallStatus::Uploading => {
                self.calls().audio_upload_for(row, max_bytes).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// Deletes a pushed call whose upload failed before its id was returned.
    pub async fn discard_pushed_call(
        &self,
        caller: &IntegrationCaller,
        id: CallId,
    ) -> Result<(), ReviewError> {
        let row = self.pushed_call(caller, id).await?;
        self.store.delete_call(row.id).await?;
        Ok(())
    }

    /// A call of the integration's source.
    pub async fn pushed_call(
        &self,
        caller: &IntegrationCaller,
        id: CallId,
    ) -> Result<Call, ReviewError> {
        Ok(self.pushed_call_row(caller, id).await?.into())
    }

    async fn pushed_call_row(
        &self,
        caller: &IntegrationCaller,
        id: CallId,
    ) -> Result<call::Model, ReviewError> {
        self.store
            .call(caller.organisation_id, id)
            .await?
            .filter(|c| c.source == caller.source)
            .ok_or_else(|| ReviewError::NotFound { entity: Entity::Call, id: id.to_string() })
    }

    /// The calls of the integration's source, optionally one `external_ref`.
    pub async fn pushed_calls(
        &self,
        caller: &IntegrationCaller,
        external_ref: Option<String>,
        request: PageRequest,
    ) -> Result<Page<Call>, ReviewError> {
        let organisation_id = caller.organisation_id;
        if let Some(external_ref) = external_ref {
            let items = self
                .store
                .call_by_source_ref(organisation_id, &caller.source, external_ref.trim())
                .await?
                .into_iter()
                .map(Call::from)
                .collect();
            return Ok(Page { items, next_after: None });
        }
        let filter = CallFilter { source: Some(caller.source.clone()), ..CallFilter::default() };
        let rows = self
            .store
            .calls_page(organisation_id, &filter, request.after.map(Into::into), request.limit + 1)
            .await?;
        Ok(page(rows, request, |c| c.id, Call::from))
    }

    /// Handles a Twilio-style recording status callback: checks the signature
    /// with the integration's signing secret, and on `completed` creates the
    /// call and queues the download of `RecordingUrl` + `.wav`.
    #[tracing::instrument(skip_all, fields(integration = %callback.integration_id), err)]
    pub async fn recording_callback(
        &self,
        callback: RecordingCallback,
    ) -> Result<CallbackOutcome, ReviewError> {
        let token = self
            .store
            .integration_token_by_id(callback.integration_id)
            .await?
            .filter(|t| t.revoked_at.is_none())
            .ok_or_else(|| {
                ReviewError::InvalidSignature(
                    "no active integration has this `integration_id`".into(),
                )
            })?;
        let Some(auth_token) = token.signing_secret.as_deref() else {
            return Err(ReviewError::InvalidSignature(
                "the integration has no signing_secret; an admin sets the dialer's auth token on it".into(),
            ));
        };
        let Some(signature) = callback.signature.as_deref() else {
            return Err(ReviewError::InvalidSignature(
                "the request has no X-Twilio-Signature header".into(),
            ));
        };
        if !signature_matches(auth_token, &callback.signed_urls, &callback.params, signature) {
            return Err(ReviewError::InvalidSignature(
                "X-Twilio-Signature does not match this URL and body for the integration's auth token".into(),
            ));
        }
        let fields: BTreeMap<&str, &str> =
            callback.params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        if let (Some(expected), Some(sent)) =
            (token.account_sid.as_deref(), fields.get("AccountSid"))
            && expected != *sent
        {
            return Err(ReviewError::InvalidSignature(format!(
                "AccountSid {sent} is not this integration's account"
            )));
        }
        let status = fields.get("RecordingStatus").copied().unwrap_or("completed");
        if status != "completed" {
            return Ok(CallbackOutcome::Ignored(status.to_owned()));
        }
        let required = |name: &str| {
            fields
                .get(name)
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| {
                    invalid(name, format!("a completed recording callback must carry {name}"))
                })
        };
        let recording_sid = required("RecordingSid")?;
        let recording_url = required("RecordingUrl")?;
        let call_sid = fields.get("CallSid").copied().unwrap_or_default();
        let channels: i32 =
            fields.get("RecordingChannels").and_then(|c| c.parse().ok()).unwrap_or(1);
        let caller = IntegrationCaller {
            id: token.id,
            organisation_id: token.organisation_id,
            source: token.source.clone(),
            rep_channel: token.rep_channel,
        };
        let rep_channel = check_rep_channel("rep_channel", callback.rep_channel)?;
        let title = if call_sid.is_empty() {
            format!("Recording {recording_sid}")
        } else {
            format!("Call {call_sid}")
        };
        let url =
            format!("{}.wav", recording_url.trim_end_matches(".wav").trim_end_matches(".mp3"));
        let outcome = self
            .push_call(
                &caller,
                PushedCall {
                    rep: callback.rep,
                    external_ref: recording_sid,
                    details: CallDetails { title: Some(title), ..CallDetails::default() },
                    rep_channel: if channels >= 2 { rep_channel } else { None },
                    recording: RecordingSource::Url {
                        url,
                        authenticate: token.account_sid.is_some(),
                    },
                },
            )
            .await?;
        Ok(CallbackOutcome::Call(Box::new(outcome.call), outcome.created))
    }

    /// The account id and signing secret for an authenticated download.
    pub async fn fetch_credentials(
        &self,
        integration_id: IntegrationTokenId,
    ) -> Result<Option<(String, String)>, ReviewError> {
        Ok(self
            .store
            .integration_token_by_id(integration_id)
            .await?
            .filter(|t| t.revoked_at.is_none())
            .and_then(|t| t.account_sid.zip(t.signing_secret)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn twilio_signature_matches_twilios_documented_example() {
        // The example of Twilio's request-validation snippets.
        let p = params(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675310"),
            ("Digits", "1234"),
            ("From", "+14158675310"),
            ("To", "+18005551212"),
        ]);
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let signature = twilio_signature("12345", url, &p);
        assert_eq!(signature, "GvWf1cFY/Q7PnoempGyD5oXAezc=");
        assert!(signature_matches("12345", &[url.into()], &p, &signature));
        assert!(!signature_matches("54321", &[url.into()], &p, &signature));
        assert!(!signature_matches(
            "12345",
            &["https://mycompany.com/other".into()],
            &p,
            &signature
        ));
    }

    #[test]
    fn recording_urls_must_be_http() {
        assert!(check_recording_url("u", "https://api.twilio.com/x").is_ok());
        assert!(check_recording_url("u", "ftp://example.com/x").is_err());
        assert!(check_recording_url("u", "file:///etc/passwd").is_err());
        assert!(check_recording_url("u", "not a url").is_err());
    }

    #[test]
    fn rep_channel_is_one_or_two() {
        assert_eq!(check_rep_channel("c", Some(2)).ok(), Some(Some(2)));
        assert!(check_rep_channel("c", Some(3)).is_err());
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
