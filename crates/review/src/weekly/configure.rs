//! How an organisation runs its weeks: reading and changing its review
//! settings.

use crate::people::directory::Organisation;
use crate::{context::WeeklyReview, rules::actor::Actor};
use crate::{rules::error::ReviewError, rules::settings::ReviewSettings};
use filmroom_store::Role;

/// Changes to the organisation's review settings.
#[derive(Debug, Clone, Default)]
pub struct SettingsChanges {
    /// New nomination deadline.
    pub nomination_deadline: Option<crate::rules::settings::Day>,
    /// New manager review window.
    pub manager_review_days: Option<u32>,
    /// New clip budget per 1:1, minutes.
    pub clip_budget_minutes: Option<u32>,
    /// New minimum of action items per 1:1.
    pub min_action_items: Option<u32>,
    /// Metrics whose reference band is set (`Some`) or removed (`None`).
    pub metric_bands: Vec<(crate::rules::metrics::Metric, Option<crate::rules::metrics::Band>)>,
}

impl WeeklyReview<'_> {
    /// The organisation's review settings.
    pub async fn review_settings(
        &self,
        actor: &Actor,
    ) -> Result<(Organisation, ReviewSettings), ReviewError> {
        let organisation = self.organisation_row(actor).await?;
        let settings = ReviewSettings::from_stored(organisation.settings.as_ref())?;
        Ok((organisation.into(), settings))
    }

    /// Changes the organisation's review settings (admins only).
    pub async fn update_review_settings(
        &self,
        actor: &Actor,
        changes: SettingsChanges,
    ) -> Result<(Organisation, ReviewSettings), ReviewError> {
        if actor.role != Role::Admin {
            return Err(ReviewError::Forbidden(
                "only an admin can change the organisation's settings".into(),
            ));
        }
        // Settings that no longer read are repaired from the defaults here,
        // the one place an admin can fix them.
        let organisation: Organisation = self.organisation_row(actor).await?.into();
        let mut settings = match self.review_settings(actor).await {
            Ok((_, settings)) => settings,
            Err(ReviewError::Store(filmroom_store::StoreError::Inconsistent(why))) => {
                tracing::warn!(organisation = %organisation.id, why, "stored settings replaced by defaults");
                ReviewSettings::default()
            }
            Err(e) => return Err(e),
        };
        if let Some(day) = changes.nomination_deadline {
            settings.nomination_deadline = day;
        }
        if let Some(days) = changes.manager_review_days {
            if !(1..=30).contains(&days) {
                return Err(ReviewError::InvalidField {
                    field: "manager_review_days".into(),
                    message: format!("must be 1 to 30 days, not {days}"),
                });
            }
            settings.manager_review_days = days;
        }
        if let Some(minutes) = changes.clip_budget_minutes {
            if !(1..=120).contains(&minutes) {
                return Err(ReviewError::InvalidField {
                    field: "clip_budget_minutes".into(),
                    message: format!("must be 1 to 120 minutes, not {minutes}"),
                });
            }
            settings.clip_budget_minutes = minutes;
        }
        if let Some(items) = changes.min_action_items {
            if items > 20 {
                return Err(ReviewError::InvalidField {
                    field: "min_action_items".into(),
                    message: format!("must be 0 to 20, not {items}"),
                });
            }
            settings.min_action_items = items;
        }
        for (metric, band) in changes.metric_bands {
            let band = band.map(|b| b.check(metric)).transpose().map_err(|message| {
                ReviewError::InvalidField {
                    field: format!("metric_bands.{}", metric.name()),
                    message,
                }
            })?;
            settings.metric_bands.set(metric, band);
        }
        let json = serde_json::to_value(settings).map_err(|e| {
            ReviewError::Store(filmroom_store::StoreError::Inconsistent(e.to_string()))
        })?;
        self.store.set_organisation_settings(organisation.id, json).await?;
        Ok((organisation, settings))
    }
}
