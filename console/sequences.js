// Sequences: the paged list with a prefix search, and one sequence with its settings, periods and ledger.
import { api, enc } from './api.js';
import { confirmAction, facts, h, number, problemBox, table } from './ui.js';

const PAGE = 20;

const settingsText = (d) =>
  d.reset === undefined ? 'plain counter' : [d.format ? `format ${d.format}` : undefined, `reset ${d.reset}`, d.time_zone, d.max !== Number.MAX_SAFE_INTEGER ? `max ${number(d.max)}` : undefined].filter(Boolean).join(', ');

const periodsText = (d) => (d.periods ? Object.entries(d.periods).map(([p, v]) => `${p}: ${number(v)}`).join(', ') : '—');

const link = (id) => h('a', { href: `#/sequence/${enc(id)}` }, id);

export async function sequencesView(root, query, { refresh }) {
  const prefix = query.get('prefix') ?? '';
  const after = query.get('after') ?? '';
  root.append(h('h2', {}, 'Sequences'));
  const search = h('input', { id: 'prefix', name: 'prefix', type: 'search', value: prefix, spellcheck: 'false' });
  const form = h('form', { class: 'search', role: 'search' }, h('label', { for: 'prefix' }, 'Ids starting with'), search, h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    if (search.value) q.set('prefix', search.value);
    location.hash = `#/sequences${q.size ? `?${q}` : ''}`;
    if (location.hash === `#/sequences${q.size ? `?${q}` : ''}`) void refresh();
  });
  root.append(form);
  const q = new URLSearchParams({ limit: String(PAGE) });
  if (prefix) q.set('prefix', prefix);
  if (after) q.set('after', after);
  const page = await api(`/sequences?${q}`);
  // The list carries ids and values; each sequence's own answer carries its settings and ledger flag.
  const described = await Promise.all(page.sequences.map((s) => api(`/sequences/${enc(s.sequence_id)}`).catch((e) => ({ ...s, error: e.message }))));
  if (!described.length) root.append(h('p', { class: 'note' }, prefix ? `No sequence id starts with "${prefix}".` : 'No sequence yet: the first POST /next/<id> makes one.'));
  else
    root.append(
      table(
        `${described.length} sequences${prefix ? ` starting with "${prefix}"` : ''}${after ? ` after "${after}"` : ''}`,
        ['Sequence', 'Last value', 'Settings', 'Periods', 'Ledger'],
        described.map((d) => [link(d.sequence_id), h('span', { class: 'num' }, number(d.last_value)), d.error ?? settingsText(d), periodsText(d), d.ledger ? 'yes' : 'no']),
      ),
    );
  const pager = h('p', { class: 'pager' });
  if (after) pager.append(h('a', { href: `#/sequences${prefix ? `?prefix=${enc(prefix)}` : ''}` }, 'First page'));
  if (page.next !== undefined) {
    const nq = new URLSearchParams({ after: page.next });
    if (prefix) nq.set('prefix', prefix);
    pager.append(h('a', { href: `#/sequences?${nq}`, rel: 'next' }, 'Next page'));
  }
  if (pager.childNodes.length) root.append(pager);
}

function moveForward(d, { refresh }) {
  const target = h('input', { id: 'last-value', type: 'number', min: d.last_value + 1, step: 1, required: true, inputmode: 'numeric' });
  const out = h('output', { 'aria-live': 'polite' });
  const form = h('form', { class: 'action' }, h('label', { for: 'last-value' }, 'New last value'), target, h('button', { type: 'submit' }, 'Move forward…'), out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const to = Number(target.value);
    if (!Number.isSafeInteger(to) || to <= d.last_value) return void (out.value = `choose a whole number above ${d.last_value}`);
    const skipped = d.ledger ? ` The ledger records ${number(d.last_value + 1)}…${number(to)} as voided ("skipped by PUT last_value").` : '';
    const yes = await confirmAction({
      title: `Move "${d.sequence_id}" forward`,
      text: `This sets its last value from ${number(d.last_value)} to ${number(to)}: the next number handed out is ${number(to + 1)}, and the numbers in between are never handed out.${skipped} It cannot be undone.`,
      confirm: `Set last value to ${number(to)}`,
    });
    if (!yes) return;
    try {
      await api(`/sequences/${enc(d.sequence_id)}`, { method: 'PUT', body: { last_value: to } });
      await refresh();
    } catch (e) {
      form.append(problemBox(e));
    }
  });
  return h('section', { 'aria-labelledby': 'move-title' }, h('h3', { id: 'move-title' }, 'Move forward'), form);
}

export async function sequenceView(root, id, ctx, ledgerSection) {
  root.append(h('p', { class: 'crumbs' }, h('a', { href: '#/sequences' }, '← Sequences')));
  root.append(h('h2', {}, id));
  const d = await api(`/sequences/${enc(id)}`);
  root.append(
    facts([
      ['Last value', number(d.last_value)],
      ['Settings', settingsText(d)],
      ['Current period', d.period],
      ['Periods', d.periods ? periodsText(d) : undefined],
      ['Ledger', d.ledger ? `yes, from ${number(d.ledger_from)}${d.ledger_from_period ? ` (${d.ledger_from_period})` : ''}` : 'no'],
      ['Reservation time', d.reservation_ttl === undefined ? undefined : `${number(d.reservation_ttl)} s`],
    ]),
  );
  if (ctx.actions) root.append(moveForward(d, ctx));
  if (d.ledger) await ledgerSection(root, d, ctx);
}
