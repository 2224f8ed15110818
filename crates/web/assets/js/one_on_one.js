// The 1:1 room: play one clip or the whole reel. The reel streams as it is
// rendered, so it starts at once however long the segment is.

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
