//! Conversation metrics from the speech segments the analysis found: who
//! talked how much, for how long at a stretch, how often the turn changed,
//! how long the rep waited before answering, talk-over and dead air, and
//! from a transcript the pace of speech and the rep's questions.
//!
//! Definitions (the README repeats them):
//! - a **turn** is a speaker's speech until the other speaker starts; a
//!   speaker's segments with no segment of the other's starting between
//!   them are one turn;
//! - **talk ratio**: the rep's speech time over both speakers' speech time;
//! - **longest rep monologue** / **longest customer story**: the longest turn;
//! - **interactivity**: changes of turn per minute of the call;
//! - **patience**: the mean gap between the end of a customer turn and the
//!   start of the rep turn that follows it (answers that talk over are not
//!   counted);
//! - **overlap**: time both talk at once, the number of times it happens and
//!   who started it (whoever began speaking while the other was);
//! - **dead air**: silences of [`DEAD_AIR_MS`] or more in which nobody speaks;
//! - **words per minute**: a speaker's transcript words over their speech
//!   time; a transcript line belongs to the channel that spoke most during it;
//! - **questions asked by the rep**: question marks (a run counts once) in
//!   the rep's transcript lines.
//!
//! A one-channel recording gives speech and silence only, unless its
//! transcript names speakers: then the two who speak longest become the
//! lanes, and the one named `Rep`, `Agent` or with the rep's name is the rep.

pub use crate::rules::metric_bands::{Band, BandCheck, Metric, MetricBands};
use crate::rules::transcript_format::Segment;
use filmroom_audio::Speech;

/// The shortest silence that counts as dead air, ms.
pub const DEAD_AIR_MS: u64 = 5_000;

/// Speech time below which a words-per-minute figure would be noise, ms.
const MIN_PACE_SPEECH_MS: u64 = 5_000;

/// Transcript voices that mean "the rep", besides the rep's own name.
const REP_VOICES: [&str; 4] = ["rep", "agent", "sales rep", "salesperson"];

/// Who the lanes of a call are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lanes {
    /// Two channels, the rep's known.
    RepAndCustomer {
        /// 0-based index of the rep's channel.
        rep: usize,
    },
    /// Two channels, nobody said which is the rep: reported as A and B.
    Unassigned,
    /// One channel: speech and silence only.
    Mono,
}

impl Lanes {
    /// From the call's channel count and its 1-based `rep_channel`.
    pub fn of(channels: usize, rep_channel: Option<i32>) -> Self {
        match (channels, rep_channel) {
            (2, Some(1)) => Self::RepAndCustomer { rep: 0 },
            (2, Some(2)) => Self::RepAndCustomer { rep: 1 },
            (2, _) => Self::Unassigned,
            _ => Self::Mono,
        }
    }

    /// What each channel is called in the API: `rep`/`customer`, `A`/`B`, or `speech`.
    pub fn labels(self, channels: usize) -> Vec<String> {
        let names: Vec<&str> = match self {
            Self::RepAndCustomer { rep } => {
                (0..channels).map(|c| if c == rep { "rep" } else { "customer" }).collect()
            }
            Self::Unassigned => ["A", "B"].into_iter().take(channels).collect(),
            Self::Mono => vec!["speech"; channels.min(1)],
        };
        names.into_iter().map(str::to_owned).collect()
    }

    /// The rep's lane, when known.
    pub fn rep(self) -> Option<usize> {
        match self {
            Self::RepAndCustomer { rep } => Some(rep),
            _ => None,
        }
    }
}

/// Where the two speakers' lanes came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaneSource {
    /// The recording's channels.
    Channels,
    /// The speakers a transcript of a one-channel recording names.
    TranscriptSpeakers,
}

/// A stretch of the call, ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Start.
    pub start_ms: u64,
    /// End.
    pub end_ms: u64,
}

impl Span {
    /// Length, ms.
    pub fn len_ms(self) -> u64 {
        self.end_ms.saturating_sub(self.start_ms)
    }

    fn overlap_ms(self, other: Span) -> u64 {
        self.end_ms.min(other.end_ms).saturating_sub(self.start_ms.max(other.start_ms))
    }
}

