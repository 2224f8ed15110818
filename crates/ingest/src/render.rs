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
        // The child is driven by a task of its own, so the deadline holds
        // (and the child dies, and its permit is freed) even when the client
        // stops reading; a client that goes away closes the channel, which
        // ends the task and the child the same way.
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(4);
        tokio::spawn(async move {
            let running = match started.await {
                Ok(running) => running,
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            };
            let (deadline, timeout) = (running.deadline, running.timeout);
            let failure = match tokio::time::timeout_at(deadline, pump(running, &tx)).await {
                Ok(Ok(())) => return,
                Ok(Err(e)) => e,
                Err(_) => std::io::Error::other(format!(
                    "rendering took longer than the {}s allowed",
                    timeout.as_secs()
                )),
            };
            let _ = tx.try_send(Err(failure));
        });
        futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|chunk| (chunk, rx))
        })
        .boxed()
    }
}

/// A started render: the child (killed when dropped), its output, and the
/// permit it holds.
struct Running {
    child: tokio::process::Child,
    stdout: tokio::process::ChildStdout,
    deadline: tokio::time::Instant,
    timeout: Duration,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

/// Copies the child's output into `tx` until it ends; an error when the child
/// fails or nobody is listening any more.
async fn pump(
    mut running: Running,
    tx: &tokio::sync::mpsc::Sender<Result<bytes::Bytes, std::io::Error>>,
) -> Result<(), std::io::Error> {
    loop {
        let mut buffer = vec![0u8; CHUNK];
        // A client that goes away is noticed even while the child is quiet.
        let n = tokio::select! {
            read = running.stdout.read(&mut buffer) => read?,
            () = tx.closed() => return Ok(()),
        };
        if n == 0 {
            let status = running.child.wait().await?;
            if status.success() {
                return Ok(());
            }
            return Err(std::io::Error::other(format!("the renderer failed ({status})")));
        }
        buffer.truncate(n);
        if tx.send(Ok(bytes::Bytes::from(buffer))).await.is_err() {
            return Ok(()); // the client went away; dropping `running` kills the child
        }
    }
}
