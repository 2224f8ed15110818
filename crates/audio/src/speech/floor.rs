//! A channel's noise floor, and whether a frame stands above it.
//!
//! The network was trained on clean-ish speech: on a phone line with noise
//! 20 dB under the voice it calls the noise itself a voice, and a whole
//! channel becomes one segment. A voice stands above the line's noise; the
//! floor is the quietest the channel has been lately (the pauses between
//! words bring it down even in a long monologue), and a frame counts as
//! speech only if it is loud enough over it.

use std::collections::VecDeque;

use super::END_LAG_FRAMES;

/// How far above the noise floor a frame must be to be speech, as a ratio
/// of energies. Tuned on the accuracy benchmark's tune set
/// (`scripts/bench-speech-accuracy.py --set tune`).
pub(super) const ABOVE_FLOOR: f32 = 2.0;
/// Frames in each stretch whose quietest frame is kept (0.256 s).
const STRETCH_FRAMES: usize = 16;
/// Stretches the floor looks back over (about 1.5 s with the current one).
const STRETCHES: usize = 6;
/// Energies under this are digital silence: never speech, never the floor.
const SILENCE: f32 = 1e-10;

/// The quietest frame energy over the last second and a half.
#[derive(Debug)]
pub(super) struct NoiseFloor {
    /// The quietest frame of each finished stretch, oldest first.
    stretches: VecDeque<f32>,
    /// The quietest frame of the current stretch.
    current: f32,
    frames_in_current: usize,
}

impl NoiseFloor {
    pub(super) fn new() -> Self {
        Self {
            stretches: VecDeque::with_capacity(STRETCHES),
            current: f32::INFINITY,
            frames_in_current: 0,
        }
    }

    /// Hears a frame; whether it stands above the floor (the floor
    /// including this frame, so the first frames of a recording, like a
    /// recording of one held sound, count as noise until something quieter
    /// has been heard).
    pub(super) fn stands_out(&mut self, frame: &[f32]) -> bool {
        let sum: f32 = frame.iter().map(|s| s * s).sum();
        let count = f32::from(u16::try_from(frame.len()).unwrap_or(u16::MAX)).max(1.0);
        let energy = sum / count;
        // Digital silence (before a call connects, on hold, muted) is no
        // floor: were it one, the line's noise after it would stand out.
        if energy >= SILENCE {
            self.current = self.current.min(energy);
        }
        self.frames_in_current += 1;
        let floor = self.stretches.iter().fold(self.current, |floor, m| floor.min(*m));
        if self.frames_in_current == STRETCH_FRAMES {
            if self.stretches.len() == STRETCHES {
                self.stretches.pop_front();
            }
            self.stretches.push_back(self.current);
            self.current = f32::INFINITY;
            self.frames_in_current = 0;
        }
        energy > floor * ABOVE_FLOOR
    }
}

/// Whether a frame is worth the network's hearing: it, or one of the
/// [`END_LAG_FRAMES`] before it, stood above the noise floor. The network's
/// scores trail a voice by that lag, which the segments take off their
/// ends, so the gate stays open as long and a segment ends where the
/// network says.
#[derive(Debug)]
pub(super) struct Gate {
    floor: NoiseFloor,
    /// Frames since one stood above the noise floor.
    quiet_frames: u64,
}

impl Gate {
    pub(super) fn new() -> Self {
        Self { floor: NoiseFloor::new(), quiet_frames: u64::MAX }
    }

    /// Hears a frame; whether the gate is open for it.
    pub(super) fn is_open(&mut self, frame: &[f32]) -> bool {
        self.quiet_frames = match self.floor.stands_out(frame) {
            true => 0,
            false => self.quiet_frames.saturating_add(1),
        };
        self.quiet_frames <= END_LAG_FRAMES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_not_above_its_own_floor_and_a_voice_over_it_is() {
        let mut floor = NoiseFloor::new();
        let noise = |n: usize| -> Vec<f32> {
            (0..256).map(|i| if (i * 7 + n).is_multiple_of(2) { 0.01 } else { -0.01 }).collect()
        };
        for n in 0..200 {
            assert!(!floor.stands_out(&noise(n)), "noise frame {n}");
        }
        let voice: Vec<f32> = noise(0).iter().map(|s| s * 10.0).collect();
        assert!(floor.stands_out(&voice));
        // Digital silence is not the floor: line noise after it does not
        // stand out, a voice over that noise does.
        let mut after_silence = NoiseFloor::new();
        for _ in 0..50 {
            assert!(!after_silence.stands_out(&[0.0; 256]));
        }
        for n in 0..50 {
            assert!(!after_silence.stands_out(&noise(n)), "noise frame {n} after silence");
        }
        assert!(after_silence.stands_out(&voice));
    }
}
