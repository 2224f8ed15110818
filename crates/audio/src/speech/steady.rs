//! Telling a steady sound (a dial tone, ringback, DTMF, hold music) from a
//! voice, which the network hears alike.

use super::VAD_FRAME;

/// A frame whose spectrum is at least this alike (cosine) to one a few
/// frames before is a steady sound (a dial tone, ringback, DTMF, a held
/// note), not a voice. Measured on the fixtures' speech and on tones they
/// do not hold: tones 0.99 to 1.0; voiced speech 0.66 at the median, 0.97
/// at the 99th percentile.
pub const STEADY_SIMILARITY: f32 = 0.985;

/// How a spectrum is compared with earlier ones.
#[derive(Debug, Clone, Copy)]
pub(super) struct SteadyScale {
    /// Samples each spectrum is taken over.
    window: usize,
    /// Frames back compared with, the nearest first.
    lags: (usize, usize),
}

/// The frame's own 16 ms against 32 to 64 ms before: a tone is caught
/// within a few frames of starting (a DTMF digit, a note of hold music).
pub(super) const SHORT: SteadyScale = SteadyScale { window: VAD_FRAME, lags: (2, 4) };
/// 64 ms against the 64 ms before: long enough to tell 440 from 480 Hz, so
/// ringback's 40 Hz beat, which moves every short spectrum, does not.
pub(super) const LONG: SteadyScale = SteadyScale { window: 4 * VAD_FRAME, lags: (4, 4) };

/// Tells a steady sound from a voice: a voice's spectrum keeps moving (its
/// pitch and formants glide), a tone's stays the same frame after frame.
pub(super) struct Steadiness {
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
    pub(super) fn new(scale: SteadyScale) -> Self {
        let mut planner = realfft::RealFftPlanner::<f32>::new();
        let fft = planner.plan_fft_forward(scale.window);
        let window = super::voice::hann(scale.window);
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
    pub(super) fn is_steady(&mut self, frame: &[f32], asked: bool) -> bool {
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
