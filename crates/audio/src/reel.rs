//! A reel: stretches of several recordings one after another with silence
//! between, at one sample rate and channel count. Each stretch is decoded
//! with [`crate::decode_range`] (a seek, not a decode from the start) and
//! resampled with rubato's FFT resampler when its rate differs, so memory
//! stays bounded by a few chunks whatever the reel's length.

use std::io::{Read, Seek};

use rubato::{
    Fft, FixedSync, Indexing, Resampler, audioadapter_buffers::direct::SequentialSliceOfVecs,
};

use crate::{AnalysisError, FrameSink, decode_range};

/// Input frames the resampler takes per call.
const CHUNK: usize = 1024;

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
    resampler: Option<Fft<f32>>,
    pending: Vec<Vec<f32>>,
    scratch: Vec<Vec<f32>>,
    delay_left: usize,
    /// Input frames per resampler call.
    chunk: usize,
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

    fn run_resampler(&mut self, partial: Option<usize>) {
        let Some(resampler) = self.resampler.as_mut() else { return };
        let channels = self.pending.len();
        let out_max = resampler.output_frames_max();
        for plane in &mut self.scratch {
            plane.resize(out_max, 0.0);
        }
        let result = SequentialSliceOfVecs::new(&self.pending, channels, self.chunk)
            .map_err(|e| e.to_string())
            .and_then(|input| {
                let mut output =
                    SequentialSliceOfVecs::new_mut(&mut self.scratch, channels, out_max)
                        .map_err(|e| e.to_string())?;
                let indexing = Indexing { partial_len: partial, ..Indexing::default() };
                resampler
                    .process_into_buffer(&input, &mut output, Some(&indexing))
                    .map_err(|e| e.to_string())
            });
        match result {
            Ok((_, produced)) => {
                let skip = self.delay_left.min(produced);
                self.delay_left -= skip;
                let scratch = std::mem::take(&mut self.scratch);
                let views: Vec<&[f32]> =
                    scratch.iter().map(|p| crate::frames_of(p, skip, produced)).collect();
                self.emit(&views);
                self.scratch = scratch;
            }
            Err(e) => self.error = Some(e),
        }
        for plane in &mut self.pending {
            plane.clear();
        }
    }

    fn finish(&mut self) {
        if self.resampler.is_some() {
            // Flush: the buffered tail, then silence until the delay has passed.
            let mut rounds = 0;
            while self.written < self.want && self.error.is_none() && rounds < 64 {
                let partial = self.pending.first().map_or(0, Vec::len);
                let chunk = self.chunk;
                for plane in &mut self.pending {
                    plane.resize(chunk, 0.0);
                }
                self.run_resampler(Some(partial));
                rounds += 1;
            }
        }
        // Whatever is still short (a recording that ended early) becomes silence.
        let short = self.want - self.written;
        silence(&mut *self.out, short, self.out_channels);
        self.written = self.want;
    }
}

impl<O: FnMut(&[&[f32]])> FrameSink for PartWriter<'_, O> {
    fn frames(&mut self, planes: &[&[f32]]) {
        if self.resampler.is_none() {
            self.emit(planes);
            return;
        }
        let mut offset = 0;
        let frames = planes.first().map_or(0, |p| p.len());
        while offset < frames && self.error.is_none() {
            let pending_len = self.pending.first().map_or(0, Vec::len);
            let room = self.chunk.saturating_sub(pending_len);
            let take = room.min(frames - offset);
            for (pending, plane) in self.pending.iter_mut().zip(planes) {
                pending.extend_from_slice(crate::frames_of(plane, offset, offset + take));
            }
            offset += take;
            if self.pending.first().map_or(0, Vec::len) == self.chunk {
                self.run_resampler(None);
            }
        }
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
            let resampler = (shape.sample_rate != out_rate)
                .then(|| {
                    Fft::<f32>::new(
                        shape.sample_rate as usize,
                        out_rate as usize,
                        CHUNK,
                        shape.channels,
                        FixedSync::Input,
                    )
                    .ok()
                })
                .flatten();
            let delay_left = resampler.as_ref().map_or(0, |r| r.output_delay());
            let chunk = resampler.as_ref().map_or(CHUNK, |r| r.input_frames_next());
            PartWriter {
                out: &mut out,
                out_channels,
                resampler,
                pending: vec![Vec::with_capacity(chunk); shape.channels],
                scratch: vec![Vec::new(); shape.channels],
                delay_left,
                chunk,
                want,
                written: 0,
                error: None,
            }
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
