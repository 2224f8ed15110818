// The 1:1 room: play one clip or the whole reel (the reel streams as it is
// rendered, so it starts at once however long the segment is), reorder
// clips by dragging, and set a clip's in and out on its waveform.

function player(id) {
  return document.getElementById(id);
}

function play(audio, src, button) {
  for (const other of document.querySelectorAll('audio')) {
    if (other !== audio) other.pause();
  }
  if (audio.dataset.src !== src) {
    audio.dataset.src = src;
    audio.src = src;
  }
  audio.hidden = false;
  audio.play().catch(() => {
    button.insertAdjacentText('afterend', ' The browser did not start playing; use the player below.');
  });
}

// Buttons and drags are read from the document, not bound to elements, so
// they keep working when a part of the room is replaced by a newer one.
document.addEventListener('click', (event) => {
  const reel = event.target.closest('#play-reel');
  if (reel) {
    play(player('reel-audio'), reel.dataset.src, reel);
    return;
  }
  const clip = event.target.closest('.play-clip');
  if (clip) play(player('clip-audio'), clip.dataset.src, clip);
});

// Drag a clip onto another to put it there; the server renumbers the
// segment and the segment is read anew, without leaving the page.
let dragged = null;
const clipOf = (event) => event.target.closest?.('ol.clips li[draggable="true"]');
document.addEventListener('dragstart', (event) => {
  const item = clipOf(event);
  if (!item) return;
  dragged = item;
  item.classList.add('dragging');
  event.dataTransfer.effectAllowed = 'move';
  event.dataTransfer.setData('text/plain', item.dataset.position);
});
document.addEventListener('dragend', (event) => {
  const item = clipOf(event);
  if (!item) return;
  item.classList.remove('dragging');
  for (const other of document.querySelectorAll('ol.clips .drop-target')) other.classList.remove('drop-target');
});
document.addEventListener('dragover', (event) => {
  const item = clipOf(event);
  if (!item || !dragged || dragged === item) return;
  event.preventDefault();
  item.classList.add('drop-target');
});
document.addEventListener('dragleave', (event) => clipOf(event)?.classList.remove('drop-target'));
document.addEventListener('drop', async (event) => {
  const item = clipOf(event);
  if (!item || !dragged || dragged === item) return;
  event.preventDefault();
  const list = item.closest('ol.clips');
  const body = new URLSearchParams({
    csrf: list.dataset.csrf,
    one_on_one: list.dataset.oneOnOne,
    position: item.dataset.position,
  });
  const response = await fetch(dragged.dataset.move, {
    method: 'POST',
    headers: { 'HX-Request': 'true', 'X-CSRF-Token': list.dataset.csrf },
    body,
  });
  dragged = null;
  if (response.ok) {
    window.filmroomRefreshParts();
  } else {
    const text = response.headers.get('content-type')?.startsWith('text/plain')
      ? await response.text()
      : `The server refused this (${response.status}). Reload the page and try again.`;
    window.alert(text);
  }
});

// In and out on the waveform. Opening a clip's "In and out" draws the clip
// with some of the call around it, from the call's stored peaks (nothing is
// downloaded or decoded in the browser); dragging the shaded region's edges
// writes the times into the form, and typed times move the region. "Play
// from in to out" plays the server's cut of exactly that stretch, so what is
// heard is what the reel will hold. The form still sends the times, so the
// keyboard path is the same.
function clock(ms) {
  const tenths = Math.round(Math.max(0, ms) / 100);
  const minutes = Math.floor(tenths / 600);
  const seconds = ((tenths % 600) / 10).toFixed(1).padStart(4, '0');
  return `${String(minutes).padStart(2, '0')}:${seconds}`;
}

// The server's rule (`1:05`, `1:05.5`, `1:02:03`, `75`): null for anything
// it would refuse.
function millis(text) {
  const parts = text.trim().split(':');
  if (parts.length === 0 || parts.length > 3 || parts.some((p) => p === '')) return null;
  const seconds = Number(parts[parts.length - 1]);
  const whole = parts.slice(0, -1).map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  if (!Number.isFinite(seconds) || seconds < 0 || whole.some(Number.isNaN)) return null;
  if (whole.length > 0 && seconds >= 60) return null;
  if (whole.length === 2 && whole[1] >= 60) return null;
  const minutes = whole.reduce((sum, part) => sum * 60 + part, 0);
  return (minutes * 60 + seconds) * 1000;
}

// The stretch `fromMs..toMs` of a call's peaks (audiowaveform JSON, 8-bit,
// min/max per channel per pixel), channels merged, in -1..1.
function slicePeaks(peaks, fromMs, toMs) {
  const channels = Math.max(1, peaks.channels);
  const perSecond = peaks.sample_rate / peaks.samples_per_pixel;
  const pixels = Math.floor(peaks.data.length / (2 * channels));
  const first = Math.max(0, Math.floor((fromMs / 1000) * perSecond));
  const last = Math.min(pixels, Math.ceil((toMs / 1000) * perSecond));
  const out = new Float32Array(Math.max(0, last - first) * 2);
  for (let p = first; p < last; p++) {
    let lo = 0;
    let hi = 0;
    for (let c = 0; c < channels; c++) {
      lo = Math.min(lo, peaks.data[(p * channels + c) * 2] / 127);
      hi = Math.max(hi, peaks.data[(p * channels + c) * 2 + 1] / 127);
    }
    out[2 * (p - first)] = lo;
    out[2 * (p - first) + 1] = hi;
  }
  return out;
}

const editors = new Map();
window.filmroomClipEditors = editors;

