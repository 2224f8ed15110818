//! Clips and reels as 16-bit PCM WAV bytes, from any `Read + Seek`: the work
//! `filmroom render` does in its sandboxed child process. Bytes are handed to
//! an emitter as they are made; the emitter returns `false` once nobody is
//! listening, and rendering stops.

use std::io::{Read, Seek};

use crate::{AnalysisError, FrameSink, StreamShape, decode_range, reel, wav};

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

/// Renders `frames` frames from `start_frame` of `source` (at its own rate and
/// channels) as a WAV; a recording that ends early is padded with silence so
/// the length promised in the header holds.
pub fn clip<R: Read + Seek + Send + Sync>(
    source: R,
    start_frame: u64,
    frames: u64,
    sample_rate: u32,
    channels: u16,
    mut emit: impl FnMut(Vec<u8>) -> bool,
) -> Result<(), AnalysisError> {
    if !emit(wav::header(sample_rate, channels, frames).to_vec()) {
        return Ok(());
    }
    let first = WavChunks { emit: &mut emit, buffer: Vec::with_capacity(CHUNK), open: true };
    let make = move |_: StreamShape| first;
    let (facts, sink) = decode_range(source, start_frame, frames, make)?;
    let mut sink = match sink {
        Some(sink) => sink,
        None => WavChunks { emit: &mut emit, buffer: Vec::new(), open: true },
    };
    let missing = frames.saturating_sub(facts.frames.min(frames));
    let missing = missing.saturating_mul(u64::from(channels)).saturating_mul(2);
    sink.buffer.resize(sink.buffer.len().saturating_add(crate::to_usize(missing)), 0);
    sink.flush();
    Ok(())
}

/// Renders a reel of `parts` at `sample_rate` and `channels`, `gap_frames` of
/// silence apart, as a WAV of `frames` frames.
pub fn reel<R: Read + Seek + Send + Sync>(
    parts: Vec<reel::ReelPart<R>>,
    sample_rate: u32,
    channels: u16,
    gap_frames: u64,
    frames: u64,
    mut emit: impl FnMut(Vec<u8>) -> bool,
) -> Result<(), AnalysisError> {
    if !emit(wav::header(sample_rate, channels, frames).to_vec()) {
        return Ok(());
    }
    let mut buffer = Vec::with_capacity(CHUNK);
    let mut open = true;
    reel::render_reel(parts, sample_rate, usize::from(channels), gap_frames, |planes| {
        if !open {
            return;
        }
        wav::append_interleaved(planes, &mut buffer);
        if buffer.len() >= CHUNK {
            open = emit(std::mem::replace(&mut buffer, Vec::with_capacity(CHUNK)));
        }
    })?;
    if open && !buffer.is_empty() {
        emit(buffer);
    }
    Ok(())
}
