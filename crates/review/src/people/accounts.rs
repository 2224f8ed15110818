//! Signing in from a browser: passwords, sessions, one-time links (invites
//! and resets) and the limits on failed sign-ins.
//!
//! Passwords are argon2id PHC strings. A session is a random 256-bit secret
//! kept by the browser in a cookie; only its SHA-256 is stored, with an idle
//! and an absolute expiry. A link is a random secret too, used once.

use std::sync::OnceLock;

use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};
use chrono::{DateTime, Duration, Utc};
use filmroom_store::{
    entity::{password, session, sign_in_link, sign_in_link::LinkPurpose, user},
    now,
};

use crate::people::directory::Person;
use crate::rules::error::{AuthFailure, Entity, ReviewError};
use crate::rules::ids::{OrganisationId, SessionId, SignInLinkId, UserId};
use crate::rules::person::Email;
use crate::rules::secrets;
use crate::{
    context::Accounts, rules::actor::Actor, rules::actor::Credential, rules::actor::require_admin,
};

pub use crate::rules::sign_in::{
    LINK_PREFIX, MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS, SESSION_PREFIX, SessionPolicy,
    SignInLimits, client_key, link_path,
};

/// Password hashes running at once; each takes about 19 MiB and a core.
fn hashing_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, usize::from))
    })
}

/// A session as its owner sees it on the account page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// Id.
    pub id: SessionId,
    /// The browser, as it named itself.
    pub user_agent: String,
    /// Sign-in time.
    pub created_at: DateTime<Utc>,
    /// Last activity, to the minute.
    pub last_seen_at: DateTime<Utc>,
    /// When it ends at the latest.
    pub expires_at: DateTime<Utc>,
    /// Whether this is the session asking.
    pub current: bool,
}

/// A session just started: the secret goes into the cookie, once.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The cookie's value.
    pub secret: String,
    /// Who signed in.
    pub actor: Actor,
    /// When the session ends at the latest (the cookie's expiry).
    pub expires_at: DateTime<Utc>,
}

/// An authenticated browser request.
#[derive(Debug, Clone)]
pub struct SessionActor {
    /// Who is acting.
    pub actor: Actor,
    /// The session.
    pub session_id: SessionId,
    /// The token state changes must carry.
    pub csrf_token: String,
}

/// A one-time link just made: the secret goes into the URL, shown once.
#[derive(Debug, Clone)]
pub struct IssuedLink {
    /// The secret for the link's path.
    pub secret: String,
    /// Invite (no password yet) or reset.
    pub purpose: LinkPurpose,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// Whose password it sets.
    pub person: Person,
}

/// What the set-password page shows about a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkView {
    /// Invite or reset.
    pub purpose: LinkPurpose,
    /// The person's name.
    pub name: String,
    /// The person's email.
    pub email: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// A checked new password.
struct NewPassword(String);

impl NewPassword {
    fn parse(field: &str, raw: &str) -> Result<Self, ReviewError> {
        let invalid =
            |message: String| ReviewError::InvalidField { field: field.to_owned(), message };
        if raw.len() > MAX_PASSWORD_BYTES {
            return Err(invalid(format!("use at most {MAX_PASSWORD_BYTES} bytes")));
        }
        if raw.chars().count() < MIN_PASSWORD_CHARS {
            return Err(invalid(format!(
                "use at least {MIN_PASSWORD_CHARS} characters; a few words you will remember work well"
            )));
        }
        if raw.trim().is_empty() {
            return Err(invalid("use some characters that are not spaces".to_owned()));
        }
        Ok(Self(raw.to_owned()))
    }
}

async fn hash_password(password: NewPassword) -> Result<String, ReviewError> {
    let _slot = hashing_slots()
        .acquire()
        .await
        .map_err(|e| ReviewError::Internal(format!("password hashing is shut down: {e}")))?;
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.0.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| ReviewError::Internal(format!("hashing a password failed: {e}")))
    })
    .await
    .map_err(|e| ReviewError::Internal(format!("the password hashing task failed: {e}")))?
}

