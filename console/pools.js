// Pools: each pool's size, drawn and left (as a bar), its definition, and "was this issued?".
import { api, enc } from './api.js';
import { partsBar } from './chart.js';
import { h, number, problemBox } from './ui.js';

const definitionText = (d) => Object.entries(d).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ');

function poolCard(p) {
  const pct = p.size ? ((p.left / p.size) * 100).toFixed(p.left / p.size < 0.01 && p.left > 0 ? 3 : 1) : '0';
  return h(
    'article',
    { class: 'pool', 'aria-labelledby': `pool-${p.pool}` },
    h('h3', { id: `pool-${p.pool}` }, p.pool),
    h('p', { class: 'definition' }, definitionText(p.definition)),
    partsBar(
      [
        { value: p.drawn, kind: 'used' },
        { value: p.left, kind: 'left' },
      ],
      `${p.pool}: ${number(p.left)} of ${number(p.size)} left`,
    ),
    h(
      'dl',
      { class: 'counts' },
      h('dt', {}, 'Size'),
      h('dd', { 'data-field': 'size' }, number(p.size)),
      h('dt', {}, 'Drawn'),
      h('dd', { 'data-field': 'drawn' }, number(p.drawn)),
      h('dt', {}, 'Left'),
      h('dd', { 'data-field': 'left', 'data-value': p.left }, `${number(p.left)} (${pct} %)`),
    ),
  );
}

function issuedBox(pools) {
  const select = h('select', { id: 'issued-pool', required: true }, pools.map((p) => h('option', { value: p.pool }, p.pool)));
  const value = h('input', { id: 'issued-value', required: true, spellcheck: 'false', autocomplete: 'off' });
  const out = h('div', { class: 'answer', 'aria-live': 'polite', id: 'issued-answer' });
  const form = h(
    'form',
    { class: 'search' },
    h('label', { for: 'issued-pool' }, 'Pool'),
    select,
    h('label', { for: 'issued-value' }, 'Value'),
    value,
    h('button', { type: 'submit' }, 'Check'),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    out.replaceChildren(h('p', {}, 'Checking…'));
    try {
      const r = await api(`/pools/${enc(select.value)}/values/${enc(value.value.trim())}`);
      out.replaceChildren(h('p', { class: 'ok', role: 'status' }, `Yes: ${r.value} was handed out by the pool ${r.pool}.`));
    } catch (e) {
      out.replaceChildren(e.code === 'value_not_issued' ? h('p', { class: 'note', role: 'status' }, `No: ${e.message}.`) : problemBox(e));
    }
  });
  return h('section', { 'aria-labelledby': 'issued-title', class: 'issued' }, h('h3', { id: 'issued-title' }, 'Was this issued?'), form, out);
}

export async function poolsView(root) {
  root.append(h('h2', {}, 'Pools'));
  const { pools } = await api('/pools');
  root.append(issuedBox(pools));
  root.append(h('div', { class: 'grid' }, pools.map(poolCard)));
}
