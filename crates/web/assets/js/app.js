// Every page: the session's CSRF token on htmx requests, and a refused
// action's reason shown next to its form. (Times come from the server in
// the viewer's own time zone, one format everywhere.)

let csrf = document.querySelector('meta[name="csrf-token"]')?.content;


// The message slot of the form that sent a request; background refreshes
// and links have none, and never touch another form's message.
function errorSlot(elt) {
  const form = elt.closest('form');
  return form ? form.querySelector('.form-error') : null;
}


document.addEventListener('htmx:configRequest', (event) => {
  if (csrf) event.detail.headers['X-CSRF-Token'] = csrf;
});

// A poll must not replace the part of the page someone is working in.
document.addEventListener('htmx:beforeRequest', (event) => {
  const elt = event.detail.elt;
  if (event.detail.requestConfig?.triggeringEvent?.type === 'every' || elt.matches('[hx-trigger*="every"]')) {
    const active = document.activeElement;
    if (active && active !== document.body && elt.contains(active) && event.detail.requestConfig?.verb === 'get') {
      event.preventDefault();
    }
  }
});

document.addEventListener('htmx:beforeRequest', (event) => {
  const slot = errorSlot(event.detail.elt);
  if (slot) slot.textContent = '';
});

document.addEventListener('htmx:responseError', (event) => {
  const xhr = event.detail.xhr;
  const slot = errorSlot(event.detail.elt);
  const conflict = xhr.getResponseHeader('X-Filmroom-Code') === 'edit_conflict' && conflictOf(xhr.responseText);
  if (conflict && slot) {
    conflictInForm(slot.closest('form'), slot, conflict);
    return;
  }
  const text = xhr.responseText && xhr.getResponseHeader('content-type')?.startsWith('text/plain')
    ? xhr.responseText
    : `The server refused this (${xhr.status}). Reload the page and try again.`;
  if (slot) slot.textContent = text;
  else if (!event.detail.elt.matches('[hx-trigger*="every"]')) window.alert(text);
});

/** The conflict a 409 edit_conflict describes, or null when it says it in words only. */
function conflictOf(text) {
  try {
    const conflict = JSON.parse(text);
    return conflict && typeof conflict.message === 'string' ? conflict : null;
  } catch {
    return null;
  }
}

// Someone saved this text after the page showed it (409 edit_conflict):
// both are shown, and the person chooses. Nothing of theirs or ours is lost
// until they do.
function conflictChoice(conflict, keepYours, keepTheirs) {
  const block = document.createElement('div');
  block.className = 'conflict';
  const said = document.createElement('p');
  said.textContent = `${conflict.message} ${conflict.theirs_label || 'Theirs reads:'}`;
  const quote = document.createElement('blockquote');
  quote.textContent = conflict.theirs || '(empty)';
  const yours = document.createElement('button');
  yours.type = 'button';
  yours.className = 'primary';
  yours.textContent = 'Keep yours';
  yours.addEventListener('click', () => { block.remove(); keepYours(); });
  const other = document.createElement('button');
  other.type = 'button';
  other.textContent = 'Keep theirs';
  other.addEventListener('click', () => { block.remove(); keepTheirs(); });
  const row = document.createElement('div');
  row.className = 'row';
  row.append(yours, other);
  block.append(said, quote, row);
  return block;
}

function conflictInForm(form, slot, conflict) {
  const version = form.querySelector(`input[name="${conflict.field || 'version'}"]`);
  const box = form.querySelector('[data-draft]');
  // Only something else about it changed (a 1:1 moved to another time):
  // the text is as this page showed it, so there is nothing to choose.
  if (box && conflict.theirs === box.defaultValue) {
    if (version) version.value = conflict.version;
    form.requestSubmit();
    return;
  }
  slot.replaceChildren(conflictChoice(conflict, () => {
    if (version) version.value = conflict.version;
    // Chosen already: saving over their score does not ask again.
    version?.closest('fieldset')?.removeAttribute('data-other-scorer');
    form.requestSubmit();
  }, () => {
    if (version) version.value = conflict.version;
    if (box) {
      box.value = conflict.theirs;
      box.defaultValue = conflict.theirs;
      keepDraft(box);
    } else {
      // A score: this criterion goes back to what the page had, and says
      // whose score stands; the other criteria keep what was chosen.
      const set = version?.closest('fieldset');
      for (const input of set ? set.querySelectorAll('input:not([type="hidden"])') : []) {
        input.checked = input.defaultChecked;
        input.value = input.defaultValue;
      }
      let given = set?.querySelector('.given');
      if (set && !given) {
        given = document.createElement('p');
        given.className = 'given other';
        set.querySelector('legend').after(given);
      }
      if (given) given.textContent = `${conflict.message} ${conflict.theirs_label} ${conflict.theirs}`;
    }
  }));
}

