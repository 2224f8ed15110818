//! Transcripts: WebVTT, SRT or JSON segments turned into one list of
//! `(start_ms, end_ms, speaker, text)`, checked against the call.
//!
//! The two subtitle formats are small and fully specified; a parser here
//! keeps the rules (what a speaker is, what is refused) in one place.

use serde::{Deserialize, Serialize};

use crate::rules::error::ReviewError;

/// Most segments one transcript may hold.
pub const MAX_SEGMENTS: usize = 20_000;

/// One stretch of speech.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Segment {
    /// Start, ms.
    pub start_ms: i64,
    /// End, ms.
    pub end_ms: i64,
    /// Who speaks, when known (a WebVTT voice, or given in JSON).
    #[serde(default)]
    pub speaker: Option<String>,
    /// What was said.
    pub text: String,
}

/// The formats a transcript may come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TranscriptFormat {
    /// `text/vtt`.
    WebVtt,
    /// `application/x-subrip`.
    Srt,
    /// `application/json`: a list of segments.
    Json,
}

fn invalid(message: impl Into<String>) -> ReviewError {
    ReviewError::InvalidField { field: "transcript".into(), message: message.into() }
}

/// `hh:mm:ss.mmm`, `mm:ss.mmm` (WebVTT) or `hh:mm:ss,mmm` (SRT) as ms.
fn timestamp(raw: &str, line: usize) -> Result<i64, ReviewError> {
    let bad = || invalid(format!("line {line}: `{raw}` is not a timestamp like 00:01:02.500"));
    let (clock, millis) = raw.trim().rsplit_once(['.', ',']).ok_or_else(bad)?;
    let digits = |p: &str| !p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit());
    if millis.len() != 3 || !digits(millis) {
        return Err(bad());
    }
    let millis: i64 = millis.parse().map_err(|_| bad())?;
    let parts: Vec<i64> = clock
        .split(':')
        .map(|p| if digits(p) { p.parse::<i64>().map_err(|_| bad()) } else { Err(bad()) })
        .collect::<Result<_, _>>()?;
    let (h, m, s) = match parts.as_slice() {
        [m, s] => (0, *m, *s),
        [h, m, s] => (*h, *m, *s),
        _ => return Err(bad()),
    };
    if m >= 60 || s >= 60 || h < 0 || m < 0 || s < 0 {
        return Err(bad());
    }
    // At most nine digits an hour: the sum cannot overflow, and a cue that
    // far out is refused later as lying outside the call.
    Ok(((h * 60 + m) * 60 + s) * 1000 + millis)
}

