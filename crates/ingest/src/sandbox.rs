//! Running `filmroom analyze` as a child process with a memory limit and a
//! timeout, so that a hostile file that makes the decoder panic, hang or
//! allocate without bound costs one job, never the worker.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use filmroom_audio::{AnalysisError, AudioFacts};
use tokio::process::Command;

/// How to run the analyzer.
#[derive(Debug, Clone)]
pub struct Sandbox {
    /// The `filmroom` binary.
    pub program: PathBuf,
    /// Address-space limit of the child, bytes.
    pub memory_limit_bytes: u64,
    /// Time allowed whatever the size.
    pub base_timeout: Duration,
    /// Time allowed per MiB of input on top.
    pub timeout_per_mib: Duration,
    /// The longest any analysis may take, whatever the size.
    pub max_timeout: Duration,
}

/// What became of one analysis run.
#[derive(Debug)]
pub enum AnalyzerOutcome {
    /// It finished; the facts, and the peaks in the file asked for.
    Analysed(AudioFacts),
    /// The file is not something filmroom can analyse (a permanent verdict).
    Refused(AnalysisError),
    /// The child crashed, ran out of memory or time, or could not run.
    Failed {
        /// `decode_crashed`, `decode_out_of_memory`, `decode_timeout`, `analysis_failed`.
        code: &'static str,
        /// What happened.
        message: String,
    },
}

impl Sandbox {
    /// The time allowed for an input of `size` bytes.
    pub fn timeout_for(&self, size: u64) -> Duration {
        let mib = u32::try_from(size / (1024 * 1024)).unwrap_or(u32::MAX);
        self.base_timeout
            .saturating_add(self.timeout_per_mib.saturating_mul(mib))
            .min(self.max_timeout)
    }

    /// Analyses `input`, writing peaks to `peaks_out` and speech segments to
    /// `speech_out`.
    pub async fn analyze(
        &self,
        input: &Path,
        peaks_out: &Path,
        speech_out: &Path,
        size: u64,
    ) -> AnalyzerOutcome {
        let timeout = self.timeout_for(size);
        let child = Command::new(&self.program)
            .arg("analyze")
            .arg("--memory-limit-bytes")
            .arg(self.memory_limit_bytes.to_string())
            .arg("--cpu-limit-secs")
            .arg(timeout.as_secs().max(1).to_string())
            .arg("--peaks-out")
            .arg(peaks_out)
            .arg("--speech-out")
            .arg(speech_out)
            .arg(input)
            // Nothing of the worker's environment (database URL, storage
            // secrets) reaches the decoder.
            .env_clear()
            .env("PATH", crate::render::CHILD_PATH)
            .env("RUST_BACKTRACE", "0")
            // One malloc arena: each thread's own would reserve 64 MiB of
            // the address space the memory limit allows.
            .env("MALLOC_ARENA_MAX", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(e) => {
                return AnalyzerOutcome::Failed {
                    code: "analysis_failed",
                    message: format!(
                        "could not start the analyzer {}: {e}",
                        self.program.display()
                    ),
                };
            }
        };
        let output = match tokio::time::timeout(timeout, child.wait_with_output()).await {
            Ok(Ok(output)) => output,
            Ok(Err(e)) => {
                return AnalyzerOutcome::Failed {
                    code: "analysis_failed",
                    message: format!("waiting for the analyzer: {e}"),
                };
            }
            // Dropping the future kills the child (kill_on_drop).
            Err(_) => {
                return AnalyzerOutcome::Failed {
                    code: "decode_timeout",
                    message: format!(
                        "decoding took longer than the {}s allowed for this file",
                        timeout.as_secs()
                    ),
                };
            }
        };
        let stderr = String::from_utf8_lossy(&output.stderr);
        if output.status.success() {
            return match serde_json::from_slice::<AudioFacts>(&output.stdout) {
                Ok(facts) => AnalyzerOutcome::Analysed(facts),
                Err(e) => AnalyzerOutcome::Failed {
                    code: "analysis_failed",
                    message: format!("the analyzer's report does not parse: {e}"),
                },
            };
        }
        if let Ok(refusal) = serde_json::from_slice::<AnalysisError>(&output.stdout) {
            return AnalyzerOutcome::Refused(refusal);
        }
        if stderr.contains("memory allocation of")
            || stderr.contains("capacity overflow")
            || stderr.contains("out of memory")
        {
            return AnalyzerOutcome::Failed {
                code: "decode_out_of_memory",
                message: format!(
                    "decoding needed more than the {} MiB allowed",
                    self.memory_limit_bytes / (1024 * 1024)
                ),
            };
        }
        let last_line = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("no message");
        AnalyzerOutcome::Failed {
            code: "decode_crashed",
            message: format!(
                "the decoder crashed ({}): {last_line}",
                describe_exit(&output.status)
            ),
        }
    }
}

fn describe_exit(status: &std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("killed by signal {signal}");
        }
    }
    match status.code() {
        Some(code) => format!("exit code {code}"),
        None => "no exit code".into(),
    }
}