document.addEventListener('htmx:sendError', (event) => {
  const slot = errorSlot(event.detail.elt);
  if (slot) slot.textContent = 'The server could not be reached. Check your connection and try again.';
});

// ---------------------------------------------------------------------------
// Nothing a person types is lost.
//
// Drafts: what is typed into a [data-draft] box is kept in this tab's
// sessionStorage, per page, until the form holding it is sent and answered;
// a reload, a crash or a sign-in brings it back.
const draftKey = (field) => `filmroom:draft:${location.pathname}:${field.form?.id || ''}:${field.name}`;
function typed(field) {
  return field.value.trim() !== '' && field.value !== field.defaultValue;
}
// A draft keeps the version of the text it was typed over (the form's
// `version` field), so a draft restored on a newer page is still checked
// against the text it was written from, not the newer one.
function keepDraft(field) {
  try {
    if (typed(field)) {
      const version = field.form?.querySelector('input[name="version"]')?.value ?? '';
      sessionStorage.setItem(draftKey(field), JSON.stringify({ text: field.value, version }));
    } else {
      sessionStorage.removeItem(draftKey(field));
    }
  } catch { /* storage full or off: the box still holds the text */ }
}
function keptDraft(field) {
  let kept = null;
  try { kept = sessionStorage.getItem(draftKey(field)); } catch { return null; }
  if (kept === null) return null;
  try {
    const draft = JSON.parse(kept);
    if (draft && typeof draft.text === 'string') return draft;
  } catch { /* an older plain-text draft */ }
  return { text: kept, version: '' };
}
function restoreDrafts(root) {
  for (const field of root.querySelectorAll('[data-draft]')) {
    const draft = keptDraft(field);
    if (draft && draft.text !== field.value && !typed(field)) {
      field.value = draft.text;
      const version = field.form?.querySelector('input[name="version"]');
      if (version && draft.version) version.value = draft.version;
      field.dispatchEvent(new Event('input', { bubbles: true }));
      const note = field.form?.querySelector('.draft-note');
      if (note) note.textContent = 'Restored what you had typed here and not sent.';
    }
  }
}
document.addEventListener('DOMContentLoaded', () => restoreDrafts(document));
document.addEventListener('input', (event) => {
  if (event.target.matches?.('[data-draft]')) keepDraft(event.target);
});

// A form htmx sent and the server took: what it held is no longer a draft.
document.addEventListener('htmx:afterRequest', (event) => {
  const form = event.detail.elt.closest?.('form');
  if (!form || !event.detail.successful) return;
  // What the form held is saved: it is the form's new starting point, so
  // the part holding it is no longer "unsaved" (see unsavedIn).
  for (const field of form.querySelectorAll('input, textarea, select')) {
    if (field.type === 'radio' || field.type === 'checkbox') field.defaultChecked = field.checked;
    else if (field.tagName === 'SELECT') for (const o of field.options) o.defaultSelected = o.selected;
    else field.defaultValue = field.value;
  }
  for (const field of form.querySelectorAll('[data-draft]')) keepDraft(field);
});

// Ctrl+Enter (⌘+Enter) sends the form a box belongs to.
document.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey)) return;
  const field = event.target.closest?.('textarea');
  if (!field?.form) return;
  event.preventDefault();
  field.form.requestSubmit();
});

// Forms where people enter one thing after another ([data-queue]): each
// submission is taken as it stands when sent, its boxes emptied for the next
// one, and the submissions go to the server one after another, in order.
// A success removes only what it sent; a refusal keeps the text, with the
// reason, to edit or send again; nothing is sent twice unless asked.
const queue = [];
let sending = false;
let signedOut = false;

function pendingList(form) {
  let list = form.querySelector('.sending');
  if (!list) {
    list = document.createElement('ul');
    list.className = 'sending';
    list.setAttribute('aria-live', 'polite');
    form.append(list);
  }
  return list;
}