/// Checks `password` against a stored PHC string, or against a decoy when
/// there is none, so that a sign-in takes as long whether or not the
/// account exists; a string that does not parse never matches.
async fn verify_password(password: String, stored: Option<String>) -> Result<bool, ReviewError> {
    let _slot = hashing_slots()
        .acquire()
        .await
        .map_err(|e| ReviewError::Internal(format!("password checks are shut down: {e}")))?;
    tokio::task::spawn_blocking(move || {
        let decoy = stored.is_none();
        let stored = stored.unwrap_or_else(decoy_hash);
        let matches = PasswordHash::new(&stored).is_ok_and(|hash| {
            Argon2::default().verify_password(password.as_bytes(), &hash).is_ok()
        });
        matches && !decoy
    })
    .await
    .map_err(|e| ReviewError::Internal(format!("the password check task failed: {e}")))
}

/// A hash of a random secret, made once per process.
fn decoy_hash() -> String {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY
        .get_or_init(|| {
            let mut salt = [0u8; 16];
            if getrandom::fill(&mut salt).is_err() {
                salt = [7; 16];
            }
            let secret: String = salt.iter().map(|b| format!("{b:02x}")).collect();
            Argon2::default()
                .hash_password(secret.as_bytes())
                .map(|h| h.to_string())
                .unwrap_or_default()
        })
        .clone()
}

fn user_agent_label(raw: &str) -> String {
    let clean: String = raw.chars().filter(|c| !c.is_control()).take(200).collect();
    if clean.is_empty() { "unknown browser".to_owned() } else { clean }
}

