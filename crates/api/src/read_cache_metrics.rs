//! The read cache's figures on `/metrics`, read at each scrape.

use filmroom_review::Review;
use prometheus::{
    IntCounter, IntGauge, Opts,
    core::{Collector, Desc},
    proto::MetricFamily,
};

/// Hits, misses, writes that made answers stale, and answers kept.
pub(crate) struct ReadCacheCollector {
    review: Review,
    hits: IntCounter,
    misses: IntCounter,
    changes: IntCounter,
    entries: IntGauge,
    descs: Vec<Desc>,
    /// One scrape at a time: each sets the counters from the figures.
    scraping: std::sync::Mutex<()>,
}

impl ReadCacheCollector {
    pub(crate) fn new(review: Review) -> prometheus::Result<Self> {
        let hits = IntCounter::with_opts(Opts::new(
            "filmroom_read_cache_hits_total",
            "Reads answered from memory",
        ))?;
        let misses = IntCounter::with_opts(Opts::new(
            "filmroom_read_cache_misses_total",
            "Reads that went to the database",
        ))?;
        let changes = IntCounter::with_opts(Opts::new(
            "filmroom_read_cache_changes_total",
            "Writes by this process that made the kept answers of what they changed stale",
        ))?;
        let entries = IntGauge::with_opts(Opts::new(
            "filmroom_read_cache_entries",
            "Answers kept in memory now",
        ))?;
        let descs = [hits.desc(), misses.desc(), changes.desc(), entries.desc()]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        Ok(Self {
            review,
            hits,
            misses,
            changes,
            entries,
            descs,
            scraping: std::sync::Mutex::new(()),
        })
    }
}

impl Collector for ReadCacheCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.descs.iter().collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let _one_at_a_time =
            self.scraping.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let stats = self.review.read_cache_stats();
        for (counter, value) in
            [(&self.hits, stats.hits), (&self.misses, stats.misses), (&self.changes, stats.changes)]
        {
            counter.reset();
            counter.inc_by(value);
        }
        self.entries.set(i64::try_from(stats.entries).unwrap_or(i64::MAX));
        [self.hits.collect(), self.misses.collect(), self.changes.collect(), self.entries.collect()]
            .into_iter()
            .flatten()
            .collect()
    }
}