function describe(entry, state, reason) {
  entry.item.className = state;
  entry.item.replaceChildren();
  const what = document.createElement('span');
  what.className = 'sending-text';
  what.textContent = entry.text;
  const status = document.createElement('span');
  status.className = 'sending-state';
  status.textContent = reason;
  entry.item.append(status, what);
  if (state === 'failed') {
    const again = document.createElement('button');
    again.type = 'button';
    again.textContent = 'Send again';
    again.addEventListener('click', () => {
      describe(entry, 'waiting', 'Sending…');
      queue.push(entry);
      pump();
    });
    const edit = document.createElement('button');
    edit.type = 'button';
    edit.textContent = 'Edit';
    edit.addEventListener('click', () => {
      const box = entry.form.querySelector('[data-draft]');
      if (box) {
        box.value = box.value.trim() ? `${box.value}\n\n${entry.text}` : entry.text;
        keepDraft(box);
        box.focus();
      }
      entry.item.remove();
    });
    entry.item.append(again, edit);
  }
}

document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!form.matches?.('form[data-queue]')) return;
  event.preventDefault();
  event.stopImmediatePropagation();
  const boxes = Array.from(form.querySelectorAll('[data-draft]'));
  const text = boxes.map((b) => b.value.trim()).filter(Boolean).join(' · ');
  if (!text) return;
  const entry = { form, data: new URLSearchParams(new FormData(form)), text, item: document.createElement('li') };
  pendingList(form).append(entry.item);
  describe(entry, 'waiting', 'Sending…');
  for (const box of boxes) {
    box.value = '';
    keepDraft(box);
  }
  const note = form.querySelector('.draft-note');
  if (note) note.textContent = '';
  form.dispatchEvent(new CustomEvent('filmroom:queued', { bubbles: true }));
  queue.push(entry);
  pump();
}, true);

async function pump() {
  if (signedOut) {
    for (const entry of queue) describe(entry, 'waiting', 'Waiting for you to sign in again…');
    return;
  }
  if (sending) return;
  sending = true;
  let reload = false;
  while (queue.length && !signedOut) {
    const entry = queue[0];
    let response = null;
    if (csrf && entry.data.has('csrf')) entry.data.set('csrf', csrf);
    try {
      response = await fetch(entry.form.action, {
        method: 'POST',
        body: entry.data,
        credentials: 'same-origin',
        headers: { 'HX-Request': 'true', ...(csrf ? { 'X-CSRF-Token': csrf } : {}) },
      });
    } catch {
      queue.shift();
      describe(entry, 'failed', 'Not sent: the server could not be reached. Check your connection, then send it again.');
      continue;
    }
    if (response.status === 401) {
      // Kept in the queue: sent once the person has signed in again.
      describe(entry, 'waiting', 'Waiting for you to sign in again…');
      sessionEnded();
      break;
    }
    queue.shift();
    const body = await response.text();
    const conflict = response.headers.get('X-Filmroom-Code') === 'edit_conflict' && conflictOf(body);
    if (conflict) {
      entry.item.className = 'failed';
      const yours = document.createElement('p');
      yours.className = 'sending-text';
      yours.textContent = `Yours: ${entry.text}`;
      entry.item.replaceChildren(yours, conflictChoice(conflict, () => {
        entry.data.set('version', conflict.version);
        describe(entry, 'waiting', 'Sending…');
        queue.push(entry);
        pump();
      }, () => entry.item.remove()));
      continue;
    }
    if (!response.ok) {
      const reason = response.headers.get('content-type')?.startsWith('text/plain') && body
        ? body
        : `The server refused this (${response.status}).`;
      describe(entry, 'failed', `Not sent: ${reason}`);
      continue;
    }
    entry.item.remove();
    if (response.headers.get('HX-Refresh') === 'true') reload = true;
    const target = entry.form.dataset.target && document.querySelector(entry.form.dataset.target);
    if (target && body) {
      htmx.swap(target, body, { swapStyle: 'outerHTML' });
      document.dispatchEvent(new CustomEvent('filmroom:swapped', { detail: { id: entry.form.dataset.target } }));
    }
  }
  sending = false;
  if (reload && !queue.length) {
    if (document.querySelector('[data-part][id]')) refreshParts();
    else if (!unsent()) window.filmroomReload();
  }
}

function unsent() {
  return queue.length > 0
    || document.body.dataset.uploading === 'true'
    || document.querySelector('.sending li.failed') !== null
    || Array.from(document.querySelectorAll('[data-draft]')).some(typed);
}

