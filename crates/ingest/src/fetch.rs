//! Downloading a pushed call's recording from the dialer, safely.
//!
//! Dialers hand out short-lived URLs, and whoever holds an integration token
//! chooses the URL, so the fetch refuses to become a way into the network the
//! worker runs in: only `http`/`https`; loopback, private, link-local and
//! other non-public addresses refused unless allowed; the check made on the
//! addresses DNS returns, which are then the only ones connected to, and again
//! on every redirect; a size limit, a time limit and at most
//! [`MAX_REDIRECTS`] redirects.

use std::{
    net::{IpAddr, SocketAddr},
    time::Duration,
};

use filmroom_review::{Review, ReviewError, jobs::FetchRecording};
use ipnet::IpNet;
use reqwest::{StatusCode, header};
use url::{Host, Url};

/// Redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 3;

/// Which non-public addresses a fetch may reach.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PrivateAccess {
    /// None (the default).
    #[default]
    Refused,
    /// All of them (`FILMROOM_ALLOW_PRIVATE_FETCH=true`): for a dialer on the
    /// same private network, or tests.
    Allowed,
    /// Only these networks (`FILMROOM_ALLOW_PRIVATE_FETCH=10.1.0.0/16,…`).
    Networks(Vec<IpNet>),
}

impl std::str::FromStr for PrivateAccess {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "" | "false" | "0" | "no" => Ok(Self::Refused),
            "true" | "1" | "yes" => Ok(Self::Allowed),
            list => list
                .split(',')
                .map(|item| {
                    let item = item.trim();
                    item.parse::<IpNet>()
                        .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                        .map_err(|_| {
                            format!("`{item}` is not `true`, `false`, an address or a network like 10.0.0.0/8")
                        })
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Self::Networks),
        }
    }
}

/// Limits of recording downloads.
#[derive(Debug, Clone)]
pub struct FetchPolicy {
    /// Which non-public addresses may be reached.
    pub private: PrivateAccess,
    /// Largest recording, in bytes.
    pub max_bytes: u64,
    /// Longest a whole download may take, redirects included.
    pub timeout: Duration,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        Self {
            private: PrivateAccess::Refused,
            max_bytes: 2 * 1024 * 1024 * 1024,
            timeout: Duration::from_secs(600),
        }
    }
}

/// Why a download did not store a recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchFailure {
    /// The call's failure code.
    pub code: &'static str,
    /// What happened and what to do.
    pub message: String,
    /// Whether trying again later may work.
    pub retry: bool,
}

impl FetchFailure {
    fn permanent(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), retry: false }
    }

    fn transient(message: impl Into<String>) -> Self {
        Self { code: "recording_fetch_failed", message: message.into(), retry: true }
    }
}

impl From<ReviewError> for FetchFailure {
    fn from(e: ReviewError) -> Self {
        match e {
            ReviewError::AudioTooLarge { limit } => Self::permanent(
                "recording_too_large",
                format!("the recording is larger than the {limit} bytes this server accepts"),
            ),
            ReviewError::NotAudio(message) => Self::permanent(
                "unsupported_media",
                format!("the downloaded file is not audio filmroom accepts: {message}"),
            ),
            other => Self::transient(format!("storing the recording failed: {other}")),
        }
    }
}