/// Talking at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Overlap {
    /// Time both spoke, ms.
    pub total_ms: u64,
    /// How many times.
    pub count: u64,
    /// Times the first lane's speaker started it.
    pub started_by_first: u64,
    /// Times the second lane's speaker started it.
    pub started_by_second: u64,
}

/// What the metrics of one call are computed from.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The speech segments the analysis found, per channel.
    pub speech: &'a Speech,
    /// The call's length, ms.
    pub duration_ms: u64,
    /// Which channel (1-based) is the rep, when known.
    pub rep_channel: Option<i32>,
    /// The call's transcript (empty when there is none).
    pub transcript: &'a [Segment],
    /// The rep's display name, to find their voice in a transcript.
    pub rep_name: &'a str,
    /// The organisation's reference bands.
    pub bands: &'a MetricBands,
}

/// The metrics of one call.
#[derive(Debug, Clone, PartialEq)]
pub struct CallMetrics {
    /// Who the lanes are.
    pub lanes: Lanes,
    /// Where the lanes came from.
    pub lane_source: LaneSource,
    /// The lanes' labels, in lane order: `rep`/`customer`, `A`/`B` (or the
    /// transcript's speaker names), or `speech`.
    pub labels: Vec<String>,
    /// Speech time per lane, ms.
    pub speech_ms: Vec<u64>,
    /// The call's length, ms.
    pub duration_ms: u64,
    /// The rep's share of speech time (rep and customer known).
    pub talk_ratio: Option<f64>,
    /// The longest turn per lane, in lane order (two lanes).
    pub longest_turn: Vec<Option<Span>>,
    /// Changes of turn per minute (two lanes).
    pub interactivity: Option<f64>,
    /// Changes of turn (two lanes).
    pub turn_changes: Option<u64>,
    /// Mean gap from the customer's turn ending to the rep's starting, ms
    /// (rep and customer known).
    pub patience_ms: Option<u64>,
    /// Talking at once (two lanes).
    pub overlap: Option<Overlap>,
    /// Silences of 5 s or more, from the recording itself.
    pub dead_air: Vec<Span>,
    /// Words per minute per lane (with a transcript).
    pub words_per_minute: Vec<Option<f64>>,
    /// Questions the rep asked (with a transcript, rep known).
    pub rep_questions: Option<u64>,
    /// Each metric with a band, held against it.
    pub bands: Vec<BandCheck>,
}

impl CallMetrics {
    /// The value of `metric` on this call, when it has one.
    pub fn value(&self, metric: Metric) -> Option<f64> {
        let rep = self.lanes.rep();
        let customer = rep.map(|r| 1 - r);
        let turn = |lane: Option<usize>| {
            lane.and_then(|l| self.longest_turn.get(l).copied().flatten())
                .map(|s| float(s.len_ms()))
        };
        match metric {
            Metric::TalkRatio => self.talk_ratio,
            Metric::LongestMonologueMs => turn(rep),
            Metric::LongestStoryMs => turn(customer),
            Metric::PatienceMs => self.patience_ms.map(float),
            Metric::InteractivityPerMinute => self.interactivity,
            Metric::RepQuestions => self.rep_questions.map(float),
            Metric::RepWordsPerMinute => {
                rep.and_then(|r| self.words_per_minute.get(r).copied().flatten())
            }
        }
    }

    /// Whether the talk ratio lies inside its band (when both exist).
    pub fn talk_ratio_in_band(&self) -> Option<bool> {
        self.bands.iter().find(|b| b.metric == Metric::TalkRatio).map(|b| b.inside)
    }

    /// The figures kept on the call row, for filtering lists and averaging
    /// over weeks without reading every call's segments.
    pub fn summary(&self) -> Summary {
        let monologue = self.lanes.rep().and_then(|r| self.longest_turn.get(r).copied().flatten());
        Summary {
            talk_ratio_bp: self.talk_ratio.and_then(basis_points),
            longest_monologue_ms: monologue.and_then(|s| i64::try_from(s.len_ms()).ok()),
            patience_ms: self.patience_ms.and_then(|p| i64::try_from(p).ok()),
            turn_changes: self.turn_changes.map(|t| i32::try_from(t).unwrap_or(i32::MAX)),
            rep_questions: self.rep_questions.map(|q| i32::try_from(q).unwrap_or(i32::MAX)),
        }
    }
}

