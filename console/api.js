// Requests to the service: the token from sessionStorage as the bearer header, problems as errors with
// the problem document's detail.
const TOKEN = 'take-a-number.console.token';
const ACTIONS = 'take-a-number.console.actions';

export const session = {
  token: () => sessionStorage.getItem(TOKEN) ?? '',
  setToken: (t) => (t ? sessionStorage.setItem(TOKEN, t) : sessionStorage.removeItem(TOKEN)),
  actions: () => sessionStorage.getItem(ACTIONS) === 'on',
  setActions: (on) => (on ? sessionStorage.setItem(ACTIONS, 'on') : sessionStorage.removeItem(ACTIONS)),
};

export class ApiError extends Error {
  constructor(status, code, detail) {
    super(detail);
    this.status = status;
    this.code = code;
  }
}

export const enc = encodeURIComponent;

/** A route this server does not have (an older version): the router's 404 not_found. */
export const missingRoute = (e) => e instanceof ApiError && e.status === 404 && e.code === 'not_found';

/** GET (or the method given) `path`; JSON back, or text with `{ text: true }`. */
export async function api(path, { method = 'GET', body, text = false } = {}) {
  const headers = { Accept: text ? 'text/csv, text/plain' : 'application/json' };
  const token = session.token();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit' });
  } catch {
    throw new ApiError(0, 'network', 'the service did not answer; check that it is running and reload the page');
  }
  if (!res.ok) {
    let problem = {};
    try {
      problem = await res.json();
    } catch {
      // Not a problem document (a proxy's page): the status line says what it can.
    }
    throw new ApiError(res.status, problem.code ?? '', problem.detail ?? `${res.status} ${res.statusText}`);
  }
  return text ? res.text() : res.json();
}
