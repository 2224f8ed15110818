// The call room's player: the waveform from the server's precomputed peaks
// (coarse first, the stored resolution when zoomed), an <audio> element that
// streams by Range, comments drawn as markers and shaded ranges, the
// composer, keyboard shortcuts and the transcript that follows playback.

const root = document.getElementById('player');
if (root) start(root).catch((error) => {
  const status = document.getElementById('player-status');
  if (status) status.textContent = `The player could not start: ${error.message}. Reload the page to try again.`;
});

const KIND_COLOURS = {
  went_well: 'rgba(26, 127, 55, 0.85)',
  improve: 'rgba(179, 89, 0, 0.85)',
  question: 'rgba(10, 92, 194, 0.85)',
  note: 'rgba(87, 96, 106, 0.85)',
};
const KIND_SHADES = {
  went_well: 'rgba(26, 127, 55, 0.16)',
  improve: 'rgba(179, 89, 0, 0.16)',
  question: 'rgba(10, 92, 194, 0.16)',
  note: 'rgba(87, 96, 106, 0.16)',
};
const SELECTION = 'rgba(31, 78, 121, 0.22)';

function clock(seconds) {
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

// audiowaveform data (8-bit, min/max per channel per pixel, interleaved) to
// one array per channel of values in -1..1.
function channelsOf(peaks, merge) {
  const channels = Math.max(1, peaks.channels);
  const stride = 2 * channels;
  const pixels = Math.floor(peaks.data.length / stride);
  const out = Array.from({ length: channels }, () => new Float32Array(pixels * 2));
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < channels; c++) {
      out[c][2 * p] = peaks.data[p * stride + 2 * c] / 127;
      out[c][2 * p + 1] = peaks.data[p * stride + 2 * c + 1] / 127;
    }
  }
  if (!merge || channels === 1) return out;
  const merged = new Float32Array(pixels * 2);
  for (let i = 0; i < merged.length; i++) {
    let lo = 0;
    let hi = 0;
    for (const channel of out) {
      lo = Math.min(lo, channel[i]);
      hi = Math.max(hi, channel[i]);
    }
    merged[i] = i % 2 === 0 ? lo : hi;
  }
  return [merged];
}

async function fetchPeaks(callId, samplesPerPixel) {
  const response = await fetch(`/v1/calls/${callId}/peaks?samples_per_pixel=${samplesPerPixel}`, {
    credentials: 'same-origin',
  });
  if (!response.ok) throw new Error(`the waveform did not load (${response.status})`);
  return response.json();
}

