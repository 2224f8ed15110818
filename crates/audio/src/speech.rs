//! Who spoke when: voice activity per channel, found in the same decoding
//! pass as the peaks.
//!
//! Each channel (the first two; dialers put the rep on one and the customer
//! on the other) is resampled to 16 kHz with rubato's FFT resampler and
//! scored in 16 ms frames by earshot's voice-activity network. Frames scoring
//! [`VOICE_THRESHOLD`] or more are speech, unless their spectrum holds as
//! still as a tone's ([`STEADY_SIMILARITY`]): the network hears dial tones,
//! ringback, DTMF and hold music as voices. Runs of speech separated by less
//! than [`MIN_PAUSE_MS`] are one segment (a breath is not a turn), its edges
//! are moved by the network's measured lag ([`START_LAG_FRAMES`],
//! [`END_LAG_FRAMES`]), and a segment shorter than [`MIN_SPEECH_MS`] is
//! dropped (a click or a cough is not speech). Only segments are kept, so memory does not grow with the
//! call's length beyond them.

use serde::{Deserialize, Serialize};

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

/// Turns per-frame voice decisions into segments as they stream past.
#[derive(Debug, Default)]
struct Segmenter {
    /// The open segment: first and one-past-last voiced frame.
    open: Option<(u64, u64)>,
    segments: Vec<[u64; 2]>,
}

impl Segmenter {
    fn frame(&mut self, index: u64, voiced: bool) {
        if !voiced {
            return;
        }
        let max_gap = u64::from(MIN_PAUSE_MS / FRAME_MS);
        // The pause as it really was: the lag moved both of its edges.
        let pause = |end: u64| {
            index
                .saturating_sub(end)
                .saturating_add(END_LAG_FRAMES.saturating_sub(START_LAG_FRAMES))
        };
        match self.open {
            Some((start, end)) if pause(end) < max_gap => {
                self.open = Some((start, index + 1));
            }
            _ => {
                self.close();
                self.open = Some((index, index + 1));
            }
        }
    }

    fn close(&mut self) {
        if let Some((start, end)) = self.open.take() {
            let ms = |frames: u64| frames.saturating_mul(u64::from(FRAME_MS));
            // The network's scores trail the voice: move the edges to where
            // the voice really starts and stops.
            let end = end.saturating_sub(END_LAG_FRAMES).max(start + 1);
            let start = start.saturating_sub(START_LAG_FRAMES);
            if ms(end - start) >= u64::from(MIN_SPEECH_MS) {
                self.segments.push([ms(start), ms(end)]);
            }
        }
    }
}

/// A frame whose spectrum is at least this alike (cosine) to one a few
/// frames before is a steady sound (a dial tone, ringback, DTMF, a held
/// note), not a voice. Measured on the fixtures' speech and on tones they
/// do not hold: tones 0.99 to 1.0; voiced speech 0.66 at the median, 0.97
/// at the 99th percentile.
pub const STEADY_SIMILARITY: f32 = 0.985;

/// How a spectrum is compared with earlier ones.
#[derive(Debug, Clone, Copy)]
struct SteadyScale {
    /// Samples each spectrum is taken over.
    window: usize,
    /// Frames back compared with, the nearest first.
    lags: (usize, usize),
}

/// The frame's own 16 ms against 32 to 64 ms before: a tone is caught
/// within a few frames of starting (a DTMF digit, a note of hold music).
const SHORT: SteadyScale = SteadyScale { window: VAD_FRAME, lags: (2, 4) };
/// 64 ms against the 64 ms before: long enough to tell 440 from 480 Hz, so
/// ringback's 40 Hz beat, which moves every short spectrum, does not.
const LONG: SteadyScale = SteadyScale { window: 4 * VAD_FRAME, lags: (4, 4) };

/// Tells a steady sound from a voice: a voice's spectrum keeps moving (its
/// pitch and formants glide), a tone's stays the same frame after frame.
struct Steadiness {
    fft: std::sync::Arc<dyn realfft::RealToComplex<f32>>,
    window: Vec<f32>,
    input: Vec<f32>,
    spectrum: Vec<realfft::num_complex::Complex<f32>>,
    /// The last `scale.window` samples, oldest first.
    recent: Vec<f32>,
    scale: SteadyScale,
    /// Magnitude spectra of the last frames (each with its norm), oldest first.
    history: std::collections::VecDeque<(Vec<f32>, f32)>,
}

