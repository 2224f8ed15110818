//! Validated values about people and the management tree, free of I/O.

use crate::rules::ids::UserId;
use std::{
    collections::{BTreeMap, HashMap, HashSet},
    fmt,
};

use filmroom_store::{ManagementEdge, Role};

use crate::rules::error::ReviewError;

fn invalid(field: &str, message: impl Into<String>) -> ReviewError {
    ReviewError::InvalidField { field: field.to_owned(), message: message.into() }
}

/// An email address, trimmed and lower-cased so that lookups are exact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Accepts `local@domain.tld` of at most 254 characters without spaces.
    pub fn parse(field: &str, raw: &str) -> Result<Self, ReviewError> {
        let email = raw.trim().to_lowercase();
        let valid = email.len() <= 254
            && !email.chars().any(char::is_whitespace)
            && match email.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                }
                None => false,
            };
        if valid {
            Ok(Self(email))
        } else {
            Err(invalid(field, format!("`{raw}` is not an email address like `ada@example.com`")))
        }
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A display name or label: 1 to 200 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    /// Trims and checks length and characters.
    pub fn parse(field: &str, raw: &str) -> Result<Self, ReviewError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(invalid(field, "must not be empty"));
        }
        if name.chars().count() > 200 {
            return Err(invalid(field, "must be at most 200 characters"));
        }
        if name.chars().any(char::is_control) {
            return Err(invalid(field, "must not contain control characters"));
        }
        Ok(Self(name.to_owned()))
    }

    /// The trimmed name.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An IANA time zone name such as `Europe/Berlin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timezone(chrono_tz::Tz);

impl Timezone {
    /// Accepts any name in the IANA database.
    pub fn parse(field: &str, raw: &str) -> Result<Self, ReviewError> {
        raw.trim().parse::<chrono_tz::Tz>().map(Self).map_err(|_| {
            invalid(
                field,
                format!(
                    "`{raw}` is not an IANA time zone such as `Europe/Berlin` or `America/New_York`"
                ),
            )
        })
    }

    /// The canonical name.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }
}

/// A user's ids in other systems, by source (`twilio`, `aircall`, …).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExternalIds(BTreeMap<String, String>);

impl ExternalIds {
    /// Sources are 1–32 characters of `a-z0-9_-`; ids are 1–200 characters.
    pub fn parse(field: &str, raw: BTreeMap<String, String>) -> Result<Self, ReviewError> {
        for (source, id) in &raw {
            let source_ok = !source.is_empty()
                && source.len() <= 32
                && source
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
            if !source_ok {
                return Err(invalid(
                    field,
                    format!("source `{source}` must be 1-32 characters of a-z, 0-9, `_` or `-`"),
                ));
            }
            if id.trim().is_empty() || id.len() > 200 {
                return Err(invalid(field, format!("the `{source}` id must be 1-200 characters")));
            }
        }
        Ok(Self(raw))
    }

    /// Reads the stored JSON object; anything else is treated as empty.
    pub fn from_json(value: &serde_json::Value) -> Self {
        Self(
            value
                .as_object()
                .map(|map| {
                    map.iter()
                        .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                        .collect()
                })
                .unwrap_or_default(),
        )
    }

    /// The JSON object to store.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.0.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect(),
        )
    }

    /// The ids by source.
    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }
}

/// The organisation's management tree: who reports to whom.
#[derive(Debug, Default)]
pub struct ManagementTree {
    manager_of: HashMap<UserId, UserId>,
    reports_of: HashMap<UserId, Vec<UserId>>,
}

impl ManagementTree {
    /// Builds the tree from its edges.
    pub fn new(edges: &[ManagementEdge]) -> Self {
        let mut tree = Self::default();
        for edge in edges {
            if let Some(manager) = edge.manager_id {
                let (user, manager) = (edge.user_id, manager);
                tree.manager_of.insert(user, manager);
                tree.reports_of.entry(manager).or_default().push(user);
            }
        }
        tree
    }