/// Removes markup tags, keeping the text; returns the first voice (`<v Name>`).
fn strip_tags(text: &str) -> (String, Option<String>) {
    let mut out = String::with_capacity(text.len());
    let mut voice = None;
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        match rest[open..].find('>') {
            Some(close) => {
                let tag = &rest[open + 1..open + close];
                if let Some(name) = tag.strip_prefix("v ").or_else(|| {
                    tag.strip_prefix("v.").and_then(|t| t.split_once(' ').map(|(_, n)| n))
                }) {
                    voice.get_or_insert_with(|| name.trim().to_owned());
                }
                rest = &rest[open + close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    let text =
        out.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", " ");
    (text.trim().to_owned(), voice)
}

/// Parses cue blocks shared by WebVTT and SRT.
fn cues(body: &str, format: TranscriptFormat) -> Result<Vec<Segment>, ReviewError> {
    let body = body.trim_start_matches('\u{feff}').replace("\r\n", "\n");
    let mut lines = body.lines().enumerate().peekable();
    if format == TranscriptFormat::WebVtt {
        match lines.next() {
            Some((_, first)) if first.starts_with("WEBVTT") => {}
            _ => return Err(invalid("a WebVTT file starts with `WEBVTT`")),
        }
    }
    let mut segments = Vec::new();
    let mut block: Vec<(usize, &str)> = Vec::new();
    let mut flush = |block: &mut Vec<(usize, &str)>| -> Result<(), ReviewError> {
        let taken = std::mem::take(block);
        let Some(timing) = taken.iter().position(|(_, l)| l.contains("-->")) else {
            // Header lines, NOTE, STYLE and REGION blocks carry no speech.
            return Ok(());
        };
        let Some(&(number, line)) = taken.get(timing) else { return Ok(()) };
        let (start, rest) = line
            .split_once("-->")
            .ok_or_else(|| invalid(format!("line {}: no `-->`", number + 1)))?;
        let end = rest.split_whitespace().next().unwrap_or_default();
        let text_lines: Vec<&str> = taken.iter().skip(timing + 1).map(|(_, l)| *l).collect();
        let (text, speaker) = strip_tags(&text_lines.join("\n"));
        if text.is_empty() {
            return Ok(());
        }
        segments.push(Segment {
            start_ms: timestamp(start, number + 1)?,
            end_ms: timestamp(end, number + 1)?,
            speaker,
            text,
        });
        Ok(())
    };
    for (number, line) in lines.by_ref() {
        if line.trim().is_empty() {
            flush(&mut block)?;
        } else {
            block.push((number, line));
        }
    }
    flush(&mut block)?;
    Ok(segments)
}

/// A JSON transcript in the shape `GET …/transcript` returns it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonTranscript {
    items: Vec<Segment>,
}

/// A JSON transcript: `{"items": [...]}`, as the API returns it, or the bare
/// list of segments dialers have sent from the start.
fn json_segments(body: &[u8]) -> Result<Vec<Segment>, ReviewError> {
    let shape =
        "a JSON transcript is {\"items\": [{start_ms, end_ms, speaker, text}, …]} or that list";
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{') {
        serde_json::from_slice::<JsonTranscript>(body)
            .map(|t| t.items)
            .map_err(|e| invalid(format!("{shape}: {e}")))
    } else {
        serde_json::from_slice::<Vec<Segment>>(body).map_err(|e| invalid(format!("{shape}: {e}")))
    }
}

/// Parses a transcript and checks it against a call of `duration_ms`:
/// every segment inside the call, starting before it ends, with text.
pub fn parse(
    body: &[u8],
    format: TranscriptFormat,
    duration_ms: i64,
) -> Result<Vec<Segment>, ReviewError> {
    let mut segments = match format {
        TranscriptFormat::Json => json_segments(body)?,
        TranscriptFormat::WebVtt | TranscriptFormat::Srt => {
            let text = std::str::from_utf8(body)
                .map_err(|_| invalid("the transcript is not UTF-8 text"))?;
            cues(text, format)?
        }
    };
    if segments.len() > MAX_SEGMENTS {
        return Err(invalid(format!("at most {MAX_SEGMENTS} segments")));
    }
    for (i, segment) in segments.iter_mut().enumerate() {
        crate::rules::text::check(&format!("segments[{i}].text"), &segment.text)?;
        if let Some(speaker) = &segment.speaker {
            crate::rules::text::check(&format!("segments[{i}].speaker"), speaker)?;
        }
        segment.text = segment.text.trim().to_owned();
        segment.speaker =
            segment.speaker.take().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        if segment.text.is_empty() || segment.text.chars().count() > 10_000 {
            return Err(invalid(format!("segment {i} needs 1 to 10,000 characters of text")));
        }
        if segment.speaker.as_ref().is_some_and(|s| s.chars().count() > 200) {
            return Err(invalid(format!("segment {i}: a speaker name is at most 200 characters")));
        }
        for (field, value) in [("start_ms", segment.start_ms), ("end_ms", segment.end_ms)] {
            if !(0..=duration_ms).contains(&value) {
                return Err(ReviewError::OffsetOutOfRange { field, value, duration_ms });
            }
        }
        if segment.end_ms <= segment.start_ms {
            return Err(invalid(format!(
                "segment {i} ends ({}) before it starts ({})",
                segment.end_ms, segment.start_ms
            )));
        }
    }
    segments.sort_by_key(|s| (s.start_ms, s.end_ms));
    Ok(segments)
}

/// The segment being spoken at `at_ms`, or the last one that started before it.
pub fn line_at(segments: &[Segment], at_ms: i64) -> Option<&Segment> {
    segments
        .iter()
        .find(|s| s.start_ms <= at_ms && at_ms < s.end_ms)
        .or_else(|| segments.iter().rev().find(|s| s.start_ms <= at_ms))
}

#[cfg(test)]
mod tests {

    #[test]
    fn timestamps_that_would_overflow_or_are_not_digits_are_refused_not_panics() {
        for raw in [
            "9999999999999:00:00.000",
            "99999999999999999999:00.000",
            "-1:00:00.000",
            "00:+1:00.000",
            "00:01.-12",
            "00:01.1234",
            "00::01.000",
        ] {
            assert!(timestamp(raw, 1).is_err(), "{raw}");
        }
        assert_eq!(timestamp("999999999:59:59.999", 1).ok(), Some(3_599_999_999_999_999));
        assert_eq!(timestamp("01:02.500", 1).ok(), Some(62_500));
    }

    use super::*;

    proptest::proptest! {
        #[test]
        fn any_bytes_are_segments_or_a_422(
            body in proptest::collection::vec(proptest::num::u8::ANY, 0..400),
            duration in 0i64..10_000_000,
        ) {
            for format in [TranscriptFormat::WebVtt, TranscriptFormat::Srt, TranscriptFormat::Json] {
                if let Ok(segments) = parse(&body, format, duration) {
                    for s in segments {
                        proptest::prop_assert!(0 <= s.start_ms && s.start_ms < s.end_ms && s.end_ms <= duration);
                    }
                }
            }
        }

        #[test]
        fn cue_like_text_is_segments_or_a_422(
            cues in proptest::collection::vec(
                ("[0-9]{1,14}:[0-9]{1,3}:[0-9]{1,3}[.,][0-9]{1,4}", "[0-9]{1,14}:[0-9]{1,3}[.,][0-9]{3}", "[a-z <>/]{0,20}"),
                0..6,
            ),
        ) {
            let text: String = cues
                .iter()
                .map(|(a, b, words)| format!("{a} --> {b}\n{words}\n\n"))
                .collect();
            for parsed in [
                parse(format!("WEBVTT\n\n{text}").as_bytes(), TranscriptFormat::WebVtt, 60_000),
                parse(text.as_bytes(), TranscriptFormat::Srt, 60_000),
            ] {
                match parsed {
                    // Segments lie inside the call, and have words.
                    Ok(segments) => {
                        for s in &segments {
                            proptest::prop_assert!(0 <= s.start_ms && s.start_ms < s.end_ms && s.end_ms <= 60_000);
                            proptest::prop_assert!(!s.text.is_empty());
                        }
                    }
                    // Anything else is the caller's mistake: a 422 on the
                    // transcript or one of its segments, or a 400 naming a
                    // time past the call's end.
                    Err(e) => proptest::prop_assert!(
                        matches!(&e, ReviewError::InvalidField { field, .. }
                            if field == "transcript" || field.starts_with("segments["))
                            || matches!(&e, ReviewError::OffsetOutOfRange { .. }),
                        "{e:?}"
                    ),
                }
            }
        }
    }

    #[test]
    fn webvtt_cues_with_voices_become_segments() -> Result<(), ReviewError> {
        let vtt = "WEBVTT - call 42\n\nNOTE exported by the dialer\n\n1\n00:00:01.000 --> 00:00:02.500 align:start\n<v Rex>Thanks for taking my call.\n\n00:02.500 --> 00:04.000\n<v.customer Pat>Sure, <i>two</i> minutes.\n";
        let segments = parse(vtt.as_bytes(), TranscriptFormat::WebVtt, 5_000)?;
        assert_eq!(segments.len(), 2);
        assert_eq!((segments[0].start_ms, segments[0].end_ms), (1_000, 2_500));
        assert_eq!(segments[0].speaker.as_deref(), Some("Rex"));
        assert_eq!(segments[1].text, "Sure, two minutes.");
        assert_eq!(segments[1].speaker.as_deref(), Some("Pat"));
        Ok(())
    }

    #[test]
    fn srt_with_crlf_and_numbers_parses() -> Result<(), ReviewError> {
        let srt = "1\r\n00:00:00,500 --> 00:00:01,250\r\nHello\r\nthere\r\n\r\n2\r\n00:00:01,250 --> 00:00:02,000\r\nHi\r\n";
        let segments = parse(srt.as_bytes(), TranscriptFormat::Srt, 2_000)?;
        assert_eq!(segments[0].text, "Hello\nthere");
        assert_eq!(segments[1].start_ms, 1_250);
        Ok(())
    }

    #[test]
    fn bad_transcripts_are_refused_with_a_reason() {
        assert!(
            parse(b"00:00:01.000 --> 00:00:02.000\nx", TranscriptFormat::WebVtt, 5_000).is_err()
        );
        assert!(
            parse(b"1\n00:00:01,000 --> 00:00:09,000\nx", TranscriptFormat::Srt, 5_000).is_err()
        );
        assert!(
            parse(b"1\n00:00:02,000 --> 00:00:01,000\nx", TranscriptFormat::Srt, 5_000).is_err()
        );
        assert!(parse(b"1\n00:00:1,000 --> 00:00:02,00\nx", TranscriptFormat::Srt, 5_000).is_err());
        assert!(
            parse(br#"[{"start_ms": 0, "end_ms": 10, "text": ""}]"#, TranscriptFormat::Json, 5_000)
                .is_err()
        );
        assert!(parse(br#"{"segments": []}"#, TranscriptFormat::Json, 5_000).is_err());
    }

    #[test]
    fn json_comes_as_the_api_returns_it_or_as_a_bare_list() {
        let listed = br#"[{"start_ms": 0, "end_ms": 10, "text": "hi"}]"#;
        let wrapped =
            br#" {"items": [{"start_ms": 0, "end_ms": 10, "speaker": null, "text": "hi"}]}"#;
        let a = parse(listed, TranscriptFormat::Json, 5_000).unwrap();
        assert_eq!(a, parse(wrapped, TranscriptFormat::Json, 5_000).unwrap());
        assert_eq!(a.len(), 1);
        let error = parse(br#"{"items": [], "extra": 1}"#, TranscriptFormat::Json, 5_000)
            .unwrap_err()
            .to_string();
        assert!(error.contains("extra"), "{error}");
    }

    #[test]
    fn a_comment_finds_the_line_spoken_at_its_time() {
        let s = |a, b, t: &str| Segment { start_ms: a, end_ms: b, speaker: None, text: t.into() };
        let segments = [s(0, 1_000, "a"), s(2_000, 3_000, "b")];
        assert_eq!(line_at(&segments, 500).map(|s| s.text.as_str()), Some("a"));
        assert_eq!(line_at(&segments, 1_500).map(|s| s.text.as_str()), Some("a"));
        assert_eq!(line_at(&segments, 2_000).map(|s| s.text.as_str()), Some("b"));
        assert_eq!(line_at(&[], 10), None);
    }
}
