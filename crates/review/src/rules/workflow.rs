//! The weekly review's states and the moves between them, as plain rules:
//! "no coaching until you have tried to coach yourself first".

use filmroom_store::entity::nomination::ReviewState;

/// Who is asking for a move, relative to the nomination's rep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mover {
    /// The rep whose call it is.
    Rep,
    /// A manager anywhere above the rep.
    ChainManager,
    /// Anyone else who can see the call (an admin outside the chain).
    Other,
}

/// What the rules need to know about the call's comments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReviewFacts {
    /// Comments by the rep on the call.
    pub rep_comments: usize,
    /// Comments on the call by managers in the rep's chain.
    pub chain_manager_comments: usize,
}

/// Why a move was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveRefused {
    /// The mover may never make this move.
    NotYours(String),
    /// Not now: the current state or a missing prerequisite stands in the way.
    Blocked {
        /// What is missing.
        missing: Missing,
    },
}

/// What stands in the way of a move, said two ways: to an API client, with
/// the states by the names clients use ([`Missing::describe`]), and to the
/// person on a page who would make the move ([`Missing::for_mover`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// Self-review needs a comment by the rep.
    RepComment,
    /// The manager review needs a comment by a manager in the rep's chain.
    ManagerComment,
    /// The review is in the target state already.
    Already(ReviewState),
    /// The move would go back.
    Backwards(ReviewState, ReviewState),
    /// The move would skip a state: from the first, the second comes next.
    Skip(ReviewState, ReviewState),
}

impl Missing {
    /// For API clients: states by their names on the wire.
    pub fn describe(self) -> String {
        match self {
            Self::RepComment => {
                "the rep has not commented on the call yet; self-review needs at least one comment"
                    .into()
            }
            Self::ManagerComment => "no manager in the rep's chain has commented on the call yet; the manager review needs at least one comment".into(),
            Self::Already(state) => format!("the review is already {}", state_name(state)),
            Self::Backwards(from, to) => {
                format!("a review cannot go back from {} to {}", state_name(from), state_name(to))
            }
            Self::Skip(current, next) => format!(
                "the review is {}; it must become {} first (no step is skipped)",
                state_name(current),
                state_name(next)
            ),
        }
    }

    /// For the person who would make the move, on a page: what to do next,
    /// with no state names.
    pub fn for_mover(self) -> String {
        match self {
            Self::RepComment => {
                "add at least one comment on a moment of the call first: your self-review starts with one".into()
            }
            Self::ManagerComment => {
                "add at least one comment on a moment of the call first: your review starts with one".into()
            }
            Self::Already(_) => "this step is done already".into(),
            Self::Backwards(..) => "a review does not go back a step once taken".into(),
            Self::Skip(..) => "a review goes one step at a time; take the step shown first".into(),
        }
    }
}

/// The lower-case name of a state, as clients see it.
pub fn state_name(state: ReviewState) -> &'static str {
    match state {
        ReviewState::Nominated => "nominated",
        ReviewState::SelfReviewed => "self_reviewed",
        ReviewState::Shared => "shared",
        ReviewState::ManagerReviewed => "manager_reviewed",
        ReviewState::Discussed => "discussed",
    }
}

/// Whether a shared call has waited longer than `window` for its manager review.
pub fn review_overdue(
    state: ReviewState,
    shared_at: Option<chrono::DateTime<chrono::Utc>>,
    window: chrono::Duration,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    state == ReviewState::Shared && shared_at.is_some_and(|shared| now > shared + window)
}

