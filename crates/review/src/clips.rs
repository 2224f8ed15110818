//! Cutting a stretch of a call as 16-bit PCM WAV, sample-accurately, from the
//! original in the blob store (ranged reads, a seek, no full decode).

use crate::context::{Actor, Calls, OneOnOnes};
use crate::ids::{CallId, OneOnOneId};
use filmroom_audio::{FrameSink, StreamShape, decode_range, wav};
use filmroom_store::{BlobReader, CallStatus};

use crate::{error::ReviewError, lifecycle::status_name};

/// What a clip request resolved to.
#[derive(Debug, Clone)]
pub struct ClipPlan {
    key: String,
    size: u64,
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

/// Bytes handed to the emitter at a time.
const CHUNK: usize = 64 * 1024;

struct WavChunks<F: FnMut(Vec<u8>) -> bool> {
    emit: F,
    buffer: Vec<u8>,
    open: bool,
}

impl<F: FnMut(Vec<u8>) -> bool> WavChunks<F> {
    fn flush(&mut self) {
        if self.open && !self.buffer.is_empty() {
            self.open = (self.emit)(std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK)));
        }
    }
}

impl<F: FnMut(Vec<u8>) -> bool> FrameSink for WavChunks<F> {
    fn frames(&mut self, planes: &[&[f32]]) {
        if !self.open {
            return;
        }
        wav::append_interleaved(planes, &mut self.buffer);
        if self.buffer.len() >= CHUNK {
            self.flush();
        }
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
        let (Some(key), Some(size), Some(rate), Some(channels)) =
            (call.audio_key, call.size_bytes, call.sample_rate, call.channels)
        else {
            return Err(ReviewError::NotReady { what: "audio", status: status_name(call.status) });
        };
        let sample_rate = u32::try_from(rate).unwrap_or_default();
        let start_frame = start_ms * u64::from(sample_rate) / 1000;
        let end_frame = end_ms * u64::from(sample_rate) / 1000;
        Ok(ClipPlan {
            key,
            size: u64::try_from(size).unwrap_or_default(),
            sample_rate,
            channels: u16::try_from(channels).unwrap_or(1),
            start_frame,
            frames: end_frame - start_frame,
        })
    }

    /// Renders a planned clip, handing WAV bytes to `emit` as they are made;
    /// `emit` returns `false` once nobody is listening. Blocking: run it on a
    /// blocking thread of the runtime `runtime`.
    pub fn render_clip(
        &self,
        plan: &ClipPlan,
        runtime: tokio::runtime::Handle,
        mut emit: impl FnMut(Vec<u8>) -> bool,
    ) -> Result<(), ReviewError> {
        if !emit(wav::header(plan.sample_rate, plan.channels, plan.frames).to_vec()) {
            return Ok(());
        }
        let reader = BlobReader::new(self.store.blobs().clone(), &plan.key, plan.size, runtime);
        let first = WavChunks { emit: &mut emit, buffer: Vec::with_capacity(CHUNK), open: true };
        let make = move |_: StreamShape| first;
        let (facts, sink) =
            decode_range(reader, plan.start_frame, plan.frames, make).map_err(|e| {
                ReviewError::Store(filmroom_store::StoreError::Inconsistent(format!(
                    "cutting {}: {e}",
                    plan.key
                )))
            })?;
        let mut sink = match sink {
            Some(sink) => sink,
            None => WavChunks { emit: &mut emit, buffer: Vec::new(), open: true },
        };
        // The header promised every frame; a recording that ends early is padded with silence.
        let missing = (plan.frames - facts.frames.min(plan.frames)) * u64::from(plan.channels) * 2;
        if missing > 0 {
            tracing::warn!(key = %plan.key, missing_bytes = missing, "clip padded with silence");
            sink.buffer.resize(sink.buffer.len() + usize::try_from(missing).unwrap_or(0), 0);
        }
        sink.flush();
        Ok(())
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
            clips.push(self.calls().clip_plan(actor, clip.call_id, start, end).await?);
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

    /// Renders a planned reel as WAV bytes handed to `emit` as they are made.
    /// Blocking: run it on a blocking thread of the runtime `runtime`.
    pub fn render_reel(
        &self,
        plan: &ReelPlan,
        runtime: tokio::runtime::Handle,
        mut emit: impl FnMut(Vec<u8>) -> bool,
    ) -> Result<(), ReviewError> {
        if !emit(wav::header(plan.sample_rate, plan.channels, plan.frames).to_vec()) {
            return Ok(());
        }
        let parts = plan
            .parts
            .iter()
            .map(|(clip, _)| filmroom_audio::reel::ReelPart {
                source: BlobReader::new(
                    self.store.blobs().clone(),
                    &clip.key,
                    clip.size,
                    runtime.clone(),
                ),
                start_frame: clip.start_frame,
                frames: clip.frames,
                sample_rate: clip.sample_rate,
            })
            .collect();
        let mut buffer = Vec::with_capacity(CHUNK);
        let mut open = true;
        filmroom_audio::reel::render_reel(
            parts,
            plan.sample_rate,
            usize::from(plan.channels),
            plan.gap_frames,
            |planes| {
                if !open {
                    return;
                }
                wav::append_interleaved(planes, &mut buffer);
                if buffer.len() >= CHUNK {
                    open = emit(std::mem::replace(&mut buffer, Vec::with_capacity(CHUNK)));
                }
            },
        )
        .map_err(|e| {
            ReviewError::Store(filmroom_store::StoreError::Inconsistent(format!(
                "rendering a reel: {e}"
            )))
        })?;
        if open && !buffer.is_empty() {
            emit(buffer);
        }
        Ok(())
    }
}
