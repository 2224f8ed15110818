//! How signing in is bounded: secret prefixes, password lengths, how long
//! sessions and links live, the limit on failed sign-ins, and where a link
//! leads. The accounts area uses them; the root context holds the policy.

use chrono::{DateTime, Duration, Utc};

/// The prefix of session cookie secrets.
pub const SESSION_PREFIX: &str = "frs_";
/// The prefix of one-time link secrets.
pub const LINK_PREFIX: &str = "frl_";
/// Fewest characters a password may have.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Most bytes a password may have; argon2 hashes anything, but nobody types more.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// How long sessions and links live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session unused for this long ends.
    pub idle: Duration,
    /// A session ends this long after sign-in, however active.
    pub lifetime: Duration,
    /// How long an invite link works.
    pub invite_valid: Duration,
    /// How long a reset link works.
    pub reset_valid: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle: Duration::hours(12),
            lifetime: Duration::days(14),
            invite_valid: Duration::days(7),
            reset_valid: Duration::days(1),
        }
    }
}

/// How many failed sign-ins are allowed, and for how long they count.
///
/// After [`SignInLimits::PER_ACCOUNT`] failures for one email, or
/// [`SignInLimits::PER_CLIENT`] from one client, in a window of
/// [`SignInLimits::WINDOW_MINUTES`] that opens with the first of them,
/// further attempts are refused without checking the password until the
/// window closes. The counts live in the database, so several API processes
/// (or a restarted one) limit alike.
#[derive(Debug, Clone, Copy)]
pub struct SignInLimits;

impl SignInLimits {
    /// Failures allowed per email in the window.
    pub const PER_ACCOUNT: usize = 5;
    /// Failures allowed per client address in the window.
    pub const PER_CLIENT: usize = 30;
    /// The window, in minutes.
    pub const WINDOW_MINUTES: i64 = 15;

    /// How long failures count.
    pub fn window() -> Duration {
        Duration::minutes(Self::WINDOW_MINUTES)
    }

    /// Seconds to wait (at least 1) when `attempts`, counted with this one
    /// in a window opened at `window_start`, are more than `limit`.
    pub fn wait(
        window_start: DateTime<Utc>,
        attempts: i32,
        limit: usize,
        at: DateTime<Utc>,
    ) -> Option<u64> {
        if usize::try_from(attempts).unwrap_or(0) <= limit {
            return None;
        }
        let seconds = (window_start + Self::window() - at).num_seconds().max(1);
        Some(u64::try_from(seconds).unwrap_or(1))
    }
}

/// The path of the page a one-time sign-in link opens: printed by the
/// operator commands, shown to admins, and put in emailed invites.
pub fn link_path(secret: &str) -> String {
    format!("/welcome/{secret}")
}

/// Client addresses as the limiter counts them: IPv6 by its /64, which one
/// subscriber usually holds whole.
pub fn client_key(address: std::net::IpAddr) -> String {
    match address {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}
