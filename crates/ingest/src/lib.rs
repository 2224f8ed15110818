//! The ingest worker: claims jobs from the durable queue, downloads pushed
//! recordings from dialers, fetches the recording from the blob store, analyses it in a sandboxed child process
//! (`filmroom analyze`), and stores what it found.
//!
//! The worker is the only place where audio meets storage. A worker that dies
//! loses nothing: its lease lapses and another worker takes the job up again;
//! every step is idempotent. It also sends email over SMTP when configured.

mod email;
pub mod fetch;
mod render;
mod sandbox;
pub mod webhook;
mod worker;

pub use email::{Mailer, MailerError};
pub use fetch::{FetchPolicy, PrivateAccess};
pub use render::RenderSandbox;
pub use sandbox::{AnalyzerOutcome, Sandbox};
pub use worker::{Worker, WorkerConfig, run_email_schedule};
