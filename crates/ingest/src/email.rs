//! Sending email over SMTP (lettre): one message per job, composed by the
//! review domain just before it is sent, with the one-click unsubscribe
//! headers of RFC 8058. A refusal the mail server calls permanent (5xx, a bad
//! address) fails the email now; anything else is retried by the job queue.

use std::time::Duration;

use filmroom_review::{
    Review,
    email::{Attempt, ComposedEmail, Composition, SendOutcome},
    ids::EmailId,
    jobs::JobError,
};
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart, header::HeaderName, header::HeaderValue},
};

/// How long one conversation with the mail server may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Why the mail settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    /// The SMTP URL does not parse.
    #[error(
        "--smtp-url {0}: use smtp://HOST[:PORT] (STARTTLS, required unless ?tls=opportunistic or ?tls=none), or smtps://HOST[:PORT] (TLS from the start), with USER:PASSWORD@ when the server asks"
    )]
    Url(String),
    /// The sender address does not parse.
    #[error("--smtp-from {0}: give an address such as \"filmroom <coach@example.com>\"")]
    From(String),
}

/// An SMTP connection setting and the sender address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// Where people reach the web app, for the links in emails.
    public_url: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds the SMTP password.
        f.debug_struct("Mailer").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

impl Mailer {
    /// A mailer for `smtp_url` (`smtp://`, `smtps://`, with credentials when
    /// needed) sending as `from`, linking to `public_url`.
    pub fn new(smtp_url: &str, from: &str, public_url: &str) -> Result<Self, MailerError> {
        let redacted = redact(smtp_url);
        let smtp_url =
            with_tls_default(smtp_url).map_err(|e| MailerError::Url(format!("{redacted}: {e}")))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&smtp_url)
            .map_err(|e| MailerError::Url(format!("{redacted}: {e}")))?
            .timeout(Some(TIMEOUT))
            .build();
        let from =
            from.parse::<Mailbox>().map_err(|e| MailerError::From(format!("{from}: {e}")))?;
        Ok(Self { transport, from, public_url: public_url.trim_end_matches('/').to_owned() })
    }

    /// Composes and sends one email, recording the outcome on it. `final_try`
    /// says whether a failure ends the email's attempts.
    pub async fn send(
        &self,
        review: &Review,
        id: EmailId,
        final_try: bool,
    ) -> Result<(), JobError> {
        let emails = review.emails();
        let store_failure =
            |e: filmroom_review::ReviewError| JobError::retry("email_failed", e.to_string());
        // Only one attempt at a time may hold the email: a second job for it
        // (an admin's retry racing a worker's) finds it taken and stops.
        if !emails.claim(id).await.map_err(store_failure)? {
            return Ok(());
        }
        let composed = match emails
            .compose(id, &self.public_url, filmroom_store::now())
            .await
            .map_err(store_failure)?
        {
            Composition::Send(composed) => composed,
            Composition::Skip(reason) => {
                tracing::info!(email = %id, reason = %reason, "email skipped");
                emails
                    .record(id, SendOutcome::Skipped(reason), None)
                    .await
                    .map_err(store_failure)?;
                return Ok(());
            }
            Composition::Settled => return Ok(()),
        };
        let outcome = match self.message(&composed) {
            Ok(message) => self.transport.send(message).await.map_err(|e| {
                // A 5xx, or a mismatch between this client and the server
                // (STARTTLS required but not offered, say), will not pass on
                // a retry: it fails at once, saying why.
                let permanent = e.is_permanent() || e.is_client();
                // The server answered no (or it was never handed over);
                // a dropped connection may have delivered it.
                let refused = permanent || e.is_transient();
                (permanent, refused, filmroom_review::error_chain(&e))
            }),
            Err(message) => Err((true, true, message)),
        };
        match outcome {
            Ok(_) => {
                tracing::info!(email = %id, "email sent");
                // The mail server has it: another attempt would send it twice.
                if let Err(e) = emails.record(id, SendOutcome::Sent, Some(attempt(&composed))).await
                {
                    tracing::error!(email = %id, error = ?e, "the email was sent but recording it failed");
                }
                Ok(())
            }
            Err((permanent, refused, message)) => {
                let retrying = !permanent && !final_try;
                emails
                    .record(
                        id,
                        SendOutcome::Failed { message: message.clone(), retrying, refused },
                        Some(attempt(&composed)),
                    )
                    .await
                    .map_err(store_failure)?;
                if permanent {
                    Err(JobError::abort("email_refused", message))
                } else {
                    Err(JobError::retry("email_failed", message))
                }
            }
        }
    }

    fn message(&self, composed: &filmroom_review::email::ComposedEmail) -> Result<Message, String> {
        let to = Mailbox::new(
            Some(composed.to_name.clone()),
            composed
                .to_address
                .parse()
                .map_err(|e| format!("the address {} does not parse: {e}", composed.to_address))?,
        );
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(composed.subject.clone())
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{}>", composed.unsubscribe_url),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_owned(),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".to_owned(),
            ))
            .multipart(MultiPart::alternative_plain_html(
                composed.text.clone(),
                composed.html.clone(),
            ))
            .map_err(|e| format!("the message cannot be built: {e}"))
    }
}

