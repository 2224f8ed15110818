//! Per-frame voice decisions into segments: a breath is not a turn, a click
//! is not speech, and the network's lag is taken off both edges.

use super::{END_LAG_FRAMES, FRAME_MS, MIN_PAUSE_MS, MIN_SPEECH_MS, START_LAG_FRAMES};

/// Turns per-frame voice decisions into segments as they stream past.
#[derive(Debug, Default)]
pub(super) struct Segmenter {
    /// The open segment: first and one-past-last voiced frame.
    open: Option<(u64, u64)>,
    pub(super) segments: Vec<[u64; 2]>,
}

impl Segmenter {
    pub(super) fn frame(&mut self, index: u64, voiced: bool) {
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

    pub(super) fn close(&mut self) {
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
}
