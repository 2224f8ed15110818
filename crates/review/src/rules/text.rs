//! Text as filmroom stores it: the same on SQLite and PostgreSQL, which
//! refuses NUL, so no control character is accepted anywhere text comes in
//! (tab, line feed and carriage return excepted).

use crate::rules::error::ReviewError;

/// Whether `c` may not be stored.
pub fn is_forbidden(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Refuses `value` when it holds a control character, naming `field` and the
/// character.
pub fn check(field: &str, value: &str) -> Result<(), ReviewError> {
    match value.chars().find(|c| is_forbidden(*c)) {
        Some(c) => Err(ReviewError::InvalidField {
            field: field.to_owned(),
            message: format!(
                "contains the control character U+{:04X}; send text without control characters",
                u32::from(c)
            ),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_and_other_controls_are_refused_but_line_breaks_and_tabs_are_not() {
        for bad in ["a\u{0}b", "\u{7}", "x\u{1b}[31m", "\u{7f}", "\u{85}"] {
            assert!(check("body", bad).is_err(), "{bad:?}");
        }
        for good in ["", "Line one\nline two\r\n\tindented", "Grüße, 東京 🎧"] {
            assert!(check("body", good).is_ok(), "{good:?}");
        }
    }
}
