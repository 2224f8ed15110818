//! Twilio's recording status callback (Telnyx and SignalWire send the
//! same): its signature checked, and a completed recording pushed as a call.

use super::pushes::{PushedCall, RecordingSource, RepReference};
use super::tokens::{IntegrationCaller, check_rep_channel};
use crate::calls::record::Call;
use crate::context::Integrations;
use crate::rules::error::invalid;
use crate::rules::ids::IntegrationTokenId;
use crate::{calls::record::CallDetails, rules::error::ReviewError};
use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use std::collections::BTreeMap;

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

/// What a recording callback did.
#[derive(Debug, Clone)]
pub enum CallbackOutcome {
    /// A completed recording: the call, and whether it is new.
    Call(Box<Call>, bool),
    /// Any other status (`in-progress`, `absent`, `failed`): acknowledged, nothing stored.
    Ignored(String),
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

pub(super) fn signature_matches(
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

pub(super) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Integrations<'_> {
    /// Handles a Twilio-style recording status callback: checks the signature
    /// with the integration's signing secret, and on `completed` creates the
    /// call and queues the download of `RecordingUrl` + `.wav`.
    #[tracing::instrument(skip_all, fields(integration = %callback.integration_id), err(level = "info"))]
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
}
