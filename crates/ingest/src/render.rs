//! Clips and reels rendered by `filmroom render` in a child process: the
//! environment cleared, the child limiting its own memory, CPU time, file
//! writes and processes, a wall-clock cap, at most a few at once per process,
//! and the child killed when the client goes away (the stream is dropped).

use std::{path::PathBuf, process::Stdio, sync::Arc, time::Duration};

use filmroom_review::{AudioRenderer, RenderSpec, RenderStream};
use futures_util::StreamExt;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    process::Command,
    sync::Semaphore,
};

/// How clips and reels are rendered.
#[derive(Debug, Clone)]
pub struct RenderSandbox {
    /// The `filmroom` binary (run as `filmroom render`).
    pub program: PathBuf,
    /// Address-space limit of the child, bytes.
    pub memory_limit_bytes: u64,
    /// CPU seconds the child may use.
    pub cpu_limit_secs: u64,
    /// Longest a render may take, start to end.
    pub timeout: Duration,
    /// Renders running at once in this process; more wait for a turn.
    pub permits: Arc<Semaphore>,
}

/// The only environment a decoding child gets besides `RUST_BACKTRACE=0`.
pub(crate) const CHILD_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Bytes read from the child at a time.
const CHUNK: usize = 64 * 1024;

impl RenderSandbox {
    /// A sandbox allowing `concurrency` renders at once.
    pub fn new(
        program: PathBuf,
        memory_limit_bytes: u64,
        timeout: Duration,
        concurrency: usize,
    ) -> Self {
        Self {
            program,
            memory_limit_bytes,
            cpu_limit_secs: timeout.as_secs().max(1),
            timeout,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }
}

/// The state the byte stream carries between reads.
struct Running {
    child: tokio::process::Child,
    stdout: tokio::process::ChildStdout,
    deadline: tokio::time::Instant,
    _permit: tokio::sync::OwnedSemaphorePermit,
    timeout: Duration,
}

impl AudioRenderer for RenderSandbox {
    fn render(&self, spec: RenderSpec) -> RenderStream {
        let sandbox = self.clone();
        let started = async move {
            let permit = Arc::clone(&sandbox.permits)
                .acquire_owned()
                .await
                .map_err(|e| std::io::Error::other(format!("the render queue is closed: {e}")))?;
            let job = serde_json::to_vec(&spec).map_err(std::io::Error::other)?;
            let mut child = Command::new(&sandbox.program)
                .arg("render")
                .arg("--memory-limit-bytes")
                .arg(sandbox.memory_limit_bytes.to_string())
                .arg("--cpu-limit-secs")
                .arg(sandbox.cpu_limit_secs.to_string())
                // Nothing of the server's environment (database URL, storage
                // secrets) reaches the decoder.
                .env_clear()
                .env("PATH", CHILD_PATH)
                .env("RUST_BACKTRACE", "0")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .spawn()?;
            let mut stdin = child
                .stdin
                .take()
                .ok_or_else(|| std::io::Error::other("the renderer has no stdin"))?;
            stdin.write_all(&job).await?;
            drop(stdin);
            let stdout = child
                .stdout
                .take()
                .ok_or_else(|| std::io::Error::other("the renderer has no stdout"))?;
            Ok::<_, std::io::Error>(Running {
                child,
                stdout,
                deadline: tokio::time::Instant::now() + sandbox.timeout,
                _permit: permit,
                timeout: sandbox.timeout,
            })
        };
        futures_util::stream::once(started)
            .flat_map(|started| match started {
                Ok(running) => futures_util::stream::unfold(Some(running), next_chunk).boxed(),
                Err(e) => futures_util::stream::once(async move { Err(e) }).boxed(),
            })
            .boxed()
    }
}

/// The next bytes of the child's output; the end when it has written all, an
/// error (and the child killed) when it runs past its deadline or fails.
async fn next_chunk(
    running: Option<Running>,
) -> Option<(Result<bytes::Bytes, std::io::Error>, Option<Running>)> {
    let mut running = running?;
    let mut buffer = vec![0u8; CHUNK];
    let read = tokio::time::timeout_at(running.deadline, running.stdout.read(&mut buffer)).await;
    match read {
        Ok(Ok(0)) => {
            let status = running.child.wait().await;
            match status {
                Ok(status) if status.success() => None,
                Ok(status) => Some((
                    Err(std::io::Error::other(format!("the renderer failed ({status})"))),
                    None,
                )),
                Err(e) => Some((Err(e), None)),
            }
        }
        Ok(Ok(n)) => {
            buffer.truncate(n);
            Some((Ok(bytes::Bytes::from(buffer)), Some(running)))
        }
        Ok(Err(e)) => Some((Err(e), None)),
        Err(_) => {
            let timeout = running.timeout;
            drop(running); // kill_on_drop ends the child
            Some((
                Err(std::io::Error::other(format!(
                    "rendering took longer than the {}s allowed",
                    timeout.as_secs()
                ))),
                None,
            ))
        }
    }
}
