//! The call record: who may create, see, change and delete a call, and
//! what a call is as the review domain hands it out.

use crate::rules::error::Entity;
use crate::rules::ids::{CallId, IntegrationTokenId, OrganisationId, UserId};
use crate::{
    context::Calls, rules::actor::Actor, rules::actor::Page, rules::actor::PageRequest,
    rules::actor::page,
};
use crate::{rules::error::ReviewError, rules::person::DisplayName, rules::visibility};
use chrono::{DateTime, Utc};
use filmroom_store::{CallFilter, CallStatus, Direction, Role, entity::call, now};

/// The source of calls that people create through `/v1/calls`; pushed calls
/// carry their integration's source instead.
pub const PEOPLE_SOURCE: &str = "api";

/// Metadata a client may set on a call; `None` leaves a field unset or unchanged.
#[derive(Debug, Clone, Default)]
pub struct CallDetails {
    /// Title shown in lists (default `Call on <date>`).
    pub title: Option<String>,
    /// When the call took place.
    pub occurred_at: Option<DateTime<Utc>>,
    /// Inbound or outbound.
    pub direction: Option<Direction>,
    /// The customer's name.
    pub counterpart_name: Option<String>,
    /// The customer's company.
    pub counterpart_company: Option<String>,
    /// Which channel of a two-channel recording is the rep: 1 or 2. Changing
    /// it changes the call's metrics at once, without decoding again.
    pub rep_channel: Option<i32>,
}

/// A new call.
#[derive(Debug, Clone)]
pub struct NewCall {
    /// Whose call it is.
    pub rep_id: UserId,
    /// Its details.
    pub details: CallDetails,
    /// The id in the system it came from; sending it again returns the same call.
    pub external_ref: Option<String>,
}

/// Which calls to list.
#[derive(Debug, Clone, Default)]
pub struct CallQuery {
    /// One rep's calls.
    pub rep_id: Option<UserId>,
    /// Took place at or after.
    pub from: Option<DateTime<Utc>>,
    /// Took place before.
    pub to: Option<DateTime<Utc>>,
    /// In this state.
    pub status: Option<CallStatus>,
    /// Newest first, for people's own lists (the API lists oldest first).
    pub newest_first: bool,
    /// Rep talk ratio at least this share (0..=1); calls without one are left out.
    pub talk_ratio_min: Option<f64>,
    /// Rep talk ratio at most this share (0..=1); calls without one are left out.
    pub talk_ratio_max: Option<f64>,
}

pub(super) fn not_found(id: impl ToString) -> ReviewError {
    ReviewError::NotFound { entity: Entity::Call, id: id.to_string() }
}

pub(crate) fn optional_text(
    field: &str,
    value: Option<String>,
    max: usize,
) -> Result<Option<String>, ReviewError> {
    if let Some(value) = &value {
        crate::rules::text::check(field, value)?;
    }
    match value {
        None => Ok(None),
        Some(v) if v.trim().is_empty() => Ok(None),
        Some(v) if v.chars().count() > max => Err(ReviewError::InvalidField {
            field: field.into(),
            message: format!("must be at most {max} characters"),
        }),
        Some(v) => Ok(Some(v.trim().to_owned())),
    }
}

/// Who made a new call, and through what.
pub(crate) struct CallOrigin {
    /// The person who created it (for pushes, the admin behind the integration).
    pub created_by: UserId,
    /// `api`, or the integration's source.
    pub source: String,
    /// The integration token that pushed it.
    pub integration_id: Option<IntegrationTokenId>,
    /// The rep's channel in a two-channel recording.
    pub rep_channel: Option<i32>,
}

