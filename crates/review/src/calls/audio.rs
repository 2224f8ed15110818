//! A call's recording: the upload that streams it into the blob store and
//! queues its analysis, playback of the original bytes, and its waveform
//! peaks.

use super::record::{Call, not_found, speech_key};
use crate::rules::ids::CallId;
use crate::{context::Calls, context::Review, rules::actor::Actor};
use crate::{rules::call_status::status_name, rules::error::ReviewError};
use filmroom_audio::{Container, NotAudio, SNIFF_LEN, sniff};
use filmroom_store::{BlobUpload, CallStatus, entity::call};
use uuid::Uuid;

/// Where the original audio of a call is.
#[derive(Debug, Clone)]
pub struct AudioSource {
    /// Blob key.
    pub key: String,
    /// Its media type, as sniffed at upload.
    pub content_type: String,
    /// A safe file name for `Content-Disposition`: the call's id and the
    /// container's extension, nothing a client wrote.
    pub filename: String,
    /// Its size in bytes.
    pub size: u64,
}

/// A call's audio arriving chunk by chunk. The first bytes are checked before
/// anything is stored; the size limit is enforced as bytes arrive; an upload
/// that is not finished must be aborted so nothing stays behind.
pub struct AudioUpload {
    review: Review,
    call: call::Model,
    max_bytes: u64,
    head: Vec<u8>,
    container: Option<Container>,
    blob: Option<BlobUpload>,
}

impl AudioUpload {
    /// Takes the next bytes of the body.
    pub async fn push(&mut self, chunk: &[u8]) -> Result<(), ReviewError> {
        let received = self.blob.as_ref().map_or(self.head.len() as u64, BlobUpload::size)
            + chunk.len() as u64;
        if received > self.max_bytes {
            return Err(ReviewError::AudioTooLarge { limit: self.max_bytes });
        }
        if let Some(blob) = &mut self.blob {
            return Ok(blob.write(chunk).await?);
        }
        self.head.extend_from_slice(chunk);
        if self.head.len() >= SNIFF_LEN {
            self.start().await?;
        }
        Ok(())
    }

    pub(super) async fn start(&mut self) -> Result<(), ReviewError> {
        let container = sniff(&self.head).map_err(|e| ReviewError::NotAudio(e.to_string()))?;
        let key = format!("calls/{}/audio-{}", self.call.id, Uuid::now_v7().simple());
        let mut blob = self.review.store.blobs().begin_upload(&key).await?;
        let head = std::mem::take(&mut self.head);
        if let Err(e) = blob.write(&head).await {
            let _ = blob.abort().await;
            return Err(e.into());
        }
        self.container = Some(container);
        self.blob = Some(blob);
        Ok(())
    }

    /// Completes the upload: records the bytes' facts and queues analysis.
    pub async fn finish(mut self) -> Result<Call, ReviewError> {
        if self.blob.is_none() {
            if self.head.is_empty() {
                return Err(ReviewError::NotAudio(NotAudio::Empty.to_string()));
            }
            self.start().await?;
        }
        let (Some(blob), Some(container)) = (self.blob.take(), self.container) else {
            return Err(ReviewError::NotAudio(NotAudio::Empty.to_string()));
        };
        let stored = blob.finish().await?;
        let store = &self.review.store;
        let mut row = self.call.clone();
        let speech = row.peaks_key.as_deref().map(speech_key);
        let previous = [row.audio_key.take(), row.peaks_key.take(), speech];
        row.content_type = Some(media_type(container));
        row.size_bytes = Some(i64::try_from(stored.size).unwrap_or(i64::MAX));
        row.sha256 = Some(stored.sha256);
        row.container = Some(container.name().to_owned());
        row.failure_code = None;
        row.failure_message = None;
        row.codec = None;
        row.sample_rate = None;
        row.channels = None;
        row.bits_per_sample = None;
        row.duration_ms = None;
        row.decode_errors = None;
        let Some(row) =
            self.review.lifecycle().audio_received(&self.call, row, stored.key.clone()).await?
        else {
            // Someone else's upload finished first; keep theirs.
            store.blobs().delete(&stored.key).await?;
            let current =
                store.call_by_id(self.call.id).await?.ok_or_else(|| not_found(self.call.id))?;
            return Err(crate::rules::error::audio_refused(current.status));
        };
        for key in previous.into_iter().flatten() {
            if let Err(e) = store.blobs().delete(&key).await {
                tracing::warn!(key, error = ?e, "could not delete replaced audio");
            }
        }
        Ok(row.into())
    }

