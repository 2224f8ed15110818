//! The root every area hangs from: the [`Review`] context over the store
//! with its configuration, the few lookups every area needs (the management
//! tree, who may be seen, the organisation), and one borrowed handle per area
//! ([`Calls`], [`WeeklyReview`], …). It imports no area: each area adds its
//! functions to its handle, and reaches another area through the handle
//! [`Review`] gives it.

use filmroom_store::{
    JobKind, Role, Store,
    entity::{call, organisation, user},
};

use crate::{
    jobs::{RetryPolicy, policy},
    rules::actor::Actor,
    rules::error::Entity,
    rules::error::ReviewError,
    rules::ids::CallId,
    rules::ids::UserId,
    rules::person::ManagementTree,
    rules::visibility,
};

/// The review domain over a store. Every method takes the [`Actor`] and checks
/// what they may do before touching data.
#[derive(Clone, Debug)]
pub struct Review {
    pub(crate) store: Store,
    pub(crate) analysis_attempts: i32,
    /// Where clips and reels are decoded: a sandboxed child process.
    pub(crate) renderer: Option<std::sync::Arc<dyn crate::rules::render::AudioRenderer>>,
    /// How long browser sessions and sign-in links live.
    pub(crate) sessions: crate::rules::sign_in::SessionPolicy,
    /// Whether this server sends email (an SMTP server is configured).
    pub(crate) email_enabled: bool,
}

impl Review {
    /// Wraps a store.
    pub fn new(store: Store) -> Self {
        Self {
            store,
            analysis_attempts: crate::jobs::ANALYSIS_ATTEMPTS,
            renderer: None,
            sessions: crate::rules::sign_in::SessionPolicy::default(),
            email_enabled: false,
        }
    }

    /// How the store's read cache is doing (for `/metrics`).
    pub fn read_cache_stats(&self) -> filmroom_store::ReadCacheStats {
        self.store.read_cache_stats()
    }

    /// Says that an SMTP server is configured, so invites may be emailed.
    pub fn with_email(mut self, enabled: bool) -> Self {
        self.email_enabled = enabled;
        self
    }

    /// Sets how long browser sessions and sign-in links live.
    pub fn with_session_policy(mut self, policy: crate::rules::sign_in::SessionPolicy) -> Self {
        self.sessions = policy;
        self
    }

    /// Sets the sandbox that renders clips and reels; without one, clip and
    /// reel requests fail rather than decode in this process.
    pub fn with_renderer(
        mut self,
        renderer: std::sync::Arc<dyn crate::rules::render::AudioRenderer>,
    ) -> Self {
        self.renderer = Some(renderer);
        self
    }

    /// Sets how many times an analysis is attempted before the call is marked failed.
    pub fn with_analysis_attempts(mut self, attempts: u32) -> Self {
        self.analysis_attempts = i32::try_from(attempts.max(1)).unwrap_or(i32::MAX);
        self
    }
    /// Checks the database answers.
    pub async fn check_database(&self) -> Result<(), ReviewError> {
        Ok(self.store.ping_database().await?)
    }
    /// Checks the blob store answers.
    pub async fn check_storage(&self) -> Result<(), ReviewError> {
        Ok(self.store.blobs().check().await?)
    }
    /// A user named in a request body (`field`), who must be visible to the caller.
    pub(crate) async fn visible_person(
        &self,
        actor: &Actor,
        id: UserId,
        field: &str,
    ) -> Result<user::Model, ReviewError> {
        let invisible = || ReviewError::InvalidField {
            field: field.to_owned(),
            message: format!("no user {id} that you can see in this organisation"),
        };
        let row = self.store.user(actor.organisation_id, id).await?.ok_or_else(invisible)?;
        let tree = self.tree(actor).await?;
        if visibility::can_see(actor.user_id, actor.role, id, &tree) {
            Ok(row)
        } else {
            Err(invisible())
        }
    }
    pub(crate) async fn tree(&self, actor: &Actor) -> Result<ManagementTree, ReviewError> {
        Ok(ManagementTree::new(&self.store.management_edges(actor.organisation_id).await?))
    }
    pub(crate) async fn visible_call(
        &self,
        actor: &Actor,
        id: CallId,
    ) -> Result<call::Model, ReviewError> {
        let row =
            self.store.call(actor.organisation_id, id).await?.ok_or_else(|| {
                ReviewError::NotFound { entity: Entity::Call, id: id.to_string() }
            })?;
        // The rep's own call, or an admin: no need to read the tree.
        if actor.role == Role::Admin || row.rep_id == actor.user_id {
            return Ok(row);
        }
        let tree = self.tree(actor).await?;
        if visibility::can_see(actor.user_id, actor.role, row.rep_id, &tree) {
            Ok(row)
        } else {
            Err(ReviewError::NotFound { entity: Entity::Call, id: id.to_string() })
        }
    }
    pub(crate) async fn organisation_row(
        &self,
        actor: &Actor,
    ) -> Result<organisation::Model, ReviewError> {
        self.store.organisation(actor.organisation_id).await?.ok_or_else(|| ReviewError::NotFound {
            entity: Entity::Organisation,
            id: actor.organisation_id.to_string(),
        })
    }
    /// A rep the caller can see (404 otherwise).
    pub(crate) async fn visible_rep(
        &self,
        actor: &Actor,
        rep: UserId,
    ) -> Result<(user::Model, ManagementTree), ReviewError> {
        let row =
            self.store.user(actor.organisation_id, rep).await?.ok_or_else(|| {
                ReviewError::NotFound { entity: Entity::User, id: rep.to_string() }
            })?;
        let tree = self.tree(actor).await?;
        if visibility::can_see(actor.user_id, actor.role, rep, &tree) {
            Ok((row, tree))
        } else {
            Err(ReviewError::NotFound { entity: Entity::User, id: rep.to_string() })
        }
    }
    /// How a kind of job is retried on this server.
    pub fn job_policy(&self, kind: JobKind) -> RetryPolicy {
        policy(kind, self.analysis_attempts)
    }