    /// The user's managers, nearest first. Stops if the stored tree loops, which
    /// [`Self::would_cycle`] prevents.
    pub fn managers_above(&self, user: UserId) -> Vec<UserId> {
        let mut chain = Vec::new();
        let mut seen = HashSet::from([user]);
        let mut current = user;
        while let Some(&manager) = self.manager_of.get(&current) {
            if !seen.insert(manager) {
                break;
            }
            chain.push(manager);
            current = manager;
        }
        chain
    }

    /// Everyone below `user`, directly or further down (not `user` itself).
    pub fn everyone_below(&self, user: UserId) -> Vec<UserId> {
        let mut below = Vec::new();
        let mut seen = HashSet::from([user]);
        let mut stack = vec![user];
        while let Some(next) = stack.pop() {
            for &report in self.reports_of.get(&next).map(Vec::as_slice).unwrap_or_default() {
                if seen.insert(report) {
                    below.push(report);
                    stack.push(report);
                }
            }
        }
        below
    }

    /// The people who report directly to `user`.
    pub fn direct_reports(&self, user: UserId) -> Vec<UserId> {
        self.reports_of.get(&user).cloned().unwrap_or_default()
    }

    /// How many people report directly to `user`.
    pub fn direct_report_count(&self, user: UserId) -> usize {
        self.reports_of.get(&user).map_or(0, Vec::len)
    }

    /// Whether making `manager` the manager of `user` would close a loop.
    pub fn would_cycle(&self, user: UserId, manager: UserId) -> bool {
        manager == user || self.managers_above(manager).contains(&user)
    }
}

/// Whether a role may have people reporting to it.
pub fn can_manage(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Manager)
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn edge(user: u128, manager: Option<u128>) -> ManagementEdge {
        ManagementEdge {
            user_id: id(user),
            manager_id: manager.map(id),
            role: Role::Manager,
            active: true,
        }
    }

    fn id(n: u128) -> UserId {
        UserId::from(Uuid::from_u128(n))
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("email", " Ada@Example.COM ").map(|e| e.0).ok(),
            Some("ada@example.com".into())
        );
        for bad in
            ["", "ada", "ada@", "@example.com", "ada@example", "a da@example.com", "a@b@c.com"]
        {
            assert!(Email::parse("email", bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn timezones_must_be_iana_names() {
        assert_eq!(
            Timezone::parse("timezone", "Europe/Berlin").map(|t| t.name()).ok(),
            Some("Europe/Berlin")
        );
        assert!(Timezone::parse("timezone", "Mars/Olympus").is_err());
    }

    #[test]
    fn a_chain_lists_managers_nearest_first_and_a_subtree_everyone_below() {
        // 1 <- 2 <- 3, 2 <- 4
        let tree = ManagementTree::new(&[
            edge(1, None),
            edge(2, Some(1)),
            edge(3, Some(2)),
            edge(4, Some(2)),
        ]);
        assert_eq!(tree.managers_above(id(3)), vec![id(2), id(1)]);
        let mut below = tree.everyone_below(id(1));
        below.sort();
        assert_eq!(below, vec![id(2), id(3), id(4)]);
        assert_eq!(tree.direct_report_count(id(2)), 2);
    }

    #[test]
    fn a_manager_cannot_report_to_someone_below_them_or_to_themselves() {
        let tree = ManagementTree::new(&[edge(1, None), edge(2, Some(1)), edge(3, Some(2))]);
        assert!(tree.would_cycle(id(1), id(3)));
        assert!(tree.would_cycle(id(2), id(2)));
        assert!(!tree.would_cycle(id(3), id(1)));
    }

    #[test]
    fn a_looping_tree_does_not_hang_the_walk() {
        let tree = ManagementTree::new(&[edge(1, Some(2)), edge(2, Some(1))]);
        assert_eq!(tree.managers_above(id(1)), vec![id(2)]);
    }
}
