//! Each person's choices: which kinds of email they get, and the one-click
//! unsubscribe link every email carries.

use super::kinds::KINDS;
use crate::{
    context::Emails, people::directory::Person, rules::actor::Actor, rules::error::ReviewError,
    rules::secrets,
};
use filmroom_store::EmailKind;
use filmroom_store::now;

pub(super) const UNSUBSCRIBE_PREFIX: &str = "fru_";

/// What a one-click unsubscribe link turns off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscription {
    /// Whose email.
    pub person: Person,
    /// Which kind.
    pub kind: EmailKind,
    /// Whether it is off already.
    pub off: bool,
}

impl Emails<'_> {
    /// What an unsubscribe link turns off, for its page.
    pub async fn unsubscription(&self, secret: &str) -> Result<Unsubscription, ReviewError> {
        let store = &self.store;
        let invalid = || ReviewError::UnsubscribeLinkInvalid;
        if !secret.starts_with(UNSUBSCRIBE_PREFIX) || secret.len() > 100 {
            return Err(invalid());
        }
        let token = store.unsubscribe_token(&secrets::hash(secret)).await?.ok_or_else(invalid)?;
        let row = store.user_anywhere(token.user_id).await?.ok_or_else(invalid)?;
        let off = !store.opted_out(&[row.id], token.kind).await?.is_empty();
        Ok(Unsubscription { person: row.into(), kind: token.kind, off })
    }

    /// Turns off the kind of email an unsubscribe link names (one click, no
    /// sign-in: the link is the proof). Doing it twice is harmless.
    pub async fn unsubscribe(&self, secret: &str) -> Result<Unsubscription, ReviewError> {
        let found = self.unsubscription(secret).await?;
        self.store.set_opt_out(found.person.id, found.kind, true, now()).await?;
        Ok(Unsubscription { off: true, ..found })
    }

    /// The caller's choice for each kind: `true` when they get it.
    pub async fn preferences(&self, actor: &Actor) -> Result<Vec<(EmailKind, bool)>, ReviewError> {
        let off = self.store.opt_outs_of(actor.user_id).await?;
        Ok(KINDS.into_iter().map(|k| (k, !off.contains(&k))).collect())
    }

    /// The caller turns a kind of email on or off.
    pub async fn set_preference(
        &self,
        actor: &Actor,
        kind: EmailKind,
        on: bool,
    ) -> Result<(), ReviewError> {
        Ok(self.store.set_opt_out(actor.user_id, kind, !on, now()).await?)
    }
}
