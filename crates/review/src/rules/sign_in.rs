//! How signing in is bounded: secret prefixes, password lengths, how long
//! sessions and links live, the limit on failed sign-ins, and where a link
//! leads. The accounts area uses them; the root context holds the policy.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

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

/// Failed sign-ins remembered per account and per client, in this process.
///
/// After [`SignInLimiter::PER_ACCOUNT`] failures for one email, or
/// [`SignInLimiter::PER_CLIENT`] from one client, within
/// [`SignInLimiter::WINDOW_MINUTES`], further attempts are refused without
/// checking the password until the oldest failure leaves the window.
#[derive(Debug, Default)]
pub struct SignInLimiter {
    failures: Mutex<HashMap<String, VecDeque<DateTime<Utc>>>>,
}

impl SignInLimiter {
    /// Failures allowed per email in the window.
    pub const PER_ACCOUNT: usize = 5;
    /// Failures allowed per client address in the window.
    pub const PER_CLIENT: usize = 30;
    /// The window, in minutes.
    pub const WINDOW_MINUTES: i64 = 15;
    /// Keys remembered at most; the oldest are forgotten first.
    const MAX_KEYS: usize = 100_000;

    fn window() -> Duration {
        Duration::minutes(Self::WINDOW_MINUTES)
    }

    /// Counts an attempt for each key and says how long to wait when one
    /// of them was already at its limit (then nothing is counted). Attempts
    /// are counted before the password is checked, so parallel requests
    /// cannot slip past the limit; a success takes its attempt back.
    pub(crate) fn attempt(&self, keys: &[(&str, usize)], at: DateTime<Utc>) -> Option<u64> {
        let mut failures = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut wait = None;
        for (key, limit) in keys {
            let Some(list) = failures.get_mut(*key) else { continue };
            while list.front().is_some_and(|first| *first + Self::window() <= at) {
                list.pop_front();
            }
            if list.len() >= *limit {
                // The attempt that must leave the window before one more is allowed.
                let index = list.len().saturating_sub(*limit);
                if let Some(blocking) = list.get(index) {
                    let seconds = (*blocking + Self::window() - at).num_seconds().max(1);
                    let seconds = u64::try_from(seconds).unwrap_or(1);
                    wait = Some(wait.map_or(seconds, |w: u64| w.max(seconds)));
                }
            }
        }
        if wait.is_some() {
            return wait;
        }
        for (key, _) in keys {
            if failures.len() >= Self::MAX_KEYS && !failures.contains_key(*key) {
                failures
                    .retain(|_, list| list.back().is_some_and(|last| *last + Self::window() > at));
                if failures.len() >= Self::MAX_KEYS {
                    // Still full of live keys: forget the one idle longest.
                    let idlest = failures
                        .iter()
                        .min_by_key(|(_, list)| list.back().copied())
                        .map(|(k, _)| k.clone());
                    if let Some(idlest) = idlest {
                        failures.remove(&idlest);
                    }
                }
            }
            let list = failures.entry((*key).to_owned()).or_default();
            list.push_back(at);
            while list.len() > Self::PER_CLIENT {
                list.pop_front();
            }
        }
        None
    }

    /// Takes back an attempt that succeeded: the account's failures are
    /// forgotten, and the client's count loses this attempt.
    pub(crate) fn succeeded(&self, account: &str, client: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        failures.remove(account);
        if let Some(list) = failures.get_mut(client) {
            list.pop_back();
        }
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
