//! The 1:1's clip segment: clips cut from the comments and calls of the
//! rep's shared weeks, held to the clip budget, in an order the pair sets.

use super::views::OneOnOneView;
use crate::rules::coaching;
use crate::rules::error::Entity;
use crate::rules::error::ReviewError;
use crate::rules::error::{invalid, not_found};
use crate::rules::ids::{CallId, ClipId, CommentId, OneOnOneId};
use crate::rules::versioned::save_unchanged;
use crate::rules::visibility::rep_work_visible;
use crate::{context::OneOnOnes, rules::actor::Actor};
use filmroom_store::{
    CallStatus, ClipRetime,
    entity::{
        clip,
        one_on_one::{self, OneOnOneStatus},
    },
    now,
};
use uuid::Uuid;

/// How far either side of a point comment a clip made from it reaches.
pub(super) const CLIP_CONTEXT_MS: i64 = 15_000;

/// Changes to a clip; `None` leaves a part as it is.
#[derive(Debug, Clone, Default)]
pub struct ClipChanges {
    /// New in and out points, ms.
    pub range: Option<(i64, i64)>,
    /// New place in the segment, 0 first.
    pub position: Option<usize>,
    /// New note; empty clears it.
    pub note: Option<String>,
    /// The version the change was made over; `None` changes whatever is
    /// stored (the last write wins).
    pub seen_version: Option<i32>,
}

/// A clip to add.
#[derive(Debug, Clone)]
pub enum ClipSource {
    /// From a comment: its range, or 15 s either side of a point.
    Comment(CommentId),
    /// Explicit offsets in a call.
    Range {
        /// The call.
        call_id: CallId,
        /// Start, ms.
        start_ms: i64,
        /// End, ms.
        end_ms: i64,
    },
}

/// A clip's note as sent: at most 2,000 characters; blank clears it.
fn check_note(note: String) -> Result<Option<String>, ReviewError> {
    if note.chars().count() > 2000 {
        return Err(invalid("note", "must be at most 2000 characters"));
    }
    Ok(Some(note).filter(|n| !n.trim().is_empty()))
}

/// A place in a segment of `clips` clips, 0 first.
fn check_position(to: usize, clips: usize) -> Result<(), ReviewError> {
    if to >= clips {
        return Err(invalid(
            "position",
            format!(
                "the segment has {clips} clips; positions run 0 to {}",
                clips.saturating_sub(1)
            ),
        ));
    }
    Ok(())
}

/// A clip's range inside a call of `duration` ms: in order, inside the call
/// and at least a second long (or the whole call when it is shorter).
pub(super) fn check_range(start_ms: i64, end_ms: i64, duration: i64) -> Result<(), ReviewError> {
    for (field, value) in [("start_ms", start_ms), ("end_ms", end_ms)] {
        if !(0..=duration).contains(&value) {
            return Err(ReviewError::OffsetOutOfRange { field, value, duration_ms: duration });
        }
    }
    if end_ms <= start_ms {
        return Err(invalid("end_ms", format!("must be after start_ms ({start_ms})")));
    }
    let whole_call = start_ms == 0 && end_ms == duration;
    if end_ms - start_ms < coaching::MIN_CLIP_MS && !whole_call {
        return Err(invalid(
            "end_ms",
            format!(
                "a clip is at least {} ms long (this one is {} ms)",
                coaching::MIN_CLIP_MS,
                end_ms - start_ms
            ),
        ));
    }
    Ok(())
}

/// A shared call of the rep whose comments can become clips.
#[derive(Debug, Clone)]
pub struct ClipCandidate {
    /// The call.
    pub call: crate::calls::record::Call,
    /// The week and slot it was nominated in.
    pub week: String,
    /// Which slot.
    pub slot: filmroom_store::entity::nomination::Slot,
    /// Its comments the caller can see, in time order.
    pub comments: Vec<crate::calls::comments::CommentView>,
}

/// Numbers clips 0, 1, 2… in their current order.
pub(super) fn renumber(clips: &mut [clip::Model]) {
    for (i, clip) in clips.iter_mut().enumerate() {
        clip.position = i32::try_from(i).unwrap_or(i32::MAX);
    }
}

