//! Averages and rates over counts and scores, without overflow or lossy casts.

/// `part / whole` as a fraction; counts beyond `u32::MAX` saturate, which no
/// count of action items or scores comes near.
pub(crate) fn ratio(part: usize, whole: usize) -> f64 {
    let as_f64 = |n: usize| f64::from(u32::try_from(n).unwrap_or(u32::MAX));
    as_f64(part) / as_f64(whole)
}

/// The mean of some scores, or `None` for none. Summed as floats, so scores
/// near `i32::MAX` cannot overflow.
pub(crate) fn mean(values: &[i32]) -> Option<f64> {
    (!values.is_empty())
        .then(|| values.iter().copied().map(f64::from).sum::<f64>() / ratio(values.len(), 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mean_of_extreme_scores_does_not_overflow() {
        assert_eq!(mean(&[i32::MAX, i32::MAX]), Some(f64::from(i32::MAX)));
        assert_eq!(mean(&[]), None);
        assert_eq!(mean(&[1, 2]), Some(1.5));
    }

    #[test]
    fn a_ratio_is_a_fraction() {
        assert!((ratio(1, 3) - 1.0 / 3.0).abs() < f64::EPSILON);
        assert_eq!(ratio(0, 5), 0.0);
    }
}