    /// Abandons the upload, leaving nothing stored.
    pub async fn abort(mut self) {
        if let Some(blob) = self.blob.take()
            && let Err(e) = blob.abort().await
        {
            tracing::warn!(error = ?e, call = %self.call.id, "aborting an audio upload failed");
        }
    }
}

impl Drop for AudioUpload {
    /// An upload dropped unfinished (its request cancelled, a download timed
    /// out, a worker stopping) is aborted in the background, so no partial
    /// object or multipart upload stays behind.
    fn drop(&mut self) {
        if let Some(blob) = self.blob.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let call = self.call.id;
            runtime.spawn(async move {
                if let Err(e) = blob.abort().await {
                    tracing::warn!(error = ?e, %call, "aborting an abandoned audio upload failed");
                }
            });
        }
    }
}

/// The media type to record and serve: always the sniffed container's, never
/// what the client sent, so a stored recording cannot be served as a page.
pub(super) fn media_type(container: Container) -> String {
    container.media_type().to_owned()
}

impl Calls<'_> {
    /// Starts receiving a call's audio. Allowed while the call waits for audio
    /// or after analysis failed (to send a better file).
    pub async fn begin_audio_upload(
        &self,
        actor: &Actor,
        id: CallId,
        max_bytes: u64,
    ) -> Result<AudioUpload, ReviewError> {
        let row = self.visible_call(actor, id).await?;
        self.audio_upload_for(row, max_bytes)
    }

    /// An upload into `row`, if its state allows one.
    pub(crate) fn audio_upload_for(
        &self,
        row: call::Model,
        max_bytes: u64,
    ) -> Result<AudioUpload, ReviewError> {
        if !crate::rules::call_status::can_become(row.status, CallStatus::Uploading) {
            return Err(crate::rules::error::audio_refused(row.status));
        }
        Ok(AudioUpload {
            review: Review::clone(self),
            call: row,
            max_bytes,
            head: Vec::with_capacity(SNIFF_LEN),
            container: None,
            blob: None,
        })
    }

    /// Where a ready call's audio is, for playback.
    pub async fn audio_source(
        &self,
        actor: &Actor,
        id: CallId,
    ) -> Result<AudioSource, ReviewError> {
        let row = self.visible_call(actor, id).await?;
        match (row.audio_key, row.size_bytes) {
            (Some(key), Some(size)) if row.status != CallStatus::Uploading => {
                // The container was sniffed at upload, also for rows whose
                // stored media type is what a client sent, so serve by it.
                let container = row.container.as_deref().and_then(Container::from_name);
                Ok(AudioSource {
                    key,
                    content_type: container
                        .map_or("application/octet-stream", Container::media_type)
                        .to_owned(),
                    filename: format!(
                        "call-{}.{}",
                        row.id,
                        container.map_or("bin", Container::extension)
                    ),
                    size: u64::try_from(size).unwrap_or_default(),
                })
            }
            _ => Err(ReviewError::NotReady { what: "audio", status: status_name(row.status) }),
        }
    }

    /// Streams `range` of a call's audio from the blob store.
    pub async fn audio_bytes(
        &self,
        source: &AudioSource,
        range: Option<std::ops::Range<u64>>,
    ) -> Result<filmroom_store::BlobRange, ReviewError> {
        Ok(self.store.blobs().get_range(&source.key, range).await?)
    }

    /// The waveform peaks of a ready call, at the stored resolution or a coarser
    /// one (`samples_per_pixel` a multiple of the stored one).
    pub async fn peaks(
        &self,
        actor: &Actor,
        id: CallId,
        samples_per_pixel: Option<u32>,
    ) -> Result<Vec<u8>, ReviewError> {
        let row = self.visible_call(actor, id).await?;
        let key = match (row.status, row.peaks_key) {
            (CallStatus::Ready, Some(key)) => key,
            (status, _) => {
                return Err(ReviewError::NotReady { what: "peaks", status: status_name(status) });
            }
        };
        let stored = self.store.blobs().get(&key).await?;
        let Some(wanted) = samples_per_pixel else {
            return Ok(stored.to_vec());
        };
        let peaks: filmroom_audio::Peaks = serde_json::from_slice(&stored).map_err(|e| {
            ReviewError::Store(filmroom_store::StoreError::Inconsistent(format!(
                "stored peaks of {id} do not parse: {e}"
            )))
        })?;
        let coarser = peaks.coarser(wanted).map_err(|message| ReviewError::InvalidField {
            field: "samples_per_pixel".into(),
            message,
        })?;
        serde_json::to_vec(&coarser).map_err(|e| {
            ReviewError::Store(filmroom_store::StoreError::Inconsistent(e.to_string()))
        })
    }
}
