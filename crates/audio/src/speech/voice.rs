//! The voice network and its ears: earshot's front end (pre-emphasis, a
//! 768-sample Hann window in a 1024-point spectrum, 40 mel bands and their
//! logarithms) computed with realfft, whose FFT picks AVX at run time, then
//! earshot's own network (`DefaultPredictor`) scores the bands of the last
//! three frames.
//!
//! earshot keeps its FFT, a small portable port about 2.5× slower than
//! realfft's, inside `Detector`; its `Predictor` is public, so only the
//! front end is rebuilt here, band for band the same as earshot 1.2.2
//! (`the_front_end_scores_as_earshot_does` holds them to each other).

use std::{collections::VecDeque, sync::Arc};

use earshot::Predictor;
use realfft::{RealToComplex, num_complex::Complex};

use super::VAD_FRAME;

const FFT_SIZE: usize = 1024;
/// Samples each spectrum looks at: this frame and the two before.
const WINDOW: usize = 768;
const BANDS: usize = 40;
/// Frames of bands the network sees at once.
const CONTEXT: usize = 3;
const PRE_EMPHASIS: f32 = 0.97;
/// earshot works at 16-bit scale: samples are scaled up by this before the
/// spectrum, and powers back down after it.
const SCALE: f32 = 32_768.0;
const POWER_SCALE: f32 = 1.0 / (SCALE * SCALE);
/// The mel bands' edges, in FFT bins: band `i` rises from edge `i` to a
/// peak at edge `i + 1` and falls to zero at edge `i + 2` (earshot's
/// filters, as triangles).
const MEL_EDGES: [usize; BANDS + 2] = [
    4, 7, 10, 13, 17, 21, 25, 29, 33, 38, 43, 48, 54, 60, 66, 73, 80, 87, 95, 103, 112, 122, 132,
    142, 153, 165, 178, 191, 205, 220, 236, 253, 270, 289, 309, 330, 353, 376, 402, 428, 456, 486,
];

/// The bands of one frame, normalised as the network expects them.
pub(super) type Bands = [f32; BANDS];

/// The front end of one channel: frames in, bands out. It keeps the last
/// frames' samples (a window spans three, and bands of frames passed over
/// can be asked for afterwards), so a channel's frames go through one front
/// end in order; it depends on no score, so it can run a step ahead of the
/// network, on another thread.
pub(super) struct FrontEnd {
    fft: Arc<dyn RealToComplex<f32>>,
    hann: Vec<f32>,
    /// The mel weights of each band, with the first bin they apply to.
    mel: Vec<(usize, Vec<f32>)>,
    /// The last [`KEPT_FRAMES`] frames, pre-emphasised, oldest first.
    kept: VecDeque<Vec<f32>>,
    previous_sample: f32,
    input: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    power: Vec<f32>,
    /// Only its `normalize`, which holds no state, is used here.
    normaliser: earshot::DefaultPredictor,
}

/// Frames whose bands can be asked for after they have passed.
pub(super) const REPLAY_FRAMES: usize = 32;
/// Frames a window spans.
const WINDOW_FRAMES: usize = WINDOW / VAD_FRAME;
const KEPT_FRAMES: usize = REPLAY_FRAMES + WINDOW_FRAMES;

fn to_f32(n: usize) -> f32 {
    f32::from(u16::try_from(n).unwrap_or(u16::MAX))
}

/// A periodic Hann window of `len` samples (at most a few thousand).
pub(super) fn hann(len: usize) -> Vec<f32> {
    (0..len).map(|i| 0.5 - 0.5 * (std::f32::consts::TAU * to_f32(i) / to_f32(len)).cos()).collect()
}

impl FrontEnd {
    pub(super) fn new() -> Self {
        let mut planner = realfft::RealFftPlanner::<f32>::new();
        let fft = planner.plan_fft_forward(FFT_SIZE);
        let hann = hann(WINDOW);
        let mel = MEL_EDGES
            .windows(3)
            .map(|edges| {
                let (start, peak, end) = match *edges {
                    [start, peak, end] => (start, peak, end),
                    _ => (0, 0, 0),
                };
                let rise = to_f32(peak - start);
                let fall = to_f32(end - peak);
                let weights = (start..end)
                    .map(|bin| match bin < peak {
                        true => to_f32(bin - start) / rise,
                        false => to_f32(end - bin) / fall,
                    })
                    .collect();
                (start, weights)
            })
            .collect();
        Self {
            input: fft.make_input_vec(),
            spectrum: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            power: vec![0.0; FFT_SIZE / 2 + 1],
            fft,
            hann,
            mel,
            kept: VecDeque::with_capacity(KEPT_FRAMES),
            previous_sample: 0.0,
            normaliser: earshot::DefaultPredictor::new(),
        }
    }