impl OneOnOnes<'_> {
    /// The material of the clip segment: the rep's calls shared (or further)
    /// in the 1:1's week and the week before, with their comments.
    pub async fn clip_candidates(
        &self,
        actor: &Actor,
        id: OneOnOneId,
    ) -> Result<Vec<ClipCandidate>, ReviewError> {
        let row = self.visible_one_on_one(actor, id).await?;
        let week = crate::rules::week::Week::parse("week", &row.week)?;
        let mut candidates = Vec::new();
        for week in [week.previous(), week] {
            let view = self.weekly().week(actor, row.rep_id, &week.to_string()).await?;
            for (slot, nomination) in [
                (filmroom_store::entity::nomination::Slot::WentWell, view.went_well),
                (filmroom_store::entity::nomination::Slot::Struggled, view.struggled),
            ] {
                let Some(nomination) = nomination else { continue };
                if nomination.row.state < filmroom_store::entity::nomination::ReviewState::Shared {
                    continue;
                }
                let comments = self.weekly().comments(actor, nomination.call.id, None).await?;
                candidates.push(ClipCandidate {
                    call: nomination.call,
                    week: week.to_string(),
                    slot,
                    comments,
                });
            }
        }
        Ok(candidates)
    }

    /// Adds a clip to the coaching segment, within the organisation's budget.
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id, one_on_one = %id), err(level = "info"))]
    pub async fn add_clip(
        &self,
        actor: &Actor,
        id: OneOnOneId,
        source: ClipSource,
        note: Option<String>,
    ) -> Result<OneOnOneView, ReviewError> {
        let row = self.own_one_on_one(actor, id).await?;
        if row.status == OneOnOneStatus::Held {
            return Err(ReviewError::OneOnOneHeld);
        }
        let (call_id, comment_id) = match &source {
            ClipSource::Comment(comment) => {
                let found = self.store.comment(actor.organisation_id, *comment).await?;
                let comment_row =
                    found.ok_or_else(|| invalid("comment_id", format!("no comment {comment}")))?;
                (comment_row.call_id, Some(comment_row))
            }
            ClipSource::Range { call_id, .. } => (*call_id, None),
        };
        // A comment the caller may not see, or on a call that is not this
        // rep's, answers exactly as a comment that does not exist: naming its
        // call would tell the caller about a call they cannot see.
        let unknown = || match &source {
            ClipSource::Comment(comment) => invalid("comment_id", format!("no comment {comment}")),
            ClipSource::Range { .. } => {
                invalid("call_id", format!("no call {call_id} of this 1:1's rep"))
            }
        };
        // The caller must be able to see the call, not only the 1:1.
        let call = match self.visible_call(actor, call_id).await {
            Ok(call) if call.rep_id == row.rep_id => call,
            Ok(_) | Err(ReviewError::NotFound { .. }) => return Err(unknown()),
            Err(e) => return Err(e),
        };
        if call.status != CallStatus::Ready {
            return Err(ReviewError::NotReady {
                what: "audio",
                status: crate::rules::call_status::status_name(call.status),
            });
        }
        let duration = call.duration_ms.unwrap_or_default();
        let shared = self.store.call_is_shared(call.id).await?;
        let (start_ms, end_ms) = match (&source, &comment_id) {
            (ClipSource::Comment(_), Some(comment)) => {
                if !rep_work_visible(actor.user_id, row.rep_id, comment.author_id, shared) {
                    return Err(unknown());
                }
                // Both people must be able to see the comment: the rep's own
                // comments only once the call is shared.
                if !rep_work_visible(row.manager_id, row.rep_id, comment.author_id, shared) {
                    return Err(invalid("comment_id", "the rep has not shared this call yet"));
                }
                match comment.end_ms {
                    // A short range comment becomes a clip long enough to hear.
                    Some(end) => coaching::widen_to_minimum(comment.at_ms, end, duration),
                    None => (
                        (comment.at_ms - CLIP_CONTEXT_MS).max(0),
                        (comment.at_ms + CLIP_CONTEXT_MS).min(duration),
                    ),
                }
            }
            (ClipSource::Range { start_ms, end_ms, .. }, _) => (*start_ms, *end_ms),
            _ => return Err(invalid("comment_id", "no such comment")),
        };
        check_range(start_ms, end_ms, duration)?;
        let (_, settings) = self.weekly().review_settings(actor).await?;
        if note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
            return Err(invalid("note", "must be at most 2000 characters"));
        }
        let budget = coaching::budget_ms(settings.clip_budget_minutes);
        let clip_ms = end_ms - start_ms;
        let from_comment = comment_id.as_ref().map(|c| c.id);
        self.store
            .insert_clip_checked(
                clip::Model {
                    id: Uuid::now_v7().into(),
                    organisation_id: row.organisation_id,
                    one_on_one_id: row.id,
                    position: 0,
                    call_id: call.id,
                    start_ms,
                    end_ms,
                    comment_id: comment_id.map(|c| c.id),
                    note: note.filter(|n| !n.trim().is_empty()),
                    created_at: now(),
                    version: 1,
                    updated_by: None,
                    updated_at: None,
                },
                |clips| {
                    if from_comment.is_some() && clips.iter().any(|c| c.comment_id == from_comment)
                    {
                        return Err(ReviewError::ClipExists);
                    }
                    coaching::check_clip_fits(
                        clips.iter().map(|c| c.end_ms.saturating_sub(c.start_ms)),
                        clip_ms,
                        budget,
                    )
                },
            )
            .await?
            .ok_or(ReviewError::OneOnOneHeld)??;
        self.view_one_on_one(actor, row).await
    }

    /// Changes a clip: its in and out points (within its call and the
    /// budget), its note, its place in the segment (0 is first). With
    /// `seen_version`, a clip whose note or range changed since that version
    /// is left alone and the answer is `EditConflict`.
    pub async fn update_clip(
        &self,
        actor: &Actor,
        clip_id: ClipId,
        changes: ClipChanges,
    ) -> Result<OneOnOneView, ReviewError> {
        let (row, clip) = self.segment_of_clip(actor, clip_id).await?;
        // Everything is checked before anything is written: a refused
        // change leaves the clip as it was.
        let note = changes.note.map(check_note).transpose()?;
        if let Some(to) = changes.position {
            check_position(to, self.store.clips(row.id).await?.len())?;
        }
        let seen = changes.seen_version;
        if seen.is_some_and(|seen| seen != clip.version) {
            return Err(self.clip_conflict(actor, &clip).await);
        }
        match (changes.range, note) {
            (Some(range), note) => self.retime_clip(actor, &row, clip, range, note, seen).await?,
            (None, Some(note)) => self.note_clip(actor, clip_id, note, seen).await?,
            (None, None) => {}
        }
        if let Some(to) = changes.position {
            self.move_clip(row.id, clip_id, to).await?;
        }
        self.view_one_on_one(actor, row).await
    }

    /// A clip of the caller's organisation, as stored (`segment_of_clip`
    /// says whether the caller may change it).
    async fn segment_clip(
        &self,
        actor: &Actor,
        clip_id: ClipId,
    ) -> Result<clip::Model, ReviewError> {
        self.store
            .clip(actor.organisation_id, clip_id)
            .await?
            .ok_or_else(|| not_found(Entity::Clip, clip_id))
    }

    /// Moves a clip's in and out points within its call, within the
    /// budget, and writes the note sent with them in the same statement.
    async fn retime_clip(
        &self,
        actor: &Actor,
        row: &one_on_one::Model,
        clip: clip::Model,
        (start_ms, end_ms): (i64, i64),
        note: Option<Option<String>>,
        seen: Option<i32>,
    ) -> Result<(), ReviewError> {
        let call = self.visible_call(actor, clip.call_id).await.map_err(|e| match e {
            ReviewError::NotFound { .. } => not_found(Entity::Clip, clip.id),
            other => other,
        })?;
        check_range(start_ms, end_ms, call.duration_ms.unwrap_or_default())?;
        let (_, settings) = self.weekly().review_settings(actor).await?;
        let budget = coaching::budget_ms(settings.clip_budget_minutes);
        let clip_ms = end_ms - start_ms;
        let retimed = self
            .store
            .retime_clip_checked(
                clip.id,
                row.id,
                ClipRetime { range: (start_ms, end_ms), note, by: actor.user_id, at: now() },
                // `Err(None)`: the clip changed since `seen`.
                |stored, others| {
                    if seen.is_some_and(|seen| seen != stored.version) {
                        return Err(None);
                    }
                    // Judged against the other clips: this one is changed, not added.
                    coaching::check_clip_fits(
                        others.iter().map(|c| c.end_ms.saturating_sub(c.start_ms)),
                        clip_ms,
                        budget,
                    )
                    .map_err(Some)
                },
            )
            .await?
            .ok_or(ReviewError::OneOnOneHeld)?;
        match retimed {
            Ok(_) => Ok(()),
            Err(Some(refused)) => Err(refused),
            Err(None) => {
                let clip = self.segment_clip(actor, clip.id).await?;
                Err(self.clip_conflict(actor, &clip).await)
            }
        }
    }

    /// Writes a clip's note, over the version `seen` when one is given.
    async fn note_clip(
        &self,
        actor: &Actor,
        clip_id: ClipId,
        note: Option<String>,
        seen: Option<i32>,
    ) -> Result<(), ReviewError> {
        save_unchanged(
            seen,
            |clip: &clip::Model| clip.version,
            async || self.segment_clip(actor, clip_id).await,
            async |mut clip| {
                clip.note.clone_from(&note);
                clip.updated_by = Some(actor.user_id);
                clip.updated_at = Some(now());
                Ok(self.store.note_clip(clip).await?)
            },
            async |clip| self.clip_conflict(actor, clip).await,
        )
        .await
        .map(|_| ())
    }

    /// Moves a clip to `to` (0 is first) in its segment.
    async fn move_clip(
        &self,
        one_on_one_id: OneOnOneId,
        clip_id: ClipId,
        to: usize,
    ) -> Result<(), ReviewError> {
        let mut clips = self.store.clips(one_on_one_id).await?;
        let from = clips
            .iter()
            .position(|c| c.id == clip_id)
            .ok_or_else(|| not_found(Entity::Clip, clip_id))?;
        check_position(to, clips.len())?;
        let moved = clips.remove(from);
        clips.insert(to, moved);
        renumber(&mut clips);
        Ok(self.store.order_clips(clips).await?)
    }

    /// What was saved over an older copy of a clip, by whom.
    async fn clip_conflict(&self, actor: &Actor, clip: &clip::Model) -> ReviewError {
        ReviewError::EditConflict(Box::new(crate::rules::error::EditConflict {
            what: "clip".into(),
            version: clip.version.to_string(),
            theirs: clip.note.clone().unwrap_or_default(),
            changed_by: self.changed_by(actor, clip.updated_by).await,
            changed_at: clip.updated_at.unwrap_or(clip.created_at),
            criterion: None,
        }))
    }

    /// The 1:1 whose segment holds `clip_id`, if the caller may still
    /// change it, and the clip as stored.
    pub(super) async fn segment_of_clip(
        &self,
        actor: &Actor,
        clip_id: ClipId,
    ) -> Result<(one_on_one::Model, clip::Model), ReviewError> {
        let target = self.segment_clip(actor, clip_id).await?;
        let row = self.own_one_on_one(actor, target.one_on_one_id).await.map_err(|e| match e {
            ReviewError::NotFound { .. } => not_found(Entity::Clip, clip_id),
            other => other,
        })?;
        if row.status == OneOnOneStatus::Held {
            return Err(ReviewError::OneOnOneHeld);
        }
        Ok((row, target))
    }

    /// Removes a clip from the segment.
    pub async fn remove_clip(&self, actor: &Actor, clip_id: ClipId) -> Result<(), ReviewError> {
        let (row, _) = self.segment_of_clip(actor, clip_id).await?;
        self.store.delete_clip(clip_id).await?;
        let mut clips = self.store.clips(row.id).await?;
        renumber(&mut clips);
        Ok(self.store.order_clips(clips).await?)
    }
}
