//! The organisation's directory: who the caller is, the people they may see and
//! change, and their API tokens.

use crate::rules::error::not_found;
use crate::rules::ids::{OrganisationId, TokenId, UserId};
use crate::{
    context::Directory, rules::actor::Actor, rules::actor::Credential, rules::actor::Page,
    rules::actor::PageRequest, rules::actor::page, rules::actor::require_admin,
};
use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use filmroom_store::{
    Role,
    entity::{api_token, organisation, user},
    now,
};

use crate::rules::error::Entity;
use crate::{
    rules::error::AuthFailure, rules::error::ReviewError, rules::person::DisplayName,
    rules::person::Email, rules::person::ExternalIds, rules::person::ManagementTree,
    rules::person::Timezone, rules::person::can_manage, rules::secrets, rules::visibility,
};

/// An organisation as callers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    /// Id.
    pub id: OrganisationId,
    /// Display name.
    pub name: String,
    /// IANA time zone.
    pub timezone: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// A user as callers see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Id.
    pub id: UserId,
    /// Their organisation.
    pub organisation_id: OrganisationId,
    /// Normalised email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Their manager, if any.
    pub manager_id: Option<UserId>,
    /// Ids in other systems, by source.
    pub external_ids: BTreeMap<String, String>,
    /// Whether they can sign in.
    pub active: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Their own IANA time zone, for the times on their pages and in their
    /// emails; `None` means the organisation's.
    pub timezone: Option<String>,
}

impl Person {
    /// The zone this person's times are shown in: their own, else the
    /// organisation's.
    pub fn zone<'a>(&'a self, organisation: &'a Organisation) -> &'a str {
        self.timezone.as_deref().unwrap_or(&organisation.timezone)
    }
}

/// A token as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// Id.
    pub id: TokenId,
    /// The user it acts as.
    pub user_id: UserId,
    /// Label.
    pub name: String,
    /// First characters of the secret.
    pub prefix: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last use, to the minute.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Revocation time, if revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A token just created, with its secret, which is never available again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// What listings will show.
    pub info: TokenInfo,
    /// The bearer secret.
    pub secret: String,
}

/// A new user, as an admin asks for it (fields not yet validated).
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Email, unique in the organisation.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Manager, if any.
    pub manager_id: Option<UserId>,
    /// Ids in other systems.
    pub external_ids: BTreeMap<String, String>,
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    /// New email.
    pub email: Option<String>,
    /// New display name.
    pub name: Option<String>,
    /// New role.
    pub role: Option<Role>,
    /// `Some(None)` removes the manager.
    pub manager_id: Option<Option<UserId>>,
    /// Replaces all external ids.
    pub external_ids: Option<BTreeMap<String, String>>,
    /// Deactivates or reactivates.
    pub active: Option<bool>,
}

impl From<organisation::Model> for Organisation {
    fn from(row: organisation::Model) -> Self {
        Self { id: row.id, name: row.name, timezone: row.timezone, created_at: row.created_at }
    }
}

impl From<user::Model> for Person {
    fn from(row: user::Model) -> Self {
        Self {
            id: row.id,
            organisation_id: row.organisation_id,
            external_ids: ExternalIds::from_json(&row.external_ids).as_map().clone(),
            email: row.email,
            name: row.name,
            role: row.role,
            manager_id: row.manager_id,
            active: row.active,
            created_at: row.created_at,
            updated_at: row.updated_at,
            timezone: row.timezone,
        }
    }
}

impl From<api_token::Model> for TokenInfo {
    fn from(row: api_token::Model) -> Self {
        Self {
            id: row.id,
            user_id: row.user_id,
            name: row.name,
            prefix: row.prefix,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
        }
    }
}