/// Decides whether `mover` may move a nomination from `current` to `target`.
pub fn check_move(
    current: ReviewState,
    target: ReviewState,
    mover: Mover,
    facts: ReviewFacts,
) -> Result<(), MoveRefused> {
    use ReviewState::*;
    let owner_of = |state: ReviewState| match state {
        Nominated | SelfReviewed | Shared => Mover::Rep,
        ManagerReviewed | Discussed => Mover::ChainManager,
    };
    let needed = owner_of(target);
    if mover != needed {
        let who = match needed {
            Mover::Rep => "the rep",
            _ => "a manager in the rep's chain",
        };
        return Err(MoveRefused::NotYours(format!(
            "only {who} can move a review to {}",
            state_name(target)
        )));
    }
    let blocked = |missing: Missing| Err(MoveRefused::Blocked { missing });
    match (current, target) {
        (Nominated, SelfReviewed) if facts.rep_comments == 0 => blocked(Missing::RepComment),
        (Nominated, SelfReviewed) | (SelfReviewed, Shared) => Ok(()),
        (Shared, ManagerReviewed) if facts.chain_manager_comments == 0 => {
            blocked(Missing::ManagerComment)
        }
        (Shared, ManagerReviewed) | (ManagerReviewed, Discussed) => Ok(()),
        (current, target) if current == target => blocked(Missing::Already(current)),
        (current, target) if current > target => blocked(Missing::Backwards(current, target)),
        (current, _) => {
            let next = match current {
                Nominated => SelfReviewed,
                SelfReviewed => Shared,
                Shared => ManagerReviewed,
                ManagerReviewed | Discussed => Discussed,
            };
            blocked(Missing::Skip(current, next))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReviewState::*;

    const NONE: ReviewFacts = ReviewFacts { rep_comments: 0, chain_manager_comments: 0 };
    const BOTH: ReviewFacts = ReviewFacts { rep_comments: 1, chain_manager_comments: 1 };

    #[test]
    fn the_happy_path_needs_a_comment_from_each_side() {
        assert!(matches!(
            check_move(Nominated, SelfReviewed, Mover::Rep, NONE),
            Err(MoveRefused::Blocked { .. })
        ));
        assert_eq!(check_move(Nominated, SelfReviewed, Mover::Rep, BOTH), Ok(()));
        assert_eq!(check_move(SelfReviewed, Shared, Mover::Rep, BOTH), Ok(()));
        let only_rep = ReviewFacts { rep_comments: 1, chain_manager_comments: 0 };
        assert!(matches!(
            check_move(Shared, ManagerReviewed, Mover::ChainManager, only_rep),
            Err(MoveRefused::Blocked { .. })
        ));
        assert_eq!(check_move(Shared, ManagerReviewed, Mover::ChainManager, BOTH), Ok(()));
        assert_eq!(check_move(ManagerReviewed, Discussed, Mover::ChainManager, BOTH), Ok(()));
    }

    #[test]
    fn a_shared_call_is_overdue_only_past_the_window_and_only_while_unreviewed() {
        let shared = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let window = chrono::Duration::days(3);
        let later = |days| shared + chrono::Duration::days(days);
        assert!(!review_overdue(Shared, Some(shared), window, later(2)));
        assert!(!review_overdue(Shared, Some(shared), window, later(3)));
        assert!(review_overdue(Shared, Some(shared), window, later(4)));
        assert!(!review_overdue(ManagerReviewed, Some(shared), window, later(9)));
        assert!(!review_overdue(SelfReviewed, None, window, later(9)));
    }

    #[test]
    fn steps_are_not_skipped_reversed_or_taken_by_the_wrong_person() {
        assert!(matches!(
            check_move(Nominated, Shared, Mover::Rep, BOTH),
            Err(MoveRefused::Blocked { .. })
        ));
        assert!(matches!(
            check_move(Shared, SelfReviewed, Mover::Rep, BOTH),
            Err(MoveRefused::Blocked { .. })
        ));
        assert!(matches!(
            check_move(Shared, Shared, Mover::Rep, BOTH),
            Err(MoveRefused::Blocked { .. })
        ));
        assert!(matches!(
            check_move(SelfReviewed, Shared, Mover::ChainManager, BOTH),
            Err(MoveRefused::NotYours(_))
        ));
        assert!(matches!(
            check_move(Shared, ManagerReviewed, Mover::Rep, BOTH),
            Err(MoveRefused::NotYours(_))
        ));
        assert!(matches!(
            check_move(Shared, ManagerReviewed, Mover::Other, BOTH),
            Err(MoveRefused::NotYours(_))
        ));
    }
}
