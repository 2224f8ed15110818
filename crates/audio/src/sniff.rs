//! Recognising what an upload is from its first bytes, before any of it is
//! stored: audio containers filmroom can analyse go on, anything plainly not
//! audio is refused at once with a name for what it is.

use std::fmt;

/// How many leading bytes [`sniff`] wants to see to decide.
pub const SNIFF_LEN: usize = 16;

/// An audio container filmroom accepts for analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// RIFF/WAVE or RF64.
    Wav,
    /// MPEG audio (with or without an ID3v2 tag).
    Mp3,
    /// Native FLAC.
    Flac,
    /// Ogg (Vorbis; Opus is recognised later as an unsupported codec).
    Ogg,
    /// ISO base media (M4A/MP4), usually AAC.
    Mp4,
    /// Raw AAC in ADTS frames.
    Adts,
}

impl Container {
    /// A short lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Wav => "wav",
            Self::Mp3 => "mp3",
            Self::Flac => "flac",
            Self::Ogg => "ogg",
            Self::Mp4 => "mp4",
            Self::Adts => "aac",
        }
    }

    /// Every container filmroom accepts.
    pub const ALL: [Self; 6] = [Self::Wav, Self::Mp3, Self::Flac, Self::Ogg, Self::Mp4, Self::Adts];

    /// The container of this [`Container::name`], if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The media type recordings in this container are served as.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Wav => "audio/wav",
            Self::Mp3 => "audio/mpeg",
            Self::Flac => "audio/flac",
            Self::Ogg => "audio/ogg",
            Self::Mp4 => "audio/mp4",
            Self::Adts => "audio/aac",
        }
    }

    /// A file extension hint for the decoder's probe.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Wav => "wav",
            Self::Mp3 => "mp3",
            Self::Flac => "flac",
            Self::Ogg => "ogg",
            Self::Mp4 => "m4a",
            Self::Adts => "aac",
        }
    }
}

/// Why the first bytes are not an audio file filmroom accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAudio {
    /// Nothing was sent.
    Empty,
    /// A known kind of file that is not audio we take, e.g. "a PDF document".
    Recognised(&'static str),
    /// Bytes we do not recognise, shown in hex.
    Unrecognised(String),
}

impl fmt::Display for NotAudio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the body is empty"),
            Self::Recognised(what) => write!(f, "the body is {what}, not audio"),
            Self::Unrecognised(hex) => {
                write!(
                    f,
                    "the body does not start like any supported audio file (first bytes: {hex})"
                )
            }
        }
    }
}

/// Decides from the first bytes (ideally [`SNIFF_LEN`] of them) whether this is
/// an audio container filmroom accepts.
pub fn sniff(head: &[u8]) -> Result<Container, NotAudio> {
    if head.is_empty() {
        return Err(NotAudio::Empty);
    }
    let at = |offset: usize, magic: &[u8]| head.get(offset..offset + magic.len()) == Some(magic);
    if (at(0, b"RIFF") || at(0, b"RF64")) && at(8, b"WAVE") {
        return Ok(Container::Wav);
    }
    if at(0, b"fLaC") {
        return Ok(Container::Flac);
    }
    if at(0, b"OggS") {
        return Ok(Container::Ogg);
    }
    if at(4, b"ftyp") {
        return match head.get(8..12) {
            Some(brand) if is_video_brand(brand) => Err(NotAudio::Recognised("an MP4 video")),
            _ => Ok(Container::Mp4),
        };
    }
    if at(0, b"ID3") {
        return Ok(Container::Mp3);
    }
    if let [0xFF, second, ..] = *head {
        if second & 0xF6 == 0xF0 {
            return Ok(Container::Adts);
        }
        if second & 0xE0 == 0xE0 {
            return Ok(Container::Mp3);
        }
    }
    if let Some(what) = recognise_other(head) {
        return Err(NotAudio::Recognised(what));
    }
    let hex: Vec<String> = head.iter().take(8).map(|b| format!("{b:02x}")).collect();
    Err(NotAudio::Unrecognised(hex.join(" ")))
}

fn is_video_brand(brand: &[u8]) -> bool {
    matches!(brand, b"qt  " | b"avc1" | b"mp41" | b"3gp4" | b"3gp5")
}

fn recognise_other(head: &[u8]) -> Option<&'static str> {
    let starts = |magic: &[u8]| head.starts_with(magic);
    let text = String::from_utf8_lossy(head.get(..SNIFF_LEN).unwrap_or(head)).to_ascii_lowercase();
    let trimmed = text.trim_start();
    Some(match () {
        _ if starts(b"%PDF") => "a PDF document",
        _ if trimmed.starts_with("<!doctype html") || trimmed.starts_with("<html") => {
            "an HTML page"
        }
        _ if trimmed.starts_with("<?xml") => "an XML document",
        _ if trimmed.starts_with('{') || trimmed.starts_with('[') => "JSON",
        _ if starts(b"\x89PNG") => "a PNG image",
        _ if starts(b"\xFF\xD8\xFF") => "a JPEG image",
        _ if starts(b"GIF8") => "a GIF image",
        _ if starts(b"PK\x03\x04") => "a ZIP archive (or an office document)",
        _ if starts(b"\x1F\x8B") => "a gzip archive",
        _ if starts(b"\x1A\x45\xDF\xA3") => "a Matroska/WebM file, which filmroom does not accept",
        _ if starts(b"FORM") => "an AIFF file, which filmroom does not accept",
        _ if starts(b"#!AMR") => "an AMR recording, which filmroom does not accept",
        _ if starts(b"caff") => "a Core Audio file, which filmroom does not accept",
        _ if head.iter().all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace()) => "plain text",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_containers_are_recognised() {
        assert_eq!(sniff(b"RIFF\x24\x00\x00\x00WAVEfmt "), Ok(Container::Wav));
        assert_eq!(sniff(b"fLaC\x00\x00\x00\x22"), Ok(Container::Flac));
        assert_eq!(sniff(b"OggS\x00\x02"), Ok(Container::Ogg));
        assert_eq!(sniff(b"\x00\x00\x00\x20ftypM4A \x00\x00"), Ok(Container::Mp4));
        assert_eq!(sniff(b"ID3\x04\x00"), Ok(Container::Mp3));
        assert_eq!(sniff(b"\xFF\xFB\x90\x64"), Ok(Container::Mp3));
        assert_eq!(sniff(b"\xFF\xF1\x50\x80"), Ok(Container::Adts));
    }

    #[test]
    fn plainly_not_audio_is_named() {
        assert_eq!(sniff(b""), Err(NotAudio::Empty));
        assert_eq!(sniff(b"%PDF-1.7\n"), Err(NotAudio::Recognised("a PDF document")));
        assert_eq!(sniff(b"  <!DOCTYPE html>"), Err(NotAudio::Recognised("an HTML page")));
        assert_eq!(sniff(b"hello there"), Err(NotAudio::Recognised("plain text")));
        assert!(matches!(sniff(b"\x00\x01\x02\x03\x04"), Err(NotAudio::Unrecognised(_))));
    }
}
