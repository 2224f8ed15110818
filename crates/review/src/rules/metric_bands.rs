//! Reference bands an organisation holds the conversation metrics against:
//! which metrics have one, the band's limits, and a value checked against
//! it.

use serde::{Deserialize, Serialize};

/// The metrics an organisation may set a reference band for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Metric {
    /// The rep's share of speech time, 0..1.
    TalkRatio,
    /// The rep's longest turn, ms.
    LongestMonologueMs,
    /// The customer's longest turn, ms.
    LongestStoryMs,
    /// Mean wait before the rep answers, ms.
    PatienceMs,
    /// Changes of turn per minute.
    InteractivityPerMinute,
    /// Questions the rep asked.
    RepQuestions,
    /// The rep's words per minute.
    RepWordsPerMinute,
}

impl Metric {
    /// Every metric, in the order they are reported.
    pub const ALL: [Metric; 7] = [
        Metric::TalkRatio,
        Metric::LongestMonologueMs,
        Metric::LongestStoryMs,
        Metric::PatienceMs,
        Metric::InteractivityPerMinute,
        Metric::RepQuestions,
        Metric::RepWordsPerMinute,
    ];

    /// The metric's name in the API and in settings.
    pub fn name(self) -> &'static str {
        match self {
            Metric::TalkRatio => "talk_ratio",
            Metric::LongestMonologueMs => "longest_monologue_ms",
            Metric::LongestStoryMs => "longest_story_ms",
            Metric::PatienceMs => "patience_ms",
            Metric::InteractivityPerMinute => "interactivity_per_minute",
            Metric::RepQuestions => "rep_questions",
            Metric::RepWordsPerMinute => "rep_words_per_minute",
        }
    }

    /// The metric called `name` in the API.
    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The largest value a band of this metric may name.
    fn ceiling(self) -> f64 {
        match self {
            Metric::TalkRatio => 1.0,
            Metric::LongestMonologueMs | Metric::LongestStoryMs | Metric::PatienceMs => {
                86_400_000.0
            }
            Metric::InteractivityPerMinute | Metric::RepWordsPerMinute => 10_000.0,
            Metric::RepQuestions => 100_000.0,
        }
    }
}

/// A reference band: the values a metric should lie between (inclusive);
/// either bound may be open.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// Lowest value inside the band.
    #[serde(default)]
    pub min: Option<f64>,
    /// Highest value inside the band.
    #[serde(default)]
    pub max: Option<f64>,
}

impl Band {
    /// Whether `value` lies inside the band.
    pub fn contains(self, value: f64) -> bool {
        self.min.is_none_or(|min| value >= min) && self.max.is_none_or(|max| value <= max)
    }

    /// Checks a band an admin set for `metric`; the message says what is wrong.
    pub fn check(self, metric: Metric) -> Result<Self, String> {
        let ceiling = metric.ceiling();
        let bound = |v: Option<f64>, which: &str| match v {
            Some(v) if !v.is_finite() || v < 0.0 || v > ceiling => {
                Err(format!("{which} must be a number from 0 to {ceiling}, not {v}"))
            }
            _ => Ok(()),
        };
        bound(self.min, "min")?;
        bound(self.max, "max")?;
        match (self.min, self.max) {
            (None, None) => Err("a band needs a min, a max or both".into()),
            (Some(min), Some(max)) if min > max => Err(format!("min ({min}) is above max ({max})")),
            _ => Ok(self),
        }
    }
}

/// An organisation's reference bands; a metric without one is not judged.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricBands {
    /// Rep talk ratio (default 0.40–0.65).
    pub talk_ratio: Option<Band>,
    /// The rep's longest monologue, ms.
    pub longest_monologue_ms: Option<Band>,
    /// The customer's longest story, ms.
    pub longest_story_ms: Option<Band>,
    /// Patience, ms.
    pub patience_ms: Option<Band>,
    /// Interactivity, turns per minute.
    pub interactivity_per_minute: Option<Band>,
    /// Questions asked by the rep.
    pub rep_questions: Option<Band>,
    /// The rep's words per minute.
    pub rep_words_per_minute: Option<Band>,
}

impl Default for MetricBands {
    fn default() -> Self {
        Self {
            talk_ratio: Some(Band { min: Some(0.40), max: Some(0.65) }),
            longest_monologue_ms: None,
            longest_story_ms: None,
            patience_ms: None,
            interactivity_per_minute: None,
            rep_questions: None,
            rep_words_per_minute: None,
        }
    }
}

impl MetricBands {
    /// The band of `metric`, if one is set.
    pub fn get(&self, metric: Metric) -> Option<Band> {
        *self.slot(metric)
    }

    /// Sets or (with `None`) removes the band of `metric`.
    pub fn set(&mut self, metric: Metric, band: Option<Band>) {
        *self.slot_mut(metric) = band;
    }

    fn slot(&self, metric: Metric) -> &Option<Band> {
        match metric {
            Metric::TalkRatio => &self.talk_ratio,
            Metric::LongestMonologueMs => &self.longest_monologue_ms,
            Metric::LongestStoryMs => &self.longest_story_ms,
            Metric::PatienceMs => &self.patience_ms,
            Metric::InteractivityPerMinute => &self.interactivity_per_minute,
            Metric::RepQuestions => &self.rep_questions,
            Metric::RepWordsPerMinute => &self.rep_words_per_minute,
        }
    }

    fn slot_mut(&mut self, metric: Metric) -> &mut Option<Band> {
        match metric {
            Metric::TalkRatio => &mut self.talk_ratio,
            Metric::LongestMonologueMs => &mut self.longest_monologue_ms,
            Metric::LongestStoryMs => &mut self.longest_story_ms,
            Metric::PatienceMs => &mut self.patience_ms,
            Metric::InteractivityPerMinute => &mut self.interactivity_per_minute,
            Metric::RepQuestions => &mut self.rep_questions,
            Metric::RepWordsPerMinute => &mut self.rep_words_per_minute,
        }
    }
}

/// A metric held against its band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandCheck {
    /// Which metric.
    pub metric: Metric,
    /// Its value on this call.
    pub value: f64,
    /// The organisation's band.
    pub band: Band,
    /// Whether the value lies inside it.
    pub inside: bool,
}
