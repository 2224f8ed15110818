//! One decoding pass over a recording with symphonia, feeding every decoded
//! frame to a [`FrameSink`] and collecting the facts on the way.
//!
//! The pass decodes each packet once. Further per-channel analyses (speech
//! metrics, loudness) plug in as more sinks, combined as a tuple, without a
//! second decode.

use std::io::{Read, Seek, SeekFrom};

use serde::{Deserialize, Serialize};
use symphonia::core::{
    codecs::audio::{AudioCodecId, AudioDecoderOptions, well_known::*},
    errors::Error,
    formats::{FormatOptions, TrackType, probe::Hint},
    io::{MediaSource, MediaSourceStream, MediaSourceStreamOptions},
    meta::MetadataOptions,
};

use crate::{
    mp4,
    peaks::{Peaks, PeaksBuilder, SAMPLES_PER_PIXEL},
    speech::{ScoringThreads, Speech, SpeechDetector},
};

/// Receives decoded audio as it streams past, one packet at a time.
pub trait FrameSink {
    /// `planes[c]` holds channel `c`'s samples in -1.0..=1.0; all planes have
    /// the same length.
    fn frames(&mut self, planes: &[&[f32]]);
}

impl<A: FrameSink, B: FrameSink> FrameSink for (A, B) {
    fn frames(&mut self, planes: &[&[f32]]) {
        self.0.frames(planes);
        self.1.frames(planes);
    }
}

/// The shape of the decoded stream, known once the first packet decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamShape {
    /// Hz.
    pub sample_rate: u32,
    /// Channel count.
    pub channels: usize,
}

/// What one decoding pass found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudioFacts {
    /// The container, as symphonia names it (`wave`, `mp3`, `flac`, `ogg`, `isomp4`, `aac`).
    pub container: String,
    /// The codec (`pcm_s16le`, `pcm_mulaw`, `mp3`, `flac`, `vorbis`, `aac`, …).
    pub codec: String,
    /// Hz.
    pub sample_rate: u32,
    /// Channel count.
    pub channels: u32,
    /// Bits per sample of the source, when the codec has one.
    pub bits_per_sample: Option<u32>,
    /// Decoded frames (samples per channel), encoder priming and padding removed.
    pub frames: u64,
    /// `frames` as milliseconds.
    pub duration_ms: u64,
    /// Packets that failed to decode and were skipped.
    pub decode_errors: u64,
    /// Whether the data ended before the container said it would.
    pub truncated: bool,
}

/// Why a recording cannot be analysed. These are verdicts on the file, not
/// passing failures: trying again gives the same answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AnalysisError {
    /// `unsupported_format`, `unsupported_codec` or `no_audio`.
    pub code: String,
    /// What was found, for people.
    pub message: String,
}

impl AnalysisError {
    pub(crate) fn new(code: &str, message: impl Into<String>) -> Self {
        Self { code: code.to_owned(), message: message.into() }
    }
}

/// Gives symphonia any `Read + Seek`, with a WAV header's placeholder sizes
/// presented as what the file holds (see `riff`).
struct Source<R> {
    inner: R,
    len: Option<u64>,
    position: u64,
    patches: Vec<crate::riff::Patch>,
}

impl<R: Read> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(read) = buf.get_mut(..n) {
            crate::riff::apply(&self.patches, self.position, read);
        }
        self.position = self.position.saturating_add(n as u64);
        Ok(n)
    }
}

impl<R: Seek> Seek for Source<R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.position = self.inner.seek(pos)?;
        Ok(self.position)
    }
}

impl<R: Read + Seek + Send + Sync> MediaSource for Source<R> {
    fn is_seekable(&self) -> bool {
        true
    }

    fn byte_len(&self) -> Option<u64> {
        self.len
    }
}

/// Names a codec, including the ones this build cannot decode.
fn codec_name(id: AudioCodecId) -> String {
    if let Some(registered) = symphonia::default::get_codecs().get_audio_decoder(id) {
        return registered.codec.info.short_name.to_owned();
    }
    let name = match id {
        CODEC_ID_OPUS => "opus",
        CODEC_ID_ALAC => "alac",
        CODEC_ID_AC3 => "ac3",
        CODEC_ID_EAC3 => "eac3",
        CODEC_ID_MP1 => "mp1",
        CODEC_ID_MP2 => "mp2",
        CODEC_ID_SPEEX => "speex",
        CODEC_ID_WAVPACK => "wavpack",
        CODEC_ID_ADPCM_MS => "adpcm_ms",
        CODEC_ID_ADPCM_IMA_WAV => "adpcm_ima_wav",
        CODEC_ID_DCA => "dts",
        other => return format!("codec {other}"),
    };
    name.to_owned()
}

