//! Pushed calls: a dialer sends a call with its recording or a URL to
//! fetch it from, finds the rep by their dialer id or email, pushes again
//! after a failure, and reads back the calls of its source.

use super::tokens::{IntegrationCaller, check_rep_channel};
use crate::calls::record::Call;
use crate::jobs::{FetchRecording, Job};
use crate::rules::error::Entity;
use crate::rules::error::invalid;
use crate::rules::ids::{CallId, IntegrationTokenId, OrganisationId};
use crate::{
    calls::audio::AudioUpload, calls::record::CallDetails, rules::error::AuthFailure,
    rules::error::ReviewError, rules::person::Email,
};
use crate::{
    context::Integrations, context::Review, rules::actor::Page, rules::actor::PageRequest,
    rules::actor::page,
};
use filmroom_store::{
    CallFilter, CallStatus, NewJob,
    entity::{call, user},
    now,
};

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

/// The job that downloads a call's recording; each push gets its own.
pub(super) fn fetch_job(
    review: &Review,
    call_id: CallId,
    url: String,
    integration_id: Option<IntegrationTokenId>,
) -> Result<NewJob, ReviewError> {
    Job::FetchRecording(FetchRecording { call_id, url, integration_id })
        .to_new_job(review.analysis_attempts, None)
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

impl Integrations<'_> {
    /// Finds the rep a dialer names: by `external_ids[source]` first, then by email.
    pub(super) async fn rep_for(
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
    #[tracing::instrument(skip_all, fields(integration = %caller.id), err(level = "info"))]
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
    pub(super) async fn push_again(
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
        self.store.delete_call(row.organisation_id, row.id).await?;
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

    pub(super) async fn pushed_call_row(
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
    use crate::integrations::tokens::check_rep_channel;
    use crate::integrations::twilio::{signature_matches, twilio_signature};

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
