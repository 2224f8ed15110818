//! Action items: the commitments each 1:1 ends with, each owned and dated,
//! and holding the 1:1 once there are enough of them.

use super::views::{ActionItem, OneOnOneView, hold_missing};
use crate::rules::error::Entity;
use crate::rules::error::ReviewError;
use crate::rules::error::{invalid, not_found};
use crate::rules::ids::{ActionItemId, CallId, OneOnOneId, UserId};
use crate::rules::versioned::save_unchanged;
use crate::{context::OneOnOnes, rules::actor::Actor};
use chrono::NaiveDate;
use filmroom_store::{
    entity::{
        action_item, event,
        nomination::ReviewState,
        one_on_one::{self, OneOnOneStatus},
    },
    now,
};
use std::collections::HashSet;
use uuid::Uuid;

/// Changes to an action item.
#[derive(Debug, Clone, Default)]
pub struct ActionItemChanges {
    /// New text.
    pub text: Option<String>,
    /// New owner.
    pub owner_id: Option<UserId>,
    /// New due date.
    pub due_date: Option<NaiveDate>,
    /// Done (`true`) or reopened (`false`).
    pub done: Option<bool>,
    /// The version the editor saw (an API `If-Match`): when the item has
    /// moved on since, nothing is saved and the answer is an edit conflict.
    pub seen_version: Option<i32>,
}

