//! What a render of stored audio is: the spec a sandboxed `filmroom render`
//! child reads, and the renderer that runs it outside this process. The
//! plans that produce specs live with the calls area.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// WAV bytes as a render makes them.
pub type RenderStream =
    futures_util::stream::BoxStream<'static, Result<bytes::Bytes, std::io::Error>>;

/// Runs renders of stored audio outside this process: a hostile file may
/// make the decoder panic, hang or allocate without bound, which must cost
/// one request, never the server.
pub trait AudioRenderer: Send + Sync + std::fmt::Debug {
    /// Starts rendering `spec`; its WAV bytes as they are made. Dropping the
    /// stream stops the render.
    fn render(&self, spec: RenderSpec) -> RenderStream;
}

/// One stretch of one local recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderPart {
    /// The recording, as a local file.
    pub path: PathBuf,
    /// First frame, at the recording's rate.
    pub start_frame: u64,
    /// Frames to take, at the recording's rate.
    pub frames: u64,
    /// The recording's rate.
    pub sample_rate: u32,
}

/// What a sandboxed render makes: the job `filmroom render` reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RenderSpec {
    /// One stretch at its own rate and channels.
    Clip {
        /// The stretch.
        part: RenderPart,
        /// The recording's channels.
        channels: u16,
    },
    /// Stretches in order at one rate and channel count, with silence between.
    Reel {
        /// The stretches.
        parts: Vec<RenderPart>,
        /// Hz of the reel.
        sample_rate: u32,
        /// Channels of the reel.
        channels: u16,
        /// Silence between stretches, in frames.
        gap_frames: u64,
        /// Frames in the reel, as its header says.
        frames: u64,
    },
}
