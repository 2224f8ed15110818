// Uploads on the rep's home page: drop or pick several recordings; each is
// streamed to the API as multipart (metadata, then the file as it is read)
// with its own progress bar, and a refusal (413, 415, …) is said next to it.

const form = document.getElementById('upload');
if (form) setUp(form);

function setUp(form) {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content;
  const input = document.getElementById('files');
  const zone = document.getElementById('dropzone');
  const list = document.getElementById('upload-list');
  const queue = [];
  let running = false;

  input.addEventListener('change', () => {
    enqueue(Array.from(input.files));
    input.value = '';
  });
  for (const type of ['dragenter', 'dragover']) {
    zone.addEventListener(type, (event) => {
      event.preventDefault();
      zone.classList.add('over');
    });
  }
  for (const type of ['dragleave', 'drop']) {
    zone.addEventListener(type, () => zone.classList.remove('over'));
  }
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    enqueue(Array.from(event.dataTransfer.files));
  });

  function details(file, count) {
    const title = form.elements.title.value.trim();
    const stem = file.name.replace(/\.[^.]+$/, '');
    const metadata = { rep_id: form.dataset.repId, title: title ? (count > 1 ? `${title} – ${stem}` : title) : stem };
    const when = form.elements.occurred_at.value;
    if (when) metadata.occurred_at = new Date(when).toISOString();
    if (form.elements.direction.value) metadata.direction = form.elements.direction.value;
    return metadata;
  }

  function enqueue(files) {
    for (const file of files) {
      const item = document.createElement('li');
      const name = document.createElement('span');
      name.className = 'upload-name';
      name.textContent = file.name;
      const bar = document.createElement('progress');
      bar.max = 100;
      bar.value = 0;
      bar.setAttribute('aria-label', `Upload of ${file.name}`);
      const state = document.createElement('span');
      state.className = 'upload-state';
      state.textContent = 'Waiting';
      item.append(name, bar, state);
      list.append(item);
      queue.push({ file, item, bar, state, metadata: details(file, files.length) });
    }
    if (!running) next();
  }

  function next() {
    const job = queue.shift();
    if (!job) {
      running = false;
      delete document.body.dataset.uploading;
      return;
    }
    running = true;
    // Leaving the page now would abort the upload: app.js asks first.
    document.body.dataset.uploading = 'true';
    send(job).finally(next);
  }

  function send({ file, item, bar, state, metadata }) {
    return new Promise((resolve) => {
      const body = new FormData();
      body.append('metadata', new Blob([JSON.stringify(metadata)], { type: 'application/json' }));
      body.append('audio', file, file.name);
      const xhr = new XMLHttpRequest();
      xhr.open('POST', '/v1/calls');
      if (csrf) xhr.setRequestHeader('X-CSRF-Token', csrf);
      xhr.upload.addEventListener('progress', (event) => {
        if (event.lengthComputable) {
          bar.value = Math.round((event.loaded / event.total) * 100);
          state.textContent = `${bar.value}%`;
        }
      });
      xhr.addEventListener('load', () => {
        if (xhr.status === 200 || xhr.status === 201) {
          bar.value = 100;
          state.textContent = 'Uploaded; analysing';
          item.classList.add('done');
          document.body.dispatchEvent(new Event('calls-changed'));
        } else {
          let detail = `The server refused this file (${xhr.status}).`;
          try {
            const problem = JSON.parse(xhr.responseText);
            if (problem.detail) detail = problem.detail;
          } catch {
            // Not a problem document: keep the status line.
          }
          item.classList.add('failed');
          state.textContent = detail.charAt(0).toUpperCase() + detail.slice(1);
          state.setAttribute('role', 'alert');
        }
        resolve();
      });
      xhr.addEventListener('error', () => {
        item.classList.add('failed');
        state.textContent = 'The upload was interrupted; check your connection and drop the file again.';
        state.setAttribute('role', 'alert');
        resolve();
      });
      state.textContent = '0%';
      xhr.send(body);
    });
  }
}
