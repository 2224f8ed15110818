//! Clips and reels: what a request resolves to (a plan checked against the
//! call), and rendering them as 16-bit PCM WAV. Rendering decodes stored
//! audio, so it never runs in this process: the plan becomes a
//! [`RenderSpec`] over local files, and an [`AudioRenderer`] (the sandbox)
//! runs it in a child process and streams the bytes back.

use std::path::PathBuf;

use crate::rules::ids::{CallId, OneOnOneId};
pub use crate::rules::render::{AudioRenderer, RenderPart, RenderSpec, RenderStream};
use crate::{context::Calls, context::OneOnOnes, rules::actor::Actor};
use filmroom_store::CallStatus;
use futures_util::StreamExt;

use crate::{rules::call_status::status_name, rules::error::ReviewError};

/// What a clip request resolved to.
#[derive(Debug, Clone)]
pub struct ClipPlan {
    key: String,
    /// Hz of the source and the clip.
    pub sample_rate: u32,
    /// Channels of the source and the clip.
    pub channels: u16,
    start_frame: u64,
    /// Frames in the clip.
    pub frames: u64,
}

impl ClipPlan {
    /// The size of the WAV, header included.
    pub fn content_length(&self) -> u64 {
        44 + self.frames * u64::from(self.channels) * 2
    }
}

impl Calls<'_> {
    /// Checks a clip request: a ready call the caller can see, and
    /// `0 <= start_ms < end_ms <= duration`.
    pub async fn clip_plan(
        &self,
        actor: &Actor,
        id: CallId,
        start_ms: u64,
        end_ms: u64,
    ) -> Result<ClipPlan, ReviewError> {
        let call = self.call(actor, id).await?;
        if call.status != CallStatus::Ready {
            return Err(ReviewError::NotReady { what: "audio", status: status_name(call.status) });
        }
        let duration_ms = call.duration_ms.unwrap_or_default();
        for (field, value) in [("start_ms", start_ms), ("end_ms", end_ms)] {
            if i64::try_from(value).map_or(true, |v| v > duration_ms) {
                return Err(ReviewError::OffsetOutOfRange {
                    field,
                    value: i64::try_from(value).unwrap_or(i64::MAX),
                    duration_ms,
                });
            }
        }
        if end_ms <= start_ms {
            return Err(ReviewError::InvalidField {
                field: "end_ms".into(),
                message: format!("must be after start_ms ({start_ms})"),
            });
        }
        let (Some(key), Some(rate), Some(channels)) =
            (call.audio_key, call.sample_rate, call.channels)
        else {
            return Err(ReviewError::NotReady { what: "audio", status: status_name(call.status) });
        };
        let sample_rate = u32::try_from(rate).unwrap_or_default();
        let start_frame = start_ms * u64::from(sample_rate) / 1000;
        let end_frame = end_ms * u64::from(sample_rate) / 1000;
        Ok(ClipPlan {
            key,
            sample_rate,
            channels: u16::try_from(channels).unwrap_or(1),
            start_frame,
            frames: end_frame - start_frame,
        })
    }

    /// Renders a planned clip in the sandbox; its WAV bytes as they are made.
    pub async fn render_clip(&self, plan: &ClipPlan) -> Result<RenderStream, ReviewError> {
        let mut inputs = LocalInputs::new(self)?;
        let part = inputs.part(plan).await?;
        let spec = RenderSpec::Clip { part, channels: plan.channels };
        self.run_render(spec, inputs)
    }
}

/// Silence between the clips of a reel, ms.
pub const REEL_GAP_MS: u64 = 500;

/// What a reel request resolved to.
#[derive(Debug, Clone)]
pub struct ReelPlan {
    parts: Vec<(ClipPlan, u64)>,
    /// Hz of the reel: the highest of its clips'.
    pub sample_rate: u32,
    /// Channels of the reel: the most of its clips'.
    pub channels: u16,
    gap_frames: u64,
    /// Frames in the reel.
    pub frames: u64,
}

impl ReelPlan {
    /// The size of the WAV, header included.
    pub fn content_length(&self) -> u64 {
        44 + self.frames * u64::from(self.channels) * 2
    }
}

