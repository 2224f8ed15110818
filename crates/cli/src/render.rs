//! `filmroom render`: the sandboxed child that cuts a clip or a reel. It reads
//! one [`RenderSpec`] as JSON on standard input, limits its own memory, CPU
//! time, file writes and processes before decoding anything, and writes the
//! WAV to standard output. Exit 0 when the whole WAV was written; anything
//! else (a refusal, a panic, a limit) is a failure the server reports.

use std::{
    fs::File,
    io::{Read, Write},
};

use anyhow::Context;
use clap::Args;
use filmroom_review::RenderSpec;

/// Settings of `filmroom render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Address-space limit for this process, in bytes (0: no limit).
    #[arg(long, default_value_t = 0)]
    pub memory_limit_bytes: u64,
    /// CPU seconds this process may use (0: no limit).
    #[arg(long, default_value_t = 0)]
    pub cpu_limit_secs: u64,
}

/// Runs the render; called before any thread or runtime exists so the limits
/// cover everything.
pub fn run(args: &RenderArgs) -> anyhow::Result<std::process::ExitCode> {
    use rlimit::{Resource, setrlimit};
    if args.memory_limit_bytes > 0 {
        setrlimit(Resource::AS, args.memory_limit_bytes, args.memory_limit_bytes)
            .context("setting the memory limit")?;
    }
    if args.cpu_limit_secs > 0 {
        setrlimit(Resource::CPU, args.cpu_limit_secs, args.cpu_limit_secs)
            .context("setting the CPU limit")?;
    }
    // Output goes to standard output only: no files, no child processes.
    setrlimit(Resource::FSIZE, 0, 0).context("setting the file size limit")?;
    setrlimit(Resource::NPROC, 0, 0).context("setting the process limit")?;

    let mut job = Vec::new();
    std::io::stdin().read_to_end(&mut job).context("reading the render job")?;
    let spec: RenderSpec = serde_json::from_slice(&job).context("the render job does not parse")?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut open = true;
    let emit = |bytes: Vec<u8>| {
        open = open && out.write_all(&bytes).is_ok();
        open
    };
    let open_part = |path: &std::path::Path| {
        File::open(path).with_context(|| format!("opening {}", path.display()))
    };
    match spec {
        RenderSpec::Clip { part, channels } => {
            let source = open_part(&part.path)?;
            filmroom_audio::render::clip(
                source,
                part.start_frame,
                part.frames,
                part.sample_rate,
                channels,
                emit,
            )
            .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
        }
        RenderSpec::Reel { parts, sample_rate, channels, gap_frames, frames } => {
            let parts = parts
                .into_iter()
                .map(|part| {
                    Ok(filmroom_audio::reel::ReelPart {
                        source: open_part(&part.path)?,
                        start_frame: part.start_frame,
                        frames: part.frames,
                        sample_rate: part.sample_rate,
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            filmroom_audio::render::reel(parts, sample_rate, channels, gap_frames, frames, emit)
                .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
        }
    }
    out.flush().context("writing the WAV")?;
    Ok(std::process::ExitCode::SUCCESS)
}
