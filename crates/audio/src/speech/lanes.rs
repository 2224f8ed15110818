//! Each channel's frames through the front end, the network and the tone
//! check, in order, on this thread or on threads beside the decoder.
//!
//! The network is recurrent, so a channel's frames must be scored one after
//! another; the work is spread by giving each channel its own thread, and a
//! lone channel's front end (its spectra and bands, which depend on no
//! score) a thread of its own ahead of the network's. The steps and their
//! order are the same however the work is spread, so threads change when
//! segments are ready, never what they are.

use std::{sync::mpsc, thread::JoinHandle};

use super::{
    VAD_FRAME, VOICE_THRESHOLD,
    floor::Gate,
    segments::Segmenter,
    steady::{LONG, SHORT, Steadiness},
    voice::{Bands, FrontEnd, Network, REPLAY_FRAMES},
};

/// Samples handed from one thread to the next at a time (16 frames).
const BATCH: usize = 16 * VAD_FRAME;
/// Batches waiting between two threads: enough to ride out a slow packet,
/// few enough that memory does not grow with the call.
const QUEUE: usize = 8;

/// A scoring thread's stack: its buffers live on the heap, and the memory
/// limit counts every byte of address space reserved.
const THREAD_STACK: usize = 256 * 1024;

/// A job for a scoring thread: one channel's work, start to finish.
type Task = Box<dyn FnOnce() + Send>;

/// Threads that score speech beside the decoder. Start them before the
/// sandbox forbids new threads (`RLIMIT_NPROC`), then hand them to one
/// analysis.
pub struct ScoringThreads {
    tasks: Vec<mpsc::Sender<Task>>,
    handles: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for ScoringThreads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScoringThreads").field("threads", &self.handles.len()).finish()
    }
}

impl ScoringThreads {
    /// Starts `count` threads, each waiting for one task.
    pub fn start(count: usize) -> std::io::Result<Self> {
        let mut tasks = Vec::with_capacity(count);
        let mut handles = Vec::with_capacity(count);
        for n in 0..count {
            let (sender, receiver) = mpsc::channel::<Task>();
            let handle = std::thread::Builder::new()
                .name(format!("speech-{n}"))
                .stack_size(THREAD_STACK)
                .spawn(move || {
                    for task in receiver {
                        task();
                    }
                })?;
            tasks.push(sender);
            handles.push(handle);
        }
        Ok(Self { tasks, handles })
    }

    /// Runs `task` on thread `n`.
    fn run(&self, n: usize, task: Task) -> Result<(), String> {
        self.tasks
            .get(n)
            .ok_or_else(|| format!("no scoring thread {n}"))?
            .send(task)
            .map_err(stopped)
    }

    fn count(&self) -> usize {
        self.handles.len()
    }

    /// Lets the threads end once their tasks have, and waits for them.
    fn join(self) -> Result<(), String> {
        drop(self.tasks);
        for handle in self.handles {
            handle.join().map_err(|_| "a scoring thread panicked".to_owned())?;
        }
        Ok(())
    }
}

/// What the front end makes of a frame for the network.
enum Heard {
    /// Nowhere near the noise floor's height: not speech, and the network
    /// need not hear it.
    Quiet,
    /// To be scored: its bands, after those of the quiet frames just before
    /// it (up to [`REPLAY_FRAMES`]), which the network hears first so its
    /// memory is where it would be had it heard them all along.
    Open { replay: Vec<Bands>, bands: Bands },
}

/// The front end and the noise gate of one channel: the steps that depend
/// on no score.
struct Listener {
    front_end: FrontEnd,
    gate: Gate,
    /// Quiet frames since the gate was last open.
    skipped: usize,
}

impl Listener {
    fn new() -> Self {
        Self { front_end: FrontEnd::new(), gate: Gate::new(), skipped: 0 }
    }

