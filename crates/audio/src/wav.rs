//! 16-bit PCM WAV, the format clips and reels are served in: every player and
//! editor reads it, and its size is known before the first sample.

/// The 44-byte header of a 16-bit PCM WAV holding `frames` frames.
pub fn header(sample_rate: u32, channels: u16, frames: u64) -> [u8; 44] {
    let block_align = u32::from(channels) * 2;
    let data_len =
        u32::try_from(frames.saturating_mul(u64::from(block_align))).unwrap_or(u32::MAX - 36);
    let mut h = [0u8; 44];
    h[0..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&(data_len.saturating_add(36)).to_le_bytes());
    h[8..12].copy_from_slice(b"WAVE");
    h[12..16].copy_from_slice(b"fmt ");
    h[16..20].copy_from_slice(&16u32.to_le_bytes());
    h[20..22].copy_from_slice(&1u16.to_le_bytes());
    h[22..24].copy_from_slice(&channels.to_le_bytes());
    h[24..28].copy_from_slice(&sample_rate.to_le_bytes());
    h[28..32].copy_from_slice(&(sample_rate.saturating_mul(block_align)).to_le_bytes());
    h[32..34].copy_from_slice(&u16::try_from(block_align).unwrap_or(u16::MAX).to_le_bytes());
    h[34..36].copy_from_slice(&16u16.to_le_bytes());
    h[36..40].copy_from_slice(b"data");
    h[40..44].copy_from_slice(&data_len.to_le_bytes());
    h
}

/// One sample as 16-bit PCM: the inverse of symphonia's `s / 32768`, so 16-bit
/// sources come back bit for bit.
#[expect(clippy::cast_possible_truncation, reason = "clamped to i16's range first")]
pub fn to_i16(sample: f32) -> i16 {
    (sample * 32768.0).round().clamp(-32768.0, 32767.0) as i16
}

/// Appends planes as interleaved little-endian 16-bit samples.
pub fn append_interleaved(planes: &[&[f32]], out: &mut Vec<u8>) {
    let frames = planes.first().map_or(0, |p| p.len());
    out.reserve(frames * planes.len() * 2);
    for i in 0..frames {
        for plane in planes {
            let sample = plane.get(i).copied().unwrap_or_default();
            out.extend_from_slice(&to_i16(sample).to_le_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_describes_the_samples_that_follow() {
        let h = header(8000, 2, 100);
        assert_eq!(&h[0..4], b"RIFF");
        assert_eq!(u32::from_le_bytes([h[40], h[41], h[42], h[43]]), 400);
        assert_eq!(u32::from_le_bytes([h[4], h[5], h[6], h[7]]), 436);
        assert_eq!(u32::from_le_bytes([h[28], h[29], h[30], h[31]]), 32000);
    }

    #[test]
    fn sixteen_bit_samples_round_trip_exactly() {
        for s in [i16::MIN, -1, 0, 1, 12345, i16::MAX] {
            assert_eq!(to_i16(f32::from(s) / 32768.0), s);
        }
        let mut out = Vec::new();
        append_interleaved(&[&[0.5, -0.5], &[0.25, 1.5]], &mut out);
        assert_eq!(out, [0x00, 0x40, 0x00, 0x20, 0x00, 0xC0, 0xFF, 0x7F]);
    }
}