/// What `record` needs of a composed email.
fn attempt(composed: &ComposedEmail) -> Attempt<'_> {
    Attempt { subject: &composed.subject, unsubscribe_token_hash: &composed.unsubscribe_token_hash }
}

/// `smtp://` insists on STARTTLS unless the URL says otherwise: lettre
/// would send the password and every sign-in link in the clear. `tls=none`
/// (a relay on the same host) turns encryption off; `tls=opportunistic`
/// uses it when the server offers it.
fn with_tls_default(smtp_url: &str) -> Result<String, String> {
    let mut url = url::Url::parse(smtp_url).map_err(|e| e.to_string())?;
    if url.scheme() != "smtp" {
        return Ok(url.to_string());
    }
    let others: Vec<(String, String)> =
        url.query_pairs().filter(|(k, _)| k != "tls").map(|(k, v)| (k.into(), v.into())).collect();
    let tls = url.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.to_string());
    let tls = match tls.as_deref() {
        None | Some("required") => Some("required"),
        Some("opportunistic") => Some("opportunistic"),
        Some("none") => None,
        Some(other) => {
            return Err(format!("tls={other} is not one of required, opportunistic, none"));
        }
    };
    url.set_query(None);
    if !others.is_empty() || tls.is_some() {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in &others {
            pairs.append_pair(k, v);
        }
        if let Some(tls) = tls {
            pairs.append_pair("tls", tls);
        }
    }
    Ok(url.to_string())
}

/// The SMTP URL without its password, for messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "(unparsable URL)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_smtp_insists_on_starttls_unless_told_otherwise() {
        assert_eq!(
            with_tls_default("smtp://u:p@mail.example:587").as_deref(),
            Ok("smtp://u:p@mail.example:587?tls=required")
        );
        assert_eq!(
            with_tls_default("smtp://127.0.0.1:2525?tls=none").as_deref(),
            Ok("smtp://127.0.0.1:2525")
        );
        assert_eq!(
            with_tls_default("smtp://mail.example?tls=opportunistic").as_deref(),
            Ok("smtp://mail.example?tls=opportunistic")
        );
        assert_eq!(with_tls_default("smtps://mail.example").as_deref(), Ok("smtps://mail.example"));
        assert!(with_tls_default("smtp://mail.example?tls=maybe").is_err());
    }

    #[test]
    fn the_password_never_appears_in_a_settings_error() {
        let error =
            Mailer::new("smtp://coach:s3cret@mail.example:99999", "a@b.example", "http://x")
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
        assert!(!error.contains("s3cret"), "{error}");
        assert!(Mailer::new("smtp://mail.example", "not an address", "http://x").is_err());
    }
}