/// A new call waiting for its audio, its details checked. The default title
/// names the source for pushed calls ("twilio call on …").
pub(crate) fn waiting_call(
    organisation_id: OrganisationId,
    rep_id: UserId,
    details: CallDetails,
    external_ref: Option<String>,
    origin: CallOrigin,
    at: DateTime<Utc>,
) -> Result<call::Model, ReviewError> {
    let title = match details.title {
        Some(title) => DisplayName::parse("title", &title)?.into_inner(),
        None => {
            let kind = if origin.source == PEOPLE_SOURCE {
                "Call".to_owned()
            } else {
                format!("{} call", origin.source)
            };
            format!("{kind} on {}", details.occurred_at.unwrap_or(at).format("%Y-%m-%d %H:%M UTC"))
        }
    };
    Ok(call::Model {
        id: CallId::generate(),
        organisation_id,
        rep_id,
        created_by: origin.created_by,
        title,
        occurred_at: details.occurred_at,
        direction: details.direction,
        counterpart_name: optional_text("counterpart.name", details.counterpart_name, 200)?,
        counterpart_company: optional_text(
            "counterpart.company",
            details.counterpart_company,
            200,
        )?,
        external_ref: optional_text("external_ref", external_ref, 200)?,
        source: origin.source,
        integration_id: origin.integration_id,
        rep_channel: origin.rep_channel,
        status: CallStatus::Uploading,
        failure_code: None,
        failure_message: None,
        audio_key: None,
        content_type: None,
        size_bytes: None,
        sha256: None,
        container: None,
        codec: None,
        sample_rate: None,
        channels: None,
        bits_per_sample: None,
        duration_ms: None,
        decode_errors: None,
        peaks_key: None,
        created_at: at,
        updated_at: at,
    })
}