impl Directory<'_> {
    /// Creates an organisation with its first admin and that admin's first token.
    #[tracing::instrument(skip_all, fields(organisation = %organisation_name), err(level = "info"))]
    pub async fn bootstrap(
        &self,
        organisation_name: &str,
        timezone: &str,
        admin_email: &str,
        admin_name: &str,
    ) -> Result<(Organisation, Person, IssuedToken), ReviewError> {
        let organisation_name = DisplayName::parse("org", organisation_name)?.into_inner();
        let timezone = Timezone::parse("timezone", timezone)?;
        let email = Email::parse("email", admin_email)?;
        let admin_name = DisplayName::parse("name", admin_name)?.into_inner();
        if self.store.organisation_named(&organisation_name).await?.is_some() {
            return Err(ReviewError::OrganisationExists(organisation_name));
        }
        let at = now();
        let organisation_row = organisation::Model {
            id: OrganisationId::generate(),
            name: organisation_name,
            timezone: timezone.name().to_owned(),
            created_at: at,
            settings: None,
        };
        let admin_row = user::Model {
            id: UserId::generate(),
            organisation_id: organisation_row.id,
            email: email.as_str().to_owned(),
            name: admin_name,
            role: Role::Admin,
            manager_id: None,
            external_ids: ExternalIds::default().to_json(),
            active: true,
            created_at: at,
            updated_at: at,
            timezone: None,
        };
        let (organisation, admin) =
            self.store.insert_organisation_with_admin(organisation_row, admin_row).await?;
        let token = self.store_new_token(&admin, "bootstrap", None).await?;
        Ok((organisation.into(), admin.into(), token))
    }

    /// Resolves a presented bearer secret to the acting user.
    pub async fn authenticate(&self, secret: Option<&str>) -> Result<Actor, ReviewError> {
        let secret = secret.ok_or(ReviewError::Unauthenticated(AuthFailure::Missing))?;
        let hash = secrets::hash(secret);
        let Some((token, owner)) = self.store.token_by_hash(&hash).await? else {
            if self.integrations().is_integration_secret(&hash).await? {
                return Err(ReviewError::IntegrationTokenNotAllowed);
            }
            return Err(ReviewError::Unauthenticated(AuthFailure::Invalid));
        };
        if token.revoked_at.is_some() {
            return Err(ReviewError::Unauthenticated(AuthFailure::Revoked));
        }
        if !owner.active {
            return Err(ReviewError::Unauthenticated(AuthFailure::UserDeactivated));
        }
        // Last use is kept to the minute: most requests read and write nothing.
        let at = now();
        if token.last_used_at.is_none_or(|last| at - last >= Duration::minutes(1)) {
            self.store.touch_token(token.id, &hash, at).await?;
        }
        Ok(Actor {
            user_id: owner.id,
            organisation_id: owner.organisation_id,
            role: owner.role,
            credential: Credential::Token(token.id),
        })
    }

    /// The caller and their organisation.
    pub async fn me(&self, actor: &Actor) -> Result<(Person, Organisation), ReviewError> {
        let person = self.find_user(actor, actor.user_id).await?;
        let organisation = self
            .store
            .organisation(actor.organisation_id)
            .await?
            .ok_or_else(|| not_found(Entity::Organisation, actor.organisation_id))?;
        Ok((person.into(), organisation.into()))
    }

    /// Sets the caller's own time zone (an IANA name), or with `None` goes
    /// back to the organisation's.
    pub async fn set_own_timezone(
        &self,
        actor: &Actor,
        timezone: Option<&str>,
    ) -> Result<Person, ReviewError> {
        let zone = match timezone.map(str::trim).filter(|z| !z.is_empty()) {
            Some(raw) => {
                Some(crate::rules::person::Timezone::parse("timezone", raw)?.name().to_owned())
            }
            None => None,
        };
        let mut row = self.find_user(actor, actor.user_id).await?;
        row.timezone = zone;
        row.updated_at = now();
        match self.store.update_user(row).await? {
            Ok(row) => Ok(row.into()),
            Err(_) => {
                Err(ReviewError::Internal("the email check failed on a time-zone change".into()))
            }
        }
    }

    /// A user the caller may see.
    pub async fn user(&self, actor: &Actor, id: UserId) -> Result<Person, ReviewError> {
        let row = self.find_user(actor, id).await?;
        let tree = self.tree(actor).await?;
        if visibility::can_see(actor.user_id, actor.role, id, &tree) {
            Ok(row.into())
        } else {
            Err(not_found(Entity::User, id))
        }
    }

    /// The users the caller may see: everyone for an admin, a manager and
    /// everyone below them, a rep themselves.
    pub async fn users(
        &self,
        actor: &Actor,
        request: PageRequest,
    ) -> Result<Page<Person>, ReviewError> {
        let visible = match actor.role {
            Role::Admin => None,
            Role::Manager => {
                let mut ids = self.tree(actor).await?.everyone_below(actor.user_id);
                ids.push(actor.user_id);
                Some(ids.into_iter().collect::<Vec<_>>())
            }
            Role::Rep => Some(vec![actor.user_id]),
        };
        let rows = self
            .store
            .users_page(
                actor.organisation_id,
                visible.as_deref(),
                request.after.map(Into::into),
                request.limit + 1,
            )
            .await?;
        Ok(page(rows, request, |r| r.id, Person::from))
    }

    /// Adds a user to the caller's organisation (admins only).
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id), err(level = "info"))]
    pub async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<Person, ReviewError> {
        require_admin(actor, "add users")?;
        let email = Email::parse("email", &new.email)?;
        let name = DisplayName::parse("name", &new.name)?.into_inner();
        let external_ids = ExternalIds::parse("external_ids", new.external_ids)?;
        let id = UserId::generate();
        let tree = self.tree(actor).await?;
        if let Some(manager) = new.manager_id {
            self.check_manager(actor, &tree, id, manager).await?;
        }
        self.check_external_ids(actor, id, &external_ids).await?;
        let at = now();
        let row = user::Model {
            id,
            organisation_id: actor.organisation_id,
            email: email.as_str().to_owned(),
            name,
            role: new.role,
            manager_id: new.manager_id,
            external_ids: external_ids.to_json(),
            active: true,
            created_at: at,
            updated_at: at,
            timezone: None,
        };
        match self.store.insert_user(row).await? {
            Ok(row) => Ok(row.into()),
            Err(_) => Err(ReviewError::EmailTaken(email.to_string())),
        }
    }

    /// Changes a user (admins only): details, role, manager, activation.
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id, user = %id), err(level = "info"))]
    pub async fn update_user(
        &self,
        actor: &Actor,
        id: UserId,
        changes: UserChanges,
    ) -> Result<Person, ReviewError> {
        require_admin(actor, "change users")?;
        let mut row = self.find_user(actor, id).await?;
        let tree = self.tree(actor).await?;
        if let Some(email) = &changes.email {
            row.email = Email::parse("email", email)?.as_str().to_owned();
        }
        if let Some(name) = &changes.name {
            row.name = DisplayName::parse("name", name)?.into_inner();
        }
        if let Some(external_ids) = changes.external_ids {
            let external_ids = ExternalIds::parse("external_ids", external_ids)?;
            self.check_external_ids(actor, id, &external_ids).await?;
            row.external_ids = external_ids.to_json();
        }
        if let Some(manager_id) = changes.manager_id {
            if let Some(manager) = manager_id {
                self.check_manager(actor, &tree, id, manager).await?;
            }
            row.manager_id = manager_id;
        }
        let was_active_admin = row.active && row.role == Role::Admin;
        if let Some(role) = changes.role {
            let reports = tree.direct_report_count(id);
            if !can_manage(role) && reports > 0 {
                return Err(ReviewError::HasReports(reports));
            }
            row.role = role;
        }
        if let Some(active) = changes.active {
            row.active = active;
        }
        if was_active_admin && !(row.active && row.role == Role::Admin) {
            let other_admins = self
                .store
                .management_edges(actor.organisation_id)
                .await?
                .iter()
                .filter(|e| e.user_id != id && e.active && e.role == Role::Admin)
                .count();
            if other_admins == 0 {
                return Err(ReviewError::LastAdmin);
            }
        }
        row.updated_at = now();
        let email = row.email.clone();
        let deactivated = !row.active;
        match self.store.update_user(row).await? {
            Ok(row) => {
                if deactivated {
                    // Their browsers are signed out and their links stop
                    // working; reactivation brings neither back.
                    self.store.lock_out(row.id, row.updated_at).await?;
                }
                Ok(row.into())
            }
            Err(_) => Err(ReviewError::EmailTaken(email)),
        }
    }

    /// Issues a token for a user: an admin for anyone active in the
    /// organisation, anyone for themselves.
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id, user = %user_id), err(level = "info"))]
    pub async fn issue_token(
        &self,
        actor: &Actor,
        user_id: UserId,
        name: &str,
        password: Option<&str>,
    ) -> Result<IssuedToken, ReviewError> {
        // A token outlives the browser session that makes it (and a later
        // password change), so a session must prove the password first; a
        // token or an operator acts as it always has.
        if actor.credential.session().is_some() {
            let Some(password) = password.filter(|p| !p.is_empty()) else {
                return Err(ReviewError::InvalidField {
                    field: "password".into(),
                    message: "making a token from a browser session needs your password".into(),
                });
            };
            self.accounts().confirm_password(actor, password).await.map_err(|e| match e {
                ReviewError::InvalidField { message, .. } => {
                    ReviewError::InvalidField { field: "password".into(), message }
                }
                other => other,
            })?;
        }
        let owner = self.token_owner(actor, user_id).await?;
        let name = DisplayName::parse("name", name)?.into_inner();
        if !owner.active {
            return Err(ReviewError::InvalidField {
                field: "user".into(),
                message: format!(
                    "user {user_id} is deactivated; reactivate them before issuing a token"
                ),
            });
        }
        // Lineage records tokens minted with a token for its own user: what a
        // stolen token can do. An admin issuing a token for someone else
        // starts a new line, so revoking the admin's token leaves it alone.
        // A token issued from a browser session starts a new line too: the
        // session that made it ends on its own.
        let issued_by = if owner.id == actor.user_id { actor.credential.token() } else { None };
        self.store_new_token(&owner, &name, issued_by).await
    }

    /// A user's tokens, without secrets: for admins and the user themselves.
    pub async fn tokens(
        &self,
        actor: &Actor,
        user_id: UserId,
        request: PageRequest,
    ) -> Result<Page<TokenInfo>, ReviewError> {
        self.token_owner(actor, user_id).await?;
        let rows = self
            .store
            .tokens_page(user_id, request.after.map(Into::into), request.limit + 1)
            .await?;
        Ok(page(rows, request, |r| r.id, TokenInfo::from))
    }

    /// Revokes a token at once: for admins and the token's owner. Revoking a
    /// revoked token changes nothing.
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id, token = %id), err(level = "info"))]
    pub async fn revoke_token(&self, actor: &Actor, id: TokenId) -> Result<TokenInfo, ReviewError> {
        let token = self
            .store
            .token(actor.organisation_id, id)
            .await?
            .filter(|t| actor.role == Role::Admin || t.user_id == actor.user_id)
            .ok_or_else(|| not_found(Entity::Token, id))?;
        Ok(self.store.revoke_token(token, now()).await?.into())
    }

    /// Revokes every personal token of the caller (and what was minted with
    /// them); how many were live.
    pub async fn revoke_own_tokens(&self, actor: &Actor) -> Result<usize, ReviewError> {
        let mut revoked = 0;
        let mut after = None;
        loop {
            let page = self.store.tokens_page(actor.user_id, after, 200).await?;
            let last = page.last().map(|t| t.id);
            for token in page {
                if token.revoked_at.is_none() {
                    self.store.revoke_token(token, now()).await?;
                    revoked += 1;
                }
            }
            match last {
                Some(last) => after = Some(last),
                None => return Ok(revoked),
            }
        }
    }

    /// Stores a new token for `owner`, recording the token that issued it.
    async fn store_new_token(
        &self,
        owner: &user::Model,
        name: &str,
        issued_by: Option<TokenId>,
    ) -> Result<IssuedToken, ReviewError> {
        let secret = secrets::generate().map_err(|e| {
            ReviewError::Store(filmroom_store::StoreError::Inconsistent(format!(
                "no randomness available: {e}"
            )))
        })?;
        let row = api_token::Model {
            id: TokenId::generate(),
            organisation_id: owner.organisation_id,
            user_id: owner.id,
            name: name.to_owned(),
            prefix: secret.prefix,
            secret_hash: secret.hash,
            created_at: now(),
            last_used_at: None,
            revoked_at: None,
            issued_by,
        };
        let row = self.store.insert_token(row).await?;
        Ok(IssuedToken { info: row.into(), secret: secret.secret })
    }

    async fn token_owner(
        &self,
        actor: &Actor,
        user_id: UserId,
    ) -> Result<user::Model, ReviewError> {
        let owner = self.find_user(actor, user_id).await?;
        if actor.role == Role::Admin || actor.user_id == user_id {
            return Ok(owner);
        }
        let tree = self.tree(actor).await?;
        if visibility::can_see(actor.user_id, actor.role, user_id, &tree) {
            Err(ReviewError::Forbidden(
                "only an admin or the user themselves can manage a user's tokens".into(),
            ))
        } else {
            Err(not_found(Entity::User, user_id))
        }
    }

    async fn find_user(&self, actor: &Actor, id: UserId) -> Result<user::Model, ReviewError> {
        self.store.user(actor.organisation_id, id).await?.ok_or_else(|| not_found(Entity::User, id))
    }

    async fn check_manager(
        &self,
        actor: &Actor,
        tree: &ManagementTree,
        user: UserId,
        manager: UserId,
    ) -> Result<(), ReviewError> {
        let invalid =
            |message: String| ReviewError::InvalidField { field: "manager_id".into(), message };
        let manager_id = manager;
        let Some(row) = self.store.user(actor.organisation_id, manager).await? else {
            return Err(invalid(format!("no user {manager} in this organisation")));
        };
        if !row.active {
            return Err(invalid(format!("{} ({manager}) is deactivated", row.email)));
        }
        if !can_manage(row.role) {
            return Err(invalid(format!(
                "{} ({manager}) is a rep; only managers and admins can have people reporting to them",
                row.email
            )));
        }
        if tree.would_cycle(user, manager_id) {
            return Err(ReviewError::ManagementCycle {
                user: user.to_string(),
                manager: manager.to_string(),
            });
        }
        Ok(())
    }

    async fn check_external_ids(
        &self,
        actor: &Actor,
        user: UserId,
        ids: &ExternalIds,
    ) -> Result<(), ReviewError> {
        if ids.as_map().is_empty() {
            return Ok(());
        }
        for other in self.store.users_with_external_ids(actor.organisation_id).await? {
            if other.id == user {
                continue;
            }
            let theirs = ExternalIds::from_json(&other.external_ids);
            for (source, id) in ids.as_map() {
                if theirs.as_map().get(source) == Some(id) {
                    return Err(ReviewError::ExternalIdTaken {
                        source_name: source.clone(),
                        external_id: id.clone(),
                        owner: other.id.to_string(),
                    });
                }
            }
        }
        Ok(())
    }
}
