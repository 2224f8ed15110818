//! Logging: one subscriber, set up once, writing to standard error.
//! `FILMROOM_LOG_FORMAT=json` switches to JSON lines; `RUST_LOG` filters
//! (default `info`).

use std::io::IsTerminal;

use anyhow::Context;
use tracing_subscriber::{EnvFilter, fmt};

/// What is logged when `RUST_LOG` is not set.
const DEFAULT_FILTER: &str =
    "info,sea_orm_migration=warn,actix_server=warn,sqlx::postgres::notice=warn";

/// Installs the global subscriber.
pub fn init() -> anyhow::Result<()> {
    // sea-orm-migration narrates every check, actix-server every worker
    // thread and PostgreSQL each `IF NOT EXISTS` it skips; filmroom logs what
    // was applied and where it listens itself.
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let format = std::env::var("FILMROOM_LOG_FORMAT").unwrap_or_default();
    let builder = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format.as_str() {
        "json" => builder.json().flatten_event(true).with_current_span(true).try_init(),
        "" | "text" => builder.try_init(),
        other => anyhow::bail!("FILMROOM_LOG_FORMAT must be `text` or `json`, not `{other}`"),
    }
    .map_err(|e| anyhow::anyhow!(e))
    .context("installing the log subscriber")
}
