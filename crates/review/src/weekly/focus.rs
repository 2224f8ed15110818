//! The rep's focus skill ("Just One Thing"): one rubric criterion at a time,
//! diagnosed, prescribed, and tracked in the scores until it is achieved.

use crate::rules::focus::Focus;
use crate::rules::ids::{FocusId, UserId};
use crate::rules::versioned::save_unchanged;
use crate::{context::OneOnOnes, rules::actor::Actor, rules::actor::timezone};
use filmroom_store::{
    Role,
    entity::focus_skill::{self, FocusStatus, Prescription},
    now,
};
use uuid::Uuid;

use crate::rules::error::Entity;
use crate::{
    rules::error::ReviewError, rules::rubric, rules::week::Week, weekly::progress::WeekProgress,
};

/// A focus to start.
#[derive(Debug, Clone)]
pub struct NewFocus {
    /// The rubric criterion key.
    pub criterion: String,
    /// Why this skill.
    pub diagnosis: String,
    /// How it is to be built.
    pub prescription: Prescription,
    /// The prescription in words.
    pub prescription_text: String,
    /// The score that means achieved.
    pub target_score: Option<i32>,
}

/// Changes to a focus; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct FocusChanges {
    /// `Achieved` or `Dropped` ends it.
    pub status: Option<FocusStatus>,
    /// New diagnosis.
    pub diagnosis: Option<String>,
    /// New prescription kind.
    pub prescription: Option<Prescription>,
    /// New prescription text.
    pub prescription_text: Option<String>,
    /// New target.
    pub target_score: Option<i32>,
    /// The version the change was made over; `None` changes whatever is
    /// stored (the last write wins).
    pub seen_version: Option<i32>,
}

/// A focus with the criterion's scores since it started.
#[derive(Debug, Clone)]
pub struct FocusView {
    /// The focus.
    pub row: Focus,
    /// Self and manager scores of the criterion, per week since it started.
    pub progress: Vec<WeekProgress>,
}

fn check_text(field: &str, text: &str) -> Result<String, ReviewError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 5000 {
        return Err(ReviewError::InvalidField {
            field: field.into(),
            message: "must be 1 to 5000 characters".into(),
        });
    }
    Ok(text.to_owned())
}