/// The figures of a call kept on its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Talk ratio in basis points (0..=10000).
    pub talk_ratio_bp: Option<i32>,
    /// The rep's longest monologue, ms.
    pub longest_monologue_ms: Option<i64>,
    /// Patience, ms.
    pub patience_ms: Option<i64>,
    /// Changes of turn.
    pub turn_changes: Option<i32>,
    /// Questions the rep asked.
    pub rep_questions: Option<i32>,
}

/// A share (0..=1) in basis points; `None` outside that range.
pub fn basis_points(share: f64) -> Option<i32> {
    // Checked to lie in 0..=1 first, so the product fits an i32 exactly.
    #[allow(clippy::cast_possible_truncation)]
    (share.is_finite() && (0.0..=1.0).contains(&share)).then(|| (share * 10_000.0).round() as i32)
}

/// Milliseconds (or counts) as a float; calls are far shorter than the
/// 49 days at which a `u32` of milliseconds saturates.
fn float(value: u64) -> f64 {
    u32::try_from(value).map_or(f64::from(u32::MAX), f64::from)
}

#[derive(Debug, Clone, Copy)]
struct Turn {
    lane: usize,
    span: Span,
}

fn spans(segments: &[[u64; 2]]) -> Vec<Span> {
    segments.iter().filter(|[s, e]| e > s).map(|[s, e]| Span { start_ms: *s, end_ms: *e }).collect()
}

/// A speaker's segments with no segment of the other's starting between
/// them make one turn.
fn turns(a: &[Span], b: &[Span]) -> Vec<Turn> {
    let mut all: Vec<Turn> = a
        .iter()
        .map(|s| Turn { lane: 0, span: *s })
        .chain(b.iter().map(|s| Turn { lane: 1, span: *s }))
        .collect();
    all.sort_by_key(|t| (t.span.start_ms, t.lane));
    let mut out: Vec<Turn> = Vec::new();
    for turn in all {
        match out.last_mut() {
            Some(last) if last.lane == turn.lane => {
                last.span.end_ms = last.span.end_ms.max(turn.span.end_ms);
            }
            _ => out.push(turn),
        }
    }
    out
}

fn overlap(a: &[Span], b: &[Span]) -> Overlap {
    let mut result = Overlap::default();
    let (mut i, mut j) = (0, 0);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        let start = x.start_ms.max(y.start_ms);
        let end = x.end_ms.min(y.end_ms);
        if end > start {
            result.total_ms += end - start;
            result.count += 1;
            // Whoever began while the other was already speaking started it.
            if x.start_ms > y.start_ms {
                result.started_by_first += 1;
            } else {
                result.started_by_second += 1;
            }
        }
        if x.end_ms <= y.end_ms {
            i += 1;
        } else {
            j += 1;
        }
    }
    result
}

fn dead_air(channels: &[Vec<Span>], duration_ms: u64) -> Vec<Span> {
    let mut all: Vec<Span> = channels.iter().flatten().copied().collect();
    all.sort_by_key(|s| s.start_ms);
    let mut silences = Vec::new();
    let mut cursor = 0u64;
    for span in all {
        if span.start_ms > cursor && span.start_ms - cursor >= DEAD_AIR_MS {
            silences.push(Span { start_ms: cursor, end_ms: span.start_ms });
        }
        cursor = cursor.max(span.end_ms);
    }
    if duration_ms > cursor && duration_ms - cursor >= DEAD_AIR_MS {
        silences.push(Span { start_ms: cursor, end_ms: duration_ms });
    }
    silences
}

fn segment_span(segment: &Segment) -> Span {
    Span {
        start_ms: u64::try_from(segment.start_ms).unwrap_or(0),
        end_ms: u64::try_from(segment.end_ms).unwrap_or(0),
    }
}