impl OneOnOnes<'_> {
    pub(super) fn check_owner(
        row: &one_on_one::Model,
        owner: Option<UserId>,
    ) -> Result<(), ReviewError> {
        match owner {
            Some(owner) if owner != row.manager_id && owner != row.rep_id => Err(invalid(
                "owner_id",
                "an action item is owned by the manager or the rep of the 1:1",
            )),
            _ => Ok(()),
        }
    }

    /// Adds an action item to a 1:1.
    pub async fn add_action_item(
        &self,
        actor: &Actor,
        id: OneOnOneId,
        text: &str,
        owner_id: Option<UserId>,
        due_date: Option<NaiveDate>,
    ) -> Result<ActionItem, ReviewError> {
        let row = self.own_one_on_one(actor, id).await?;
        Self::check_owner(&row, owner_id)?;
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 2000 {
            return Err(invalid("text", "must be 1 to 2000 characters"));
        }
        let at = now();
        Ok(self
            .store
            .insert_action_item(action_item::Model {
                id: Uuid::now_v7().into(),
                organisation_id: row.organisation_id,
                one_on_one_id: row.id,
                text: text.to_owned(),
                owner_id,
                due_date,
                done_at: None,
                created_at: at,
                updated_at: at,
                version: 1,
                updated_by: Some(actor.user_id),
            })
            .await?
            .into())
    }

    /// Changes an action item, or marks it done or open again.
    pub async fn update_action_item(
        &self,
        actor: &Actor,
        item_id: ActionItemId,
        changes: ActionItemChanges,
    ) -> Result<ActionItem, ReviewError> {
        save_unchanged(
            changes.seen_version,
            |item: &action_item::Model| item.version,
            async || self.own_action_item(actor, item_id).await,
            async |item| {
                let item = self.changed_item(actor, item, &changes).await?;
                Ok(self.store.update_action_item(item).await?)
            },
            async |item| self.item_conflict(actor, item).await,
        )
        .await
        .map(Into::into)
    }

    /// An action item of a 1:1 the caller takes part in or oversees.
    async fn own_action_item(
        &self,
        actor: &Actor,
        item_id: ActionItemId,
    ) -> Result<action_item::Model, ReviewError> {
        let item = self
            .store
            .action_item(actor.organisation_id, item_id)
            .await?
            .ok_or_else(|| not_found(Entity::ActionItem, item_id))?;
        self.own_one_on_one(actor, item.one_on_one_id)
            .await
            .map_err(|_| not_found(Entity::ActionItem, item_id))?;
        Ok(item)
    }

    /// What was saved over an older copy of an action item, by whom.
    async fn item_conflict(&self, actor: &Actor, item: &action_item::Model) -> ReviewError {
        ReviewError::EditConflict(Box::new(crate::rules::error::EditConflict {
            what: "action item".into(),
            version: item.version.to_string(),
            theirs: item.text.clone(),
            changed_by: self.changed_by(actor, item.updated_by).await,
            changed_at: item.updated_at,
            criterion: None,
        }))
    }

    /// The item with `changes` applied, checked.
    async fn changed_item(
        &self,
        actor: &Actor,
        mut item: action_item::Model,
        changes: &ActionItemChanges,
    ) -> Result<action_item::Model, ReviewError> {
        let row = self.own_one_on_one(actor, item.one_on_one_id).await?;
        if let Some(text) = &changes.text {
            let text = text.trim();
            if text.is_empty() || text.chars().count() > 2000 {
                return Err(invalid("text", "must be 1 to 2000 characters"));
            }
            item.text = text.to_owned();
        }
        if changes.owner_id.is_some() {
            Self::check_owner(&row, changes.owner_id)?;
            item.owner_id = changes.owner_id;
        }
        if changes.due_date.is_some() {
            item.due_date = changes.due_date;
        }
        match changes.done {
            Some(true) if item.done_at.is_none() => item.done_at = Some(now()),
            Some(false) => item.done_at = None,
            _ => {}
        }
        item.updated_at = now();
        item.updated_by = Some(actor.user_id);
        Ok(item)
    }

    /// Marks a 1:1 held: it needs the organisation's minimum of action items,
    /// each with an owner and a due date. Every shared nomination with a clip
    /// in the segment becomes discussed.
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id, one_on_one = %id), err(level = "info"))]
    pub async fn hold(&self, actor: &Actor, id: OneOnOneId) -> Result<OneOnOneView, ReviewError> {
        // Holding records that coaching happened: the rep's manager, a manager
        // above them or an admin says so, never the rep alone.
        let mut row = self.visible_one_on_one(actor, id).await?;
        if actor.user_id == row.rep_id {
            return Err(ReviewError::Forbidden(
                "only the rep's manager, a manager above them or an admin marks a 1:1 held".into(),
            ));
        }
        match row.status {
            OneOnOneStatus::Held => return Err(ReviewError::OneOnOneHeld),
            OneOnOneStatus::Cancelled => {
                return Err(ReviewError::ActionItemsIncomplete(
                    "the 1:1 is cancelled; reinstate it first".into(),
                ));
            }
            OneOnOneStatus::Scheduled => {}
        }
        let (_, settings) = self.weekly().review_settings(actor).await?;
        let items: Vec<ActionItem> =
            self.store.action_items(&[row.id]).await?.into_iter().map(ActionItem::from).collect();
        if let Some(missing) = hold_missing(&items, settings.min_action_items) {
            return Err(ReviewError::ActionItemsIncomplete(missing));
        }
        let clips = self.store.clips(row.id).await?;
        let call_ids: Vec<CallId> =
            clips.iter().map(|c| c.call_id).collect::<HashSet<_>>().into_iter().collect();
        let at = now();
        let discussed: Vec<_> = self
            .store
            .reviewed_nominations_of_calls(row.rep_id, &call_ids)
            .await?
            .into_iter()
            .map(|mut n| {
                n.state = ReviewState::Discussed;
                n.discussed_at = Some(at);
                n.updated_at = at;
                n
            })
            .collect();
        row.status = OneOnOneStatus::Held;
        row.held_at = Some(at);
        row.updated_at = at;
        row.updated_by = Some(actor.user_id);
        let event = event::Model {
            id: Uuid::now_v7().into(),
            organisation_id: row.organisation_id,
            kind: "one_on_one.held".into(),
            payload: serde_json::json!({
                "one_on_one_id": row.id,
                "manager_id": row.manager_id,
                "rep_id": row.rep_id,
                "week": row.week,
                "clips": clips.len(),
                "action_items": items.len(),
                "discussed_nominations": discussed.iter().map(|n| n.id).collect::<Vec<_>>(),
            }),
            created_at: at,
            delivered_at: None,
        };
        // Held (or cancelled) by someone else meanwhile: said as it now is.
        let Some(row) = self.store.hold_one_on_one(row, discussed, event).await? else {
            let now = self.visible_one_on_one(actor, id).await?;
            return Err(match now.status {
                OneOnOneStatus::Cancelled => ReviewError::ActionItemsIncomplete(
                    "the 1:1 is cancelled; reinstate it first".into(),
                ),
                _ => ReviewError::OneOnOneHeld,
            });
        };
        self.view_one_on_one(actor, row).await
    }
}
