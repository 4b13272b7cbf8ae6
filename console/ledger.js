// A ledger sequence: the gap report of a period, the ledger paged, a CSV for the period, a chart per day,
// and "void" for an open reservation.
import { api, enc } from './api.js';
import { columns } from './chart.js';
import { confirmAction, h, number, problemBox, table } from './ui.js';

const PAGE = 25;

const numbers = (list) => (list.length ? list.map(number).join(', ') : 'none');
const span = (r) => (r.through !== undefined && r.through !== null ? `${number(r.number)}–${number(r.through)}` : number(r.number));
const count = (r) => (r.through !== undefined && r.through !== null ? r.through - r.number + 1 : 1);
const periodQuery = (period) => (period ? `period=${enc(period)}` : '');

function card(label, value, kind, detail) {
  return h('div', { class: `card ${kind}` }, h('div', { class: 'card-label' }, label), h('div', { class: 'card-value' }, value), detail ?? '');
}

function gapReport(g) {
  const voided = g.voided.reduce((a, v) => a + count(v), 0);
  const missing = g.missing.length;
  const cards = h(
    'div',
    { class: 'cards' },
    card('Missing', number(missing), missing === 0 ? 'ok missing' : 'bad missing', h('div', { class: 'card-note' }, missing === 0 ? 'every number has a record' : `no record: ${numbers(g.missing)}`)),
    card('Confirmed', number(g.confirmed), 'confirmed'),
    card('Reserved', number(g.reserved.length), 'reserved', h('div', { class: 'card-note' }, numbers(g.reserved))),
    card('Voided', number(voided), 'voided'),
    card('Expired', number(g.expired.length), 'expired', h('div', { class: 'card-note' }, numbers(g.expired))),
  );
  const range = g.first === null || g.first === undefined ? 'No number handed out in this period yet.' : `Numbers ${number(g.first)} to ${number(g.last)}${g.final ? ', final: the period is over' : ''}.`;
  const parts = [h('p', {}, range), cards];
  if (g.voided.length) parts.push(table('Voided numbers and why', ['Number', 'Reason'], g.voided.map((v) => [span(v), v.reason])));
  return h('section', { 'aria-labelledby': 'gaps-title', class: 'gaps' }, h('h3', { id: 'gaps-title' }, `Gap report${g.period ? ` of ${g.period}` : ''}`), ...parts);
}

async function download(d, period, out) {
  try {
    const csv = await api(`/sequences/${enc(d.sequence_id)}/ledger?format=csv${period ? `&${periodQuery(period)}` : ''}`, { text: true });
    // A blob keeps the token out of the address: a link to the route could not carry the header.
    const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
    const name = `${d.sequence_id}${period ? `-${period}` : ''}-ledger.csv`;
    const a = h('a', { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    out.value = `saved as ${name}`;
  } catch (e) {
    out.replaceChildren(problemBox(e));
  }
}

function perDay(entries) {
  const days = new Map();
  for (const r of entries) {
    const day = (r.reserved_at ?? r.voided_at ?? '').slice(0, 10);
    if (day) days.set(day, (days.get(day) ?? 0) + count(r));
  }
  return [...days].sort(([a], [b]) => (a < b ? -1 : 1)).slice(-14).map(([day, value]) => ({ label: day.slice(5), value }));
}

async function voidOne(r, ctx, where) {
  const reason = await confirmAction({
    title: `Void number ${r.formatted ?? r.number}`,
    text: `This records number ${r.formatted ?? r.number} of "${r.sequence_id}" as voided with your reason. The number is never handed out again, and the record stays in the ledger. It cannot be undone.`,
    confirm: `Void number ${r.number}`,
    field: { label: 'Reason (required, kept in the ledger)', max: 500 },
  });
  if (!reason) return;
  try {
    await api(`/reservations/${enc(r.reservation)}/void`, { method: 'POST', body: { reason } });
    await ctx.refresh();
  } catch (e) {
    where.replaceChildren(problemBox(e));
  }
}

function ledgerTable(d, period, ctx) {
  const box = h('div', { class: 'ledger-page' });
  const show = async (after) => {
    const q = [`limit=${PAGE}`, periodQuery(period), after === undefined ? '' : `after=${after}`].filter(Boolean).join('&');
    try {
      const page = await api(`/sequences/${enc(d.sequence_id)}/ledger?${q}`);
      const note = h('div', { class: 'row-note', 'aria-live': 'polite' });
      const rows = page.entries.map((r) => {
        const act = ctx.actions && r.state === 'reserved' && r.reservation ? h('button', { type: 'button', class: 'danger', onclick: () => voidOne(r, ctx, note) }, `Void ${r.number}…`) : '';
        return [span(r), r.formatted ?? '', h('span', { class: `state ${r.state}` }, r.state), r.reserved_at ?? '', r.confirmed_at ?? r.voided_at ?? '', r.reason ?? r.ref ?? '', r.by ?? '', act];
      });
      const pager = h('p', { class: 'pager' });
      if (after !== undefined) pager.append(h('button', { type: 'button', onclick: () => void show(undefined) }, 'First page'));
      if (page.next !== undefined && page.next !== null) pager.append(h('button', { type: 'button', onclick: () => void show(page.next) }, 'Next page'));
      box.replaceChildren(
        rows.length ? table(`Ledger${period ? ` of ${period}` : ''}${after === undefined ? '' : ` after ${after}`}`, ['Number', 'Formatted', 'State', 'Reserved', 'Closed', 'Reason / ref', 'By', ''], rows) : h('p', { class: 'note' }, 'No record in this period.'),
        note,
        pager,
      );
    } catch (e) {
      box.replaceChildren(problemBox(e, 'The ledger'));
    }
  };
  void show(undefined);
  return box;
}

export async function ledgerSection(root, d, ctx) {
  const periods = d.periods ? Object.keys(d.periods).sort().reverse() : [];
  let period = d.period ?? '';
  const section = h('section', { 'aria-labelledby': 'ledger-title', class: 'ledger' }, h('h3', { id: 'ledger-title' }, 'Ledger'));
  root.append(section);
  const body = h('div');
  const out = h('output', { 'aria-live': 'polite' });
  const tools = h('div', { class: 'tools' });
  if (periods.length > 1) {
    const select = h('select', { id: 'period' }, periods.map((p) => h('option', { value: p, selected: p === period }, p)));
    select.addEventListener('change', () => {
      period = select.value;
      void fill();
    });
    tools.append(h('label', { for: 'period' }, 'Period'), select);
  }
  tools.append(h('button', { type: 'button', id: 'download-csv', onclick: () => download(d, period, out) }, 'Download CSV'), out);
  section.append(tools, body);
  async function fill() {
    body.replaceChildren(h('p', {}, 'Loading…'));
    try {
      const g = await api(`/sequences/${enc(d.sequence_id)}/gaps${period ? `?${periodQuery(period)}` : ''}`);
      const first = await api(`/sequences/${enc(d.sequence_id)}/ledger?limit=1000${period ? `&${periodQuery(period)}` : ''}`);
      const days = perDay(first.entries);
      const chart = h(
        'figure',
        { class: 'chart' },
        columns(days, `numbers handed out per day: ${days.map((x) => `${x.label} ${x.value}`).join(', ') || 'none'}`),
        h('figcaption', {}, `Numbers handed out per day (UTC)${first.next !== undefined && first.next !== null ? ', from the first 1,000 records' : ''}`),
      );
      body.replaceChildren(gapReport(g), chart, ledgerTable(d, period, ctx));
    } catch (e) {
      body.replaceChildren(problemBox(e, 'The ledger'));
    }
  }
  await fill();
}
