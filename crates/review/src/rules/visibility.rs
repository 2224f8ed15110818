//! The one rule for who sees a person's data: coaching flows down the
//! management chain, and tenants never see each other.

use crate::rules::ids::UserId;
use filmroom_store::Role;

use crate::rules::person::ManagementTree;

/// Whether `viewer` (with `viewer_role`) may see the data of `subject`, both in
/// the same organisation: the subject themselves, anyone above them in the
/// management chain, or an admin. Other organisations never get this far:
/// every lookup is scoped to the caller's organisation.
pub fn can_see(viewer: UserId, viewer_role: Role, subject: UserId, tree: &ManagementTree) -> bool {
    viewer_role == Role::Admin
        || viewer == subject
        || tree.managers_above(subject).contains(&viewer)
}

/// Whether a comment (or self-score) by `author` on a call of `rep` is visible
/// to `viewer`: the rep's own work stays private until they share the call.
pub fn rep_work_visible(viewer: UserId, rep: UserId, author: UserId, shared: bool) -> bool {
    author != rep || viewer == rep || shared
}

#[cfg(test)]
mod tests {
    use filmroom_store::ManagementEdge;
    use uuid::Uuid;

    use super::*;

    fn id(n: u128) -> UserId {
        UserId::from(Uuid::from_u128(n))
    }

    #[test]
    fn the_rep_their_chain_and_admins_see_a_rep_and_nobody_else_does() {
        let edge = |u: u128, m: Option<u128>| ManagementEdge {
            user_id: id(u),
            manager_id: m.map(id),
            role: Role::Rep,
            active: true,
        };
        // director 1 <- manager 2 <- rep 3; peer rep 4 under 2; other manager 5.
        let tree = ManagementTree::new(&[
            edge(1, None),
            edge(2, Some(1)),
            edge(3, Some(2)),
            edge(4, Some(2)),
            edge(5, Some(1)),
        ]);
        assert!(can_see(id(3), Role::Rep, id(3), &tree));
        assert!(can_see(id(2), Role::Manager, id(3), &tree));
        assert!(can_see(id(1), Role::Manager, id(3), &tree));
        assert!(can_see(id(9), Role::Admin, id(3), &tree));
        assert!(!can_see(id(4), Role::Rep, id(3), &tree));
        assert!(!can_see(id(5), Role::Manager, id(3), &tree));
        assert!(!can_see(id(3), Role::Rep, id(2), &tree));
    }
}
