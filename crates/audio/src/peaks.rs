//! Waveform peaks in the BBC audiowaveform JSON format (version 2), which
//! peaks.js and wavesurfer.js read as they are: for each pixel, for each
//! channel, the minimum and maximum sample of `samples_per_pixel` frames.

use serde::{Deserialize, Serialize};

use crate::FrameSink;

/// Frames per pixel at the stored (finest) resolution.
pub const SAMPLES_PER_PIXEL: u32 = 256;

/// Waveform peaks as audiowaveform writes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Peaks {
    /// Format version; always 2.
    pub version: u32,
    /// Channel count.
    pub channels: u32,
    /// Sample rate of the source, Hz.
    pub sample_rate: u32,
    /// Frames summarised by each pixel.
    pub samples_per_pixel: u32,
    /// Bits per value: 8 (values in -128..=127).
    pub bits: u32,
    /// Pixels.
    pub length: u64,
    /// `min, max` per channel per pixel, interleaved.
    pub data: Vec<i8>,
}

impl Peaks {
    /// The same waveform with `samples_per_pixel` frames per pixel, which must
    /// be a multiple of the current resolution.
    pub fn coarser(&self, samples_per_pixel: u32) -> Result<Self, String> {
        if samples_per_pixel == 0
            || !samples_per_pixel.is_multiple_of(self.samples_per_pixel)
            || samples_per_pixel > self.samples_per_pixel * 1_000_000
        {
            return Err(format!(
                "must be a positive multiple of {} (the stored resolution)",
                self.samples_per_pixel
            ));
        }
        let factor = (samples_per_pixel / self.samples_per_pixel) as usize;
        let stride = 2 * self.channels as usize;
        let mut data = Vec::with_capacity(self.data.len() / factor + stride);
        for group in self.data.chunks(stride * factor) {
            let mut extremes = vec![(i8::MAX, i8::MIN); self.channels as usize];
            for pixel in group.chunks_exact(stride) {
                for (pair, (min, max)) in pixel.chunks_exact(2).zip(&mut extremes) {
                    if let [lo, hi] = *pair {
                        *min = (*min).min(lo);
                        *max = (*max).max(hi);
                    }
                }
            }
            data.extend(extremes.into_iter().flat_map(|(min, max)| [min, max]));
        }
        Ok(Self {
            samples_per_pixel,
            length: (data.len() / stride.max(1)) as u64,
            data,
            ..self.clone()
        })
    }
}

/// Builds [`Peaks`] as decoded frames stream past.
#[derive(Debug)]
pub struct PeaksBuilder {
    sample_rate: u32,
    samples_per_pixel: usize,
    in_pixel: usize,
    min: Vec<f32>,
    max: Vec<f32>,
    data: Vec<i8>,
}

impl PeaksBuilder {
    /// Starts an empty waveform.
    pub fn new(channels: usize, sample_rate: u32, samples_per_pixel: u32) -> Self {
        Self {
            sample_rate,
            samples_per_pixel: samples_per_pixel.max(1) as usize,
            in_pixel: 0,
            min: vec![f32::INFINITY; channels],
            max: vec![f32::NEG_INFINITY; channels],
            data: Vec::new(),
        }
    }

    fn flush(&mut self) {
        for (min, max) in self.min.iter_mut().zip(self.max.iter_mut()) {
            self.data.extend([quantise(*min), quantise(*max)]);
            *min = f32::INFINITY;
            *max = f32::NEG_INFINITY;
        }
        self.in_pixel = 0;
    }

    /// The finished waveform; a last partial pixel is kept.
    pub fn finish(mut self) -> Peaks {
        if self.in_pixel > 0 {
            self.flush();
        }
        let channels = self.min.len();
        Peaks {
            version: 2,
            channels: u32::try_from(channels).unwrap_or(u32::MAX),
            sample_rate: self.sample_rate,
            samples_per_pixel: u32::try_from(self.samples_per_pixel).unwrap_or(u32::MAX),
            bits: 8,
            length: (self.data.len() / (2 * channels).max(1)) as u64,
            data: self.data,
        }
    }
}

impl FrameSink for PeaksBuilder {
    fn frames(&mut self, planes: &[&[f32]]) {
        let frames = planes.first().map_or(0, |p| p.len());
        let mut start = 0;
        while start < frames {
            let take = (self.samples_per_pixel - self.in_pixel).min(frames - start);
            for ((plane, min), max) in planes.iter().zip(&mut self.min).zip(&mut self.max) {
                let (lo, hi) = min_max(crate::frames_of(plane, start, start + take));
                *min = if lo < *min { lo } else { *min };
                *max = if hi > *max { hi } else { *max };
            }
            self.in_pixel += take;
            start += take;
            if self.in_pixel == self.samples_per_pixel {
                self.flush();
            }
        }
    }
}

/// Minimum and maximum of a run of samples, written as plain comparisons over
/// eight lanes so the compiler turns them into SIMD min/max instructions
/// (`f32::min` handles NaN specially and does not vectorise).
fn min_max(samples: &[f32]) -> (f32, f32) {
    let mut lo = [f32::INFINITY; 8];
    let mut hi = [f32::NEG_INFINITY; 8];
    let mut chunks = samples.chunks_exact(8);
    for chunk in &mut chunks {
        for ((&s, lo), hi) in chunk.iter().zip(&mut lo).zip(&mut hi) {
            *lo = if s < *lo { s } else { *lo };
            *hi = if s > *hi { s } else { *hi };
        }
    }
    let mut min = lo.iter().fold(f32::INFINITY, |a, &b| if b < a { b } else { a });
    let mut max = hi.iter().fold(f32::NEG_INFINITY, |a, &b| if b > a { b } else { a });
    for &s in chunks.remainder() {
        min = if s < min { s } else { min };
        max = if s > max { s } else { max };
    }
    (min, max)
}

#[expect(clippy::cast_possible_truncation, reason = "clamped to i8's range first")]
fn quantise(sample: f32) -> i8 {
    if !sample.is_finite() {
        return 0;
    }
    (sample * 128.0).round().clamp(-128.0, 127.0) as i8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peaks_hold_min_and_max_per_channel_per_pixel() {
        let mut builder = PeaksBuilder::new(2, 8000, 4);
        let left = [0.0, 0.5, -0.5, 0.25, 1.0, -1.0];
        let right = [0.0; 6];
        builder.frames(&[&left[..3], &right[..3]]);
        builder.frames(&[&left[3..], &right[3..]]);
        let peaks = builder.finish();
        assert_eq!(peaks.length, 2);
        assert_eq!(peaks.data, vec![-64, 64, 0, 0, -128, 127, 0, 0]);
    }

    #[test]
    fn a_coarser_level_merges_whole_groups_of_pixels() -> Result<(), String> {
        let peaks = Peaks {
            version: 2,
            channels: 1,
            sample_rate: 8000,
            samples_per_pixel: 256,
            bits: 8,
            length: 3,
            data: vec![-1, 1, -5, 2, -2, 9],
        };
        let coarse = peaks.coarser(512)?;
        assert_eq!((coarse.length, coarse.data.clone()), (2, vec![-5, 2, -2, 9]));
        assert!(peaks.coarser(300).is_err());
        assert!(peaks.coarser(0).is_err());
        Ok(())
    }
}
