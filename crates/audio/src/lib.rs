//! Pure audio work for filmroom: recognising containers, decoding once with
//! symphonia and deriving everything in that pass (duration, format facts,
//! waveform peaks). Input comes only through `Read + Seek`; this crate does no
//! other I/O, so it can be fuzzed and run inside a sandboxed child process.

mod analysis;
mod mp4;
pub mod peaks;
mod range;
pub mod reel;
pub mod render;
mod resample;
mod riff;
pub mod sniff;
pub mod speech;
pub mod wav;

pub use analysis::{
    AnalysisError, AudioFacts, FrameSink, StreamShape, analyze, analyze_with,
    analyze_without_speech, decode,
};
pub use peaks::{Peaks, PeaksBuilder, SAMPLES_PER_PIXEL};
pub use range::{RangeFacts, decode_range};
pub use sniff::{Container, NotAudio, SNIFF_LEN, sniff};
pub use speech::{ScoringThreads, Speech, SpeechDetector};

/// Frames `from..to` of one decoded plane, or none when the range is not
/// inside it: decoders report frame counts that a hostile file can make lie.
pub(crate) fn frames_of(plane: &[f32], from: usize, to: usize) -> &[f32] {
    plane.get(from..to).unwrap_or_default()
}

/// A count that fits a `usize` on every platform we build for, saturating
/// instead of wrapping where it would not.
pub(crate) fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}
