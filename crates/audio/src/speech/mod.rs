//! Who spoke when: voice activity per channel, found in the same decoding
//! pass as the peaks.
//!
//! Each channel (the first two; dialers put the rep on one and the customer
//! on the other) is resampled to 16 kHz with rubato's FFT resampler and
//! scored in 16 ms frames by earshot's voice-activity network, in blocks on
//! threads beside the decoder ([`ScoringThreads`]). Frames scoring
//! [`VOICE_THRESHOLD`] or more are speech, unless their spectrum holds as
//! still as a tone's ([`STEADY_SIMILARITY`]): the network hears dial tones,
//! ringback, DTMF and hold music as voices. Runs of speech separated by less
//! than [`MIN_PAUSE_MS`] are one segment (a breath is not a turn), its edges
//! are moved by the network's measured lag ([`START_LAG_FRAMES`],
//! [`END_LAG_FRAMES`]), and a segment shorter than [`MIN_SPEECH_MS`] is
//! dropped (a click or a cough is not speech). Only segments are kept, so memory does not grow with the
//! call's length beyond them.

mod floor;
mod lanes;
mod segments;
mod steady;
mod voice;

use serde::{Deserialize, Serialize};

pub use self::{lanes::ScoringThreads, steady::STEADY_SIMILARITY};
use crate::{FrameSink, resample::ChunkResampler};

/// The rate the detector listens at, Hz.
pub const VAD_RATE: u32 = 16_000;
/// Samples per detector frame (16 ms at 16 kHz).
pub const VAD_FRAME: usize = 256;
/// Milliseconds per detector frame.
pub const FRAME_MS: u32 = 16;
/// A frame scoring this or more is speech.
pub const VOICE_THRESHOLD: f32 = 0.5;
/// Shorter silences inside speech are part of it, ms.
pub const MIN_PAUSE_MS: u32 = 300;
/// Shorter bursts of speech are dropped, ms.
pub const MIN_SPEECH_MS: u32 = 200;
/// Frames by which the network's scores stay high after a voice stops
/// (its context window looks back): segment ends are moved back this much.
/// Measured with `scripts/bench-speech-accuracy.py`: ends trailed the truth
/// by 100 ms (median), and boundary F1 at 100 ms rose from 0.63 to 0.96.
pub const END_LAG_FRAMES: u64 = 6;
/// Frames by which the scores rise after a voice starts: segment starts are
/// moved forward this much.
pub const START_LAG_FRAMES: u64 = 2;
/// Channels analysed: a dialer's rep and customer.
pub const MAX_LANES: usize = 2;

/// Speech segments per channel, `[start_ms, end_ms)` in time order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Speech {
    /// Detector frame length, ms.
    pub frame_ms: u32,
    /// One list per analysed channel.
    pub channels: Vec<Vec<[u64; 2]>>,
}

/// A [`FrameSink`] that finds speech in each channel.
pub struct SpeechDetector {
    lanes: Option<lanes::Lanes>,
    channels: usize,
    resampler: Option<ChunkResampler>,
    error: Option<String>,
}

impl std::fmt::Debug for SpeechDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpeechDetector").field("channels", &self.channels).finish_non_exhaustive()
    }
}

impl SpeechDetector {
    /// A detector for a stream of `channels` at `sample_rate` Hz, scoring on
    /// `threads` when given, else on the decoder's thread.
    pub fn new(channels: usize, sample_rate: u32, threads: Option<ScoringThreads>) -> Self {
        let channels = channels.clamp(1, MAX_LANES);
        let (resampler, mut error) = if sample_rate == VAD_RATE || sample_rate == 0 {
            (None, None)
        } else {
            match ChunkResampler::new(sample_rate, VAD_RATE, channels) {
                Ok(resampler) => (Some(resampler), None),
                Err(e) => (None, Some(e)),
            }
        };
        let lanes =
            lanes::Lanes::new(channels, threads).map_err(|e| error.get_or_insert(e).clone()).ok();
        Self { lanes, channels, resampler, error }
    }

    /// The segments found, once the stream has ended.
    pub fn finish(mut self) -> Result<Speech, String> {
        if let (Some(resampler), Some(lanes), None) =
            (self.resampler.as_mut(), self.lanes.as_mut(), self.error.as_ref())
        {
            let mut failed = None;
            let flushed = resampler.flush(&mut |views| {
                if let Err(e) = lanes.push(views) {
                    failed = Some(e);
                }
            });
            self.error = flushed.err().or(failed);
        }
        let lanes = match (self.error, self.lanes) {
            (None, Some(lanes)) => lanes,
            (error, _) => {
                let error = error.unwrap_or_else(|| "no detector".to_owned());
                return Err(format!("speech detection failed: {error}"));
            }
        };
        let channels = lanes.finish().map_err(|e| format!("speech detection failed: {e}"))?;
        Ok(Speech { frame_ms: FRAME_MS, channels })
    }
}

impl FrameSink for SpeechDetector {
    fn frames(&mut self, planes: &[&[f32]]) {
        let (Some(lanes), None) = (self.lanes.as_mut(), self.error.as_ref()) else { return };
        let Some(last) = planes.len().checked_sub(1) else { return };
        let views: Vec<&[f32]> =
            (0..self.channels).filter_map(|c| planes.get(c.min(last)).copied()).collect();
        let mut failed = None;
        let pushed = match self.resampler.as_mut() {
            None => lanes.push(&views),
            Some(resampler) => resampler.push(&views, &mut |out| {
                if let Err(e) = lanes.push(out) {
                    failed = Some(e);
                }
            }),
        };
        self.error = pushed.err().or(failed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_has_no_speech() {
        let mut detector = SpeechDetector::new(2, 8000, None);
        let silence = vec![0.0f32; 8000];
        for _ in 0..5 {
            detector.frames(&[&silence, &silence]);
        }
        let speech = detector.finish().unwrap_or_default();
        assert_eq!(speech.channels.len(), 2);
        assert!(speech.channels.iter().all(Vec::is_empty));
    }
}
