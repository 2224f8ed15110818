//! A stretch decoded with a seek equals the same frames of a full decode, for
//! every format clips are cut from (encoder delay and priming included).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    missing_docs
)]

use std::{fs::File, path::PathBuf};

use filmroom_audio::{FrameSink, decode, decode_range};

#[derive(Default)]
struct Collect(Vec<Vec<f32>>);

impl FrameSink for Collect {
    fn frames(&mut self, planes: &[&[f32]]) {
        if self.0.is_empty() {
            self.0 = vec![Vec::new(); planes.len()];
        }
        for (all, plane) in self.0.iter_mut().zip(planes) {
            all.extend_from_slice(plane);
        }
    }
}

fn fixture(name: &str) -> File {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(name);
    File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn check(name: &str) {
    let (facts, whole) = decode(fixture(name), |_| Collect::default()).unwrap();
    let whole = whole.unwrap().0;
    let rate = u64::from(facts.sample_rate);
    assert_eq!(whole[0].len() as u64, facts.frames);
    // Starts before, inside and after the pre-roll, on and off packet boundaries.
    for (start_ms, end_ms) in
        [(0, 400), (1_400, 2_100), (1_999, 2_003), (3_450, 4_050), (4_700, 5_000)]
    {
        let start = start_ms * rate / 1000;
        let count = end_ms * rate / 1000 - start;
        let (got, sink) =
            decode_range(fixture(name), start, count, |_| Collect::default()).unwrap();
        assert_eq!(got.frames, count, "{name} {start_ms}-{end_ms}: frame count");
        let cut = sink.unwrap().0;
        let reference = &whole[0][start as usize..(start + count) as usize];
        let worst = cut[0].iter().zip(reference).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        assert!(
            worst < 1e-4,
            "{name} {start_ms}-{end_ms}: differs from the full decode by {worst}"
        );
    }
    // The tones are where the fixture script put them.
    let energy = |from_ms: u64, to_ms: u64| {
        let s = &whole[0][(from_ms * rate / 1000) as usize..(to_ms * rate / 1000) as usize];
        s.iter().map(|x| x * x).sum::<f32>() / s.len() as f32
    };
    assert!(energy(1_600, 1_900) > 0.01, "{name}: no tone at 1.5-2.0 s");
    assert!(energy(2_200, 3_300) < 0.001, "{name}: no silence between the tones");
    assert!(energy(3_600, 3_900) > 0.01, "{name}: no tone at 3.5-4.0 s");
}

#[test]
fn wav_stretches_match_the_full_decode() {
    check("tones-8k-mono.wav");
}

#[test]
fn flac_stretches_match_the_full_decode() {
    check("tones-16k-mono.flac");
}

#[test]
fn mp3_stretches_match_the_full_decode_encoder_delay_included() {
    check("tones-16k-mono.mp3");
}

#[test]
fn m4a_stretches_match_the_full_decode_priming_included() {
    check("tones-16k-mono.m4a");
}
