// Small DOM helpers: elements built with text only (never HTML from the API), errors, confirmations.
import { missingRoute } from './api.js';

/** h('td', { class: 'n' }, 'text', child…): attributes set one by one; children as text or nodes. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** The problem's detail as an alert; a route the server lacks as "not available". */
export function problemBox(e, what = 'This view') {
  if (missingRoute(e)) return h('p', { class: 'note', role: 'status' }, `${what} is not available on this server (it answers 404 not_found: an older version).`);
  return h('p', { class: 'error', role: 'alert' }, e?.message ?? String(e));
}

/** A table whose cells carry their column's name, so that a phone shows them as labelled rows. */
export function table(caption, columns, rows) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c, i) => h('td', { 'data-label': columns[i] }, c))))),
    ),
  );
}

/** Key/value pairs as a description list. */
export const facts = (pairs) => h('dl', { class: 'facts' }, pairs.filter(([, v]) => v !== undefined).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));

/**
 * A modal confirmation that says what will happen. `field` asks for text first (a void's reason).
 * Resolves with true (or the text), or false when cancelled (Escape too).
 */
export function confirmAction({ title, text, confirm, field }) {
  return new Promise((resolve) => {
    let input;
    const dialog = h('dialog', { 'aria-labelledby': 'confirm-title', class: 'confirm' });
    const form = h('form', { method: 'dialog' }, h('h2', { id: 'confirm-title' }, title), h('p', {}, text));
    if (field) {
      input = h('textarea', { id: 'confirm-field', required: true, maxlength: field.max ?? 500, rows: 3 });
      form.append(h('label', { for: 'confirm-field' }, field.label), input);
    }
    const ok = h('button', { type: 'submit', value: 'ok', class: 'danger' }, confirm);
    form.append(h('div', { class: 'buttons' }, h('button', { type: 'button', onclick: () => dialog.close('cancel') }, 'Cancel'), ok));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (input && !input.value.trim()) return input.reportValidity();
      dialog.close('ok');
    });
    dialog.append(form);
    dialog.addEventListener('close', () => {
      const yes = dialog.returnValue === 'ok';
      dialog.remove();
      resolve(yes ? (input ? input.value.trim() : true) : false);
    });
    document.body.append(dialog);
    dialog.showModal();
    (input ?? ok).focus();
  });
}

export const number = (n) => (typeof n === 'number' ? n.toLocaleString('en') : String(n));

/** Seconds from now until `iso`, as "1 h 2 min", "42 s" or "expired". */
export function timeLeft(iso, now = Date.now()) {
  const s = Math.round((Date.parse(iso) - now) / 1000);
  if (s <= 0) return 'expired';
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