/// A probed recording with its decoder, ready to read packets.
pub(crate) struct Opened<'s> {
    pub(crate) format: Box<dyn symphonia::core::formats::FormatReader + 's>,
    pub(crate) track: symphonia::core::formats::Track,
    pub(crate) decoder: Box<dyn symphonia::core::codecs::audio::AudioDecoder>,
    pub(crate) container: String,
    pub(crate) codec: String,
    pub(crate) bits_per_sample: Option<u32>,
    /// The MP4 edit (AAC priming and padding), when there is one to apply.
    pub(crate) edit: Option<mp4::AudioEdit>,
}

/// The sample rates filmroom decodes: telephone audio up to studio rates. A
/// header claiming anything else is refused before any decoding or
/// resampling, which would otherwise plan buffers for the claimed rate.
pub const SAMPLE_RATES: std::ops::RangeInclusive<u32> = 8_000..=192_000;

/// The most channels filmroom decodes.
pub const MAX_CHANNELS: usize = 8;

/// Refuses a stream whose rate or channel count is out of bounds, naming it.
fn check_shape(
    container: &str,
    sample_rate: Option<u32>,
    channels: Option<usize>,
) -> Result<(), AnalysisError> {
    if let Some(rate) = sample_rate
        && !SAMPLE_RATES.contains(&rate)
    {
        return Err(AnalysisError::new(
            "unsupported_format",
            format!(
                "the {container} file says its sample rate is {rate} Hz; filmroom accepts {} to {} Hz",
                SAMPLE_RATES.start(),
                SAMPLE_RATES.end()
            ),
        ));
    }
    if let Some(channels) = channels
        && !(1..=MAX_CHANNELS).contains(&channels)
    {
        return Err(AnalysisError::new(
            "unsupported_format",
            format!(
                "the {container} file has {channels} channels; filmroom accepts 1 to {MAX_CHANNELS}"
            ),
        ));
    }
    Ok(())
}

/// Probes `source` and makes a decoder for its audio track, with the same
/// gapless settings everywhere so every reader of a file sees one timeline.
pub(crate) fn open<'s, R>(mut source: R) -> Result<Opened<'s>, AnalysisError>
where
    R: Read + Seek + Send + Sync + 's,
{
    let len = source.seek(SeekFrom::End(0)).ok();
    source
        .seek(SeekFrom::Start(0))
        .map_err(|e| AnalysisError::new("no_audio", format!("the file cannot be read: {e}")))?;
    // MP4 priming and padding are not trimmed by the decoder; read them from
    // the edit list first (a few header boxes, no sample data).
    let edit = mp4::audio_edit(&mut source).unwrap_or(None);
    let patches = len.map(|len| crate::riff::size_patches(&mut source, len)).unwrap_or_default();
    source
        .seek(SeekFrom::Start(0))
        .map_err(|e| AnalysisError::new("no_audio", format!("the file cannot be read: {e}")))?;

    let stream = MediaSourceStream::new(
        Box::new(Source { inner: source, len, position: 0, patches }),
        MediaSourceStreamOptions::default(),
    );
    let format = symphonia::default::get_probe()
        .probe(&Hint::new(), stream, FormatOptions::default(), MetadataOptions::default())
        .map_err(|e| match e {
            Error::IoError(e) => {
                AnalysisError::new("no_audio", format!("the file ends before any audio: {e}"))
            }
            other => AnalysisError::new(
                "unsupported_format",
                format!("no supported audio container was found ({other})"),
            ),
        })?;
    let container = format.format_info().short_name.to_owned();
    let track = format.default_track(TrackType::Audio).cloned().ok_or_else(|| {
        AnalysisError::new("no_audio", format!("the {container} file has no decodable audio track"))
    })?;
    let params = track.codec_params.as_ref().and_then(|p| p.audio()).cloned().ok_or_else(|| {
        AnalysisError::new("no_audio", format!("the {container} file has no audio track"))
    })?;
    let codec = codec_name(params.codec);
    check_shape(&container, params.sample_rate, params.channels.as_ref().map(|c| c.count()))?;
    // MP3 without a LAME/Xing header has only an estimated length; trimming to
    // it would cut real audio, so decode everything there is.
    let gapless = !(container == "mp3" && track.delay.is_none());
    let decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default().gapless(gapless))
        .map_err(|e| {
            AnalysisError::new(
                "unsupported_codec",
                format!("{codec} audio (in {container}) is not supported ({e}); send WAV, MP3, FLAC, Ogg Vorbis or M4A/AAC"),
            )
        })?;
    let codec = decoder.codec_info().short_name.to_owned();
    let edit = edit.filter(|_| codec == "aac");
    Ok(Opened {
        format,
        track,
        decoder,
        container,
        codec,
        bits_per_sample: params.bits_per_sample,
        edit,
    })
}

