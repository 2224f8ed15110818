//! A reel puts stretches of recordings at different rates one after another,
//! resampled to one rate, with exact lengths and the audio where it belongs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    missing_docs
)]

use std::{fs::File, path::PathBuf};

use filmroom_audio::reel::{ReelPart, render_reel, resampled_frames};

fn fixture(name: &str) -> File {
    File::open(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(name))
        .unwrap()
}

#[test]
fn a_reel_resamples_each_part_to_one_rate_with_silence_between() {
    // 1.4-2.1 s of the 8 kHz WAV (its 440 Hz tone sits at 1.5-2.0 s) and
    // 3.4-4.1 s of the 16 kHz MP3 (its 880 Hz tone sits at 3.5-4.0 s).
    let parts = vec![
        ReelPart {
            source: fixture("tones-8k-mono.wav"),
            start_frame: 11_200,
            frames: 5_600,
            sample_rate: 8_000,
        },
        ReelPart {
            source: fixture("tones-16k-mono.mp3"),
            start_frame: 54_400,
            frames: 11_200,
            sample_rate: 16_000,
        },
    ];
    let gap = 8_000;
    let mut out: Vec<Vec<f32>> = vec![Vec::new(); 2];
    render_reel(parts, 16_000, 2, gap, |planes| {
        for (all, plane) in out.iter_mut().zip(planes) {
            all.extend_from_slice(plane);
        }
    })
    .unwrap();
    assert_eq!(resampled_frames(5_600, 8_000, 16_000), 11_200);
    assert_eq!(out[0].len(), 11_200 + 8_000 + 11_200, "exact length");
    assert_eq!(out[0], out[1], "mono is spread over both channels");

    let ms = |t: u64| (t * 16) as usize;
    let energy = |from: usize, to: usize| {
        out[0][from..to].iter().map(|x| x * x).sum::<f32>() / (to - from) as f32
    };
    let crossings = |from: usize, to: usize| {
        out[0][from..to].windows(2).filter(|w| (w[0] < 0.0) != (w[1] < 0.0)).count()
    };
    // Part one: silence, then the 440 Hz tone from 100 ms.
    assert!(energy(ms(10), ms(80)) < 1e-4);
    assert!(energy(ms(150), ms(550)) > 0.01);
    let hz = crossings(ms(150), ms(550)) as f32 / 2.0 / 0.4;
    assert!(
        (hz - 440.0).abs() < 10.0,
        "the 8 kHz part plays at the right pitch at 16 kHz: {hz} Hz"
    );
    // The gap is silent.
    assert!(energy(ms(705), ms(1_195)) < 1e-6);
    // Part two: the 880 Hz tone.
    let second = 11_200 + 8_000;
    assert!(energy(second + ms(150), second + ms(550)) > 0.01);
    let hz = crossings(second + ms(150), second + ms(550)) as f32 / 2.0 / 0.4;
    assert!((hz - 880.0).abs() < 10.0, "{hz} Hz");
}
