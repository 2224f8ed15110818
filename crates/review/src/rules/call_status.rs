//! The call lifecycle's table: which moves between states exist and what
//! each state is called. The moves themselves, which write the call with
//! its event or job, are the calls area's `lifecycle`.
//!
//! ```text
//! uploading ──audio stored──▶ queued ──claimed──▶ processing ──▶ ready
//!     │  ▲                      │ ▲                   │
//!     │  └── audio sent again ──┼─┼── failed ◀────────┤
//!     └──── fetch gave up ──────┘ └──── retried or released
//! ```

use filmroom_store::CallStatus;

/// Whether the lifecycle allows moving from `from` to `to`:
/// uploading → queued → processing → ready | failed; processing → queued (a
/// retry, or a job released by a stopping worker); queued or uploading →
/// failed (given up before analysis ran, or a recording that could not be
/// fetched); failed or uploading → uploading (the audio is sent again); and
/// from any state but itself to audio_deleted (an admin removed the
/// recording), which is final.
pub fn can_become(from: CallStatus, to: CallStatus) -> bool {
    use CallStatus::{AudioDeleted, Failed, Processing, Queued, Ready, Uploading};
    matches!(
        (from, to),
        (Uploading, Queued)
            | (Queued, Processing)
            | (Processing, Ready | Failed | Queued)
            | (Queued, Failed)
            | (Uploading, Failed)
            | (Uploading | Failed, Uploading)
            | (Uploading | Queued | Processing | Ready | Failed, AudioDeleted)
    )
}

/// A status as the API names it.
pub fn status_name(status: CallStatus) -> &'static str {
    match status {
        CallStatus::Uploading => "uploading",
        CallStatus::Queued => "queued",
        CallStatus::Processing => "processing",
        CallStatus::Ready => "ready",
        CallStatus::Failed => "failed",
        CallStatus::AudioDeleted => "audio_deleted",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CallStatus::{AudioDeleted, Failed, Processing, Queued, Ready, Uploading};

    const ALL: [CallStatus; 6] = [Uploading, Queued, Processing, Ready, Failed, AudioDeleted];

    #[test]
    fn the_legal_moves_are_exactly_the_documented_ones() {
        let legal = [
            (Uploading, Queued),
            (Uploading, Failed),
            (Uploading, Uploading),
            (Queued, Processing),
            (Queued, Failed),
            (Processing, Ready),
            (Processing, Failed),
            (Processing, Queued),
            (Failed, Uploading),
            (Uploading, AudioDeleted),
            (Queued, AudioDeleted),
            (Processing, AudioDeleted),
            (Ready, AudioDeleted),
            (Failed, AudioDeleted),
        ];
        for from in ALL {
            for to in ALL {
                assert_eq!(
                    can_become(from, to),
                    legal.contains(&(from, to)),
                    "{} → {}",
                    status_name(from),
                    status_name(to)
                );
            }
        }
    }

    #[test]
    fn a_ready_call_only_loses_its_audio_and_a_deleted_one_never_moves() {
        let from_ready: Vec<_> = ALL.into_iter().filter(|to| can_become(Ready, *to)).collect();
        assert_eq!(from_ready, [AudioDeleted]);
        assert!(ALL.iter().all(|to| !can_become(AudioDeleted, *to)));
    }

    #[test]
    fn audio_can_be_sent_again_only_while_waiting_or_after_failing() {
        let may_upload: Vec<_> = ALL.into_iter().filter(|s| can_become(*s, Uploading)).collect();
        assert_eq!(may_upload, [Uploading, Failed]);
    }
}
