//! A call's transcript as the people who may see the call use it: replaced
//! from a file, read back, and lined up with the comments.

use crate::context::Calls;
use crate::rules::error::ReviewError;
use crate::rules::ids::CallId;
use crate::{
    rules::transcript_format::Segment, rules::transcript_format::TranscriptFormat,
    rules::transcript_format::line_at, rules::transcript_format::parse,
};

impl Calls<'_> {
    /// Replaces the transcript of a ready call the caller can see.
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id, call = %call_id), err(level = "info"))]
    pub async fn put_transcript(
        &self,
        actor: &crate::rules::actor::Actor,
        call_id: crate::rules::ids::CallId,
        body: &[u8],
        format: TranscriptFormat,
    ) -> Result<Vec<Segment>, ReviewError> {
        let call = self.call(actor, call_id).await?;
        if call.status != filmroom_store::CallStatus::Ready {
            return Err(ReviewError::NotReady {
                what: "transcript",
                status: crate::rules::call_status::status_name(call.status),
            });
        }
        let segments = parse(body, format, call.duration_ms.unwrap_or_default())?;
        let rows = segments
            .iter()
            .enumerate()
            .map(|(i, s)| filmroom_store::entity::transcript_segment::Model {
                id: crate::rules::ids::SegmentId::generate(),
                organisation_id: call.organisation_id,
                call_id: call.id,
                position: i32::try_from(i).unwrap_or(i32::MAX),
                start_ms: s.start_ms,
                end_ms: s.end_ms,
                speaker: s.speaker.clone(),
                text: s.text.clone(),
            })
            .collect();
        self.store.replace_transcript(call.id, rows).await?;
        // Pace, questions and a mono call's speakers come from the transcript.
        if let Some(row) = self.store.call_by_id(call.id).await? {
            self.refresh_call_metrics(&row).await;
        }
        Ok(segments)
    }

    /// The transcript of a call the caller can see (empty when there is none).
    pub async fn transcript(
        &self,
        actor: &crate::rules::actor::Actor,
        call_id: crate::rules::ids::CallId,
    ) -> Result<Vec<Segment>, ReviewError> {
        let call = self.call(actor, call_id).await?;
        Ok(self
            .store
            .transcript(call.id)
            .await?
            .into_iter()
            .map(|r| Segment {
                start_ms: r.start_ms,
                end_ms: r.end_ms,
                speaker: r.speaker,
                text: r.text,
            })
            .collect())
    }

    /// Comments on a call, each with the transcript line spoken at its time.
    pub async fn comments_with_transcript(
        &self,
        actor: &crate::rules::actor::Actor,
        call_id: CallId,
        since: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Vec<(crate::calls::comments::CommentView, Option<Segment>)>, ReviewError> {
        let comments = self.weekly().comments(actor, call_id, since).await?;
        let segments = self.transcript(actor, call_id).await?;
        Ok(comments
            .into_iter()
            .map(|c| {
                let line = line_at(&segments, c.row.at_ms).cloned();
                (c, line)
            })
            .collect())
    }
}
