//! `filmroom analyze FILE`: the sandboxed child the worker runs for each
//! recording. It limits its own address space first, decodes the file once,
//! writes the peaks and the speech segments, and prints the facts as JSON. Exit 0 with facts; exit 3
//! with `{"code", "message"}` when the file is not analysable; anything else
//! (a panic, an abort on allocation failure) is a crash the worker reports.

use std::{fs::File, path::PathBuf};

use anyhow::Context;
use clap::Args;

/// Exit status for a file that is not something filmroom can analyse.
const EXIT_REFUSED: u8 = 3;

/// Settings of `filmroom analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The recording to analyse.
    pub file: PathBuf,
    /// Where to write the waveform peaks (audiowaveform JSON).
    #[arg(long)]
    pub peaks_out: Option<PathBuf>,
    /// Where to write the speech segments per channel (JSON).
    #[arg(long)]
    pub speech_out: Option<PathBuf>,
    /// Skip speech detection: facts and peaks only, to measure what the
    /// detector costs (`scripts/bench-speech-cost.sh`).
    #[arg(long, conflicts_with = "speech_out")]
    pub no_speech: bool,
    /// Address-space limit for this process, in bytes (0: no limit).
    #[arg(long, default_value_t = 0)]
    pub memory_limit_bytes: u64,
    /// CPU seconds this process may use (0: no limit).
    #[arg(long, default_value_t = 0)]
    pub cpu_limit_secs: u64,
}

/// Threads scoring speech beside the decoder: this project's machines have
/// two cores, and the worker runs analyses one at a time by default.
const SCORING_THREADS: usize = 2;

/// The largest file the analyzer may write: the peaks of a very long call
/// are a few MiB.
const MAX_WRITE_BYTES: u64 = 64 * 1024 * 1024;

/// Runs the analysis; called before any thread or runtime exists so the
/// memory limit covers everything.
pub fn run(args: &AnalyzeArgs) -> anyhow::Result<std::process::ExitCode> {
    use rlimit::{Resource, setrlimit};
    if args.memory_limit_bytes > 0 {
        setrlimit(Resource::AS, args.memory_limit_bytes, args.memory_limit_bytes)
            .context("setting the memory limit")?;
    }
    if args.cpu_limit_secs > 0 {
        setrlimit(Resource::CPU, args.cpu_limit_secs, args.cpu_limit_secs)
            .context("setting the CPU limit")?;
    }
    // It writes the peaks and speech files and starts no process.
    setrlimit(Resource::FSIZE, MAX_WRITE_BYTES, MAX_WRITE_BYTES)
        .context("setting the file size limit")?;
    // Speech is scored on two threads beside the decoder; they are started
    // now, before the limit below forbids any new thread or process.
    let threads = match args.no_speech {
        true => None,
        false => match filmroom_audio::ScoringThreads::start(SCORING_THREADS) {
            Ok(threads) => Some(threads),
            Err(e) => {
                eprintln!("speech is scored on the decoder's thread: no scoring threads ({e})");
                None
            }
        },
    };
    setrlimit(Resource::NPROC, 0, 0).context("setting the process limit")?;
    let file =
        File::open(&args.file).with_context(|| format!("opening {}", args.file.display()))?;
    // symphonia buffers its reads itself; a BufReader on top would copy twice.
    let analysed = if args.no_speech {
        filmroom_audio::analyze_without_speech(file)
            .map(|(facts, peaks)| (facts, peaks, filmroom_audio::Speech::default()))
    } else {
        filmroom_audio::analyze_with(file, threads)
    };
    match analysed {
        Ok((facts, peaks, speech)) => {
            if let Some(path) = &args.peaks_out {
                let json = serde_json::to_vec(&peaks)?;
                std::fs::write(path, json)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            if let Some(path) = &args.speech_out {
                let json = serde_json::to_vec(&speech)?;
                std::fs::write(path, json)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            println!("{}", serde_json::to_string(&facts)?);
            Ok(std::process::ExitCode::SUCCESS)
        }
        Err(refusal) => {
            println!("{}", serde_json::to_string(&refusal)?);
            Ok(std::process::ExitCode::from(EXIT_REFUSED))
        }
    }
}
