//! Decoding one stretch of a recording, sample-accurately, without decoding
//! from the start: seek a little before the stretch (so decoder state such as
//! the MP3 bit reservoir and MDCT overlap is rebuilt exactly), decode forward,
//! and keep only the frames inside it. Frame positions are on the same
//! timeline as [`crate::decode`]: encoder delay and padding removed.

use std::io::{Read, Seek};

use symphonia::core::{
    errors::Error,
    formats::{SeekMode, SeekTo},
    units::Time,
};

use crate::{AnalysisError, FrameSink, StreamShape, analysis::open};

/// Frames decoded and dropped before the stretch, to rebuild decoder state.
/// Covers the MP3 bit reservoir and filterbank history and the AAC/Vorbis
/// overlap with room to spare.
const PRE_ROLL_FRAMES: u64 = 16_384;

/// What a stretch decode delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RangeFacts {
    /// The stream's shape.
    pub shape: StreamShape,
    /// Frames delivered to the sink (fewer than asked when the recording ends first).
    pub frames: u64,
}

/// Sends frames `start .. start + count` of the recording to `sink`.
/// `make_sink` is called with the stream's shape before the first frame.
pub fn decode_range<R, S>(
    source: R,
    start: u64,
    count: u64,
    make_sink: impl FnOnce(StreamShape) -> S,
) -> Result<(RangeFacts, Option<S>), AnalysisError>
where
    R: Read + Seek + Send + Sync,
    S: FrameSink,
{
    let mut opened = open(source)?;
    let params =
        opened.track.codec_params.as_ref().and_then(|p| p.audio()).cloned().unwrap_or_default();
    let rate = params.sample_rate.unwrap_or_default();
    let skip = opened.edit.map_or(0, |e| e.skip_frames(rate));
    // Positions below are on the decoder's own timeline, which still holds any
    // MP4 priming; `skip` converts from and to the playable timeline.
    let target = start + skip;
    let end = target + count;
    let seek_frame = target.saturating_sub(PRE_ROLL_FRAMES);
    if seek_frame > 0 && rate > 0 {
        let nanos = i128::from(seek_frame) * 1_000_000_000 / i128::from(rate);
        let time = Time::try_from_nanos_i128(nanos);
        if let Some(time) = time {
            let to = SeekTo::Time { time, track_id: Some(opened.track.id) };
            // A reader that cannot seek is decoded from the start instead.
            if opened.format.seek(SeekMode::Accurate, to).is_ok() {
                opened.decoder.reset();
            }
        }
    }
    let time_base = opened.track.time_base;
    let to_frames = |ticks: i64| -> i64 {
        match time_base {
            Some(tb) if rate > 0 && !(tb.numer.get() == 1 && tb.denom.get() == rate) => {
                i64::try_from(
                    i128::from(ticks) * i128::from(tb.numer.get()) * i128::from(rate)
                        / i128::from(tb.denom.get()),
                )
                .unwrap_or(i64::MAX)
            }
            _ => ticks,
        }
    };

    let mut sink = None;
    let mut make_sink = Some(make_sink);
    let mut shape = None;
    let mut planes: Vec<Vec<f32>> = Vec::new();
    let mut delivered = 0u64;
    while delivered < count {
        let packet = match opened.format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) | Err(Error::ResetRequired | Error::IoError(_)) => break,
            Err(e) => {
                return Err(AnalysisError::new(
                    "no_audio",
                    format!("reading the recording failed: {e}"),
                ));
            }
        };
        if packet.track_id != opened.track.id {
            continue;
        }
        let first = to_frames(
            packet.pts.get().saturating_add(i64::try_from(packet.trim_start.get()).unwrap_or(0)),
        );
        let buffer = match opened.decoder.decode(&packet) {
            Ok(buffer) => buffer,
            Err(Error::DecodeError(_) | Error::IoError(_)) => continue,
            Err(e) => {
                return Err(AnalysisError::new(
                    "unsupported_codec",
                    format!("decoding failed: {e}"),
                ));
            }
        };
        let n = i64::try_from(buffer.frames()).unwrap_or(i64::MAX);
        let (target_at, end_at) =
            (i64::try_from(target).unwrap_or(i64::MAX), i64::try_from(end).unwrap_or(i64::MAX));
        if n == 0 || first.saturating_add(n) <= target_at {
            continue;
        }
        if first >= end_at {
            break;
        }
        if shape.is_none() {
            let current =
                StreamShape { sample_rate: buffer.spec().rate(), channels: buffer.num_planes() };
            shape = Some(current);
            sink = make_sink.take().map(|make| make(current));
        }
        buffer.copy_to_vecs_planar::<f32>(&mut planes);
        let from = usize::try_from(target_at.saturating_sub(first).max(0)).unwrap_or(0);
        let to = usize::try_from(end_at.saturating_sub(first).min(n)).unwrap_or(0);
        if from >= to {
            continue;
        }
        if let Some(sink) = sink.as_mut() {
            let views: Vec<&[f32]> = planes.iter().map(|p| crate::frames_of(p, from, to)).collect();
            sink.frames(&views);
        }
        delivered += (to - from) as u64;
    }
    let shape = shape.unwrap_or(StreamShape {
        sample_rate: rate,
        channels: params.channels.as_ref().map_or(1, |c| c.count()),
    });
    Ok((RangeFacts { shape, frames: delivered }, sink))
}
