//! Streaming resampling in fixed chunks with rubato's FFT resampler, for the
//! reel renderer and the speech detector: decoded packets of any length go
//! in, resampled blocks come out with the resampler's delay already removed.

use rubato::{
    Fft, FixedSync, Indexing, Resampler, audioadapter_buffers::direct::SequentialSliceOfVecs,
};

/// Input frames per resampling round.
const CHUNK: usize = 1024;

/// A resampler fed packet by packet.
pub(crate) struct ChunkResampler {
    resampler: Fft<f32>,
    pending: Vec<Vec<f32>>,
    scratch: Vec<Vec<f32>>,
    delay_left: usize,
    chunk: usize,
}

impl ChunkResampler {
    /// From `from` Hz to `to` Hz on `channels` channels.
    pub(crate) fn new(from: u32, to: u32, channels: usize) -> Result<Self, String> {
        let resampler = Fft::<f32>::new(
            crate::to_usize(u64::from(from)),
            crate::to_usize(u64::from(to)),
            CHUNK,
            channels,
            FixedSync::Input,
        )
        .map_err(|e| e.to_string())?;
        let chunk = resampler.input_frames_next();
        Ok(Self {
            delay_left: resampler.output_delay(),
            pending: vec![Vec::with_capacity(chunk); channels],
            scratch: vec![Vec::new(); channels],
            chunk,
            resampler,
        })
    }

    /// Takes `planes` (one per channel, equal lengths) and hands every
    /// completed block to `emit`.
    pub(crate) fn push(
        &mut self,
        planes: &[&[f32]],
        emit: &mut dyn FnMut(&[&[f32]]),
    ) -> Result<(), String> {
        let frames = planes.first().map_or(0, |p| p.len());
        let mut offset = 0;
        while offset < frames {
            let pending_len = self.pending.first().map_or(0, Vec::len);
            let take = self.chunk.saturating_sub(pending_len).min(frames - offset);
            for (pending, plane) in self.pending.iter_mut().zip(planes) {
                pending.extend_from_slice(crate::frames_of(plane, offset, offset + take));
            }
            offset += take;
            if self.pending.first().map_or(0, Vec::len) == self.chunk {
                self.round(None, emit)?;
            }
        }
        Ok(())
    }

    /// Runs one round on what is pending, padded with silence: the end of
    /// the stream. Callers that need the resampler's tail call it again.
    pub(crate) fn flush(&mut self, emit: &mut dyn FnMut(&[&[f32]])) -> Result<(), String> {
        let partial = self.pending.first().map_or(0, Vec::len);
        let chunk = self.chunk;
        for plane in &mut self.pending {
            plane.resize(chunk, 0.0);
        }
        self.round(Some(partial), emit)
    }

    fn round(
        &mut self,
        partial: Option<usize>,
        emit: &mut dyn FnMut(&[&[f32]]),
    ) -> Result<(), String> {
        let channels = self.pending.len();
        let out_max = self.resampler.output_frames_max();
        for plane in &mut self.scratch {
            plane.resize(out_max, 0.0);
        }
        let input = SequentialSliceOfVecs::new(&self.pending, channels, self.chunk)
            .map_err(|e| e.to_string())?;
        let mut output = SequentialSliceOfVecs::new_mut(&mut self.scratch, channels, out_max)
            .map_err(|e| e.to_string())?;
        let indexing = Indexing { partial_len: partial, ..Indexing::default() };
        let (_, produced) = self
            .resampler
            .process_into_buffer(&input, &mut output, Some(&indexing))
            .map_err(|e| e.to_string())?;
        for plane in &mut self.pending {
            plane.clear();
        }
        let skip = self.delay_left.min(produced);
        self.delay_left -= skip;
        let views: Vec<&[f32]> =
            self.scratch.iter().map(|p| crate::frames_of(p, skip, produced)).collect();
        emit(&views);
        Ok(())
    }
}