/// Whether a transcript voice is the rep's: `Rep`, `Agent`, or the rep's
/// full or first name, ignoring case.
fn is_rep_voice(voice: &str, rep_name: &str) -> bool {
    let voice = voice.trim().to_lowercase();
    let name = rep_name.trim().to_lowercase();
    let first = name.split_whitespace().next().unwrap_or_default();
    REP_VOICES.contains(&voice.as_str()) || (!name.is_empty() && (voice == name || voice == first))
}

/// The two speakers a transcript names who speak longest, in order of
/// first appearance, with their lines' spans.
fn transcript_speakers(transcript: &[Segment]) -> Option<[(String, Vec<Span>); 2]> {
    let mut speakers: Vec<(String, Vec<Span>)> = Vec::new();
    for segment in transcript {
        let Some(voice) = segment.speaker.as_deref().map(str::trim).filter(|v| !v.is_empty())
        else {
            continue;
        };
        let span = segment_span(segment);
        match speakers.iter_mut().find(|(name, _)| name == voice) {
            Some((_, spans)) => spans.push(span),
            None => speakers.push((voice.to_owned(), vec![span])),
        }
    }
    let total = |spans: &[Span]| spans.iter().map(|s| s.len_ms()).sum::<u64>();
    let mut ranked: Vec<usize> = (0..speakers.len()).collect();
    ranked.sort_by_key(|&i| std::cmp::Reverse(speakers.get(i).map_or(0, |(_, s)| total(s))));
    let mut two: Vec<usize> = ranked.into_iter().take(2).collect();
    two.sort_unstable();
    let (first, second) = match two.as_slice() {
        [a, b] => (speakers.get(*a)?.clone(), speakers.get(*b)?.clone()),
        _ => return None,
    };
    let merge = |mut spans: Vec<Span>| {
        spans.sort_by_key(|s| s.start_ms);
        let mut merged: Vec<Span> = Vec::new();
        for span in spans.into_iter().filter(|s| s.len_ms() > 0) {
            match merged.last_mut() {
                Some(last) if span.start_ms <= last.end_ms => {
                    last.end_ms = last.end_ms.max(span.end_ms);
                }
                _ => merged.push(span),
            }
        }
        merged
    };
    Some([(first.0, merge(first.1)), (second.0, merge(second.1))])
}

fn words(text: &str) -> u64 {
    let count = text.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).count();
    u64::try_from(count).unwrap_or(u64::MAX)
}

fn questions(text: &str) -> u64 {
    let mut count = 0u64;
    let mut previous = ' ';
    for c in text.chars() {
        if c == '?' && previous != '?' {
            count = count.saturating_add(1);
        }
        previous = c;
    }
    count
}

/// Computes a call's metrics from its speech segments and transcript.
pub fn compute(inputs: &Inputs<'_>) -> CallMetrics {
    let channels: Vec<Vec<Span>> = inputs.speech.channels.iter().map(|c| spans(c)).collect();
    let dead_air = dead_air(&channels, inputs.duration_ms);
    let speakers = (channels.len() < 2).then(|| transcript_speakers(inputs.transcript)).flatten();
    let (lanes, lane_source, labels, lane_spans) = match speakers {
        Some([(first, a), (second, b)]) => {
            let rep = match (
                is_rep_voice(&first, inputs.rep_name),
                is_rep_voice(&second, inputs.rep_name),
            ) {
                (true, false) => Some(0),
                (false, true) => Some(1),
                _ => None,
            };
            let lanes = rep.map_or(Lanes::Unassigned, |rep| Lanes::RepAndCustomer { rep });
            let labels = match lanes {
                Lanes::Unassigned => vec![first, second],
                other => other.labels(2),
            };
            (lanes, LaneSource::TranscriptSpeakers, labels, vec![a, b])
        }
        None => {
            let lanes = Lanes::of(channels.len(), inputs.rep_channel);
            (lanes, LaneSource::Channels, lanes.labels(channels.len()), channels)
        }
    };
    let speech_ms: Vec<u64> =
        lane_spans.iter().map(|c| c.iter().map(|s| s.len_ms()).sum()).collect();
    let mut metrics = CallMetrics {
        lanes,
        lane_source,
        labels,
        speech_ms: speech_ms.clone(),
        duration_ms: inputs.duration_ms,
        talk_ratio: None,
        longest_turn: Vec::new(),
        interactivity: None,
        turn_changes: None,
        patience_ms: None,
        overlap: None,
        dead_air,
        words_per_minute: Vec::new(),
        rep_questions: None,
        bands: Vec::new(),
    };
    pace_and_questions(&mut metrics, &lane_spans, inputs.transcript);
    if let (Some(first), Some(second)) = (lane_spans.first(), lane_spans.get(1)) {
        conversation(&mut metrics, first, second);
    }
    metrics.bands = Metric::ALL
        .into_iter()
        .filter_map(|metric| {
            let band = inputs.bands.get(metric)?;
            let value = metrics.value(metric)?;
            Some(BandCheck { metric, value, band, inside: band.contains(value) })
        })
        .collect();
    metrics
}