// An ended session (signed out elsewhere, a password change, the idle limit)
// does not take the page away while something is unsent: the person signs
// in again in another tab and carries on here.
function sessionEnded() {
  signedOut = true;
  if (!document.getElementById('signed-out')) {
    const words = document.createElement('p');
    words.textContent = 'Your session has ended. What you typed is kept on this page: sign in again in a new tab, then come back to this tab and press "Continue".';
    const link = document.createElement('a');
    link.href = '/login?next=%2F';
    link.target = '_blank';
    link.rel = 'noopener';
    link.textContent = 'Sign in again (new tab)';
    const carryOn = document.createElement('button');
    carryOn.type = 'button';
    carryOn.className = 'primary';
    carryOn.textContent = 'Continue';
    carryOn.addEventListener('click', async () => {
      // The new session has its own CSRF token: read it from this page anew.
      let fresh = null;
      try {
        const reply = await fetch(location.href, { credentials: 'same-origin' });
        const html = await reply.text();
        fresh = new DOMParser().parseFromString(html, 'text/html')
          .querySelector('meta[name="csrf-token"]')?.content;
      } catch { /* shown below */ }
      if (!fresh) {
        words.textContent = 'You are still signed out. Sign in again in a new tab, then press "Continue".';
        return;
      }
      csrf = fresh;
      for (const field of document.querySelectorAll('input[name="csrf"]')) field.value = fresh;
      banner.remove();
      signedOut = false;
      pump();
    });
    const banner = showBanner('signed-out', 'alert', words, link, carryOn);
  }
}

/**
 * Puts a banner at the top of the page's main part: a sentence and what to
 * do about it. Returns it, to remove once done.
 */
function showBanner(id, role, ...parts) {
  const banner = document.createElement('div');
  banner.id = id;
  banner.className = 'banner';
  banner.setAttribute('role', role);
  banner.append(...parts);
  document.querySelector('main')?.prepend(banner);
  return banner;
}
window.filmroomBanner = showBanner;
// A step that changes the page (a review step, a pick, scores) does not
// reload it where the page marks its parts ([data-part] with an id): the
// parts are read anew and the ones that changed replaced, so playback, what
// is typed and uploads in progress carry on. Elsewhere the page reloads, and
// the drafts come back with it.
async function refreshParts(source = null) {
  let fresh = null;
  try {
    const reply = await fetch(location.href, { credentials: 'same-origin' });
    if (reply.ok && new URL(reply.url).pathname === location.pathname) {
      fresh = new DOMParser().parseFromString(await reply.text(), 'text/html');
    }
  } catch { /* reloaded below */ }
  if (!fresh) {
    window.filmroomReload();
    return;
  }
  // Parts that came or went (a 1:1 held elsewhere loses its forms): the
  // page is another one now, so it is loaded whole, or, with something
  // unsent here, a banner says so.
  const ids = (doc) => Array.from(doc.querySelectorAll('[data-part][id]'), (p) => p.id).join(' ');
  if (ids(fresh) !== ids(document)) {
    if (!unsent()) {
      window.filmroomReload();
    } else if (!document.getElementById('page-changed')) {
      const words = document.createElement('p');
      words.textContent = 'This page changed elsewhere. What you have not sent stays here until you reload.';
      const reload = document.createElement('button');
      reload.type = 'button';
      reload.textContent = 'Reload';
      reload.addEventListener('click', () => { leaving = true; location.reload(); });
      showBanner('page-changed', 'status', words, reload);
    }
    return;
  }
  let skipped = 0;
  for (const part of document.querySelectorAll('[data-part][id]')) {
    const next = fresh.getElementById(part.id);
    if (!next || next.innerHTML === part.innerHTML) continue;
    // Never under someone's hands: a part being typed in, or holding a
    // choice or a time not saved yet, waits for the next refresh.
    if (part.contains(document.activeElement) && document.activeElement.matches('input[type="text"], textarea')) {
      skipped += 1;
      continue;
    }
    // The part whose form asked for this refresh was just saved as it is.
    if (!(source && part.contains(source)) && unsavedIn(part)) {
      skipped += 1;
      continue;
    }
    const adopted = document.importNode(next, true);
    const hadFocus = part.contains(document.activeElement);
    part.replaceWith(adopted);
    // Keyboard users stay where they were: on the part's next step.
    if (hadFocus) adopted.querySelector('button, a[href], input, select')?.focus();
    htmx.process(adopted);
    restoreDrafts(adopted);
  }
  document.dispatchEvent(new CustomEvent('filmroom:refreshed', { detail: { fresh, skipped } }));
}
window.filmroomRefreshParts = refreshParts;