impl OneOnOnes<'_> {
    async fn check_coach(&self, actor: &Actor, rep: UserId) -> Result<(), ReviewError> {
        let (_, tree) = self.visible_rep(actor, rep).await?;
        if actor.role == Role::Admin || tree.managers_above(rep).contains(&actor.user_id) {
            Ok(())
        } else {
            Err(ReviewError::Forbidden(
                "a rep's focus is set by a manager in their chain or an admin".into(),
            ))
        }
    }

    async fn view_focus(
        &self,
        actor: &Actor,
        row: focus_skill::Model,
    ) -> Result<FocusView, ReviewError> {
        let organisation = self.organisation_row(actor).await?;
        let from = Week::containing(row.started_at, timezone(&organisation.timezone)).to_string();
        let to = Week::containing(now(), timezone(&organisation.timezone))
            .max(Week::parse("from", &from)?)
            .to_string();
        let mut progress = self
            .weekly()
            .progress(actor, row.rep_id, Some(&row.criterion), Some(&from), Some(&to))
            .await?;
        // The focus follows one criterion's scores; weeks without them say nothing.
        progress.retain(|week| !week.criteria.is_empty());
        Ok(FocusView { row: row.into(), progress })
    }

    /// Starts the rep's focus skill; one at a time.
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id, rep = %rep), err(level = "info"))]
    pub async fn start_focus(
        &self,
        actor: &Actor,
        rep: UserId,
        new: NewFocus,
    ) -> Result<FocusView, ReviewError> {
        self.check_coach(actor, rep).await?;
        let rubric = self.weekly().rubric(actor).await?.ok_or(ReviewError::NoRubric)?;
        let criterion =
            rubric.criteria.iter().find(|c| c.key == new.criterion).ok_or_else(|| {
                ReviewError::InvalidField {
                    field: "criterion".into(),
                    message: format!("`{}` is not in the rubric", new.criterion),
                }
            })?;
        if let Some(target) = new.target_score {
            rubric::check_score(&rubric.criteria, 0, &criterion.key, target).map_err(|_| {
                ReviewError::InvalidField {
                    field: "target_score".into(),
                    message: format!(
                        "{} is scored {}..{}",
                        criterion.key, criterion.min, criterion.max
                    ),
                }
            })?;
        }
        if let Some(active) = self.store.active_focus(rep).await? {
            return Err(ReviewError::FocusActive { criterion: active.criterion });
        }
        let at = now();
        let row = self
            .store
            .insert_focus(focus_skill::Model {
                id: Uuid::now_v7().into(),
                organisation_id: actor.organisation_id,
                rep_id: rep,
                criterion: criterion.key.clone(),
                diagnosis: check_text("diagnosis", &new.diagnosis)?,
                prescription_kind: new.prescription,
                prescription_text: check_text("prescription.text", &new.prescription_text)?,
                target_score: new.target_score,
                status: FocusStatus::Active,
                started_at: at,
                ended_at: None,
                created_by: actor.user_id,
                created_at: at,
                updated_at: at,
                version: 1,
                updated_by: None,
            })
            .await?;
        // Two requests at once both passed the check above; the database
        // lets only one of them in.
        let Some(row) = row else {
            let criterion = self.store.active_focus(rep).await?.map(|f| f.criterion);
            return Err(ReviewError::FocusActive { criterion: criterion.unwrap_or_default() });
        };
        self.view_focus(actor, row).await
    }

    /// The rep's active focus (with its scores) and every focus so far.
    pub async fn focus(
        &self,
        actor: &Actor,
        rep: UserId,
    ) -> Result<(Option<FocusView>, Vec<Focus>), ReviewError> {
        self.visible_rep(actor, rep).await?;
        let history = self.store.focus_skills(actor.organisation_id, rep).await?;
        let active = match history.iter().find(|f| f.status == FocusStatus::Active).cloned() {
            Some(row) => Some(self.view_focus(actor, row).await?),
            None => None,
        };
        Ok((active, history.into_iter().map(Focus::from).collect()))
    }

    /// Changes a focus, or ends it as achieved or dropped. With
    /// `seen_version`, a focus changed since that version is left alone and
    /// the answer is `EditConflict`.
    pub async fn update_focus(
        &self,
        actor: &Actor,
        id: FocusId,
        changes: FocusChanges,
    ) -> Result<FocusView, ReviewError> {
        let row = save_unchanged(
            changes.seen_version,
            |row: &focus_skill::Model| row.version,
            async || self.coached_focus(actor, id).await,
            async |row| Ok(self.store.update_focus(changed_focus(actor, row, &changes)?).await?),
            async |row| self.focus_conflict(actor, row).await,
        )
        .await?;
        self.view_focus(actor, row).await
    }

    /// A focus the caller coaches, as stored.
    async fn coached_focus(
        &self,
        actor: &Actor,
        id: FocusId,
    ) -> Result<focus_skill::Model, ReviewError> {
        let not_found = || ReviewError::NotFound { entity: Entity::Focus, id: id.to_string() };
        let row = self.store.focus_skill(actor.organisation_id, id).await?.ok_or_else(not_found)?;
        self.check_coach(actor, row.rep_id).await.map_err(|e| match e {
            ReviewError::NotFound { .. } => not_found(),
            other => other,
        })?;
        Ok(row)
    }

    /// What was saved over an older copy of a focus, by whom.
    async fn focus_conflict(&self, actor: &Actor, row: &focus_skill::Model) -> ReviewError {
        ReviewError::EditConflict(Box::new(crate::rules::error::EditConflict {
            what: "focus skill".into(),
            version: row.version.to_string(),
            theirs: format!(
                "Diagnosis: {}\nPrescription: {}",
                row.diagnosis, row.prescription_text
            ),
            changed_by: self.changed_by(actor, row.updated_by).await,
            changed_at: row.updated_at,
            criterion: None,
        }))
    }
}

/// The focus with `changes` applied, checked: a finished focus stays as it ended.
fn changed_focus(
    actor: &Actor,
    mut row: focus_skill::Model,
    changes: &FocusChanges,
) -> Result<focus_skill::Model, ReviewError> {
    if row.status != FocusStatus::Active {
        return Err(ReviewError::IllegalMove {
            current: if row.status == FocusStatus::Achieved { "achieved" } else { "dropped" },
            target: "changed",
            missing: "a finished focus stays as it ended; start a new one".into(),
        });
    }
    if let Some(diagnosis) = &changes.diagnosis {
        row.diagnosis = check_text("diagnosis", diagnosis)?;
    }
    if let Some(kind) = changes.prescription {
        row.prescription_kind = kind;
    }
    if let Some(text) = &changes.prescription_text {
        row.prescription_text = check_text("prescription.text", text)?;
    }
    if changes.target_score.is_some() {
        row.target_score = changes.target_score;
    }
    match changes.status {
        Some(FocusStatus::Active) | None => {}
        Some(done) => {
            row.status = done;
            row.ended_at = Some(now());
        }
    }
    row.updated_at = now();
    row.updated_by = Some(actor.user_id);
    Ok(row)
}
