// The console's frame: the token form, the view switch on the address's #fragment, one view at a time.
import { api, session } from './api.js';
import { ledgerSection } from './ledger.js';
import { leasePoolsView } from './leases.js';
import { poolsView } from './pools.js';
import { sequencesView, sequenceView } from './sequences.js';
import { h, problemBox } from './ui.js';

const main = document.getElementById('main');
const form = document.getElementById('token-form');
const input = document.getElementById('token');
const actions = document.getElementById('actions');
const status = document.getElementById('auth-status');
let stopView = () => {};

/** The view of a fragment such as "#/sequences?prefix=inv" or "#/sequence/invoice". */
function parse(hash) {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?');
  const [view = 'sequences', ...rest] = path.split('/');
  return { view: view || 'sequences', arg: rest.length ? decodeURIComponent(rest.join('/')) : undefined, query: new URLSearchParams(query) };
}

const ctx = () => ({ actions: session.actions(), refresh: render, onStop: (f) => (stopView = f) });

async function render() {
  stopView();
  stopView = () => {};
  const { view, arg, query } = parse(location.hash);
  for (const a of document.querySelectorAll('nav a[data-view]')) {
    const current = a.dataset.view === view || (view === 'sequence' && a.dataset.view === 'sequences');
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const content = h('div', { class: 'view' });
  try {
    if (view === 'pools') await poolsView(content, ctx());
    else if (view === 'lease-pools') await leasePoolsView(content, ctx());
    else if (view === 'sequence' && arg !== undefined) await sequenceView(content, arg, ctx(), ledgerSection);
    else await sequencesView(content, query, ctx());
  } catch (e) {
    content.append(problemBox(e));
  }
  main.replaceChildren(content);
  document.title = `${content.querySelector('h2')?.textContent ?? 'console'} · take-a-number`;
}

async function showAuth() {
  const has = session.token() !== '';
  try {
    await api('/sequences?limit=1');
    status.value = has ? 'a token is kept for this tab; it may read' : 'no token: this server lets the page read';
  } catch (e) {
    status.value = e.status === 401 ? (has ? 'the token kept for this tab is refused: type another' : 'this server needs a token to read: type it above') : e.message;
  }
}

actions.checked = session.actions();
form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  if (input.value.trim()) session.setToken(input.value.trim());
  input.value = '';
  void showAuth().then(render);
});
document.getElementById('forget').addEventListener('click', () => {
  session.setToken('');
  input.value = '';
  void showAuth().then(render);
});
actions.addEventListener('change', () => {
  session.setActions(actions.checked);
  void render();
});
window.addEventListener('hashchange', () => void render().then(() => main.focus()));
void showAuth();
void render();