    /// Email: reminders, digests, 1:1 notices, invites and opt-outs.
    pub fn emails(&self) -> Emails<'_> {
        Emails { review: self }
    }

    /// Passwords, browser sessions and sign-in links.
    pub fn accounts(&self) -> Accounts<'_> {
        Accounts { review: self }
    }

    /// People and tokens.
    pub fn directory(&self) -> Directory<'_> {
        Directory { review: self }
    }

    /// Calls and their audio.
    pub fn calls(&self) -> Calls<'_> {
        Calls { review: self }
    }

    /// The call lifecycle's moves.
    pub fn lifecycle(&self) -> CallLifecycle<'_> {
        CallLifecycle { review: self }
    }

    /// The weekly two-call review.
    pub fn weekly(&self) -> WeeklyReview<'_> {
        WeeklyReview { review: self }
    }

    /// The weekly 1:1 and the focus skill.
    pub fn one_on_ones(&self) -> OneOnOnes<'_> {
        OneOnOnes { review: self }
    }

    /// Dialer integrations.
    pub fn integrations(&self) -> Integrations<'_> {
        Integrations { review: self }
    }

    /// Webhooks and their deliveries.
    pub fn webhooks(&self) -> Webhooks<'_> {
        Webhooks { review: self }
    }

    /// Search.
    pub fn search(&self) -> Search<'_> {
        Search { review: self }
    }

    /// Idempotency keys.
    pub fn idempotency(&self) -> Idempotency<'_> {
        Idempotency { review: self }
    }
}

/// Signing in from a browser: passwords, sessions and one-time links.
#[derive(Clone, Copy, Debug)]
pub struct Accounts<'a> {
    review: &'a Review,
}

impl std::ops::Deref for Accounts<'_> {
    type Target = Review;

    fn deref(&self) -> &Review {
        self.review
    }
}

/// People and tokens: who the caller is, the people they may see and change, and their API tokens.
#[derive(Clone, Copy, Debug)]
pub struct Directory<'a> {
    review: &'a Review,
}

impl std::ops::Deref for Directory<'_> {
    type Target = Review;

    fn deref(&self) -> &Review {
        self.review
    }
}

/// Calls: creating, reading, changing and deleting them; their audio, peaks, clips and transcripts.
#[derive(Clone, Copy, Debug)]
pub struct Calls<'a> {
    review: &'a Review,
}

impl std::ops::Deref for Calls<'_> {
    type Target = Review;

    fn deref(&self) -> &Review {
        self.review
    }
}

/// The call lifecycle's moves, for the upload path, dialer fetches and the worker.
#[derive(Clone, Copy, Debug)]
pub struct CallLifecycle<'a> {
    review: &'a Review,
}

impl std::ops::Deref for CallLifecycle<'_> {
    type Target = Review;

    fn deref(&self) -> &Review {
        self.review
    }
}

/// The weekly two-call review: nominations, comments, scores, the rubric, progress, the team board and organisation settings.
#[derive(Clone, Copy, Debug)]
pub struct WeeklyReview<'a> {
    review: &'a Review,
}

impl std::ops::Deref for WeeklyReview<'_> {
    type Target = Review;

    fn deref(&self) -> &Review {
        self.review
    }
}

/// The weekly 1:1: series, occurrences, the clip segment and reel, action items, follow-through and the focus skill.
#[derive(Clone, Copy, Debug)]
pub struct OneOnOnes<'a> {
    review: &'a Review,
}

impl std::ops::Deref for OneOnOnes<'_> {
    type Target = Review;

    fn deref(&self) -> &Review {
        self.review
    }
}

/// Dialer integrations: integration tokens, pushed calls and recording callbacks.
#[derive(Clone, Copy, Debug)]
pub struct Integrations<'a> {
    review: &'a Review,
}

impl std::ops::Deref for Integrations<'_> {
    type Target = Review;

    fn deref(&self) -> &Review {
        self.review
    }
}

/// Webhook endpoints, the outbox events they receive, and their deliveries.
#[derive(Clone, Copy, Debug)]
pub struct Webhooks<'a> {
    review: &'a Review,
}

impl std::ops::Deref for Webhooks<'_> {
    type Target = Review;

    fn deref(&self) -> &Review {
        self.review
    }
}

/// Full-text search over the transcripts and comments the caller may see.
#[derive(Clone, Copy, Debug)]
pub struct Search<'a> {
    review: &'a Review,
}

impl std::ops::Deref for Search<'_> {
    type Target = Review;

    fn deref(&self) -> &Review {
        self.review
    }
}

/// Remembered `Idempotency-Key` requests and their responses.
#[derive(Clone, Copy, Debug)]
pub struct Idempotency<'a> {
    review: &'a Review,
}

impl std::ops::Deref for Idempotency<'_> {
    type Target = Review;

    fn deref(&self) -> &Review {
        self.review
    }
}

/// Email: scheduling, composing, the admins' log and each person's choices.
#[derive(Clone, Copy, Debug)]
pub struct Emails<'a> {
    review: &'a Review,
}

impl std::ops::Deref for Emails<'_> {
    type Target = Review;

    fn deref(&self) -> &Review {
        self.review
    }
}
