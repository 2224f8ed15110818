//! Reads the edit list of an MP4/M4A audio track: symphonia does not apply it,
//! so decoded AAC still carries the encoder's priming frames at the start and
//! padding at the end. The edit list says which frames are the real audio.
//! Only header boxes are read; sample data is skipped with seeks.

use std::io::{Read, Seek, SeekFrom};

/// The playable part of an MP4 audio track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioEdit {
    /// Frames to drop at the start, in the media timescale.
    pub media_time: u64,
    /// Length of the playable part, in the movie timescale (0: to the end).
    pub segment_duration: u64,
    /// Ticks per second of the movie header.
    pub movie_timescale: u32,
    /// Ticks per second of the track's media header.
    pub media_timescale: u32,
}

impl AudioEdit {
    fn rescale(value: u64, from: u32, rate: u32) -> u64 {
        u64::try_from(u128::from(value) * u128::from(rate) / u128::from(from.max(1)))
            .unwrap_or(u64::MAX)
    }

    /// Frames of encoder priming to drop at the start.
    pub fn skip_frames(&self, sample_rate: u32) -> u64 {
        Self::rescale(self.media_time, self.media_timescale, sample_rate)
    }

    /// Frames of real audio after the priming, when the edit says.
    pub fn keep_frames(&self, sample_rate: u32) -> Option<u64> {
        (self.segment_duration > 0)
            .then(|| Self::rescale(self.segment_duration, self.movie_timescale, sample_rate))
    }
}

/// Most boxes looked at before giving up on a (possibly hostile) file.
const MAX_BOXES: usize = 4096;

struct BoxHeader {
    kind: [u8; 4],
    body_start: u64,
    end: u64,
}

fn read_header<R: Read + Seek>(
    r: &mut R,
    at: u64,
    limit: u64,
) -> std::io::Result<Option<BoxHeader>> {
    if at + 8 > limit {
        return Ok(None);
    }
    r.seek(SeekFrom::Start(at))?;
    let mut head = [0u8; 8];
    r.read_exact(&mut head)?;
    let size = u64::from(u32::from_be_bytes([head[0], head[1], head[2], head[3]]));
    let kind = [head[4], head[5], head[6], head[7]];
    let (body_start, end) = match size {
        0 => (at + 8, limit),
        1 => {
            let mut large = [0u8; 8];
            r.read_exact(&mut large)?;
            (at + 16, at.saturating_add(u64::from_be_bytes(large)))
        }
        n => (at + 8, at.saturating_add(n)),
    };
    if end < body_start || end > limit {
        return Ok(None);
    }
    Ok(Some(BoxHeader { kind, body_start, end }))
}

fn read_body<R: Read + Seek>(r: &mut R, header: &BoxHeader, max: u64) -> std::io::Result<Vec<u8>> {
    let len = (header.end - header.body_start).min(max);
    r.seek(SeekFrom::Start(header.body_start))?;
    let mut body = vec![0u8; usize::try_from(len).unwrap_or(0)];
    r.read_exact(&mut body)?;
    Ok(body)
}

fn bytes<const N: usize>(b: &[u8], at: usize) -> Option<[u8; N]> {
    b.get(at..at.checked_add(N)?).and_then(|s| s.try_into().ok())
}

fn be_u32(b: &[u8], at: usize) -> Option<u32> {
    bytes(b, at).map(u32::from_be_bytes)
}

fn be_u64(b: &[u8], at: usize) -> Option<u64> {
    bytes(b, at).map(u64::from_be_bytes)
}

/// The timescale field of an `mvhd` or `mdhd` body.
fn timescale(body: &[u8]) -> Option<u32> {
    match body.first()? {
        1 => be_u32(body, 20),
        _ => be_u32(body, 12),
    }
}

/// The first non-empty edit of an `elst` body: (segment_duration, media_time).
fn first_edit(body: &[u8]) -> Option<(u64, u64)> {
    let version = *body.first()?;
    let count = usize::try_from(be_u32(body, 4)?).ok()?;
    let entry_len = if version == 1 { 20 } else { 12 };
    (0..count.min(64)).find_map(|i| {
        let at = 8 + i * entry_len;
        let (duration, media_time) = if version == 1 {
            (be_u64(body, at)?, bytes(body, at + 8).map(i64::from_be_bytes)?)
        } else {
            (u64::from(be_u32(body, at)?), i64::from(bytes(body, at + 4).map(i32::from_be_bytes)?))
        };
        u64::try_from(media_time).ok().map(|media_time| (duration, media_time))
    })
}

/// Finds the edit of the first sound track, if the file is an MP4 with one.
pub fn audio_edit<R: Read + Seek>(r: &mut R) -> std::io::Result<Option<AudioEdit>> {
    let limit = r.seek(SeekFrom::End(0))?;
    let mut visited = 0;
    let mut at = 0;
    let mut moov = None;
    while let Some(header) = read_header(r, at, limit)? {
        visited += 1;
        if visited > MAX_BOXES {
            return Ok(None);
        }
        if &header.kind == b"moov" {
            moov = Some(header);
            break;
        }
        at = header.end;
    }
    let Some(moov) = moov else { return Ok(None) };
    let mut movie_timescale = None;
    let mut at = moov.body_start;
    while let Some(child) = read_header(r, at, moov.end)? {
        visited += 1;
        if visited > MAX_BOXES {
            return Ok(None);
        }
        match &child.kind {
            b"mvhd" => movie_timescale = timescale(&read_body(r, &child, 128)?),
            b"trak" => {
                if let Some(edit) = sound_track_edit(r, &child, &mut visited)? {
                    return Ok(movie_timescale
                        .map(|movie_timescale| AudioEdit { movie_timescale, ..edit }));
                }
            }
            _ => {}
        }
        at = child.end;
    }
    Ok(None)
}

fn sound_track_edit<R: Read + Seek>(
    r: &mut R,
    trak: &BoxHeader,
    visited: &mut usize,
) -> std::io::Result<Option<AudioEdit>> {
    let mut edit = None;
    let mut media_timescale = None;
    let mut is_sound = false;
    let mut at = trak.body_start;
    while let Some(child) = read_header(r, at, trak.end)? {
        *visited += 1;
        if *visited > MAX_BOXES {
            return Ok(None);
        }
        match &child.kind {
            b"edts" => {
                let mut inner = child.body_start;
                while let Some(elst) = read_header(r, inner, child.end)? {
                    if &elst.kind == b"elst" {
                        edit = first_edit(&read_body(r, &elst, 8 + 64 * 20)?);
                    }
                    inner = elst.end;
                }
            }
            b"mdia" => {
                let mut inner = child.body_start;
                while let Some(part) = read_header(r, inner, child.end)? {
                    match &part.kind {
                        b"mdhd" => media_timescale = timescale(&read_body(r, &part, 128)?),
                        b"hdlr" => is_sound = read_body(r, &part, 32)?.get(8..12) == Some(b"soun"),
                        _ => {}
                    }
                    inner = part.end;
                }
            }
            _ => {}
        }
        at = child.end;
    }
    Ok(match (is_sound, edit, media_timescale) {
        (true, Some((segment_duration, media_time)), Some(media_timescale)) => {
            Some(AudioEdit { media_time, segment_duration, movie_timescale: 0, media_timescale })
        }
        _ => None,
    })
}