    fn hear(&mut self, frame: &[f32]) -> Heard {
        self.front_end.hear(frame);
        if !self.gate.is_open(frame) {
            self.skipped = self.skipped.saturating_add(1);
            return Heard::Quiet;
        }
        let replay = (1..=self.skipped.min(REPLAY_FRAMES))
            .rev()
            .map(|back| self.front_end.bands_back(back))
            .collect();
        self.skipped = 0;
        Heard::Open { replay, bands: self.front_end.bands_back(0) }
    }
}

/// The network, the tone check and the segments of one channel: the steps
/// that must see its frames in order.
struct Decider {
    network: Network,
    steady_short: Steadiness,
    steady_long: Steadiness,
    frames: u64,
    segmenter: Segmenter,
}

impl Decider {
    fn new() -> Self {
        Self {
            network: Network::new(),
            steady_short: Steadiness::new(SHORT),
            steady_long: Steadiness::new(LONG),
            frames: 0,
            segmenter: Segmenter::default(),
        }
    }

    /// Decides one frame. The network hears line noise and tones as voices;
    /// a voice stands above the line's noise (the gate) and never holds as
    /// still as a tone. Spectra are taken only for frames the network calls
    /// voiced: silence costs nothing more.
    fn frame(&mut self, frame: &[f32], heard: &Heard) {
        let voiced = match heard {
            Heard::Quiet => false,
            Heard::Open { replay, bands } => {
                for bands in replay {
                    self.network.score(bands);
                }
                self.network.score(bands) >= VOICE_THRESHOLD
            }
        };
        let short = self.steady_short.is_steady(frame, voiced);
        let long = self.steady_long.is_steady(frame, voiced);
        self.segmenter.frame(self.frames, voiced && !short && !long);
        self.frames += 1;
    }

    fn finish(mut self) -> Vec<[u64; 2]> {
        self.segmenter.close();
        self.segmenter.segments
    }
}

/// One channel's front end, gate and decisions on one thread: the
/// decoder's, or a thread of the channel's own.
struct ChannelScorer {
    listener: Listener,
    decider: Decider,
    /// Samples short of a whole frame, waiting for the next ones.
    rest: Vec<f32>,
}

impl ChannelScorer {
    fn new() -> Self {
        Self {
            listener: Listener::new(),
            decider: Decider::new(),
            rest: Vec::with_capacity(BATCH + VAD_FRAME),
        }
    }

    fn push(&mut self, samples: &[f32]) {
        let Self { listener, decider, rest } = self;
        frames_of(rest, samples, |frame| decider.frame(frame, &listener.hear(frame)));
    }

    fn finish(self) -> Vec<[u64; 2]> {
        self.decider.finish()
    }
}

/// What a send or receive to a thread that has gone says.
fn stopped<T>(_: T) -> String {
    "a scoring thread stopped".to_owned()
}

/// Where a channel's samples go.
enum Lane {
    Inline(Box<ChannelScorer>),
    /// Batches to the channel's first thread; its segments come back once
    /// the batches stop.
    Threaded {
        samples: mpsc::SyncSender<Vec<f32>>,
        segments: mpsc::Receiver<Vec<[u64; 2]>>,
    },
}

/// Every channel's lane, and the threads they run on.
pub(super) struct Lanes {
    lanes: Vec<Lane>,
    /// Samples of each threaded channel not yet sent.
    pending: Vec<Vec<f32>>,
    threads: Option<ScoringThreads>,
}

/// Frames of a batch, each with what the front end made of it: the front
/// end's thread to the network's.
type Banded = (Vec<f32>, Vec<Heard>);

/// Cuts `samples` (carrying over what `rest` held) into frames for `each`,
/// keeping the incomplete end in `rest`.
fn frames_of(rest: &mut Vec<f32>, samples: &[f32], mut each: impl FnMut(&[f32])) {
    rest.extend_from_slice(samples);
    let whole = rest.len() - rest.len() % VAD_FRAME;
    for frame in rest.get(..whole).unwrap_or_default().chunks_exact(VAD_FRAME) {
        each(frame);
    }
    rest.drain(..whole);
}