/// Why an address may not be fetched from, or `None` for a public address.
pub fn non_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            if v4.is_loopback() {
                Some("a loopback address")
            } else if v4.is_private() {
                Some("a private address")
            } else if v4.is_link_local() {
                Some("a link-local address (cloud metadata lives there)")
            } else if v4.is_unspecified() || a == 0 {
                Some("an unspecified address")
            } else if a == 100 && (64..128).contains(&b) {
                Some("a shared (carrier-grade NAT) address")
            } else if v4.is_multicast() || v4.is_broadcast() || a >= 240 {
                Some("a multicast or reserved address")
            } else if a == 192 && b == 0 && v4.octets()[2] == 0 {
                Some("an IETF protocol address")
            } else if a == 198 && (b == 18 || b == 19) {
                Some("a benchmarking address")
            } else if matches!((a, b, v4.octets()[2]), (192, 0, 2) | (198, 51, 100) | (203, 0, 113))
            {
                Some("a documentation address")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            let segments = v6.segments();
            let embedded = |high: u16, low: u16| {
                let [a, b] = high.to_be_bytes();
                let [c, d] = low.to_be_bytes();
                non_public(IpAddr::V4(std::net::Ipv4Addr::new(a, b, c, d)))
            };
            let first = segments[0];
            if v6.is_loopback() {
                Some("a loopback address")
            } else if v6.is_unspecified() {
                Some("an unspecified address")
            } else if segments[..5] == [0; 5] && (segments[5] == 0 || segments[5] == 0xffff) {
                // IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d).
                embedded(segments[6], segments[7])
            } else if segments[..4] == [0; 4] && segments[4] == 0xffff && segments[5] == 0 {
                // IPv4-translated (::ffff:0:a.b.c.d).
                embedded(segments[6], segments[7])
            } else if first == 0x0064 && segments[1] == 0xff9b && segments[2..6] == [0; 4] {
                // Well-known NAT64 prefix 64:ff9b::/96: judge the IPv4 address inside.
                embedded(segments[6], segments[7])
            } else if first == 0x0064 && segments[1] == 0xff9b {
                Some("a local-use NAT64 address")
            } else if first == 0x2002 {
                // 6to4 carries an IPv4 address in bits 16-47.
                embedded(segments[1], segments[2])
            } else if first == 0x2001 && segments[1] == 0 {
                Some("a Teredo address")
            } else if first == 0x2001 && segments[1] == 0x0db8 {
                Some("a documentation address")
            } else if first & 0xfe00 == 0xfc00 {
                Some("a private (unique local) address")
            } else if first & 0xffc0 == 0xfe80 || first & 0xffc0 == 0xfec0 {
                Some("a link-local or site-local address")
            } else if v6.is_multicast() {
                Some("a multicast address")
            } else if first & 0xe000 != 0x2000 {
                // Only 2000::/3 is allocated for global unicast.
                Some("a reserved address")
            } else {
                None
            }
        }
    }
}

impl FetchPolicy {
    fn refusal(&self, ip: IpAddr) -> Option<&'static str> {
        let reason = non_public(ip)?;
        match &self.private {
            PrivateAccess::Allowed => None,
            PrivateAccess::Networks(nets) if nets.iter().any(|n| n.contains(&ip)) => None,
            _ => Some(reason),
        }
    }

    /// The addresses `url` may be fetched from, or why none.
    async fn addresses(&self, url: &Url) -> Result<Vec<SocketAddr>, FetchFailure> {
        let shown = redacted(url);
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchFailure::permanent(
                "recording_url_refused",
                format!("{shown}: only http and https URLs are fetched"),
            ));
        }
        let port = url.port_or_known_default().unwrap_or(80);
        let candidates: Vec<SocketAddr> = match url.host() {
            Some(Host::Ipv4(ip)) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
            Some(Host::Ipv6(ip)) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
            Some(Host::Domain(domain)) => {
                let lookup = tokio::net::lookup_host((domain, port));
                match tokio::time::timeout(Duration::from_secs(10), lookup).await {
                    Ok(Ok(addrs)) => addrs.collect(),
                    Ok(Err(e)) => {
                        return Err(FetchFailure::transient(format!(
                            "{shown}: cannot resolve {domain}: {e}"
                        )));
                    }
                    Err(_) => {
                        return Err(FetchFailure::transient(format!(
                            "{shown}: resolving {domain} timed out"
                        )));
                    }
                }
            }
            None => {
                return Err(FetchFailure::permanent(
                    "recording_url_refused",
                    format!("{shown}: the URL has no host"),
                ));
            }
        };
        let mut allowed = Vec::new();
        let mut refused = None;
        for addr in candidates {
            match self.refusal(addr.ip()) {
                None => allowed.push(addr),
                Some(reason) => refused = refused.or(Some((addr.ip(), reason))),
            }
        }
        match (allowed.is_empty(), refused) {
            (false, _) => Ok(allowed),
            (true, Some((ip, reason))) => Err(FetchFailure::permanent(
                "recording_url_refused",
                format!(
                    "{shown} resolves to {ip}, {reason}; recordings are fetched only from public addresses (set FILMROOM_ALLOW_PRIVATE_FETCH to allow a private dialer)"
                ),
            )),
            (true, None) => {
                Err(FetchFailure::transient(format!("{shown}: the host has no addresses")))
            }
        }
    }
}