/// Words per minute per lane and the rep's questions, from the transcript:
/// each line belongs to the lane that spoke most during it.
fn pace_and_questions(metrics: &mut CallMetrics, lanes: &[Vec<Span>], transcript: &[Segment]) {
    if transcript.is_empty() || lanes.is_empty() {
        return;
    }
    let mut lane_words = vec![0u64; lanes.len()];
    let mut lane_questions = vec![0u64; lanes.len()];
    for segment in transcript {
        let span = segment_span(segment);
        let spoken: Vec<u64> =
            lanes.iter().map(|l| l.iter().map(|s| s.overlap_ms(span)).sum()).collect();
        let Some((lane, _)) = spoken
            .iter()
            .enumerate()
            .filter(|(_, ms)| **ms > 0)
            .max_by_key(|(i, ms)| (**ms, std::cmp::Reverse(*i)))
        else {
            continue;
        };
        if let Some(w) = lane_words.get_mut(lane) {
            *w = w.saturating_add(words(&segment.text));
        }
        if let Some(q) = lane_questions.get_mut(lane) {
            *q = q.saturating_add(questions(&segment.text));
        }
    }
    metrics.words_per_minute = lane_words
        .iter()
        .zip(&metrics.speech_ms)
        .map(|(words, ms)| {
            (*ms >= MIN_PACE_SPEECH_MS).then(|| float(*words) * 60_000.0 / float(*ms))
        })
        .collect();
    metrics.rep_questions = metrics.lanes.rep().and_then(|r| lane_questions.get(r).copied());
}