/** Whether a part holds a choice or a value changed and not yet saved. */
function unsavedIn(part) {
  return Array.from(part.querySelectorAll('input, textarea, select')).some((input) => {
    if (input.type === 'hidden' || input.disabled) return false;
    if (input.type === 'radio' || input.type === 'checkbox') return input.checked !== input.defaultChecked;
    if (input.tagName === 'SELECT') return Array.from(input.options).some((o) => o.selected !== o.defaultSelected);
    return input.value !== input.defaultValue;
  });
}

// What an answer does to the page, decided in one place: an ended session
// with something unsent keeps the page (see sessionEnded); a step's
// HX-Refresh replaces the page's parts where it has them; any other reload
// or redirect the server asks for is leaving on purpose, which does not ask
// first (the drafts come back with the page).
let leaving = false;
document.addEventListener('htmx:beforeOnLoad', (event) => {
  const xhr = event.detail.xhr;
  if (xhr.status === 401 && unsent()) {
    event.preventDefault();
    sessionEnded();
    return;
  }
  if (xhr.status >= 400) return;
  const refresh = xhr.getResponseHeader('HX-Refresh') === 'true';
  if (refresh && document.querySelector('[data-part][id]') && !event.detail.elt.closest('[data-reload]')) {
    event.preventDefault();
    refreshParts(event.detail.elt);
    return;
  }
  if (refresh || xhr.getResponseHeader('HX-Redirect') || xhr.getResponseHeader('HX-Location')) {
    leaving = true;
  }
});
/** Reloads the page without asking: what is typed comes back with it. */
window.filmroomReload = () => {
  leaving = true;
  location.reload();
};
window.addEventListener('beforeunload', (event) => {
  if (!leaving && unsent()) {
    event.preventDefault();
    event.returnValue = '';
  }
});

// Scores ([data-scores]): only the criteria changed on this page are sent,
// so a score shown here is never re-saved under the viewer's name, and
// replacing another person's score asks first.
function changedCriteria(form) {
  return Array.from(form.querySelectorAll('fieldset[data-criterion]')).filter((set) => {
    const levels = Array.from(set.querySelectorAll('input[type="radio"]'));
    const note = set.querySelector('input[type="text"]');
    return levels.some((l) => l.checked !== l.defaultChecked) || (note && note.value !== note.defaultValue);
  });
}
document.addEventListener('htmx:confirm', (event) => {
  const form = event.detail.elt;
  if (!form.matches?.('form[data-scores]')) return;
  const changed = changedCriteria(form);
  const slot = form.querySelector('.form-error');
  if (!changed.length) {
    event.preventDefault();
    if (slot) slot.textContent = 'Nothing has changed since the last save: choose a level first.';
    return;
  }
  const over = changed.filter((set) => set.dataset.otherScorer);
  if (!over.length) return;
  event.preventDefault();
  const whose = over.map((set) => `${set.dataset.criterionName} (given by ${set.dataset.otherScorer})`).join(', ');
  if (window.confirm(`Saving replaces another person's score: ${whose}. Save yours instead?`)) {
    event.detail.issueRequest(true);
  }
});
document.addEventListener('htmx:configRequest', (event) => {
  const form = event.detail.elt;
  if (!form.matches?.('form[data-scores]')) return;
  const sent = changedCriteria(form);
  form.filmroomSent = sent;
  const changed = new Set(sent.map((set) => set.dataset.criterion));
  for (const set of form.querySelectorAll('fieldset[data-criterion]')) {
    const key = set.dataset.criterion;
    if (changed.has(key)) continue;
    for (const name of [`score:${key}`, `note:${key}`, `seen:${key}`]) delete event.detail.parameters[name];
  }
});
document.addEventListener('htmx:afterRequest', (event) => {
  const form = event.detail.elt;
  if (!form.matches?.('form[data-scores]') || !event.detail.successful) return;
  for (const set of form.filmroomSent || []) {
    for (const input of set.querySelectorAll('input')) {
      input.defaultChecked = input.checked;
      input.defaultValue = input.value;
    }
    delete set.dataset.otherScorer;
    let given = set.querySelector('.given');
    if (!given) {
      given = document.createElement('p');
      set.querySelector('legend').after(given);
    }
    given.className = 'given';
    given.textContent = 'You gave this just now.';
  }
});