/// A recorded call as the review domain hands it out.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// UUIDv7.
    pub id: CallId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// The rep whose call it is.
    pub rep_id: UserId,
    /// Who created it (the rep, their manager, an admin).
    pub created_by: UserId,
    /// Title shown in lists.
    pub title: String,
    /// When the call took place.
    pub occurred_at: Option<DateTime<Utc>>,
    /// Inbound or outbound.
    pub direction: Option<Direction>,
    /// The customer's name.
    pub counterpart_name: Option<String>,
    /// The customer's company.
    pub counterpart_company: Option<String>,
    /// The id of the call in the system it came from; unique per organisation and source.
    pub external_ref: Option<String>,
    /// Where the call came from: `api` for calls created by people, else the
    /// pushing integration's source (`twilio`, `aircall`, …).
    pub source: String,
    /// The integration token that pushed it.
    pub integration_id: Option<IntegrationTokenId>,
    /// Which channel (1-based) of a multi-channel recording is the rep.
    pub rep_channel: Option<i32>,
    /// Lifecycle state.
    pub status: CallStatus,
    /// Stable code of the failure, when failed.
    pub failure_code: Option<String>,
    /// Human explanation of the failure.
    pub failure_message: Option<String>,
    /// Blob key of the original bytes.
    pub audio_key: Option<String>,
    /// Media type of the original bytes.
    pub content_type: Option<String>,
    /// Size of the original bytes.
    pub size_bytes: Option<i64>,
    /// Hex SHA-256 of the original bytes.
    pub sha256: Option<String>,
    /// Container recognised at upload.
    pub container: Option<String>,
    /// Codec found by analysis.
    pub codec: Option<String>,
    /// Sample rate in Hz.
    pub sample_rate: Option<i32>,
    /// Channel count.
    pub channels: Option<i32>,
    /// Bits per sample of the source, when the codec has one.
    pub bits_per_sample: Option<i32>,
    /// Duration of the decoded audio in milliseconds.
    pub duration_ms: Option<i64>,
    /// Packets that failed to decode and were skipped.
    pub decode_errors: Option<i64>,
    /// Blob key of the waveform peaks (audiowaveform JSON).
    pub peaks_key: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<call::Model> for Call {
    fn from(row: call::Model) -> Self {
        Self {
            id: row.id,
            organisation_id: row.organisation_id,
            rep_id: row.rep_id,
            created_by: row.created_by,
            title: row.title,
            occurred_at: row.occurred_at,
            direction: row.direction,
            counterpart_name: row.counterpart_name,
            counterpart_company: row.counterpart_company,
            external_ref: row.external_ref,
            source: row.source,
            integration_id: row.integration_id,
            rep_channel: row.rep_channel,
            status: row.status,
            failure_code: row.failure_code,
            failure_message: row.failure_message,
            audio_key: row.audio_key,
            content_type: row.content_type,
            size_bytes: row.size_bytes,
            sha256: row.sha256,
            container: row.container,
            codec: row.codec,
            sample_rate: row.sample_rate,
            channels: row.channels,
            bits_per_sample: row.bits_per_sample,
            duration_ms: row.duration_ms,
            decode_errors: row.decode_errors,
            peaks_key: row.peaks_key,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl Calls<'_> {
    /// Creates a call for a rep the caller can see (a rep for themselves, a
    /// manager for their reps, an admin for anyone). An `external_ref` already
    /// used in the organisation returns that call and `false`.
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id), err(level = "info"))]
    pub async fn create_call(
        &self,
        actor: &Actor,
        new: NewCall,
    ) -> Result<(Call, bool), ReviewError> {
        let rep = self.visible_person(actor, new.rep_id, "rep_id").await?;
        if !rep.active {
            return Err(ReviewError::InvalidField {
                field: "rep_id".into(),
                message: format!("{} is deactivated", rep.email),
            });
        }
        let rep_channel = new.details.rep_channel;
        if let Some(channel) = rep_channel
            && !(1..=2).contains(&channel)
        {
            return Err(ReviewError::InvalidField {
                field: "rep_channel".into(),
                message: format!("must be 1 or 2, not {channel}"),
            });
        }
        let row = waiting_call(
            actor.organisation_id,
            new.rep_id,
            new.details,
            new.external_ref,
            CallOrigin {
                created_by: actor.user_id,
                source: PEOPLE_SOURCE.to_owned(),
                integration_id: None,
                rep_channel,
            },
            now(),
        )?;
        match self.store.insert_call(row).await? {
            Ok(call) => Ok((call.into(), true)),
            // The same call sent again: the same rep, the same source.
            Err(existing) if existing.0.rep_id == new.rep_id => {
                let call = self.visible_call(actor, existing.0.id).await?;
                Ok((call.into(), false))
            }
            // Another rep's call has this ref: refused without naming it.
            Err(existing) => Err(ReviewError::ExternalRefTaken {
                external_ref: existing.0.external_ref.unwrap_or_default(),
            }),
        }
    }

    /// One call the caller can see.
    pub async fn call(&self, actor: &Actor, id: CallId) -> Result<Call, ReviewError> {
        Ok(self.visible_call(actor, id).await?.into())
    }

    /// Calls the caller can see, filtered.
    pub async fn list(
        &self,
        actor: &Actor,
        query: CallQuery,
        request: PageRequest,
    ) -> Result<Page<Call>, ReviewError> {
        let tree = self.tree(actor).await?;
        let rep_ids = match (query.rep_id, actor.role) {
            (Some(rep), _) => {
                if !visibility::can_see(actor.user_id, actor.role, rep, &tree) {
                    return Ok(Page { items: Vec::new(), next_after: None });
                }
                Some(vec![rep])
            }
            (None, Role::Admin) => None,
            (None, _) => {
                let mut ids: Vec<UserId> = tree.everyone_below(actor.user_id).into_iter().collect();
                ids.push(actor.user_id);
                Some(ids)
            }
        };
        if let (Some(from), Some(to)) = (query.from, query.to)
            && from >= to
        {
            return Err(ReviewError::InvalidField {
                field: "from".into(),
                message: format!("from ({from}) must be before to ({to})"),
            });
        }
        let talk_ratio_bp_min = Self::talk_ratio_bound("talk_ratio_min", query.talk_ratio_min)?;
        let talk_ratio_bp_max = Self::talk_ratio_bound("talk_ratio_max", query.talk_ratio_max)?;
        if let (Some(min), Some(max)) = (talk_ratio_bp_min, talk_ratio_bp_max)
            && min > max
        {
            return Err(ReviewError::InvalidField {
                field: "talk_ratio_min".into(),
                message: "is above talk_ratio_max".into(),
            });
        }
        let filter = CallFilter {
            rep_ids,
            from: query.from,
            to: query.to,
            status: query.status,
            source: None,
            newest_first: query.newest_first,
            talk_ratio_bp_min,
            talk_ratio_bp_max,
        };
        let rows = self
            .store
            .calls_page(
                actor.organisation_id,
                &filter,
                request.after.map(Into::into),
                request.limit + 1,
            )
            .await?;
        Ok(page(rows, request, |c| c.id, Call::from))
    }

    /// Changes a call's details (anyone who can see it).
    pub async fn update_call(
        &self,
        actor: &Actor,
        id: CallId,
        details: CallDetails,
    ) -> Result<Call, ReviewError> {
        let mut row = self.visible_call(actor, id).await?;
        if let Some(title) = details.title {
            row.title = DisplayName::parse("title", &title)?.into_inner();
        }
        if details.occurred_at.is_some() {
            row.occurred_at = details.occurred_at;
        }
        if details.direction.is_some() {
            row.direction = details.direction;
        }
        if let Some(name) = optional_text("counterpart.name", details.counterpart_name, 200)? {
            row.counterpart_name = Some(name);
        }
        if let Some(company) =
            optional_text("counterpart.company", details.counterpart_company, 200)?
        {
            row.counterpart_company = Some(company);
        }
        if let Some(channel) = details.rep_channel {
            if !(1..=2).contains(&channel) {
                return Err(ReviewError::InvalidField {
                    field: "rep_channel".into(),
                    message: format!("must be 1 or 2, not {channel}"),
                });
            }
            if row.channels.is_some_and(|c| c < 2) {
                return Err(ReviewError::InvalidField {
                    field: "rep_channel".into(),
                    message: "this recording has one channel; rep and customer cannot be told apart by channel".into(),
                });
            }
            row.rep_channel = Some(channel);
        }
        let rep_channel_changed = details.rep_channel.is_some();
        row.updated_at = now();
        let row = self.store.update_call_details(&row).await?.ok_or_else(|| not_found(id))?;
        if rep_channel_changed {
            self.refresh_call_metrics(&row).await;
        }
        Ok(row.into())
    }

    /// Deletes a call and its objects (the rep, whoever created it, or an admin).
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id, call = %id), err(level = "info"))]
    pub async fn delete_call(&self, actor: &Actor, id: CallId) -> Result<(), ReviewError> {
        let row = self.visible_call(actor, id).await?;
        let may = actor.role == Role::Admin
            || row.rep_id == actor.user_id
            || row.created_by == actor.user_id;
        if !may {
            return Err(ReviewError::Forbidden(
                "only the rep, whoever created the call, or an admin can delete it".into(),
            ));
        }
        // An admin removes the recording but never the coaching record built on
        // it: comments, scores, clips and action items stay with the call.
        if actor.role == Role::Admin {
            let orphans = self.lifecycle().audio_deleted(row).await?;
            self.delete_objects(orphans).await;
            return Ok(());
        }
        // Anyone else only while the call is still the rep's own draft.
        if self.store.call_in_review(row.id, row.rep_id).await? {
            return Err(ReviewError::CallInReview);
        }
        // Rows first: once the row is gone nothing points at the objects, and a
        // failed object delete leaves only an unreferenced blob, never a dangling row.
        self.store.delete_call(row.organisation_id, row.id).await?;
        for prefix in crate::jobs::call_job_prefixes(row.id) {
            self.store.delete_jobs_with_prefix(&prefix).await?;
        }
        let speech = row.peaks_key.as_deref().map(speech_key);
        self.delete_objects([row.audio_key, row.peaks_key, speech].into_iter().flatten().collect())
            .await;
        Ok(())
    }

    /// Removes a call this caller has just created whose audio never
    /// arrived (its upload failed before the client learnt its id): nothing
    /// refers to it yet, so nothing is kept, whoever the caller is.
    pub async fn discard_new_call(&self, actor: &Actor, id: CallId) -> Result<(), ReviewError> {
        let row = self.visible_call(actor, id).await?;
        if row.created_by != actor.user_id || row.status != CallStatus::Uploading {
            return Err(ReviewError::Forbidden("only a new call of yours is discarded".into()));
        }
        self.store.delete_call(row.organisation_id, row.id).await?;
        Ok(())
    }

    /// Deletes blobs nothing refers to any more; a failure is logged, never
    /// an error, since no row points at them.
    pub(super) async fn delete_objects(&self, keys: Vec<String>) {
        for key in keys {
            if let Err(e) = self.store.blobs().delete(&key).await {
                tracing::warn!(key, error = ?e, "could not delete the object of a deleted call");
            }
        }
    }
}

/// Where a call's speech segments are stored: beside its peaks, under the
/// matching name, so that whatever removes the peaks removes them too.
pub fn speech_key(peaks_key: &str) -> String {
    match peaks_key.rsplit_once("/peaks-") {
        Some((dir, rest)) => format!("{dir}/speech-{rest}"),
        None => format!("{peaks_key}.speech"),
    }
}