impl OneOnOnes<'_> {
    /// Plans the reel of a 1:1's coaching segment: its clips in order, 0.5 s
    /// apart, at one rate and channel count.
    pub async fn reel_plan(
        &self,
        actor: &Actor,
        one_on_one_id: OneOnOneId,
    ) -> Result<ReelPlan, ReviewError> {
        let view = self.one_on_one(actor, one_on_one_id).await?;
        let mut clips = Vec::with_capacity(view.clips.len());
        for clip in &view.clips {
            let start = u64::try_from(clip.start_ms).unwrap_or(0);
            let end = u64::try_from(clip.end_ms).unwrap_or(0);
            match self.calls().clip_plan(actor, clip.call_id, start, end).await {
                Ok(plan) => clips.push(plan),
                // A clip of a call whose recording an admin removed stays in
                // the 1:1's record but has nothing to play: the reel skips it.
                Err(ReviewError::NotReady { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        let sample_rate = clips.iter().map(|c| c.sample_rate).max().unwrap_or(16_000);
        let channels = clips.iter().map(|c| c.channels).max().unwrap_or(1).clamp(1, 2);
        let gap_frames = REEL_GAP_MS * u64::from(sample_rate) / 1000;
        let parts: Vec<(ClipPlan, u64)> = clips
            .into_iter()
            .map(|c| {
                let out =
                    filmroom_audio::reel::resampled_frames(c.frames, c.sample_rate, sample_rate);
                (c, out)
            })
            .collect();
        let frames = parts.iter().map(|(_, out)| out).sum::<u64>()
            + gap_frames * (parts.len().saturating_sub(1) as u64);
        Ok(ReelPlan { parts, sample_rate, channels, gap_frames, frames })
    }

    /// Renders a planned reel in the sandbox; its WAV bytes as they are made.
    pub async fn render_reel(&self, plan: &ReelPlan) -> Result<RenderStream, ReviewError> {
        let mut inputs = LocalInputs::new(self)?;
        let mut parts = Vec::with_capacity(plan.parts.len());
        for (clip, _) in &plan.parts {
            parts.push(inputs.part(clip).await?);
        }
        let spec = RenderSpec::Reel {
            parts,
            sample_rate: plan.sample_rate,
            channels: plan.channels,
            gap_frames: plan.gap_frames,
            frames: plan.frames,
        };
        self.run_render(spec, inputs)
    }
}

/// The local files a render reads: a local store's own files, or copies of
/// S3 objects in a scratch directory that lives as long as the render.
struct LocalInputs {
    store: filmroom_store::BlobStore,
    scratch: Option<tempfile::TempDir>,
    /// Copies made so far, by key: a reel of many clips of one call copies it once.
    copies: std::collections::HashMap<String, PathBuf>,
}

impl LocalInputs {
    fn new(review: &crate::context::Review) -> Result<Self, ReviewError> {
        Ok(Self {
            store: review.store.blobs().clone(),
            scratch: None,
            copies: std::collections::HashMap::new(),
        })
    }

    async fn part(&mut self, plan: &ClipPlan) -> Result<RenderPart, ReviewError> {
        let path = match self.store.local_path(&plan.key) {
            Some(path) => path,
            None if self.copies.contains_key(&plan.key) => {
                self.copies.get(&plan.key).cloned().unwrap_or_default()
            }
            None => {
                let scratch = match &self.scratch {
                    Some(scratch) => scratch,
                    None => self.scratch.insert(
                        tempfile::Builder::new()
                            .prefix("filmroom-render-")
                            .tempdir()
                            .map_err(|e| ReviewError::Store(filmroom_store::StoreError::Io(e)))?,
                    ),
                };
                let path = scratch.path().join(format!("part-{}", uuid::Uuid::now_v7().simple()));
                self.store.download_to(&plan.key, &path).await?;
                self.copies.insert(plan.key.clone(), path.clone());
                path
            }
        };
        Ok(RenderPart {
            path,
            start_frame: plan.start_frame,
            frames: plan.frames,
            sample_rate: plan.sample_rate,
        })
    }
}

impl crate::context::Review {
    /// Hands `spec` to the sandbox; the scratch copies live until the stream ends.
    fn run_render(
        &self,
        spec: RenderSpec,
        inputs: LocalInputs,
    ) -> Result<RenderStream, ReviewError> {
        let renderer = self.renderer.as_ref().ok_or_else(|| {
            ReviewError::Store(filmroom_store::StoreError::Inconsistent(
                "no audio sandbox is configured to render clips and reels".into(),
            ))
        })?;
        let stream = renderer.render(spec);
        Ok(stream
            .map(move |chunk| {
                let _kept = &inputs;
                chunk
            })
            .boxed())
    }
}
