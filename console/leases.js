// Lease pools: leased / quarantined / free, the live leases with holder, fence and time left, and release.
import { api, enc } from './api.js';
import { partsBar } from './chart.js';
import { confirmAction, h, number, problemBox, table, timeLeft } from './ui.js';

async function release(pool, l, ctx, where) {
  const yes = await confirmAction({
    title: `Release number ${l.number} of ${pool}`,
    text: `This ends the lease of "${l.holder}" on number ${l.number} (fence ${l.fence}) now: the number is free at once, with no quarantine, and the holder's next renewal is refused (410 lease_lost). Use it for a holder that is gone.`,
    confirm: `Release number ${l.number}`,
  });
  if (!yes) return;
  try {
    await api(`/leases/${enc(l.lease)}/release`, { method: 'POST' });
    await ctx.refresh();
  } catch (e) {
    where.replaceChildren(problemBox(e));
  }
}

async function poolCard(p, ctx) {
  const d = p.definition;
  const card = h(
    'article',
    { class: 'pool', 'aria-labelledby': `lease-${p.pool}` },
    h('h3', { id: `lease-${p.pool}` }, p.pool),
    h('p', { class: 'definition' }, `numbers ${number(d.min)}–${number(d.max)}, ttl ${d.ttl} s, quarantine ${d.quarantine} s, fence ${number(p.fence)}`),
    partsBar(
      [
        { value: p.leased, kind: 'used' },
        { value: p.quarantined, kind: 'quarantined' },
        { value: p.free, kind: 'left' },
      ],
      `${p.pool}: ${p.leased} leased, ${p.quarantined} in quarantine, ${p.free} free`,
    ),
    h(
      'dl',
      { class: 'counts' },
      h('dt', {}, 'Leased'),
      h('dd', { 'data-field': 'leased' }, number(p.leased)),
      h('dt', {}, 'Quarantined'),
      h('dd', { 'data-field': 'quarantined' }, number(p.quarantined)),
      h('dt', {}, 'Free'),
      h('dd', { 'data-field': 'free' }, number(p.free)),
    ),
  );
  const note = h('div', { 'aria-live': 'polite' });
  try {
    const { leases } = await api(`/lease-pools/${enc(p.pool)}/leases`);
    if (!leases.length) card.append(h('p', { class: 'note' }, 'No live lease.'));
    else
      card.append(
        table(
          `Live leases of ${p.pool}`,
          ['Number', 'Holder', 'Fence', 'Time left', ''],
          leases.map((l) => [
            number(l.number),
            l.holder,
            number(l.fence),
            h('span', { 'data-expires': l.expires_at }, timeLeft(l.expires_at)),
            ctx.actions && l.lease ? h('button', { type: 'button', class: 'danger', onclick: () => release(p.pool, l, ctx, note) }, `Release ${l.number}…`) : '',
          ]),
        ),
      );
  } catch (e) {
    card.append(problemBox(e, 'The list of leases'));
  }
  card.append(note);
  return card;
}

export async function leasePoolsView(root, ctx) {
  root.append(h('h2', {}, 'Lease pools'));
  let pools;
  try {
    ({ pools } = await api('/lease-pools'));
  } catch (e) {
    root.append(problemBox(e, 'Lease pools'));
    return;
  }
  if (!pools.length) root.append(h('p', { class: 'note' }, 'No lease pool yet: PUT /lease-pools/<name> makes one.'));
  root.append(h('div', { class: 'grid' }, await Promise.all(pools.map((p) => poolCard(p, ctx)))));
  // Time left counts down in place; the view's end stops it.
  const timer = setInterval(() => {
    for (const el of root.querySelectorAll('[data-expires]')) el.textContent = timeLeft(el.dataset.expires);
  }, 1000);
  ctx.onStop(() => clearInterval(timer));
}
