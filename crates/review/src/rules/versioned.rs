//! Saving an edited thing without overwriting a change made meanwhile: the
//! one loop every versioned edit (comments, 1:1 notes, agendas, action
//! items, clip notes, focus skills) goes through.

use crate::rules::error::ReviewError;

/// Tries a save gets when other changes keep landing between its read and
/// its write.
const TRIES: usize = 3;

/// Reads the thing, refuses with `conflict` when the caller's `seen`
/// version is not the stored one, and hands it to `write`, which changes
/// it and writes it only where the version is still the one read (`None`
/// when another change came first: the next round reads that one). Without
/// `seen` the last save wins; after [`TRIES`] misses the answer is the
/// conflict with what is stored then.
pub(crate) async fn save_unchanged<R, T>(
    seen: Option<i32>,
    version: impl Fn(&R) -> i32,
    mut read: impl AsyncFnMut() -> Result<R, ReviewError>,
    mut write: impl AsyncFnMut(R) -> Result<Option<T>, ReviewError>,
    conflict: impl AsyncFn(&R) -> ReviewError,
) -> Result<T, ReviewError> {
    for _ in 0..TRIES {
        let stored = read().await?;
        if seen.is_some_and(|seen| seen != version(&stored)) {
            return Err(conflict(&stored).await);
        }
        if let Some(saved) = write(stored).await? {
            return Ok(saved);
        }
    }
    let stored = read().await?;
    Err(conflict(&stored).await)
}
