//! WAV files whose header was never rewritten. Streaming recorders write the
//! RIFF and `data` sizes before they know them, as 0 or 0xFFFFFFFF, and some
//! never come back to fix them; symphonia then refuses a data chunk longer
//! than its parent. ffmpeg plays such files, so filmroom reads them as
//! holding the data that is there: the sizes are presented as what the file's
//! length allows, without changing a stored byte.

use std::io::{Read, Seek, SeekFrom};

/// A header field to present differently: its offset and little-endian value.
pub(crate) type Patch = (u64, [u8; 4]);

/// How many chunks are walked looking for `data`.
const MAX_CHUNKS: usize = 64;

/// The size fields of a RIFF/WAVE file of `len` bytes that claim more than
/// the file holds (or the placeholders 0 and 0xFFFFFFFF), with what they
/// should say. Empty for anything else, RF64 included.
pub(crate) fn size_patches<R: Read + Seek>(r: &mut R, len: u64) -> Vec<Patch> {
    let mut patches = Vec::new();
    let mut head = [0u8; 12];
    if r.seek(SeekFrom::Start(0)).is_err() || r.read_exact(&mut head).is_err() {
        return patches;
    }
    if head.get(0..4) != Some(b"RIFF") || head.get(8..12) != Some(b"WAVE") {
        return patches;
    }
    let fits = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    let claimed = |bytes: &[u8]| {
        bytes.get(0..4).and_then(|b| <[u8; 4]>::try_from(b).ok()).map(u32::from_le_bytes)
    };
    let whole = fits(len.saturating_sub(8));
    if let Some(riff) = claimed(head.get(4..8).unwrap_or_default())
        && (riff == 0 || riff == u32::MAX || u64::from(riff) > u64::from(whole))
    {
        patches.push((4, whole.to_le_bytes()));
    }
    let mut at = 12u64;
    for _ in 0..MAX_CHUNKS {
        let mut chunk = [0u8; 8];
        if r.seek(SeekFrom::Start(at)).is_err() || r.read_exact(&mut chunk).is_err() {
            break;
        }
        let Some(size) = claimed(chunk.get(4..8).unwrap_or_default()) else { break };
        let body = at.saturating_add(8);
        if chunk.get(0..4) == Some(b"data") {
            let there = fits(len.saturating_sub(body));
            if size == 0 || size == u32::MAX || size > there {
                patches.push((at + 4, there.to_le_bytes()));
            }
            break;
        }
        at = body.saturating_add(u64::from(size)).saturating_add(u64::from(size & 1));
    }
    patches
}

/// Overwrites the bytes of `buf`, read at offset `at`, that fall on a patch.
pub(crate) fn apply(patches: &[Patch], at: u64, buf: &mut [u8]) {
    for (offset, value) in patches {
        for (i, byte) in value.iter().enumerate() {
            let Some(position) = offset.checked_add(i as u64) else { continue };
            if let Some(index) = position.checked_sub(at).and_then(|d| usize::try_from(d).ok())
                && let Some(slot) = buf.get_mut(index)
            {
                *slot = *byte;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn wav(riff: u32, data: u32, samples: usize) -> Vec<u8> {
        let mut bytes = crate::wav::header(8_000, 1, samples as u64).to_vec();
        bytes.splice(4..8, riff.to_le_bytes());
        bytes.splice(40..44, data.to_le_bytes());
        bytes.extend(std::iter::repeat_n(0u8, samples * 2));
        bytes
    }

    #[test]
    fn placeholder_sizes_are_presented_as_what_is_there() {
        for placeholder in [0, u32::MAX] {
            let bytes = wav(placeholder, placeholder, 800);
            let len = bytes.len() as u64;
            let patches = size_patches(&mut Cursor::new(&bytes), len);
            assert_eq!(patches, vec![(4, 1636u32.to_le_bytes()), (40, 1600u32.to_le_bytes())]);
        }
    }

    #[test]
    fn a_correct_header_is_left_alone() {
        let bytes = wav(36 + 1600, 1600, 800);
        assert!(size_patches(&mut Cursor::new(&bytes), bytes.len() as u64).is_empty());
    }

    #[test]
    fn patches_land_where_a_read_covers_them() {
        let patches = vec![(4, [1, 2, 3, 4])];
        let mut buf = [0u8; 4];
        apply(&patches, 6, &mut buf);
        assert_eq!(buf, [3, 4, 0, 0]);
        let mut buf = [9u8; 2];
        apply(&patches, 0, &mut buf);
        assert_eq!(buf, [9, 9]);
    }
}