/// Decodes `source` once, feeding every frame to the sink made by `make_sink`
/// when the stream's shape is known.
pub fn decode<R, S>(
    source: R,
    make_sink: impl FnOnce(StreamShape) -> S,
) -> Result<(AudioFacts, Option<S>), AnalysisError>
where
    R: Read + Seek + Send + Sync,
    S: FrameSink,
{
    let Opened { mut format, track, mut decoder, container, codec, bits_per_sample, edit } =
        open(source)?;
    let mut sink: Option<S> = None;
    let mut make_sink = Some(make_sink);
    let mut shape: Option<StreamShape> = None;
    let mut planes: Vec<Vec<f32>> = Vec::new();
    let mut frames: u64 = 0;
    let mut decode_errors: u64 = 0;
    let mut truncated = false;
    // Where the next packet should start; a later start means the demuxer
    // skipped damaged data, which counts as a decode error too.
    let mut expected_pts: Option<i64> = None;
    // Frames still to drop (encoder priming) and still to keep (before the
    // padding), known once the sample rate is; only AAC in MP4 needs them.
    let mut skip: u64 = 0;
    let mut keep: Option<u64> = None;
    loop {
        let packet = match format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) | Err(Error::ResetRequired) => break,
            Err(Error::IoError(_)) => {
                truncated = true;
                break;
            }
            Err(_) if frames > 0 => {
                truncated = true;
                break;
            }
            Err(e) => {
                return Err(AnalysisError::new(
                    "no_audio",
                    format!("the {container} data cannot be read: {e}"),
                ));
            }
        };
        if packet.track_id != track.id {
            continue;
        }
        let pts = packet.pts.get();
        if expected_pts.is_some_and(|expected| pts > expected) {
            decode_errors += 1;
        }
        expected_pts =
            i64::try_from(packet.block_dur().get()).ok().and_then(|d| pts.checked_add(d));
        let buffer = match decoder.decode(&packet) {
            Ok(buffer) => buffer,
            Err(Error::DecodeError(_) | Error::IoError(_)) => {
                decode_errors += 1;
                continue;
            }
            Err(e) => {
                if frames > 0 {
                    decode_errors += 1;
                    continue;
                }
                return Err(AnalysisError::new(
                    "unsupported_codec",
                    format!("{codec} audio cannot be decoded: {e}"),
                ));
            }
        };
        if buffer.frames() == 0 {
            continue;
        }
        let current =
            StreamShape { sample_rate: buffer.spec().rate(), channels: buffer.num_planes() };
        match shape {
            None => {
                check_shape(&container, Some(current.sample_rate), Some(current.channels))?;
                shape = Some(current);
                if let Some(edit) = edit {
                    skip = edit.skip_frames(current.sample_rate);
                    keep = edit.keep_frames(current.sample_rate);
                }
                sink = make_sink.take().map(|make| make(current));
            }
            // A stream whose shape changes midway is counted but not mixed in.
            Some(first) if first != current => {
                decode_errors += 1;
                continue;
            }
            Some(_) => {}
        }
        buffer.copy_to_vecs_planar::<f32>(&mut planes);
        let decoded = buffer.frames() as u64;
        let start = skip.min(decoded);
        skip -= start;
        let mut end = decoded;
        if let Some(left) = keep.as_mut() {
            end = (start + *left).min(decoded);
            *left -= end - start;
        }
        if end <= start {
            continue;
        }
        frames += end - start;
        if let Some(sink) = sink.as_mut() {
            let (start, end) = (crate::to_usize(start), crate::to_usize(end));
            let views: Vec<&[f32]> =
                planes.iter().map(|p| crate::frames_of(p, start, end)).collect();
            sink.frames(&views);
        }
    }

    let Some(shape) = shape else {
        return Err(AnalysisError::new(
            "no_audio",
            match decode_errors {
                0 => format!("the {container} file contains no audio"),
                n => format!(
                    "nothing in the {container} file could be decoded ({n} corrupt packets)"
                ),
            },
        ));
    };
    let duration_ms =
        (frames * 1000 + u64::from(shape.sample_rate) / 2) / u64::from(shape.sample_rate.max(1));
    Ok((
        AudioFacts {
            container,
            codec,
            sample_rate: shape.sample_rate,
            channels: u32::try_from(shape.channels).unwrap_or(u32::MAX),
            bits_per_sample,
            frames,
            duration_ms,
            decode_errors,
            truncated,
        },
        sink,
    ))
}