/// An HTTP client for one request to `url`: the host's addresses checked
/// against `policy` and the connection pinned to them, no redirects followed,
/// no proxy. Webhook deliveries use it too, so an endpoint cannot point into
/// the network the worker runs in either.
pub async fn pinned_client(
    policy: &FetchPolicy,
    url: &Url,
) -> Result<reqwest::Client, FetchFailure> {
    let addresses = policy.addresses(url).await?;
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("filmroom/", env!("CARGO_PKG_VERSION")));
    if let Some(Host::Domain(domain)) = url.host() {
        // Connect only to the addresses just checked, never to a second lookup's.
        builder = builder.resolve_to_addrs(domain, &addresses);
    }
    builder
        .build()
        .map_err(|e| FetchFailure::transient(format!("cannot build an HTTP client: {e}")))
}

/// The URL without its query (signed URLs carry credentials there) or userinfo.
fn redacted(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

/// Downloads a pushed call's recording into the blob store and queues its
/// analysis. A call that no longer waits for audio is left alone.
pub async fn fetch_recording(
    review: &Review,
    policy: &FetchPolicy,
    job: &FetchRecording,
) -> Result<(), FetchFailure> {
    let credentials = match job.integration_id {
        Some(id) => review.integrations().fetch_credentials(id).await?,
        None => None,
    };
    let deadline = tokio::time::Instant::now() + policy.timeout;
    download(review, policy, job, credentials, deadline).await
}

fn timed_out(policy: &FetchPolicy, shown: &str) -> FetchFailure {
    FetchFailure::transient(format!(
        "{shown}: the download did not finish within {} s",
        policy.timeout.as_secs()
    ))
}

async fn download(
    review: &Review,
    policy: &FetchPolicy,
    job: &FetchRecording,
    credentials: Option<(String, String)>,
    deadline: tokio::time::Instant,
) -> Result<(), FetchFailure> {
    let first = Url::parse(&job.url).map_err(|e| {
        FetchFailure::permanent(
            "recording_url_refused",
            format!("the recording URL does not parse: {e}"),
        )
    })?;
    let origin = first.origin();
    let mut url = first;
    for _ in 0..=MAX_REDIRECTS {
        let client = pinned_client(policy, &url).await?;
        let shown = redacted(&url);
        let mut request = client.get(url.clone());
        if let Some((user, password)) = &credentials
            && url.origin() == origin
        {
            request = request.basic_auth(user, Some(password));
        }
        let response = tokio::time::timeout_at(deadline, request.send())
            .await
            .map_err(|_| timed_out(policy, &shown))?
            // The error's text would repeat the URL with its query (signed
            // links carry credentials there).
            .map_err(|e| {
                FetchFailure::transient(format!(
                    "{shown}: {}",
                    filmroom_review::error_chain(&e.without_url())
                ))
            })?;
        let status = response.status();
        if status.is_redirection() {
            let location =
                response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).ok_or_else(
                    || {
                        FetchFailure::permanent(
                            "recording_fetch_failed",
                            format!("{shown} answered {status} without a Location"),
                        )
                    },
                )?;
            url = url.join(location).map_err(|e| {
                FetchFailure::permanent(
                    "recording_fetch_failed",
                    format!("{shown} redirected to an unusable Location: {e}"),
                )
            })?;
            continue;
        }
        if !status.is_success() {
            return Err(http_failure(&shown, status));
        }
        if let Some(length) = response.content_length()
            && length > policy.max_bytes
        {
            return Err(FetchFailure::permanent(
                "recording_too_large",
                format!(
                    "{shown} is {length} bytes; this server accepts recordings up to {} bytes",
                    policy.max_bytes
                ),
            ));
        }
        return store_body(review, policy, job, response, &shown, deadline).await;
    }
    Err(FetchFailure::permanent(
        "recording_fetch_failed",
        format!("{} redirected more than {MAX_REDIRECTS} times", redacted(&url)),
    ))
}