async function start(root) {
  const callId = root.dataset.callId;
  const duration = Number(root.dataset.durationMs) / 1000;
  const channels = Number(root.dataset.channels);
  const repChannel = Number(root.dataset.repChannel);
  const lanes = channels === 2 && repChannel >= 0;
  const status = document.getElementById('player-status');
  const audio = document.getElementById('audio');
  const playButton = document.getElementById('play');

  const [wavesurferModule, regionsModule, timelineModule, coarse] = await Promise.all([
    import(root.dataset.wavesurfer),
    import(root.dataset.regions),
    import(root.dataset.timeline),
    fetchPeaks(callId, root.dataset.coarseSpp),
  ]);
  const WaveSurfer = wavesurferModule.default;
  const Regions = regionsModule.default;
  const Timeline = timelineModule.default;

  const laneOptions = lanes
    ? [0, 1].map((c) => ({
        waveColor: c === repChannel ? '#1f4e79' : '#7a5c00',
        progressColor: c === repChannel ? '#0d2740' : '#4d3900',
        height: 56,
      }))
    : undefined;
  const regions = Regions.create();
  const wavesurfer = WaveSurfer.create({
    container: '#waveform',
    media: audio,
    peaks: channelsOf(coarse, !lanes),
    duration,
    height: lanes ? 56 : 96,
    splitChannels: laneOptions,
    waveColor: '#1f4e79',
    progressColor: '#0d2740',
    cursorColor: '#c0392b',
    cursorWidth: 2,
    normalize: true,
    barWidth: 2,
    barGap: 1,
    barRadius: 1,
    dragToSeek: false,
    plugins: [regions, Timeline.create({ container: '#timeline', height: 18 })],
  });
  window.filmroomPlayer = { wavesurfer, audio };

  const current = document.getElementById('current');
  const at = () => wavesurfer.getCurrentTime();
  const seek = (seconds) => wavesurfer.setTime(Math.min(Math.max(0, seconds), duration));

  let drawn = false;
  wavesurfer.on('ready', () => {
    if (drawn) return;
    drawn = true;
    playButton.disabled = false;
    status.textContent = '';
    status.hidden = true;
    root.dataset.ready = 'true';
    const startAt = Number(root.dataset.start);
    if (startAt > 0) seek(startAt);
    drawMarkers();
    performance.mark('filmroom:player-ready');
  });
  wavesurfer.on('play', () => {
    playButton.textContent = 'Pause';
    performance.mark('filmroom:play-started');
  });
  wavesurfer.on('pause', () => { playButton.textContent = 'Play'; });
  wavesurfer.on('finish', () => { playButton.textContent = 'Play'; });
  wavesurfer.on('timeupdate', (time) => {
    current.textContent = clock(time);
    followComposer(time);
    followTranscript(time);
  });

  const togglePlay = () => {
    if (!playButton.disabled) wavesurfer.playPause();
  };
  playButton.addEventListener('click', togglePlay);
  for (const [id, delta] of [['back15', -15], ['back5', -5], ['fwd5', 5], ['fwd15', 15]]) {
    document.getElementById(id).addEventListener('click', () => seek(at() + delta));
  }
  document.getElementById('speed').addEventListener('change', (event) => {
    wavesurfer.setPlaybackRate(Number(event.target.value), true);
  });

  // Zooming draws from the stored resolution, fetched once; the media
  // element is left alone, so playback carries on.
  let fine = null;
  const zoom = document.getElementById('zoom');
  zoom.addEventListener('input', async () => {
    const pxPerSec = Number(zoom.value);
    if (pxPerSec > 0 && !fine) {
      fine = fetchPeaks(callId, root.dataset.fineSpp)
        .then((peaks) => wavesurfer.setOptions({ peaks: channelsOf(peaks, !lanes), duration }))
        .catch((error) => {
          fine = null;
          status.hidden = false;
          status.textContent = `Zoom needs the detailed waveform, which did not load: ${error.message}`;
        });
    }
    if (fine) await fine;
    wavesurfer.zoom(pxPerSec);
    // The lanes show the whole call; zoomed in, the waveform shows a part of it.
    const lanes = document.getElementById('speech-lanes');
    if (lanes && lanes.childElementCount > 0) lanes.hidden = pxPerSec > 0;
  });

  // Who spoke when, under the waveform, across the whole call.
  const lanesBox = document.getElementById('speech-lanes');
  fetch(`/v1/calls/${callId}/speech`, { credentials: 'same-origin' })
    .then((response) => (response.ok ? response.json() : null))
    .then((speech) => {
      if (!speech || !lanesBox || duration <= 0) return;
      speech.channels.forEach((segments, index) => {
        const label = speech.labels[index] || 'speech';
        const lane = document.createElement('div');
        lane.className = `speech-lane lane-${label}`;
        for (const [start, end] of segments) {
          const bar = document.createElement('span');
          bar.style.left = `${(start / 1000 / duration) * 100}%`;
          bar.style.width = `${Math.max(0.15, ((end - start) / 1000 / duration) * 100)}%`;
          lane.append(bar);
        }
        lanesBox.append(lane);
      });
      const legend = document.createElement('div');
      legend.className = 'speech-legend';
      for (const label of speech.labels) {
        const item = document.createElement('span');
        item.className = label;
        item.textContent = { rep: 'Rep', customer: 'Customer', speech: 'Speech' }[label] || `Channel ${label}`;
        legend.append(item);
      }
      lanesBox.append(legend);
      lanesBox.setAttribute('aria-label', `Who spoke when: ${speech.labels.join(' and ')}`);
      lanesBox.hidden = Number(zoom.value) > 0;
    })
    .catch(() => {});

  // The composer: a comment at the playhead, on a dragged range, a reply or an edit.
  const composer = document.getElementById('composer');
  const body = document.getElementById('composer-body');
  const atField = document.getElementById('composer-at-ms');
  const endField = document.getElementById('composer-end-ms');
  const parentField = document.getElementById('composer-parent');
  const commentField = document.getElementById('composer-comment');
  const versionField = document.getElementById('composer-version');
  const atLabel = document.getElementById('composer-at');
  const modeLabel = document.getElementById('composer-mode');
  const submit = document.getElementById('composer-submit');
  const cancel = document.getElementById('composer-cancel');
  const clear = document.getElementById('composer-clear');
  let mode = 'playhead';
  let selection = null;

  function setPoint(seconds) {
    atField.value = String(Math.round(seconds * 1000));
    endField.value = '';
    atLabel.textContent = clock(seconds);
  }
  function resetComposer() {
    mode = 'playhead';
    parentField.value = '';
    commentField.value = '';
    versionField.value = '';
    modeLabel.textContent = 'Comment at';
    submit.textContent = 'Add comment';
    cancel.hidden = true;
    clear.hidden = true;
    if (selection) {
      selection.remove();
      selection = null;
    }
    setPoint(at());
  }
  function followComposer(time) {
    if (mode === 'playhead' && document.activeElement !== body) setPoint(time);
  }
  function commentHere() {
    if (mode !== 'range') {
      resetComposer();
      setPoint(at());
      mode = 'fixed';
    }
    cancel.hidden = false;
    body.focus();
  }

  regions.enableDragSelection({ color: SELECTION });
  regions.on('region-created', (region) => {
    if (region.id.startsWith('comment-')) return;
    if (selection && selection !== region) selection.remove();
    selection = region;
    mode = 'range';
    parentField.value = '';
    commentField.value = '';
    versionField.value = '';
    modeLabel.textContent = 'Comment on';
    submit.textContent = 'Add comment';
    cancel.hidden = false;
    clear.hidden = false;
    showRange(region);
    body.focus();
  });
  regions.on('region-updated', (region) => {
    if (region === selection) showRange(region);
  });
  regions.on('region-clicked', (region, event) => {
    event.stopPropagation();
    seek(region.start);
    if (region.id.startsWith('comment-')) {
      const item = document.getElementById(region.id);
      if (item) {
        item.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
        item.classList.add('flash');
        setTimeout(() => item.classList.remove('flash'), 1200);
      }
    }
  });
  function showRange(region) {
    atField.value = String(Math.round(region.start * 1000));
    endField.value = String(Math.round(region.end * 1000));
    atLabel.textContent = `${clock(region.start)}–${clock(region.end)}`;
  }
  clear.addEventListener('click', () => {
    const start = selection ? selection.start : at();
    resetComposer();
    setPoint(start);
    mode = 'fixed';
    cancel.hidden = false;
    body.focus();
  });
  cancel.addEventListener('click', () => {
    body.value = '';
    resetComposer();
  });
  body.addEventListener('focus', () => {
    if (mode === 'playhead') {
      mode = 'fixed';
      cancel.hidden = false;
    }
  });
  // Sent (app.js queues it): the composer is free for the next comment at once.
  composer.addEventListener('filmroom:queued', () => resetComposer());

  // Actions inside the comment list and the transcript.
  document.addEventListener('click', (event) => {
    const seekButton = event.target.closest('[data-seek-ms]');
    if (seekButton) {
      // "Play from 00:20" plays from there, as it says.
      seek(Number(seekButton.dataset.seekMs) / 1000);
      if (!playButton.disabled && !wavesurfer.isPlaying()) wavesurfer.play();
      return;
    }
    const reply = event.target.closest('[data-reply-to]');
    if (reply) {
      resetComposer();
      mode = 'reply';
      parentField.value = reply.dataset.replyTo;
      setPoint(Number(reply.dataset.replyAt) / 1000);
      modeLabel.textContent = `Reply to ${reply.dataset.replyAuthor} at`;
      submit.textContent = 'Add reply';
      cancel.hidden = false;
      body.focus();
      return;
    }
    const edit = event.target.closest('[data-edit]');
    if (edit) {
      const item = document.getElementById(`comment-${edit.dataset.edit}`);
      resetComposer();
      mode = 'edit';
      commentField.value = edit.dataset.edit;
      versionField.value = edit.dataset.editVersion;
      setPoint(Number(item.dataset.atMs) / 1000);
      body.value = item.querySelector('.comment-body').textContent;
      const kind = composer.querySelector(`input[name="kind"][value="${edit.dataset.editKind}"]`);
      if (kind) kind.checked = true;
      modeLabel.textContent = 'Edit your comment at';
      submit.textContent = 'Save comment';
      cancel.hidden = false;
      body.focus();
    }
  });

  // A range from the keyboard: [ at its start, ] at its end, at the playhead.
  const announce = (words) => { document.getElementById('player-announce').textContent = words; };
  let rangeStart = null;
  function markRange(isStart) {
    const time = at();
    if (isStart) {
      rangeStart = time;
      announce(`Range starts at ${clock(time)}; press ] at its end.`);
      return;
    }
    const start = rangeStart ?? Math.max(0, time - 5);
    if (time - start < 0.1) {
      announce('The end of a range comes after its start: play on, then press ].');
      return;
    }
    rangeStart = null;
    regions.addRegion({ start, end: time, color: SELECTION, drag: true, resize: true });
    announce(`Range ${clock(start)} to ${clock(time)}: type your comment.`);
  }

  // Markers: one per comment, coloured by kind; ranges shaded.
  function drawMarkers() {
    for (const region of regions.getRegions()) {
      if (region !== selection) region.remove();
    }
    const spoken = [];
    for (const item of document.querySelectorAll('#comments .comment')) {
      if (item.dataset.reply === 'true') continue;
      spoken.push(`${clock(Number(item.dataset.atMs) / 1000)} (${item.querySelector('.kind')?.textContent.trim() || item.dataset.kind})`);
      const start = Number(item.dataset.atMs) / 1000;
      const end = item.dataset.endMs ? Number(item.dataset.endMs) / 1000 : undefined;
      const kind = item.dataset.kind;
      regions.addRegion({
        id: `comment-${item.dataset.commentId}`,
        start,
        end,
        color: end ? KIND_SHADES[kind] : KIND_COLOURS[kind],
        drag: false,
        resize: false,
      });
    }
    document.getElementById('markers-list').textContent = spoken.length
      ? `Comments at ${spoken.join(', ')}.`
      : 'No comments yet.';
  }
  // When the comments change (someone else's arrive with the 4 s refresh),
  // the review panel follows: its next step may no longer wait for a comment.
  let commentCount = document.querySelectorAll('#comments .comment').length;
  function commentsChanged() {
    if (drawn) drawMarkers();
    const count = document.querySelectorAll('#comments .comment').length;
    if (count !== commentCount) {
      commentCount = count;
      window.filmroomRefreshParts?.();
    }
  }
  document.body.addEventListener('htmx:afterSettle', (event) => {
    if (event.detail.elt && (event.detail.elt.id === 'comments' || event.detail.target?.id === 'comments')) commentsChanged();
  });
  document.addEventListener('filmroom:swapped', (event) => {
    if (event.detail.id === '#comments') commentsChanged();
  });

  // The transcript follows playback; the find box filters it.
  const lines = Array.from(document.querySelectorAll('#transcript-lines li'));
  let currentLine = null;
  function followTranscript(time) {
    const ms = time * 1000;
    const line = lines.find((l) => Number(l.dataset.startMs) <= ms && ms < Number(l.dataset.endMs));
    if (line === currentLine) return;
    currentLine?.classList.remove('current');
    currentLine = line || null;
    if (currentLine) {
      currentLine.classList.add('current');
      const list = currentLine.parentElement;
      if (!list.matches(':hover') && !list.contains(document.activeElement)) {
        list.scrollTop = currentLine.offsetTop - list.offsetTop - list.clientHeight / 3;
      }
    }
  }
  const find = document.getElementById('transcript-find');
  find?.addEventListener('input', () => {
    const words = find.value.trim().toLowerCase();
    for (const line of lines) {
      line.hidden = words !== '' && !line.textContent.toLowerCase().includes(words);
    }
  });

  // Keyboard: Space, arrows, c, ?.
  const help = document.getElementById('help');
  document.getElementById('help-button').addEventListener('click', () => help.showModal());
  document.addEventListener('keydown', (event) => {
    const target = event.target;
    const typing = target.closest('input, textarea, select, [contenteditable="true"]');
    if (event.key === 'Escape' && target === body) {
      body.blur();
      playButton.focus();
      return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey || help.open) return;
    if (event.key === ' ' && !target.closest('button, a, summary')) {
      event.preventDefault();
      togglePlay();
    } else if (event.key === 'ArrowLeft') {
      event.preventDefault();
      seek(at() - (event.shiftKey ? 15 : 5));
    } else if (event.key === 'ArrowRight') {
      event.preventDefault();
      seek(at() + (event.shiftKey ? 15 : 5));
    } else if (event.key === 'c') {
      event.preventDefault();
      commentHere();
    } else if (event.key === '[' || event.key === ']') {
      event.preventDefault();
      markRange(event.key === '[');
    } else if (event.key === '?') {
      event.preventDefault();
      help.showModal();
    }
  });
}
