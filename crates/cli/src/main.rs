//! The `filmroom` binary: `serve`, `migrate`, `admin bootstrap`, `openapi`.
//!
//! With no configuration at all, `filmroom serve` keeps everything under
//! `./filmroom-data/` (a SQLite database and a directory of objects). Every
//! flag has a `FILMROOM_*` (or conventional) environment fallback; `--help`
//! lists them.

mod analyze;
mod render;
mod settings;
mod telemetry;

use std::net::TcpListener;

use anyhow::Context;
use clap::{Parser, Subcommand};
use filmroom_api::ApiConfig;
use filmroom_review::Review;
use filmroom_store::Store;

use crate::settings::{Backend, ServeArgs, WorkerArgs};

/// filmroom: asynchronous call review for sales teams.
#[derive(Debug, Parser)]
#[command(name = "filmroom", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    backend: Backend,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP API (migrating the database first).
    Serve(ServeArgs),
    /// Run ingest workers only (no HTTP API), for scale-out deployments.
    Worker(WorkerArgs),
    /// Analyse one recording and print its facts as JSON (run by the worker
    /// in a sandboxed child process).
    Analyze(analyze::AnalyzeArgs),
    /// Cut a clip or a reel described as JSON on standard input, writing WAV
    /// to standard output (run by the server in a sandboxed child process).
    Render(render::RenderArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Administrative tasks.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Print the OpenAPI document this build serves (YAML, as in `openapi.yaml`).
    Openapi {
        /// Print JSON instead of YAML.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create an organisation with its first admin and print that admin's API
    /// token (on standard output, once; it cannot be shown again).
    Bootstrap {
        /// The organisation's name.
        #[arg(long)]
        org: String,
        /// The admin's email.
        #[arg(long)]
        email: String,
        /// The admin's display name.
        #[arg(long)]
        name: String,
        /// The organisation's IANA time zone; weeks and deadlines use it.
        #[arg(long, default_value = "UTC")]
        timezone: String,
        #[command(flatten)]
        site: Site,
    },
    /// Print a one-time link with which a person sets their password: an
    /// invite (valid 7 days) when they have none yet, a reset (valid 1 day)
    /// otherwise. Earlier links for them stop working.
    Invite {
        /// The person's email.
        #[arg(long)]
        email: String,
        /// Their organisation's name, when the email is in several.
        #[arg(long)]
        organisation: Option<String>,
        #[command(flatten)]
        site: Site,
    },
    /// Analyse ready calls again through the job queue (the worker of a
    /// running `serve` or `worker` picks them up); they stay ready meanwhile.
    /// For calls analysed before speech detection existed.
    Reanalyze {
        /// Every ready call that has no speech segments yet.
        #[arg(long, conflicts_with = "call", required_unless_present = "call")]
        all: bool,
        /// One call, by id.
        #[arg(long)]
        call: Option<uuid::Uuid>,
    },
    /// Queue the reminders, digests and 1:1 notices due at an instant (a
    /// running server's email workers send them). The server does this on
    /// its own every `--reminder-interval-secs`; this is for cron, and for
    /// trying a schedule out. Each person gets each at most once per period.
    SendReminders {
        /// The instant to schedule for, RFC 3339 (`2026-12-03T09:30:00Z`)
        /// [default: now].
        #[arg(long)]
        at: Option<chrono::DateTime<chrono::FixedOffset>>,
    },
    /// Set a person's password, read from standard input (one line); their
    /// browser sessions end.
    SetPassword {
        /// The person's email.
        #[arg(long)]
        email: String,
        /// Their organisation's name, when the email is in several.
        #[arg(long)]
        organisation: Option<String>,
    },
}

/// Where people open the web app, for the links printed.
#[derive(Debug, clap::Args)]
struct Site {
    /// The URL people reach this server at.
    #[arg(long, env = "FILMROOM_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
    public_url: String,
}

impl Site {
    fn link(&self, secret: &str) -> String {
        format!(
            "{}{}",
            self.public_url.trim_end_matches('/'),
            filmroom_api::session::link_path(secret)
        )
    }
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if let Command::Analyze(args) = &cli.command {
        // No logging, no runtime, no threads: the memory limit must cover the
        // whole process, and stdout carries only the report.
        return analyze::run(args).unwrap_or_else(|e| {
            eprintln!("filmroom analyze: {e:#}");
            std::process::ExitCode::FAILURE
        });
    }
    if let Command::Render(args) = &cli.command {
        return render::run(args).unwrap_or_else(|e| {
            eprintln!("filmroom render: {e:#}");
            std::process::ExitCode::FAILURE
        });
    }
    if let Err(e) = telemetry::init() {
        eprintln!("filmroom: {e:#}");
        return std::process::ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("filmroom: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("filmroom: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(&cli.backend, args).await,
        Command::Worker(args) => worker(&cli.backend, args).await,
        Command::Analyze(_) | Command::Render(_) => Ok(()),
        Command::Migrate => {
            let database = cli.backend.database_url()?;
            let applied = Store::migrate(&database).await.context("migrating the database")?;
            eprintln!("{applied} migration(s) applied to {}", database.redacted());
            Ok(())
        }
        Command::Admin(AdminCommand::Bootstrap { org, email, name, timezone, site }) => {
            let store = cli.backend.open_store(true).await?;
            let review = Review::new(store);
            let (organisation, admin, token) = review
                .directory()
                .bootstrap(&org, &timezone, &email, &name)
                .await
                .context("creating the organisation")?;
            // Only the token goes to standard output, so `$(…)` captures it
            // alone; these words on standard error read right without it.
            eprintln!(
                "Created organisation \"{}\" ({}) with admin {} ({}).\n\
                 The admin's API token is on standard output, shown only this once.",
                organisation.name, organisation.id, admin.email, admin.id
            );
            println!("{}", token.secret);
            let link = review
                .accounts()
                .issue_link_as_operator(&admin.email, Some(&organisation.name))
                .await
                .context("making the admin's sign-in link")?;
            eprintln!(
                "To use the web app, open this link (valid until {}) and choose a password:\n{}",
                link.expires_at.format("%Y-%m-%d %H:%M UTC"),
                site.link(&link.secret)
            );
            Ok(())
        }
        Command::Admin(AdminCommand::Invite { email, organisation, site }) => {
            let review = Review::new(cli.backend.open_store(true).await?);
            let link = review
                .accounts()
                .issue_link_as_operator(&email, organisation.as_deref())
                .await
                .context("making the link")?;
            let kind = match link.purpose {
                filmroom_review::LinkPurpose::Invite => "invite",
                filmroom_review::LinkPurpose::Reset => "password reset",
            };
            eprintln!(
                "One-time {kind} link for {} ({}), valid until {}:",
                link.person.name,
                link.person.email,
                link.expires_at.format("%Y-%m-%d %H:%M UTC")
            );
            println!("{}", site.link(&link.secret));
            Ok(())
        }
        Command::Admin(AdminCommand::Reanalyze { all: _, call }) => {
            let review = Review::new(cli.backend.open_store(true).await?);
            let queued = review
                .lifecycle()
                .reanalyze(call.map(Into::into))
                .await
                .context("queueing the reanalysis")?;
            eprintln!("{queued} call(s) queued for analysis; a running worker takes them up.");
            Ok(())
        }
        Command::Admin(AdminCommand::SendReminders { at }) => {
            let review = Review::new(cli.backend.open_store(true).await?);
            let at = at.map_or_else(filmroom_store::now, |t| t.with_timezone(&chrono::Utc));
            let queued = review.emails().schedule_due(at).await.context("scheduling the emails")?;
            eprintln!(
                "{queued} email(s) queued for {}; a running server with --smtp-url sends them.",
                at.to_rfc3339()
            );
            Ok(())
        }
        Command::Admin(AdminCommand::SetPassword { email, organisation }) => {
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\n', '\r']);
            let review = Review::new(cli.backend.open_store(true).await?);
            let person = review
                .accounts()
                .set_password_as_operator(&email, organisation.as_deref(), password)
                .await
                .context("setting the password")?;
            eprintln!(
                "Password set for {} ({}); their sessions have ended.",
                person.name, person.email
            );
            Ok(())
        }
        Command::Openapi { json } => {
            let document = filmroom_api::openapi();
            let text = if json { document.to_pretty_json()? } else { document.to_yaml()? };
            print!("{text}");
            Ok(())
        }
    }
}

async fn serve(backend: &Backend, args: ServeArgs) -> anyhow::Result<()> {
    let store = backend.open_store(true).await?;
    let storage = store.blobs().description().to_owned();
    let listener = TcpListener::bind(&args.listen)
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener.local_addr().context("reading the bound address")?;
    let (stop_workers, stopped) = tokio::sync::watch::channel(false);
    // Without --public-url, links point at the listen address: people can
    // follow them there only when it is this machine's loopback. Elsewhere
    // (0.0.0.0 in a container, a LAN address) the links shown are best
    // guesses and emails, whose links go out, are refused.
    let mut link_address = address;
    if address.ip().is_unspecified() {
        link_address.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let listen_url = format!("http://{link_address}");
    let fallback = address.ip().is_loopback().then_some(listen_url.as_str());
    if args.worker.public_url.is_none() && !address.ip().is_loopback() {
        tracing::warn!(
            listen = %address,
            "--public-url is not set: sign-in links point at {listen_url}, which people elsewhere cannot reach, and email is refused; set --public-url"
        );
    }
    let mailer = args.worker.mailer(fallback)?;
    let workers = if args.no_worker {
        Vec::new()
    } else {
        args.worker.spawn(&store, backend, mailer.as_ref(), stopped)?
    };
    let review = Review::new(store)
        .with_email(mailer.is_some())
        .with_analysis_attempts(args.worker.analysis_attempts)
        .with_renderer(std::sync::Arc::new(args.render_sandbox()?))
        .with_session_policy(args.session_policy());
    let server = filmroom_api::server(
        review,
        ApiConfig {
            max_json_bytes: args.max_json_bytes,
            max_upload_bytes: args.max_upload_bytes,
            public_url: args.worker.public_url.clone(),
            listen_url: Some(listen_url.clone()),
            trust_proxy: args.trust_proxy,
        },
        listener,
        filmroom_web::configure(filmroom_web::WebConfig {
            public_url: args.worker.public_url.clone(),
        }),
    )?;
    tracing::info!(
        database = %backend.database_url()?.redacted(),
        storage = %storage,
        "filmroom listening on http://{address}"
    );
    let served = server.await.context("running the HTTP server");
    stop_workers.send_replace(true);
    for worker in workers {
        let _ = worker.await;
    }
    served
}

async fn worker(backend: &Backend, args: WorkerArgs) -> anyhow::Result<()> {
    let store = backend.open_store(false).await?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mailer = args.mailer(None)?;
    let workers = args.spawn(&store, backend, mailer.as_ref(), stopped)?;
    tracing::info!(
        count = workers.len(),
        database = %backend.database_url()?.redacted(),
        storage = %store.blobs().description(),
        "filmroom workers running"
    );
    shutdown_signal().await;
    tracing::info!("stopping: current jobs finish or are released within {}s", args.drain_secs);
    stop.send_replace(true);
    for worker in workers {
        let _ = worker.await;
    }
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