async function openEditor(box) {
  if (editors.has(box)) return;
  editors.set(box, null);
  const list = box.closest('ol.clips');
  const from = Number(box.dataset.contextStart);
  const to = Number(box.dataset.contextEnd);
  const [{ default: WaveSurfer }, { default: Regions }, peaks] = await Promise.all([
    import(list.dataset.wavesurfer),
    import(list.dataset.regions),
    fetch(`/v1/calls/${box.dataset.call}/peaks`, { credentials: 'same-origin' }).then((r) => {
      if (!r.ok) throw new Error(`the waveform did not load (${r.status})`);
      return r.json();
    }),
  ]);
  const startInput = document.getElementById(box.dataset.in);
  const endInput = document.getElementById(box.dataset.out);
  const playRange = box.parentElement.querySelector('.play-range');
  const regions = Regions.create();
  const wavesurfer = WaveSurfer.create({
    container: box,
    peaks: [slicePeaks(peaks, from, to)],
    duration: (to - from) / 1000,
    height: 64,
    waveColor: '#1f4e79',
    progressColor: '#0d2740',
    cursorColor: '#c0392b',
    normalize: true,
    plugins: [regions],
  });
  editors.set(box, wavesurfer);
  let drawn = false;
  wavesurfer.on('ready', () => {
    if (drawn) return;
    drawn = true;
    const region = regions.addRegion({
      start: (Number(box.dataset.startMs) - from) / 1000,
      end: (Number(box.dataset.endMs) - from) / 1000,
      color: 'rgba(244, 194, 122, 0.45)',
      drag: true,
      resize: true,
    });
    regions.on('region-updated', (updated, edge) => {
      if (edge !== 'end') startInput.value = clock(from + updated.start * 1000);
      if (edge !== 'start') endInput.value = clock(from + updated.end * 1000);
    });
    const follow = (input, edge) => input.addEventListener('change', () => {
      const ms = millis(input.value);
      if (ms === null) return;
      const at = Math.min(Math.max(0, (ms - from) / 1000), (to - from) / 1000);
      if (edge === 'start' ? at >= region.end : at <= region.start) return;
      region.setOptions({ [edge]: at });
    });
    follow(startInput, 'start');
    follow(endInput, 'end');
    playRange.disabled = false;
    playRange.addEventListener('click', () => {
      const inMs = Math.round(from + region.start * 1000);
      const outMs = Math.round(from + region.end * 1000);
      const src = `/v1/calls/${box.dataset.call}/audio?start_ms=${inMs}&end_ms=${outMs}`;
      play(player('clip-audio'), src, playRange);
    });
    box.dataset.ready = 'true';
  });
}

// `toggle` does not bubble: it is caught on its way down instead.
document.addEventListener('toggle', (event) => {
  const details = event.target;
  if (!details.matches?.('details.retime')) return;
  // While its in and out are edited a clip is not dragged to reorder:
  // the drag would take over the waveform's handles and the text fields.
  const item = details.closest('li.clip');
  if (item && item.dataset.move) item.draggable = !details.open;
  const box = details.querySelector('.clip-wave');
  if (!box || !details.open) return;
  openEditor(box).catch((error) => {
    editors.delete(box);
    box.insertAdjacentText('afterend', ` The waveform could not be shown (${error.message}); type the times instead.`);
  });
}, true);

// The room follows what the other person does: every 5 s it reads its own
// page again and, when the clips, items, notes or time changed, replaces the
// parts that changed (see app.js). What is typed here, the notes being
// edited and audio playing carry on; notes nobody is editing here follow.
const room = document.querySelector('.room[data-fingerprint]');
document.addEventListener('filmroom:refreshed', (event) => {
  const fresh = event.detail?.fresh;
  if (!fresh || !room) return;
  // A part left alone because someone is working in it is still behind:
  // the room keeps checking until it could be brought up to date.
  const print = fresh.querySelector('.room[data-fingerprint]')?.dataset.fingerprint;
  if (print && !event.detail.skipped) room.dataset.fingerprint = print;
  for (const [box, versionId] of [['notes', 'notes-version'], ['agenda-text', 'agenda-version']]) {
    const mine = document.getElementById(box);
    const theirs = fresh.getElementById(box);
    const version = document.getElementById(versionId);
    if (!mine || !theirs || mine.value !== mine.defaultValue) continue;
    const freshVersion = fresh.getElementById(versionId)?.value;
    // Nothing typed since the last save: the version follows, and the text
    // too, unless the cursor is in it.
    if (theirs.defaultValue === mine.value) {
      if (version && freshVersion) version.value = freshVersion;
    } else if (document.activeElement !== mine) {
      mine.value = theirs.defaultValue;
      mine.defaultValue = theirs.defaultValue;
      if (version && freshVersion) version.value = freshVersion;
    }
  }
  // Editors of clips whose part was replaced are let go.
  for (const [box, wavesurfer] of editors) {
    if (box.isConnected) continue;
    wavesurfer?.destroy();
    editors.delete(box);
  }
});
if (room) {
  setInterval(async () => {
    if (document.hidden) return;
    let html = '';
    try {
      const reply = await fetch(location.href, { credentials: 'same-origin', headers: { 'X-Filmroom-Poll': '1' } });
      if (!reply.ok) return;
      html = await reply.text();
    } catch {
      return;
    }
    const now = html.match(/data-fingerprint="([^"]*)"/)?.[1];
    if (!now || now === room.dataset.fingerprint) return;
    window.filmroomRefreshParts();
  }, 5000);
}
