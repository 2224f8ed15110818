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
