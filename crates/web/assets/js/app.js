// Every page: times in the viewer's own time zone, the session's CSRF token
// on htmx requests, and a refused action's reason shown next to its form.

const csrf = document.querySelector('meta[name="csrf-token"]')?.content;

function localiseTimes(root) {
  for (const el of root.querySelectorAll('time[datetime][data-format]')) {
    const at = new Date(el.getAttribute('datetime'));
    if (Number.isNaN(at.getTime())) continue;
    const options = el.dataset.format === 'date'
      ? { day: 'numeric', month: 'short', year: 'numeric' }
      : { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' };
    el.textContent = new Intl.DateTimeFormat(undefined, options).format(at);
  }
}

// The message slot of the form that sent a request; background refreshes
// and links have none, and never touch another form's message.
function errorSlot(elt) {
  const form = elt.closest('form');
  return form ? form.querySelector('.form-error') : null;
}

document.addEventListener('DOMContentLoaded', () => localiseTimes(document));
document.addEventListener('htmx:load', (event) => localiseTimes(event.detail.elt));

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
  const text = xhr.responseText && xhr.getResponseHeader('content-type')?.startsWith('text/plain')
    ? xhr.responseText
    : `The server refused this (${xhr.status}). Reload the page and try again.`;
  if (slot) slot.textContent = text;
  else if (!event.detail.elt.matches('[hx-trigger*="every"]')) window.alert(text);
});

document.addEventListener('htmx:sendError', (event) => {
  const slot = errorSlot(event.detail.elt);
  if (slot) slot.textContent = 'The server could not be reached. Check your connection and try again.';
});
