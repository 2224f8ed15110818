//! Pure audio work for filmroom: recognising containers, decoding once with
//! symphonia and deriving everything in that pass (duration, format facts,
//! waveform peaks). Input comes only through `Read + Seek`; this crate does no
//! other I/O, so it can be fuzzed and run inside a sandboxed child process.

mod analysis;
mod mp4;
pub mod peaks;
mod range;
pub mod reel;
pub mod sniff;
pub mod wav;

pub use analysis::{AnalysisError, AudioFacts, FrameSink, StreamShape, analyze, decode};
pub use peaks::{Peaks, PeaksBuilder, SAMPLES_PER_PIXEL};
pub use range::{RangeFacts, decode_range};
pub use sniff::{Container, NotAudio, SNIFF_LEN, sniff};