async fn store_body(
    review: &Review,
    policy: &FetchPolicy,
    job: &FetchRecording,
    mut response: reqwest::Response,
    shown: &str,
    deadline: tokio::time::Instant,
) -> Result<(), FetchFailure> {
    let Some(mut upload) =
        review.integrations().begin_fetched_audio(job.call_id, policy.max_bytes).await?
    else {
        return Ok(()); // Deleted, or its audio arrived another way.
    };
    loop {
        let Ok(next) = tokio::time::timeout_at(deadline, response.chunk()).await else {
            upload.abort().await;
            return Err(timed_out(policy, shown));
        };
        match next {
            Ok(Some(chunk)) => {
                if let Err(e) = upload.push(&chunk).await {
                    upload.abort().await;
                    return Err(e.into());
                }
            }
            Ok(None) => break,
            Err(e) => {
                upload.abort().await;
                return Err(FetchFailure::transient(format!(
                    "{shown}: the download broke off: {}",
                    filmroom_review::error_chain(&e.without_url())
                )));
            }
        }
    }
    match upload.finish().await {
        Ok(_) => Ok(()),
        // Someone else stored audio first: theirs stays.
        Err(ReviewError::AudioAlreadyStored { .. } | ReviewError::RecordingRemoved) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

fn http_failure(shown: &str, status: StatusCode) -> FetchFailure {
    match status.as_u16() {
        401 | 403 => FetchFailure::permanent(
            "recording_fetch_failed",
            format!(
                "{shown} answered {status}: the link has expired or needs credentials; push the call again with a fresh recording_url (for Twilio media with HTTP auth, set account_sid and signing_secret on the integration)"
            ),
        ),
        404 | 410 => FetchFailure::permanent(
            "recording_fetch_failed",
            format!(
                "{shown} answered {status}: the recording is gone; push the call again with a fresh recording_url"
            ),
        ),
        408 | 425 | 429 | 500..=599 => {
            FetchFailure::transient(format!("{shown} answered {status}; trying again later"))
        }
        _ => {
            FetchFailure::permanent("recording_fetch_failed", format!("{shown} answered {status}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn non_public_addresses_are_named() -> TestResult {
        for (addr, public) in [
            ("8.8.8.8", true),
            ("52.1.2.3", true),
            ("2606:4700::1111", true),
            ("127.0.0.1", false),
            ("10.1.2.3", false),
            ("172.16.0.1", false),
            ("192.168.1.1", false),
            ("169.254.169.254", false),
            ("100.64.0.1", false),
            ("0.0.0.0", false),
            ("255.255.255.255", false),
            ("::1", false),
            ("fd00::1", false),
            ("fe80::1", false),
            ("::ffff:127.0.0.1", false),
            ("::ffff:8.8.8.8", true),
            ("64:ff9b::a9fe:a9fe", false),
            ("64:ff9b::808:808", true),
            ("64:ff9b:1::1", false),
            ("::169.254.169.254", false),
            ("::7f00:1", false),
            ("::ffff:0:a00:1", false),
            ("2002:a9fe:a9fe::", false),
            ("2002:808:808::", true),
            ("2001:0:4136:e378::1", false),
            ("2001:db8::1", false),
            ("fec0::1", false),
            ("100::1", false),
        ] {
            assert_eq!(non_public(addr.parse()?).is_none(), public, "{addr}");
        }
        Ok(())
    }

    #[test]
    fn private_access_parses_switches_and_networks() -> TestResult {
        assert_eq!("".parse::<PrivateAccess>(), Ok(PrivateAccess::Refused));
        assert_eq!("true".parse::<PrivateAccess>(), Ok(PrivateAccess::Allowed));
        let policy = FetchPolicy {
            private: "127.0.0.1, 10.0.0.0/8".parse::<PrivateAccess>()?,
            ..FetchPolicy::default()
        };
        assert_eq!(policy.refusal("127.0.0.1".parse()?), None);
        assert_eq!(policy.refusal("10.9.9.9".parse()?), None);
        assert!(policy.refusal("127.0.0.2".parse()?).is_some());
        assert!(policy.refusal("169.254.169.254".parse()?).is_some());
        assert!("maybe".parse::<PrivateAccess>().is_err());
        Ok(())
    }

    #[tokio::test]
    async fn names_are_checked_after_resolution() -> TestResult {
        let policy = FetchPolicy::default();
        let refused = policy.addresses(&Url::parse("http://localhost:9/recording.wav")?).await;
        assert!(
            matches!(
                refused,
                Err(FetchFailure { code: "recording_url_refused", retry: false, .. })
            ),
            "{refused:?}"
        );
        assert!(policy.addresses(&Url::parse("ftp://example.com/x")?).await.is_err());
        Ok(())
    }
}
