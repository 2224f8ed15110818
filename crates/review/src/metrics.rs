//! Conversation metrics from the speech segments the analysis found: who
//! talked how much, for how long at a stretch, how often the turn changed,
//! how long the rep waited before answering, talk-over and dead air.
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
//! - **dead air**: silences of [`DEAD_AIR_MS`] or more in which nobody speaks.

use filmroom_audio::Speech;

/// The shortest silence that counts as dead air, ms.
pub const DEAD_AIR_MS: u64 = 5_000;
/// The default reference band for the rep's talk ratio (fraction).
pub const TALK_RATIO_BAND: (f64, f64) = (0.40, 0.65);

/// Who the analysed channels are.
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
    pub fn labels(self, channels: usize) -> Vec<&'static str> {
        match self {
            Self::RepAndCustomer { rep } => {
                (0..channels).map(|c| if c == rep { "rep" } else { "customer" }).collect()
            }
            Self::Unassigned => ["A", "B"].into_iter().take(channels).collect(),
            Self::Mono => vec!["speech"; channels.min(1)],
        }
    }
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
}

/// Talking at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Overlap {
    /// Time both spoke, ms.
    pub total_ms: u64,
    /// How many times.
    pub count: u64,
    /// Times the first channel's speaker started it.
    pub started_by_first: u64,
    /// Times the second channel's speaker started it.
    pub started_by_second: u64,
}

/// The metrics of one call.
#[derive(Debug, Clone, PartialEq)]
pub struct CallMetrics {
    /// Who the channels are.
    pub lanes: Lanes,
    /// The channels' labels, in channel order.
    pub labels: Vec<&'static str>,
    /// Speech time per channel, ms.
    pub speech_ms: Vec<u64>,
    /// The call's length, ms.
    pub duration_ms: u64,
    /// The rep's share of speech time (rep and customer known).
    pub talk_ratio: Option<f64>,
    /// Whether `talk_ratio` lies in the reference band.
    pub talk_ratio_in_band: Option<bool>,
    /// The longest turn per channel, in channel order (two channels).
    pub longest_turn: Vec<Option<Span>>,
    /// Changes of turn per minute (two channels).
    pub interactivity: Option<f64>,
    /// Mean gap from the second channel's turn ending to the first's
    /// starting, ms (rep and customer known: the rep's patience).
    pub patience_ms: Option<u64>,
    /// Talking at once (two channels).
    pub overlap: Option<Overlap>,
    /// Silences of 5 s or more.
    pub dead_air: Vec<Span>,
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

/// Computes a call's metrics from its speech segments.
pub fn compute(speech: &Speech, duration_ms: u64, rep_channel: Option<i32>) -> CallMetrics {
    let channels: Vec<Vec<Span>> = speech.channels.iter().map(|c| spans(c)).collect();
    let lanes = Lanes::of(channels.len(), rep_channel);
    let speech_ms: Vec<u64> = channels.iter().map(|c| c.iter().map(|s| s.len_ms()).sum()).collect();
    let mut metrics = CallMetrics {
        lanes,
        labels: lanes.labels(channels.len()),
        speech_ms: speech_ms.clone(),
        duration_ms,
        talk_ratio: None,
        talk_ratio_in_band: None,
        longest_turn: Vec::new(),
        interactivity: None,
        patience_ms: None,
        overlap: None,
        dead_air: dead_air(&channels, duration_ms),
    };
    let (Some(first), Some(second)) = (channels.first(), channels.get(1)) else {
        return metrics;
    };
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
    if duration_ms > 0 {
        metrics.interactivity = Some(
            float(u64::try_from(switches).unwrap_or(u64::MAX)) * 60_000.0 / float(duration_ms),
        );
    }
    metrics.overlap = Some(overlap(first, second));
    if let Lanes::RepAndCustomer { rep } = lanes {
        let customer = 1 - rep;
        let rep_ms = speech_ms.get(rep).copied().unwrap_or(0);
        let total = speech_ms.iter().sum::<u64>();
        if total > 0 {
            let ratio = float(rep_ms) / float(total);
            metrics.talk_ratio = Some(ratio);
            metrics.talk_ratio_in_band =
                Some((TALK_RATIO_BAND.0..=TALK_RATIO_BAND.1).contains(&ratio));
        }
        let gaps: Vec<u64> = turns
            .windows(2)
            .filter_map(|w| match w {
                [a, b]
                    if a.lane == customer && b.lane == rep && b.span.start_ms >= a.span.end_ms =>
                {
                    Some(b.span.start_ms - a.span.end_ms)
                }
                _ => None,
            })
            .collect();
        if !gaps.is_empty() {
            metrics.patience_ms = Some(
                gaps.iter().sum::<u64>() / u64::try_from(gaps.len()).unwrap_or(u64::MAX).max(1),
            );
        }
    }
    metrics
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn speech(a: &[[u64; 2]], b: &[[u64; 2]]) -> Speech {
        Speech { frame_ms: 16, channels: vec![a.to_vec(), b.to_vec()] }
    }

    #[test]
    fn a_dialogue_reads_as_people_would_count_it() {
        // Rep 0-10 s, customer 11-20 s, rep 20.5-30 s (talks over at 19.5), customer 31-40 s.
        let s = speech(&[[0, 10_000], [19_500, 30_000]], &[[11_000, 20_000], [31_000, 40_000]]);
        let m = compute(&s, 60_000, Some(1));
        assert_eq!(m.labels, vec!["rep", "customer"]);
        assert_eq!(m.speech_ms, vec![20_500, 18_000]);
        let ratio = m.talk_ratio.unwrap();
        assert!((ratio - 20_500.0 / 38_500.0).abs() < 1e-9);
        assert_eq!(m.talk_ratio_in_band, Some(true));
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
        let m = compute(&s, 14_000, Some(1));
        // Customer ends 5.5 s → rep 6.0 s (500 ms); ends 11.0 s → rep 12.0 s (1000 ms).
        assert_eq!(m.patience_ms, Some(750));
    }

    #[test]
    fn the_rep_on_channel_two_swaps_the_roles_and_unknown_reports_a_and_b() {
        let s = speech(&[[0, 30_000]], &[[30_000, 40_000]]);
        let rep_second = compute(&s, 40_000, Some(2));
        assert_eq!(rep_second.labels, vec!["customer", "rep"]);
        assert!((rep_second.talk_ratio.unwrap() - 0.25).abs() < 1e-9);
        // Per-channel figures stay in channel order, as the labels are.
        assert_eq!(rep_second.longest_turn[1], Some(Span { start_ms: 30_000, end_ms: 40_000 }));
        assert_eq!(rep_second.talk_ratio_in_band, Some(false));
        let unknown = compute(&s, 40_000, None);
        assert_eq!(unknown.labels, vec!["A", "B"]);
        assert_eq!(unknown.talk_ratio, None);
        let mono =
            compute(&Speech { frame_ms: 16, channels: vec![vec![[1_000, 2_000]]] }, 10_000, None);
        assert_eq!(mono.labels, vec!["speech"]);
        assert_eq!(mono.speech_ms, vec![1_000]);
        assert_eq!(mono.dead_air, vec![Span { start_ms: 2_000, end_ms: 10_000 }]);
        assert!(mono.overlap.is_none());
    }
}
