//! A reel: stretches of several recordings one after another with silence
//! between, at one sample rate and channel count. Each stretch is decoded
//! with [`crate::decode_range`] (a seek, not a decode from the start) and
//! resampled with rubato's FFT resampler when its rate differs, so memory
//! stays bounded by a few chunks whatever the reel's length.

use std::io::{Read, Seek};

use crate::{AnalysisError, FrameSink, decode_range, resample::ChunkResampler};

/// One stretch of one recording.
pub struct ReelPart<R> {
    /// The recording.
    pub source: R,
    /// First frame, in the recording's own rate.
    pub start_frame: u64,
    /// Frames to take, in the recording's own rate.
    pub frames: u64,
    /// The recording's rate.
    pub sample_rate: u32,
}

/// Frames a part becomes at `out_rate`.
pub fn resampled_frames(frames: u64, in_rate: u32, out_rate: u32) -> u64 {
    if in_rate == 0 || in_rate == out_rate {
        return frames;
    }
    u64::try_from((u128::from(frames) * u128::from(out_rate)).div_ceil(u128::from(in_rate)))
        .unwrap_or(u64::MAX)
}

/// Resamples (or passes through) one part's frames into exactly `want` output
/// frames for `out`, spreading mono across every output channel.
struct PartWriter<'o, O: FnMut(&[&[f32]])> {
    out: &'o mut O,
    out_channels: usize,
    resampler: Option<ChunkResampler>,
    want: u64,
    written: u64,
    error: Option<String>,
}

impl<O: FnMut(&[&[f32]])> PartWriter<'_, O> {
    fn emit(&mut self, planes: &[&[f32]]) {
        let frames = planes.first().map_or(0, |p| p.len());
        let take = frames.min(crate::to_usize(self.want.saturating_sub(self.written)));
        if take == 0 || planes.is_empty() {
            return;
        }
        let last = planes.len() - 1;
        let views: Vec<&[f32]> = (0..self.out_channels)
            .filter_map(|c| planes.get(c.min(last)))
            .map(|plane| crate::frames_of(plane, 0, take))
            .collect();
        (self.out)(&views);
        self.written += take as u64;
    }

    /// Emits the resampler's tail until the part has its frames, then pads
    /// with silence if it still falls short.
    fn finish(&mut self) {
        if let Some(mut resampler) = self.resampler.take() {
            let mut rounds = 0;
            while self.written < self.want && self.error.is_none() && rounds < 64 {
                if let Err(e) = resampler.flush(&mut |views| self.emit(views)) {
                    self.error = Some(e);
                }
                rounds += 1;
            }
        }
        let short = self.want - self.written;
        silence(&mut *self.out, short, self.out_channels);
        self.written = self.want;
    }
}

impl<O: FnMut(&[&[f32]])> FrameSink for PartWriter<'_, O> {
    fn frames(&mut self, planes: &[&[f32]]) {
        let Some(mut resampler) = self.resampler.take() else {
            self.emit(planes);
            return;
        };
        if self.error.is_none()
            && let Err(e) = resampler.push(planes, &mut |views| self.emit(views))
        {
            self.error = Some(e);
        }
        self.resampler = Some(resampler);
    }
}

/// Hands `frames` frames of silence on `channels` channels to `out`.
fn silence(out: &mut impl FnMut(&[&[f32]]), frames: u64, channels: usize) {
    let zeros = [0.0f32; 4096];
    let mut left = frames;
    while left > 0 {
        let n = crate::to_usize(left.min(zeros.len() as u64));
        let views: Vec<&[f32]> = vec![crate::frames_of(&zeros, 0, n); channels];
        out(&views);
        left -= n as u64;
    }
}

/// Renders `parts` in order with `gap_frames` of silence between them, at
/// `out_rate` Hz and `out_channels` channels, handing frames to `out`. Each
/// part becomes exactly [`resampled_frames`] frames, so the reel's length is
/// known before the first sample.
pub fn render_reel<R: Read + Seek + Send + Sync>(
    parts: Vec<ReelPart<R>>,
    out_rate: u32,
    out_channels: usize,
    gap_frames: u64,
    mut out: impl FnMut(&[&[f32]]),
) -> Result<(), AnalysisError> {
    let count = parts.len();
    for (index, part) in parts.into_iter().enumerate() {
        let want = resampled_frames(part.frames, part.sample_rate, out_rate);
        let (facts, writer) = decode_range(part.source, part.start_frame, part.frames, |shape| {
            let (resampler, error) = if shape.sample_rate == out_rate {
                (None, None)
            } else {
                match ChunkResampler::new(shape.sample_rate, out_rate, shape.channels) {
                    Ok(resampler) => (Some(resampler), None),
                    Err(e) => (None, Some(e)),
                }
            };
            PartWriter { out: &mut out, out_channels, resampler, want, written: 0, error }
        })?;
        let _ = facts;
        match writer {
            Some(mut writer) => {
                writer.finish();
                if let Some(error) = writer.error {
                    return Err(AnalysisError::new("resample_failed", error));
                }
            }
            None => {
                silence(&mut out, want, out_channels);
            }
        }
        if index + 1 < count {
            silence(&mut out, gap_frames, out_channels);
        }
    }
    Ok(())
}