impl Lanes {
    /// Lanes for `channels`, on `threads` when there are at least two (a
    /// channel each, or a lone channel's front end and network), else inline.
    pub(super) fn new(channels: usize, threads: Option<ScoringThreads>) -> Result<Self, String> {
        let threads = threads.filter(|t| t.count() >= 2 && t.count() >= channels);
        let Some(threads) = threads else {
            let lanes =
                (0..channels).map(|_| Lane::Inline(Box::new(ChannelScorer::new()))).collect();
            return Ok(Self { lanes, pending: Vec::new(), threads: None });
        };
        let mut lanes = Vec::with_capacity(channels);
        for channel in 0..channels {
            let (samples, batches) = mpsc::sync_channel::<Vec<f32>>(QUEUE);
            let (done, segments) = mpsc::channel();
            if channels == 1 {
                let (banded, banded_batches) = mpsc::sync_channel::<Banded>(QUEUE);
                threads.run(0, Box::new(move || front_end_task(&batches, &banded)))?;
                threads.run(
                    1,
                    Box::new(move || {
                        let mut decider = Decider::new();
                        for (samples, heard) in banded_batches {
                            for (frame, heard) in samples.chunks_exact(VAD_FRAME).zip(&heard) {
                                decider.frame(frame, heard);
                            }
                        }
                        let _ = done.send(decider.finish());
                    }),
                )?;
            } else {
                threads.run(
                    channel,
                    Box::new(move || {
                        let mut scorer = ChannelScorer::new();
                        for batch in batches {
                            scorer.push(&batch);
                        }
                        let _ = done.send(scorer.finish());
                    }),
                )?;
            }
            lanes.push(Lane::Threaded { samples, segments });
        }
        Ok(Self {
            lanes,
            pending: vec![Vec::with_capacity(BATCH); channels],
            threads: Some(threads),
        })
    }

    /// Takes 16 kHz samples of each channel, clamped to the `[-1, 1]` the
    /// network expects.
    pub(super) fn push(&mut self, planes: &[&[f32]]) -> Result<(), String> {
        for (n, (lane, plane)) in self.lanes.iter_mut().zip(planes).enumerate() {
            let clamped = plane.iter().map(|s| s.clamp(-1.0, 1.0));
            match lane {
                Lane::Inline(scorer) => scorer.push(&clamped.collect::<Vec<f32>>()),
                Lane::Threaded { samples, .. } => {
                    let Some(pending) = self.pending.get_mut(n) else { continue };
                    pending.extend(clamped);
                    if pending.len() >= BATCH {
                        let batch = std::mem::replace(pending, Vec::with_capacity(BATCH));
                        samples.send(batch).map_err(stopped)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Scores what is left and gives each channel's segments.
    pub(super) fn finish(self) -> Result<Vec<Vec<[u64; 2]>>, String> {
        let mut channels = Vec::with_capacity(self.lanes.len());
        let mut pending = self.pending.into_iter();
        for lane in self.lanes {
            match lane {
                Lane::Inline(scorer) => channels.push(scorer.finish()),
                Lane::Threaded { samples, segments } => {
                    let rest = pending.next().unwrap_or_default();
                    if !rest.is_empty() {
                        samples.send(rest).map_err(stopped)?;
                    }
                    drop(samples);
                    channels.push(segments.recv().map_err(stopped)?);
                }
            }
        }
        if let Some(threads) = self.threads {
            threads.join()?;
        }
        Ok(channels)
    }
}

/// A lone channel's front end and gate: batches of samples in, the same
/// frames with what was heard of them out to the network's thread.
fn front_end_task(batches: &mpsc::Receiver<Vec<f32>>, banded: &mpsc::SyncSender<Banded>) {
    let mut listener = Listener::new();
    let mut rest = Vec::with_capacity(BATCH + VAD_FRAME);
    for batch in batches {
        let mut frames = Vec::with_capacity(batch.len() + VAD_FRAME);
        let mut heard = Vec::with_capacity(batch.len() / VAD_FRAME + 1);
        frames_of(&mut rest, &batch, |frame| {
            frames.extend_from_slice(frame);
            heard.push(listener.hear(frame));
        });
        if banded.send((frames, heard)).is_err() {
            return;
        }
    }
}
