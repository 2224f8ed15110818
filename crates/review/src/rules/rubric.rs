//! The organisation's rubric: the criteria calls are scored on, each with a
//! scale and a description per level. Editing publishes a new version; scores
//! keep the version they were given under.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::rules::error::ReviewError;

/// A description of one value on a criterion's scale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    /// The value.
    pub value: i32,
    /// What a call at this level sounds like.
    pub description: String,
}

/// One thing calls are scored on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    /// Stable key, `a-z0-9_`, used by scores and the focus skill.
    pub key: String,
    /// Display name.
    pub name: String,
    /// What the criterion is about.
    pub description: Option<String>,
    /// Lowest score.
    pub min: i32,
    /// Highest score.
    pub max: i32,
    /// Descriptions of levels on the scale.
    pub levels: Vec<Level>,
}

fn invalid(field: String, message: impl Into<String>) -> ReviewError {
    ReviewError::InvalidField { field, message: message.into() }
}

/// Checks a rubric before it is published.
pub fn validate(criteria: &[Criterion]) -> Result<(), ReviewError> {
    if criteria.is_empty() || criteria.len() > 30 {
        return Err(invalid("criteria".into(), "a rubric has 1 to 30 criteria"));
    }
    let mut keys = HashSet::new();
    for (i, criterion) in criteria.iter().enumerate() {
        let field = |name: &str| format!("criteria[{i}].{name}");
        let key_ok = !criterion.key.is_empty()
            && criterion.key.len() <= 64
            && criterion
                .key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !key_ok {
            return Err(invalid(
                field("key"),
                format!("`{}` must be 1-64 characters of a-z, 0-9 and `_`", criterion.key),
            ));
        }
        if !keys.insert(criterion.key.as_str()) {
            return Err(invalid(field("key"), format!("`{}` appears twice", criterion.key)));
        }
        if criterion.name.trim().is_empty() || criterion.name.chars().count() > 200 {
            return Err(invalid(field("name"), "must be 1-200 characters"));
        }
        if criterion.description.as_ref().is_some_and(|d| d.chars().count() > 2000) {
            return Err(invalid(field("description"), "must be at most 2000 characters"));
        }
        if criterion.min >= criterion.max
            || i64::from(criterion.max) - i64::from(criterion.min) > 100
        {
            return Err(invalid(
                field("max"),
                format!(
                    "the scale {}..{} must run upwards over at most 100 steps",
                    criterion.min, criterion.max
                ),
            ));
        }
        let mut values = HashSet::new();
        for level in &criterion.levels {
            if !(criterion.min..=criterion.max).contains(&level.value) {
                return Err(invalid(
                    field("levels"),
                    format!(
                        "level {} is outside the scale {}..{}",
                        level.value, criterion.min, criterion.max
                    ),
                ));
            }
            if !values.insert(level.value) {
                return Err(invalid(
                    field("levels"),
                    format!("level {} is described twice", level.value),
                ));
            }
            if level.description.trim().is_empty() || level.description.chars().count() > 1000 {
                return Err(invalid(
                    field("levels"),
                    "each level needs a description of 1-1000 characters",
                ));
            }
        }
    }
    Ok(())
}

/// Checks one score against the rubric it is given under.
pub fn check_score(
    criteria: &[Criterion],
    index: usize,
    key: &str,
    value: i32,
) -> Result<(), ReviewError> {
    let criterion = criteria.iter().find(|c| c.key == key).ok_or_else(|| {
        let known: Vec<&str> = criteria.iter().map(|c| c.key.as_str()).collect();
        invalid(
            format!("[{index}].criterion"),
            format!("`{key}` is not in the rubric; it has {}", known.join(", ")),
        )
    })?;
    if !(criterion.min..=criterion.max).contains(&value) {
        return Err(invalid(
            format!("[{index}].value"),
            format!(
                "{} is scored {}..{}, not {value}",
                criterion.key, criterion.min, criterion.max
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn discovery() -> Criterion {
        Criterion {
            key: "discovery".into(),
            name: "Discovery".into(),
            description: None,
            min: 1,
            max: 5,
            levels: vec![Level { value: 1, description: "No questions".into() }],
        }
    }

    #[test]
    fn a_rubric_needs_unique_keys_and_sane_scales() {
        assert!(validate(&[discovery()]).is_ok());
        assert!(validate(&[]).is_err());
        assert!(validate(&[discovery(), discovery()]).is_err());
        assert!(validate(&[Criterion { min: 5, max: 1, ..discovery() }]).is_err());
        assert!(validate(&[Criterion { min: i32::MIN, max: 0, ..discovery() }]).is_err());
        assert!(validate(&[Criterion { min: i32::MIN, max: i32::MAX, ..discovery() }]).is_err());
        assert!(validate(&[Criterion { key: "Not A Key".into(), ..discovery() }]).is_err());
        let outside =
            Criterion { levels: vec![Level { value: 9, description: "x".into() }], ..discovery() };
        assert!(validate(&[outside]).is_err());
    }

    #[test]
    fn scores_must_name_a_criterion_and_fit_its_scale() {
        let rubric = [discovery()];
        assert!(check_score(&rubric, 0, "discovery", 3).is_ok());
        assert!(check_score(&rubric, 0, "discovery", 6).is_err());
        assert!(check_score(&rubric, 0, "closing", 3).is_err());
    }
}
