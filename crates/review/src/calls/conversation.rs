//! Who spoke when in a call, and the conversation figures computed from it:
//! read on request, and kept beside the call for lists and progress.

use super::record::{Call, speech_key};
use crate::rules::ids::CallId;
use crate::{context::Calls, context::Review, rules::actor::Actor};
use crate::{rules::call_status::status_name, rules::error::ReviewError};
use filmroom_store::{CallStatus, entity::call, now};

impl Review {
    /// The speech segments stored for a ready call.
    pub(crate) async fn stored_speech(
        &self,
        row: &call::Model,
    ) -> Result<filmroom_audio::Speech, ReviewError> {
        let key = match (row.status, row.peaks_key.as_deref()) {
            (CallStatus::Ready, Some(key)) => speech_key(key),
            (status, _) => {
                return Err(ReviewError::NotReady { what: "speech", status: status_name(status) });
            }
        };
        if !self.store.blobs().exists(&key).await? {
            return Err(ReviewError::SpeechNotAnalysed);
        }
        let stored = self.store.blobs().get(&key).await?;
        serde_json::from_slice(&stored).map_err(|e| {
            ReviewError::Store(filmroom_store::StoreError::Inconsistent(format!(
                "stored speech of {} does not parse: {e}",
                row.id
            )))
        })
    }

    /// A ready call's metrics from what is stored now: speech segments,
    /// transcript, rep channel, the rep's name and the organisation's bands.
    pub(crate) async fn call_metrics(
        &self,
        row: &call::Model,
    ) -> Result<crate::rules::metrics::CallMetrics, ReviewError> {
        let speech = self.stored_speech(row).await?;
        let transcript: Vec<crate::rules::transcript_format::Segment> = self
            .store
            .transcript(row.id)
            .await?
            .into_iter()
            .map(|s| crate::rules::transcript_format::Segment {
                start_ms: s.start_ms,
                end_ms: s.end_ms,
                speaker: s.speaker,
                text: s.text,
            })
            .collect();
        let rep_name = self
            .store
            .user(row.organisation_id, row.rep_id)
            .await?
            .map(|u| u.name)
            .unwrap_or_default();
        let settings = match self.store.organisation(row.organisation_id).await? {
            Some(organisation) => {
                crate::rules::settings::ReviewSettings::from_stored(organisation.settings.as_ref())?
            }
            None => crate::rules::settings::ReviewSettings::default(),
        };
        Ok(crate::rules::metrics::compute(&crate::rules::metrics::Inputs {
            speech: &speech,
            duration_ms: u64::try_from(row.duration_ms.unwrap_or(0)).unwrap_or(0),
            rep_channel: row.rep_channel,
            transcript: &transcript,
            rep_name: &rep_name,
            bands: &settings.metric_bands,
        }))
    }

    /// Recomputes the headline figures kept beside a call after what they
    /// come from changed. They are derived: a failure is logged, the change
    /// that caused it stands, and `filmroom admin reanalyze` recomputes them.
    pub(crate) async fn refresh_call_metrics(&self, row: &call::Model) {
        let summary = match self.call_metrics(row).await {
            Ok(metrics) => metrics.summary(),
            Err(ReviewError::SpeechNotAnalysed | ReviewError::NotReady { .. }) => return,
            Err(e) => {
                tracing::warn!(call = %row.id, error = %crate::rules::error::error_chain(&e), "conversation figures not recomputed");
                return;
            }
        };
        let stored = filmroom_store::entity::call_metrics::Model {
            call_id: row.id,
            organisation_id: row.organisation_id,
            talk_ratio_bp: summary.talk_ratio_bp,
            longest_monologue_ms: summary.longest_monologue_ms,
            patience_ms: summary.patience_ms,
            turn_changes: summary.turn_changes,
            rep_questions: summary.rep_questions,
            updated_at: now(),
        };
        if let Err(e) = self.store.put_call_metrics(stored).await {
            tracing::warn!(call = %row.id, error = %crate::rules::error::error_chain(&e), "conversation figures not stored");
        }
    }
}

impl Calls<'_> {
    /// Speech segments per channel of a ready call, as the analysis found them.
    pub async fn speech(
        &self,
        actor: &Actor,
        id: CallId,
    ) -> Result<(Call, filmroom_audio::Speech), ReviewError> {
        let row = self.visible_call(actor, id).await?;
        let speech = self.stored_speech(&row).await?;
        Ok((row.into(), speech))
    }

    /// A ready call's conversation metrics, from its stored speech segments,
    /// its transcript and its rep channel as they are now (no decoding), held
    /// against the organisation's reference bands.
    pub async fn metrics(
        &self,
        actor: &Actor,
        id: CallId,
    ) -> Result<crate::rules::metrics::CallMetrics, ReviewError> {
        let row = self.visible_call(actor, id).await?;
        self.call_metrics(&row).await
    }

    /// Checks a talk-ratio filter bound (0..=1) and turns it into basis points.
    pub(super) fn talk_ratio_bound(
        field: &str,
        value: Option<f64>,
    ) -> Result<Option<i32>, ReviewError> {
        match value {
            None => Ok(None),
            Some(v) if crate::rules::metrics::basis_points(v).is_some() => {
                Ok(crate::rules::metrics::basis_points(v))
            }
            Some(v) => Err(ReviewError::InvalidField {
                field: field.into(),
                message: format!("must be a share from 0 to 1 (0.65 is 65 %), not {v}"),
            }),
        }
    }
}
