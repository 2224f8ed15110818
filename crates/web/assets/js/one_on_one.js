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

document.getElementById('play-reel')?.addEventListener('click', (event) => {
  play(player('reel-audio'), event.currentTarget.dataset.src, event.currentTarget);
});

for (const button of document.querySelectorAll('.play-clip')) {
  button.addEventListener('click', () => play(player('clip-audio'), button.dataset.src, button));
}

// Drag a clip onto another to put it there; the server renumbers the
// segment and the page reloads with the new order.
const list = document.querySelector('ol.clips[data-one-on-one]');
let dragged = null;
for (const item of list ? list.querySelectorAll('li[draggable="true"]') : []) {
  item.addEventListener('dragstart', (event) => {
    dragged = item;
    item.classList.add('dragging');
    event.dataTransfer.effectAllowed = 'move';
    event.dataTransfer.setData('text/plain', item.dataset.position);
  });
  item.addEventListener('dragend', () => {
    item.classList.remove('dragging');
    for (const other of list.querySelectorAll('.drop-target')) other.classList.remove('drop-target');
  });
  item.addEventListener('dragover', (event) => {
    if (!dragged || dragged === item) return;
    event.preventDefault();
    item.classList.add('drop-target');
  });
  item.addEventListener('dragleave', () => item.classList.remove('drop-target'));
  item.addEventListener('drop', async (event) => {
    event.preventDefault();
    if (!dragged || dragged === item) return;
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
    if (response.ok) {
      window.location.reload();
    } else {
      const text = response.headers.get('content-type')?.startsWith('text/plain')
        ? await response.text()
        : `The server refused this (${response.status}). Reload the page and try again.`;
      window.alert(text);
    }
  });
}

// In and out on the waveform. Opening a clip's "In and out" draws the clip
// with some of the call around it (cut by the server); dragging the shaded
// region's edges writes the times into the form, and typed times move the
// region. The form still sends them, so the keyboard path is the same.
function clock(ms) {
  const total = Math.max(0, ms) / 1000;
  const minutes = Math.floor(total / 60);
  const seconds = (total - minutes * 60).toFixed(1).padStart(4, '0');
  return `${String(minutes).padStart(2, '0')}:${seconds}`;
}

function millis(text) {
  const parts = text.trim().split(':').map(Number);
  if (parts.length === 0 || parts.length > 3 || parts.some((p) => !Number.isFinite(p) || p < 0)) return null;
  return parts.reduce((sum, part) => sum * 60 + part, 0) * 1000;
}

async function openEditor(box) {
  if (box.dataset.started) return;
  box.dataset.started = 'true';
  const list = box.closest('ol.clips');
  const [{ default: WaveSurfer }, { default: Regions }] = await Promise.all([
    import(list.dataset.wavesurfer),
    import(list.dataset.regions),
  ]);
  const offset = Number(box.dataset.contextStart);
  const startInput = document.getElementById(box.dataset.in);
  const endInput = document.getElementById(box.dataset.out);
  const playRange = box.parentElement.querySelector('.play-range');
  const regions = Regions.create();
  const wavesurfer = WaveSurfer.create({
    container: box,
    url: box.dataset.src,
    height: 64,
    waveColor: '#1f4e79',
    progressColor: '#0d2740',
    cursorColor: '#c0392b',
    normalize: true,
    plugins: [regions],
  });
  wavesurfer.on('decode', () => {
    const region = regions.addRegion({
      start: (Number(box.dataset.startMs) - offset) / 1000,
      end: (Number(box.dataset.endMs) - offset) / 1000,
      color: 'rgba(244, 194, 122, 0.45)',
      drag: true,
      resize: true,
    });
    regions.on('region-updated', (updated) => {
      startInput.value = clock(offset + updated.start * 1000);
      endInput.value = clock(offset + updated.end * 1000);
    });
    const follow = (input, edge) => input.addEventListener('change', () => {
      const ms = millis(input.value);
      if (ms === null) return;
      region.setOptions({ [edge]: Math.max(0, (ms - offset) / 1000) });
    });
    follow(startInput, 'start');
    follow(endInput, 'end');
    playRange.disabled = false;
    playRange.addEventListener('click', () => region.play());
    box.dataset.ready = 'true';
  });
  wavesurfer.on('error', () => {
    box.insertAdjacentHTML('afterend', '<p class="form-error" role="alert">The waveform could not be loaded; type the times instead.</p>');
  });
}

for (const details of document.querySelectorAll('details.retime')) {
  details.addEventListener('toggle', () => {
    // While its in and out are edited a clip is not dragged to reorder:
    // the drag would take over the waveform's handles and the text fields.
    const item = details.closest('li.clip');
    if (item && item.dataset.move) item.draggable = !details.open;
    const box = details.querySelector('.clip-wave');
    if (details.open && box) openEditor(box);
  });
}