impl Steadiness {
    fn new(scale: SteadyScale) -> Self {
        let mut planner = realfft::RealFftPlanner::<f32>::new();
        let fft = planner.plan_fft_forward(scale.window);
        // A Hann window; the windows are at most a few thousand samples.
        let exact = |n: usize| f32::from(u16::try_from(n).unwrap_or(u16::MAX));
        let window = (0..scale.window)
            .map(|i| {
                let phase = std::f32::consts::TAU * exact(i) / exact(scale.window);
                0.5 - 0.5 * phase.cos()
            })
            .collect();
        Self {
            input: fft.make_input_vec(),
            spectrum: fft.make_output_vec(),
            fft,
            window,
            recent: vec![0.0; scale.window],
            history: std::collections::VecDeque::with_capacity(scale.lags.1 + 1),
            scale,
        }
    }

    /// Whether the sound up to this frame (of [`VAD_FRAME`] samples) is
    /// the sound of a few frames before. Every frame passes through, so the
    /// history stays in step; only when `asked` is its spectrum taken (a
    /// frame nobody asks about is unlike every other).
    fn is_steady(&mut self, frame: &[f32], asked: bool) -> bool {
        self.recent.drain(..frame.len().min(self.scale.window));
        self.recent.extend_from_slice(frame);
        let mut magnitude = match self.history.len() > self.scale.lags.1 {
            // The oldest spectrum's buffer is reused for the newest.
            true => self.history.pop_front().map(|(m, _)| m).unwrap_or_default(),
            false => Vec::with_capacity(self.spectrum.len()),
        };
        magnitude.clear();
        if !asked {
            self.history.push_back((magnitude, 0.0));
            return false;
        }
        for ((x, w), s) in self.input.iter_mut().zip(&self.window).zip(&self.recent) {
            *x = w * s;
        }
        if self.fft.process(&mut self.input, &mut self.spectrum).is_ok() {
            // DC left out: an offset is not a tone.
            // `norm()` is `hypot`, several times slower than this square
            // root, and nothing here is near overflow.
            magnitude.extend(self.spectrum.iter().skip(1).map(|c| c.norm_sqr().sqrt()));
        }
        let norm = magnitude.iter().map(|m| m * m).sum::<f32>().sqrt();
        let newest = self.history.len();
        let steady = norm > f32::EPSILON
            && (self.scale.lags.0..=self.scale.lags.1).any(|lag| {
                newest.checked_sub(lag).and_then(|i| self.history.get(i)).is_some_and(
                    |(old, old_norm)| {
                        let dot: f32 = old.iter().zip(&magnitude).map(|(a, b)| a * b).sum();
                        *old_norm > f32::EPSILON && dot / (old_norm * norm) >= STEADY_SIMILARITY
                    },
                )
            });
        self.history.push_back((magnitude, norm));
        steady
    }
}

/// One channel's detector and the samples waiting for a full frame.
struct Lane {
    detector: Box<earshot::Detector<earshot::DefaultPredictor>>,
    steady_short: Steadiness,
    steady_long: Steadiness,
    frame: Vec<f32>,
    frames: u64,
    segmenter: Segmenter,
}

impl Lane {
    fn new() -> Self {
        Self {
            detector: earshot::Detector::default_boxed(),
            steady_short: Steadiness::new(SHORT),
            steady_long: Steadiness::new(LONG),
            frame: Vec::with_capacity(VAD_FRAME),
            frames: 0,
            segmenter: Segmenter::default(),
        }
    }

    fn push(&mut self, samples: &[f32]) {
        for sample in samples {
            self.frame.push(sample.clamp(-1.0, 1.0));
            if self.frame.len() == VAD_FRAME {
                // The network hears a tone as a voice; a voice never holds
                // that still. Spectra are taken only for frames the network
                // calls voiced: silence costs nothing more.
                let voiced = self.detector.predict_f32(&self.frame) >= VOICE_THRESHOLD;
                let short = self.steady_short.is_steady(&self.frame, voiced);
                let long = self.steady_long.is_steady(&self.frame, voiced);
                self.segmenter.frame(self.frames, voiced && !short && !long);
                self.frames += 1;
                self.frame.clear();
            }
        }
    }
}