/// The two-speaker figures: turns, interactivity, overlap, talk ratio, patience.
fn conversation(metrics: &mut CallMetrics, first: &[Span], second: &[Span]) {
    let turns = turns(first, second);
    metrics.longest_turn = (0..2)
        .map(|lane| {
            turns
                .iter()
                .filter(|t| t.lane == lane)
                .map(|t| t.span)
                .max_by_key(|s| (s.len_ms(), std::cmp::Reverse(s.start_ms)))
        })
        .collect();
    let switches = turns.windows(2).filter(|w| matches!(w, [a, b] if a.lane != b.lane)).count();
    let switches = u64::try_from(switches).unwrap_or(u64::MAX);
    metrics.turn_changes = Some(switches);
    if metrics.duration_ms > 0 {
        metrics.interactivity = Some(float(switches) * 60_000.0 / float(metrics.duration_ms));
    }
    metrics.overlap = Some(overlap(first, second));
    let Some(rep) = metrics.lanes.rep() else { return };
    let customer = 1 - rep;
    let rep_ms = metrics.speech_ms.get(rep).copied().unwrap_or(0);
    let total = metrics.speech_ms.iter().sum::<u64>();
    if total > 0 {
        metrics.talk_ratio = Some(float(rep_ms) / float(total));
    }
    let gaps: Vec<u64> = turns
        .windows(2)
        .filter_map(|w| match w {
            [a, b] if a.lane == customer && b.lane == rep && b.span.start_ms >= a.span.end_ms => {
                Some(b.span.start_ms - a.span.end_ms)
            }
            _ => None,
        })
        .collect();
    if !gaps.is_empty() {
        metrics.patience_ms =
            Some(gaps.iter().sum::<u64>() / u64::try_from(gaps.len()).unwrap_or(u64::MAX).max(1));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn speech(a: &[[u64; 2]], b: &[[u64; 2]]) -> Speech {
        Speech { frame_ms: 16, channels: vec![a.to_vec(), b.to_vec()] }
    }

    fn metrics(speech: &Speech, duration_ms: u64, rep_channel: Option<i32>) -> CallMetrics {
        with_transcript(speech, duration_ms, rep_channel, &[])
    }

    fn with_transcript(
        speech: &Speech,
        duration_ms: u64,
        rep_channel: Option<i32>,
        transcript: &[Segment],
    ) -> CallMetrics {
        compute(&Inputs {
            speech,
            duration_ms,
            rep_channel,
            transcript,
            rep_name: "Dana Reyes",
            bands: &MetricBands::default(),
        })
    }

    fn line(start_ms: i64, end_ms: i64, speaker: Option<&str>, text: &str) -> Segment {
        Segment { start_ms, end_ms, speaker: speaker.map(str::to_owned), text: text.to_owned() }
    }

    #[test]
    fn a_dialogue_reads_as_people_would_count_it() {
        // Rep 0-10 s, customer 11-20 s, rep 20.5-30 s (talks over at 19.5), customer 31-40 s.
        let s = speech(&[[0, 10_000], [19_500, 30_000]], &[[11_000, 20_000], [31_000, 40_000]]);
        let m = metrics(&s, 60_000, Some(1));
        assert_eq!(m.labels, vec!["rep", "customer"]);
        assert_eq!(m.speech_ms, vec![20_500, 18_000]);
        let ratio = m.talk_ratio.unwrap();
        assert!((ratio - 20_500.0 / 38_500.0).abs() < 1e-9);
        assert_eq!(m.talk_ratio_in_band(), Some(true));
        assert_eq!(m.longest_turn[0], Some(Span { start_ms: 19_500, end_ms: 30_000 }));
        assert_eq!(m.longest_turn[1], Some(Span { start_ms: 11_000, end_ms: 20_000 }));
        // Only the customer → rep change at 31 s... the rep's answer at 19.5 s
        // talked over, so patience counts none; the rep starts nothing after 40 s.
        assert_eq!(m.patience_ms, None);
        let overlap = m.overlap.unwrap();
        assert_eq!((overlap.total_ms, overlap.count, overlap.started_by_first), (500, 1, 1));
        assert_eq!(m.dead_air, vec![Span { start_ms: 40_000, end_ms: 60_000 }]);
        // Four turns, three changes in one minute.
        assert!((m.interactivity.unwrap() - 3.0).abs() < 1e-9);
    }

    #[test]
    fn patience_is_the_mean_wait_before_the_rep_answers() {
        let s = speech(
            &[[0, 5_000], [6_000, 9_000], [12_000, 14_000]],
            &[[5_200, 5_500], [9_500, 11_000]],
        );
        let m = metrics(&s, 14_000, Some(1));
        // Customer ends 5.5 s → rep 6.0 s (500 ms); ends 11.0 s → rep 12.0 s (1000 ms).
        assert_eq!(m.patience_ms, Some(750));
    }

    #[test]
    fn the_rep_on_channel_two_swaps_the_roles_and_unknown_reports_a_and_b() {
        let s = speech(&[[0, 30_000]], &[[30_000, 40_000]]);
        let rep_second = metrics(&s, 40_000, Some(2));
        assert_eq!(rep_second.labels, vec!["customer", "rep"]);
        assert!((rep_second.talk_ratio.unwrap() - 0.25).abs() < 1e-9);
        // Per-channel figures stay in channel order, as the labels are.
        assert_eq!(rep_second.longest_turn[1], Some(Span { start_ms: 30_000, end_ms: 40_000 }));
        assert_eq!(rep_second.talk_ratio_in_band(), Some(false));
        let unknown = metrics(&s, 40_000, None);
        assert_eq!(unknown.labels, vec!["A", "B"]);
        assert_eq!(unknown.talk_ratio, None);
        let mono =
            metrics(&Speech { frame_ms: 16, channels: vec![vec![[1_000, 2_000]]] }, 10_000, None);
        assert_eq!(mono.labels, vec!["speech"]);
        assert_eq!(mono.speech_ms, vec![1_000]);
        assert_eq!(mono.dead_air, vec![Span { start_ms: 2_000, end_ms: 10_000 }]);
        assert!(mono.overlap.is_none());
    }

    #[test]
    fn a_transcript_gives_pace_and_the_reps_questions() {
        // Rep on channel 1 speaks 0-30 s, customer 30-60 s.
        let s = speech(&[[0, 30_000]], &[[30_000, 60_000]]);
        let transcript = [
            line(0, 15_000, None, &"word ".repeat(60)),
            line(15_000, 30_000, None, "What matters most?? And who decides? Tell me."),
            line(30_000, 60_000, None, &"word ".repeat(50)),
        ];
        let m = with_transcript(&s, 60_000, Some(1), &transcript);
        // 60 + 8 words in 30 s; 50 in 30 s.
        assert_eq!(m.words_per_minute, vec![Some(136.0), Some(100.0)]);
        assert_eq!(m.rep_questions, Some(2));
        assert_eq!(m.value(Metric::RepWordsPerMinute), Some(136.0));
        // Without a rep channel the pace is per channel, the questions unknown.
        let unknown = with_transcript(&s, 60_000, None, &transcript);
        assert_eq!(unknown.rep_questions, None);
        assert_eq!(unknown.words_per_minute.len(), 2);
    }

    #[test]
    fn a_mono_call_takes_its_speakers_from_the_transcript() {
        let mono = Speech { frame_ms: 16, channels: vec![vec![[0, 40_000]]] };
        let transcript = [
            line(0, 10_000, Some("Dana"), "Hi, is now a good time?"),
            line(10_000, 30_000, Some("Customer"), "Yes, go ahead."),
            line(30_500, 40_000, Some("Dana"), "Great."),
        ];
        let m = with_transcript(&mono, 40_000, None, &transcript);
        assert_eq!(m.lane_source, LaneSource::TranscriptSpeakers);
        assert_eq!(m.labels, vec!["rep", "customer"]);
        assert_eq!(m.speech_ms, vec![19_500, 20_000]);
        assert_eq!(m.patience_ms, Some(500));
        assert_eq!(m.rep_questions, Some(1));
        assert!((m.talk_ratio.unwrap() - 19_500.0 / 39_500.0).abs() < 1e-9);
        // Voices that name nobody known are reported by name.
        let anon =
            [line(0, 10_000, Some("Speaker 1"), "a"), line(10_000, 20_000, Some("Speaker 2"), "b")];
        let m = with_transcript(&mono, 40_000, None, &anon);
        assert_eq!(m.labels, vec!["Speaker 1", "Speaker 2"]);
        assert_eq!(m.talk_ratio, None);
        // No voices: speech and silence only.
        let plain = with_transcript(&mono, 40_000, None, &[line(0, 10_000, None, "hello there")]);
        assert_eq!(plain.lane_source, LaneSource::Channels);
        assert_eq!(plain.labels, vec!["speech"]);
    }

    #[test]
    fn bands_judge_every_metric_that_has_one() {
        let s = speech(&[[0, 30_000]], &[[31_000, 40_000]]);
        let mut bands = MetricBands::default();
        bands.set(Metric::LongestMonologueMs, Some(Band { min: None, max: Some(20_000.0) }));
        bands.set(Metric::TalkRatio, None);
        let m = compute(&Inputs {
            speech: &s,
            duration_ms: 40_000,
            rep_channel: Some(1),
            transcript: &[],
            rep_name: "",
            bands: &bands,
        });
        assert_eq!(m.bands.len(), 1);
        assert_eq!(m.bands[0].metric, Metric::LongestMonologueMs);
        assert!(!m.bands[0].inside);
        assert_eq!(m.talk_ratio_in_band(), None);
        assert!(Band { min: Some(0.7), max: Some(0.2) }.check(Metric::TalkRatio).is_err());
        assert!(Band { min: None, max: Some(1.5) }.check(Metric::TalkRatio).is_err());
        assert!(Band { min: None, max: None }.check(Metric::PatienceMs).is_err());
        assert!(Band { min: Some(500.0), max: None }.check(Metric::PatienceMs).is_ok());
    }
}