impl Accounts<'_> {
    /// Signs in with an email and password from the client `client` (its
    /// address). A wrong email and a wrong password fail alike.
    #[tracing::instrument(skip_all, err(level = "info"))]
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: &str,
        user_agent: &str,
    ) -> Result<SignedIn, ReviewError> {
        let at = now();
        let email = Email::parse("email", email).map(|e| e.as_str().to_owned()).unwrap_or_default();
        let account_key = format!("account:{email}");
        let client_key = format!("client:{client}");
        let keys = [
            (account_key.as_str(), SignInLimits::PER_ACCOUNT),
            (client_key.as_str(), SignInLimits::PER_CLIENT),
        ];
        if let Some(retry_after_secs) = self.count_attempt(&keys, at).await? {
            return Err(ReviewError::TooManySignIns { retry_after_secs });
        }
        let candidates = if email.is_empty() {
            Vec::new()
        } else {
            self.store.active_users_by_email(&email).await?
        };
        // Exactly one password check per candidate with a password, or one
        // against the decoy: a sign-in costs the same whether or not the
        // account exists.
        let mut checked = false;
        let mut signed_in = None;
        for candidate in candidates {
            let Some(stored) = self.store.password(candidate.id).await? else { continue };
            checked = true;
            if verify_password(password.to_owned(), Some(stored.hash)).await? {
                signed_in = Some(candidate);
                break;
            }
        }
        let Some(person) = signed_in else {
            if !checked {
                verify_password(password.to_owned(), None).await?;
            }
            return Err(ReviewError::SignInFailed);
        };
        self.take_back_attempt(&account_key, Some(&client_key)).await?;
        self.start_session(&person, user_agent).await
    }

    /// Counts an attempt against each key (with its limit) before the
    /// password is checked, so parallel requests, in one process or several,
    /// cannot slip past a limit. Answers how long to wait when one of them
    /// is over its limit; the refused attempt then counts against no other
    /// key (guesses at a locked account do not use up the address's).
    async fn count_attempt(
        &self,
        keys: &[(&str, usize)],
        at: DateTime<Utc>,
    ) -> Result<Option<u64>, ReviewError> {
        let expired = at - SignInLimits::window();
        let mut wait: Option<u64> = None;
        let mut within = Vec::new();
        for (key, limit) in keys {
            let hash = secrets::hash(key);
            let counted = self.store.count_sign_in_attempt(&hash, at, expired).await?;
            match SignInLimits::wait(counted.window_start, counted.failures, *limit, at) {
                Some(seconds) => wait = Some(wait.map_or(seconds, |w| w.max(seconds))),
                None => within.push(hash),
            }
        }
        if wait.is_some() {
            for hash in within {
                self.store.take_back_sign_in_attempt(&hash).await?;
            }
        }
        self.store.prune_sign_in_limits(expired).await?;
        Ok(wait)
    }

    /// Takes back the attempt of a sign-in that succeeded: the account's
    /// failures are forgotten, and the client's count loses this attempt.
    async fn take_back_attempt(
        &self,
        account: &str,
        client: Option<&str>,
    ) -> Result<(), ReviewError> {
        self.store.forget_sign_in_attempts(&secrets::hash(account)).await?;
        if let Some(client) = client {
            self.store.take_back_sign_in_attempt(&secrets::hash(client)).await?;
        }
        Ok(())
    }

    async fn start_session(
        &self,
        person: &user::Model,
        user_agent: &str,
    ) -> Result<SignedIn, ReviewError> {
        let at = now();
        let secret = secrets::generate_with_prefix(SESSION_PREFIX)
            .map_err(|e| ReviewError::Internal(format!("no randomness for a session: {e}")))?;
        let csrf = secrets::generate_with_prefix("")
            .map_err(|e| ReviewError::Internal(format!("no randomness for a session: {e}")))?;
        let row = session::Model {
            id: SessionId::generate(),
            organisation_id: person.organisation_id,
            user_id: person.id,
            secret_hash: secret.hash,
            csrf_token: csrf.secret,
            user_agent: user_agent_label(user_agent),
            created_at: at,
            last_seen_at: at,
            expires_at: at + self.sessions.lifetime,
            ended_at: None,
        };
        let stored = self.store.insert_session(row).await?;
        Ok(SignedIn {
            secret: secret.secret,
            actor: Actor {
                user_id: person.id,
                organisation_id: person.organisation_id,
                role: person.role,
                credential: Credential::Session(stored.id),
            },
            expires_at: stored.expires_at,
        })
    }

    /// Resolves a session cookie's secret to the acting user. `activity`
    /// says whether the request counts as the person using filmroom (a
    /// page's own background refresh does not, so an open tab still goes idle).
    pub async fn authenticate_session(
        &self,
        secret: Option<&str>,
        activity: bool,
    ) -> Result<SessionActor, ReviewError> {
        let secret = secret.ok_or(ReviewError::Unauthenticated(AuthFailure::NoSession))?;
        let hash = secrets::hash(secret);
        let Some((found, owner)) = self.store.session_by_hash(&hash).await? else {
            return Err(ReviewError::Unauthenticated(AuthFailure::NoSession));
        };
        let at = now();
        if found.ended_at.is_some()
            || found.expires_at <= at
            || found.last_seen_at + self.sessions.idle <= at
        {
            return Err(ReviewError::Unauthenticated(AuthFailure::SessionExpired));
        }
        if !owner.active {
            return Err(ReviewError::Unauthenticated(AuthFailure::UserDeactivated));
        }
        let granularity = (self.sessions.idle / 4).min(Duration::minutes(1));
        if activity && at - found.last_seen_at >= granularity {
            self.store.touch_session(found.id, &hash, at).await?;
        }
        Ok(SessionActor {
            actor: Actor {
                user_id: owner.id,
                organisation_id: owner.organisation_id,
                role: owner.role,
                credential: Credential::Session(found.id),
            },
            session_id: found.id,
            csrf_token: found.csrf_token,
        })
    }

    /// Ends the caller's own session (sign-out).
    pub async fn sign_out(&self, actor: &Actor) -> Result<(), ReviewError> {
        if let Credential::Session(id) = actor.credential {
            self.store.end_session(actor.user_id, id, now()).await?;
        }
        Ok(())
    }

    /// The caller's live sessions, newest first.
    pub async fn sessions(&self, actor: &Actor) -> Result<Vec<SessionInfo>, ReviewError> {
        let current = actor.credential.session();
        let at = now();
        Ok(self
            .store
            .live_sessions(actor.user_id, at)
            .await?
            .into_iter()
            .filter(|s| s.last_seen_at + self.sessions.idle > at)
            .map(|s| SessionInfo {
                current: Some(s.id) == current,
                id: s.id,
                user_agent: s.user_agent,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
                expires_at: s.expires_at,
            })
            .collect())
    }

    /// Ends one of the caller's sessions.
    pub async fn end_session(&self, actor: &Actor, id: SessionId) -> Result<(), ReviewError> {
        if self.store.end_session(actor.user_id, id, now()).await? {
            Ok(())
        } else {
            Err(ReviewError::NotFound { entity: Entity::Session, id: id.to_string() })
        }
    }

    /// Changes the caller's password after checking the current one, and
    /// ends their other sessions.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current: &str,
        new: &str,
    ) -> Result<(), ReviewError> {
        let new = NewPassword::parse("new_password", new)?;
        self.confirm_password(actor, current).await?;
        let keep = actor.credential.session();
        let hash = hash_password(new).await?;
        self.store
            .set_password(password::Model { user_id: actor.user_id, hash, updated_at: now() }, keep)
            .await?;
        Ok(())
    }

    /// Checks the caller's current password before something that needs it
    /// (a new password, a new API token). Wrong guesses are limited like
    /// sign-ins, so a borrowed session cannot be used to find the password.
    pub async fn confirm_password(&self, actor: &Actor, password: &str) -> Result<(), ReviewError> {
        let key = format!("password:{}", actor.user_id);
        if let Some(retry_after_secs) =
            self.count_attempt(&[(key.as_str(), SignInLimits::PER_ACCOUNT)], now()).await?
        {
            return Err(ReviewError::TooManySignIns { retry_after_secs });
        }
        let stored = self.store.password(actor.user_id).await?.map(|p| p.hash);
        let had_one = stored.is_some();
        if verify_password(password.to_owned(), stored).await? && had_one {
            self.take_back_attempt(&key, None).await?;
            Ok(())
        } else {
            Err(ReviewError::InvalidField {
                field: "current_password".into(),
                message: "this is not your current password".into(),
            })
        }
    }

    /// An admin makes a one-time link for a person of their organisation: an
    /// invite when the person has no password yet, a reset otherwise.
    pub async fn issue_link(
        &self,
        actor: &Actor,
        user_id: UserId,
    ) -> Result<IssuedLink, ReviewError> {
        require_admin(actor, "make sign-in links")?;
        let row = self.store.user(actor.organisation_id, user_id).await?.ok_or_else(|| {
            ReviewError::NotFound { entity: Entity::User, id: user_id.to_string() }
        })?;
        self.new_link(row).await
    }

    /// An operator (`filmroom admin invite`) makes a link for the person with
    /// this email; `organisation` picks one when the email is in several.
    pub async fn issue_link_as_operator(
        &self,
        email: &str,
        organisation: Option<&str>,
    ) -> Result<IssuedLink, ReviewError> {
        let row = self.operator_lookup(email, organisation).await?;
        self.new_link(row).await
    }

    /// A link for a person just created by bootstrap.
    pub(crate) async fn new_link(&self, row: user::Model) -> Result<IssuedLink, ReviewError> {
        if !row.active {
            return Err(ReviewError::InvalidField {
                field: "user".into(),
                message: format!("user {} is deactivated; reactivate them first", row.id),
            });
        }
        let purpose = if self.store.password(row.id).await?.is_some() {
            LinkPurpose::Reset
        } else {
            LinkPurpose::Invite
        };
        let at = now();
        let valid = match purpose {
            LinkPurpose::Invite => self.sessions.invite_valid,
            LinkPurpose::Reset => self.sessions.reset_valid,
        };
        let secret = secrets::generate_with_prefix(LINK_PREFIX)
            .map_err(|e| ReviewError::Internal(format!("no randomness for a link: {e}")))?;
        let stored = self
            .store
            .insert_sign_in_link(sign_in_link::Model {
                id: SignInLinkId::generate(),
                organisation_id: row.organisation_id,
                user_id: row.id,
                purpose,
                token_hash: secret.hash,
                created_at: at,
                expires_at: at + valid,
                used_at: None,
            })
            .await?;
        Ok(IssuedLink {
            secret: secret.secret,
            purpose,
            expires_at: stored.expires_at,
            person: row.into(),
        })
    }

    async fn live_link(
        &self,
        secret: &str,
    ) -> Result<(sign_in_link::Model, user::Model), ReviewError> {
        let found = self.store.sign_in_link_by_hash(&secrets::hash(secret)).await?;
        match found {
            Some((link, owner))
                if link.used_at.is_none() && link.expires_at > now() && owner.active =>
            {
                Ok((link, owner))
            }
            _ => Err(ReviewError::LinkInvalid),
        }
    }

    /// What a link is for, or [`ReviewError::LinkInvalid`] when it was used,
    /// replaced or has expired.
    pub async fn link(&self, secret: &str) -> Result<LinkView, ReviewError> {
        let (link, owner) = self.live_link(secret).await?;
        Ok(LinkView {
            purpose: link.purpose,
            name: owner.name,
            email: owner.email,
            expires_at: link.expires_at,
        })
    }

    /// Sets the password a link was made for, uses the link up, ends the
    /// person's other sessions and signs them in.
    pub async fn use_link(
        &self,
        secret: &str,
        new_password: &str,
        user_agent: &str,
    ) -> Result<SignedIn, ReviewError> {
        let (link, owner) = self.live_link(secret).await?;
        let hash = hash_password(NewPassword::parse("password", new_password)?).await?;
        let row = password::Model { user_id: owner.id, hash, updated_at: now() };
        if !self.store.use_link(link.id, row).await? {
            return Err(ReviewError::LinkInvalid);
        }
        self.start_session(&owner, user_agent).await
    }

    /// An operator sets a person's password directly (`filmroom admin
    /// set-password`); their sessions end.
    pub async fn set_password_as_operator(
        &self,
        email: &str,
        organisation: Option<&str>,
        new_password: &str,
    ) -> Result<Person, ReviewError> {
        let row = self.operator_lookup(email, organisation).await?;
        let hash = hash_password(NewPassword::parse("password", new_password)?).await?;
        self.store
            .set_password(password::Model { user_id: row.id, hash, updated_at: now() }, None)
            .await?;
        Ok(row.into())
    }

    async fn operator_lookup(
        &self,
        email: &str,
        organisation: Option<&str>,
    ) -> Result<user::Model, ReviewError> {
        let email = Email::parse("email", email)?;
        let organisation_id: Option<OrganisationId> = match organisation {
            Some(name) => Some(
                self.store
                    .organisation_named(name)
                    .await?
                    .ok_or_else(|| ReviewError::NotFound {
                        entity: Entity::Organisation,
                        id: name.to_owned(),
                    })?
                    .id,
            ),
            None => None,
        };
        let mut matches: Vec<user::Model> = self
            .store
            .active_users_by_email(email.as_str())
            .await?
            .into_iter()
            .filter(|u| organisation_id.is_none_or(|o| u.organisation_id == o))
            .collect();
        match matches.len() {
            0 => Err(ReviewError::NotFound { entity: Entity::User, id: email.as_str().to_owned() }),
            1 => matches.pop().ok_or(ReviewError::LinkInvalid),
            n => Err(ReviewError::InvalidField {
                field: "organisation".into(),
                message: format!(
                    "{n} organisations have an active user with this email; name one with --organisation"
                ),
            }),
        }
    }
}