/// A [`FrameSink`] that finds speech in each channel.
pub struct SpeechDetector {
    lanes: Vec<Lane>,
    resampler: Option<ChunkResampler>,
    error: Option<String>,
}

impl std::fmt::Debug for SpeechDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpeechDetector").field("lanes", &self.lanes.len()).finish_non_exhaustive()
    }
}

fn feed(lanes: &mut [Lane], planes: &[&[f32]]) {
    for (lane, plane) in lanes.iter_mut().zip(planes) {
        lane.push(plane);
    }
}

impl SpeechDetector {
    /// A detector for a stream of `channels` at `sample_rate` Hz.
    pub fn new(channels: usize, sample_rate: u32) -> Self {
        let lanes = channels.clamp(1, MAX_LANES);
        let (resampler, error) = if sample_rate == VAD_RATE || sample_rate == 0 {
            (None, None)
        } else {
            match ChunkResampler::new(sample_rate, VAD_RATE, lanes) {
                Ok(resampler) => (Some(resampler), None),
                Err(e) => (None, Some(e)),
            }
        };
        Self { lanes: (0..lanes).map(|_| Lane::new()).collect(), resampler, error }
    }

    /// The segments found, once the stream has ended.
    pub fn finish(mut self) -> Result<Speech, String> {
        if let Some(resampler) = self.resampler.as_mut()
            && self.error.is_none()
        {
            let lanes = &mut self.lanes;
            if let Err(e) = resampler.flush(&mut |views| feed(lanes, views)) {
                self.error = Some(e);
            }
        }
        if let Some(error) = self.error {
            return Err(format!("speech detection failed: {error}"));
        }
        Ok(Speech {
            frame_ms: FRAME_MS,
            channels: self
                .lanes
                .into_iter()
                .map(|mut lane| {
                    lane.segmenter.close();
                    lane.segmenter.segments
                })
                .collect(),
        })
    }
}

impl FrameSink for SpeechDetector {
    fn frames(&mut self, planes: &[&[f32]]) {
        if self.error.is_some() || planes.is_empty() {
            return;
        }
        let last = planes.len() - 1;
        let views: Vec<&[f32]> =
            (0..self.lanes.len()).filter_map(|c| planes.get(c.min(last)).copied()).collect();
        let lanes = &mut self.lanes;
        match self.resampler.as_mut() {
            None => feed(lanes, &views),
            Some(resampler) => {
                if let Err(e) = resampler.push(&views, &mut |out| feed(lanes, out)) {
                    self.error = Some(e);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments(voiced: &[bool]) -> Vec<[u64; 2]> {
        let mut s = Segmenter::default();
        for (i, v) in voiced.iter().enumerate() {
            s.frame(i as u64, *v);
        }
        s.close();
        s.segments
    }

    #[test]
    fn short_pauses_join_and_short_bursts_drop() {
        // 20 voiced frames (320 ms), a 10-frame (160 ms) pause, 20 more: one segment.
        let mut v = vec![true; 20];
        v.extend([false; 10]);
        v.extend([true; 20]);
        // Ends move back 6 frames for the network's lag.
        assert_eq!(segments(&v), vec![[0, (50 - 6) * 16]]);
        // A 30-frame pause (544 ms once the lag is taken off) splits them;
        // starts move forward 2 frames.
        let mut v = vec![true; 20];
        v.extend([false; 30]);
        v.extend([true; 20]);
        assert_eq!(segments(&v), vec![[0, (20 - 6) * 16], [(50 - 2) * 16, (70 - 6) * 16]]);
        // A 15-frame pause reads as 19 frames (304 ms) and splits them too.
        let mut v = vec![true; 20];
        v.extend([false; 15]);
        v.extend([true; 20]);
        assert_eq!(segments(&v).len(), 2);
        // 5 frames (80 ms) alone are a click.
        let mut v = vec![false; 10];
        v.extend([true; 5]);
        v.extend([false; 40]);
        assert!(segments(&v).is_empty());
    }

    #[test]
    fn silence_has_no_speech() {
        let mut detector = SpeechDetector::new(2, 8000);
        let silence = vec![0.0f32; 8000];
        for _ in 0..5 {
            detector.frames(&[&silence, &silence]);
        }
        let speech = detector.finish().unwrap_or_default();
        assert_eq!(speech.channels.len(), 2);
        assert!(speech.channels.iter().all(Vec::is_empty));
    }
}