/// Decodes a recording once and derives its facts, waveform peaks and
/// speech segments per channel, all on the calling thread.
pub fn analyze<R: Read + Seek + Send + Sync>(
    source: R,
) -> Result<(AudioFacts, Peaks, Speech), AnalysisError> {
    analyze_with(source, None)
}

/// [`analyze`], with speech scored on `threads` beside the decoder when
/// given (the same segments, sooner).
pub fn analyze_with<R: Read + Seek + Send + Sync>(
    source: R,
    threads: Option<ScoringThreads>,
) -> Result<(AudioFacts, Peaks, Speech), AnalysisError> {
    let (facts, sinks) = decode(source, |shape| {
        (
            PeaksBuilder::new(shape.channels, shape.sample_rate, SAMPLES_PER_PIXEL),
            SpeechDetector::new(shape.channels, shape.sample_rate, threads),
        )
    })?;
    let (peaks, speech) =
        sinks.ok_or_else(|| AnalysisError::new("no_audio", "no audio decoded"))?;
    let speech =
        speech.finish().map_err(|message| AnalysisError::new("speech_failed", &message))?;
    Ok((facts, peaks.finish(), speech))
}

/// Decodes a recording once and derives its facts and waveform peaks only:
/// analysis as it was before speech detection, to measure what detection costs.
pub fn analyze_without_speech<R: Read + Seek + Send + Sync>(
    source: R,
) -> Result<(AudioFacts, Peaks), AnalysisError> {
    let (facts, peaks) = decode(source, |shape| {
        PeaksBuilder::new(shape.channels, shape.sample_rate, SAMPLES_PER_PIXEL)
    })?;
    let peaks = peaks.ok_or_else(|| AnalysisError::new("no_audio", "no audio decoded"))?;
    Ok((facts, peaks.finish()))
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    /// A 16-bit PCM WAV of `frames` frames of a quiet ramp.
    fn wav(sample_rate: u32, channels: u16, frames: u64) -> Vec<u8> {
        let mut bytes = crate::wav::header(sample_rate, channels, frames).to_vec();
        for i in 0..frames * u64::from(channels) {
            bytes.extend_from_slice(&i16::try_from(i % 1000).unwrap_or(0).to_le_bytes());
        }
        bytes
    }

    #[test]
    fn an_absurd_sample_rate_is_refused_naming_it() {
        let error = analyze(Cursor::new(wav(2_147_483_647, 1, 4_000))).unwrap_err();
        assert_eq!(error.code, "unsupported_format");
        assert!(error.message.contains("2147483647 Hz"), "{}", error.message);
    }

    #[test]
    fn rates_at_the_edges_are_accepted() {
        for rate in [8_000, 192_000] {
            let (facts, _, _) = analyze(Cursor::new(wav(rate, 1, u64::from(rate) / 10))).unwrap();
            assert_eq!((facts.sample_rate, facts.duration_ms), (rate, 100));
        }
        let error = analyze(Cursor::new(wav(7_999, 1, 800))).unwrap_err();
        assert!(error.message.contains("7999 Hz"), "{}", error.message);
    }

    #[test]
    fn more_than_eight_channels_are_refused_naming_the_count() {
        let error = analyze(Cursor::new(wav(8_000, 9, 800))).unwrap_err();
        assert_eq!(error.code, "unsupported_format", "{}", error.message);
        assert!(error.message.contains("9 channels"), "{}", error.message);
    }
}