    /// Takes the next frame of [`VAD_FRAME`] samples in `[-1, 1]`.
    pub(super) fn hear(&mut self, frame: &[f32]) {
        let mut kept = match self.kept.len() == KEPT_FRAMES {
            true => self.kept.pop_front().unwrap_or_default(),
            false => Vec::with_capacity(VAD_FRAME),
        };
        kept.clear();
        for sample in frame {
            let sample = sample * SCALE;
            kept.push(sample - PRE_EMPHASIS * self.previous_sample);
            self.previous_sample = sample;
        }
        self.kept.push_back(kept);
    }

    /// The bands of the frame heard `back` frames before the newest (0: the
    /// newest; at most [`REPLAY_FRAMES`]).
    pub(super) fn bands_back(&mut self, back: usize) -> Bands {
        let newest = self.kept.len().checked_sub(1 + back);
        self.window_frames(newest);
        self.spectrum_bands()
    }

    /// Fills the FFT's input with the window ending at frame `newest` of
    /// the kept ones (oldest first; before the first frame, silence).
    fn window_frames(&mut self, newest: Option<usize>) {
        let mut slots = self.input.iter_mut().zip(&self.hann);
        for offset in (0..WINDOW_FRAMES).rev() {
            let frame = newest.and_then(|n| n.checked_sub(offset)).and_then(|i| self.kept.get(i));
            match frame {
                Some(frame) => {
                    for ((x, w), s) in slots.by_ref().take(VAD_FRAME).zip(frame) {
                        *x = s * w;
                    }
                }
                None => {
                    for (x, _) in slots.by_ref().take(VAD_FRAME) {
                        *x = 0.0;
                    }
                }
            }
        }
        for x in self.input.iter_mut().skip(WINDOW) {
            *x = 0.0;
        }
    }

    fn spectrum_bands(&mut self) -> Bands {
        let mut bands = [0.0; BANDS];
        if self
            .fft
            .process_with_scratch(&mut self.input, &mut self.spectrum, &mut self.scratch)
            .is_err()
        {
            return bands;
        }
        for (p, c) in self.power.iter_mut().zip(&self.spectrum) {
            *p = c.norm_sqr() * POWER_SCALE;
        }
        for (band, (start, weights)) in bands.iter_mut().zip(&self.mel) {
            let energy: f32 = self.power.iter().skip(*start).zip(weights).map(|(p, w)| p * w).sum();
            *band = (energy + 1e-20).ln();
        }
        self.normaliser.normalize(&mut bands);
        bands
    }

    /// Hears the next frame and gives its bands.
    #[cfg(test)]
    pub(super) fn bands(&mut self, frame: &[f32]) -> Bands {
        self.hear(frame);
        self.bands_back(0)
    }
}

/// earshot's network over one channel's bands: a score in `[0, 1]` per
/// frame (0.5 and over is a voice). It is recurrent, so a channel's frames
/// go through one network in order.
pub(super) struct Network {
    predictor: earshot::DefaultPredictor,
    /// The bands of the last [`CONTEXT`] frames, oldest first.
    context: Vec<f32>,
    /// The network's working memory.
    buffer: Vec<f32>,
}

impl Network {
    pub(super) fn new() -> Self {
        Self {
            predictor: earshot::DefaultPredictor::new(),
            context: vec![0.0; BANDS * CONTEXT],
            buffer: vec![0.0; FFT_SIZE + 2],
        }
    }

    /// The score of the next frame, from its bands.
    pub(super) fn score(&mut self, bands: &Bands) -> f32 {
        self.context.copy_within(BANDS.., 0);
        for (slot, band) in self.context.iter_mut().skip(BANDS * (CONTEXT - 1)).zip(bands) {
            *slot = *band;
        }
        self.predictor.predict(&self.context, &mut self.buffer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_front_end_scores_as_earshot_does() {
        let mut earshot = earshot::Detector::default_boxed();
        let mut front_end = FrontEnd::new();
        let mut network = Network::new();
        // A gliding voice-like tone in noise, with stretches of quiet.
        let mut seed: u32 = 7;
        let mut phase = 0.0f32;
        let mut worst = 0.0f32;
        let mut voiced = 0;
        for f in 0..600u16 {
            let frame: Vec<f32> = (0..VAD_FRAME)
                .map(|_| {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    let noise = f32::from(u16::try_from(seed >> 16).unwrap_or(0)) / 65_536.0 - 0.5;
                    phase += (130.0 + f32::from(f % 50)) / 16_000.0 * std::f32::consts::TAU;
                    let voice: f32 =
                        (1..8u8).map(|h| (phase * f32::from(h)).sin() / f32::from(h)).sum();
                    let on = if (f / 60) % 3 == 2 { 0.0 } else { 0.25 };
                    (voice * on + noise * 0.01).clamp(-1.0, 1.0)
                })
                .collect();
            let theirs = earshot.predict_f32(&frame);
            let mine = network.score(&front_end.bands(&frame));
            worst = worst.max((theirs - mine).abs());
            voiced += usize::from(mine >= 0.5);
        }
        assert!(worst < 0.02, "scores differ by up to {worst}");
        assert!((100..500).contains(&voiced), "{voiced} of 600 frames voiced");
    }
}
