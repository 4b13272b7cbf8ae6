// One request to the service, retried on transient failures with one Idempotency-Key, so a retry whose
// first answer was lost gets that answer again. Node built-ins only: the action runs from a checkout.

/** A failure the step reports: one line; `status` and `code` when the server answered, `reach` when it did not. */
export class RequestError extends Error {
  name = 'RequestError';
  /**
   * @param {string} message
   * @param {{ status?: number, code?: string, reach?: boolean }} [about]
   */
  constructor(message, about = {}) {
    super(message);
    this.status = about.status;
    this.code = about.code;
    this.reach = about.reach === true;
  }
}

// 5xx codes that another attempt cannot fix (the service's own list): retrying only delays the bad news.
const PERMANENT_CODES = new Set(['random_exhausted', 'too_many_sequences']);
// The longest Retry-After honoured: a step should fail within minutes, not hang for a misconfigured proxy.
const MAX_RETRY_AFTER_MS = 30_000;

/** Exponential backoff with jitter, so a fleet of CI jobs does not retry in step. */
export function backoff(attempt) {
  const d = Math.min(5000, 200 * 2 ** attempt);
  return d / 2 + Math.random() * (d / 2);
}

/** Milliseconds a Retry-After header asks for (seconds or an HTTP date), or undefined. */
export function retryAfterMs(header, now = Date.now()) {
  if (header === null || header === undefined || header === '') return undefined;
  const ms = /^\d+$/.test(header) ? Number(header) * 1000 : Date.parse(header) - now;
  return Number.isFinite(ms) ? Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms)) : undefined;
}

/** "401 unauthorized: <detail>" from a problem document, or the status line if the body is not one. */
function describeAnswer(status, statusText, body) {
  try {
    const p = JSON.parse(body);
    if (p !== null && typeof p.code === 'string') return { line: `${status} ${p.code}: ${typeof p.detail === 'string' ? p.detail : statusText}`, code: p.code };
  } catch {
    // not a problem document: a proxy's error page, for instance
  }
  return { line: `${status} ${statusText}`.trim(), code: undefined };
}

/** Why fetch failed, in a word: the system error code (ECONNREFUSED, ECONNRESET, ENOTFOUND) or "timed out". */
function networkReason(e) {
  if (e?.name === 'TimeoutError') return 'timed out';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(e);
}

/**
 * Sends `method base+path` with a JSON body (if any) and returns the parsed JSON of the 2xx answer.
 * Retries connection failures, timeouts and 5xx (honouring Retry-After); never 4xx.
 * @param {{ url: URL, token: string, key: string, retries: number, timeoutMs: number, sleep?: (ms: number) => Promise<void> }} opts
 * @param {'GET' | 'POST' | 'PUT'} method
 * @param {string} path
 * @param {unknown} [body]
 */
export async function request(opts, method, path, body) {
  const url = new URL(opts.url.href.replace(/\/+$/, '') + path);
  const headers = { Accept: 'application/json', 'Idempotency-Key': opts.key, 'X-Request-Id': opts.key };
  if (opts.token !== '') headers.Authorization = `Bearer ${opts.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));

  for (let attempt = 0; ; attempt++) {
    let reason;
    let about = {};
    let wait;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${opts.timeoutMs} ms`, 'TimeoutError')), opts.timeoutMs);
    try {
      const res = await fetch(url, { method, headers, body: payload, signal: controller.signal });
      const text = await res.text();
      if (res.ok) {
        try {
          return JSON.parse(text);
        } catch {
          throw new RequestError(`${res.status} from ${url.origin} is not JSON (is input url the take-a-number service?)`, { status: res.status });
        }
      }
      const { line, code } = describeAnswer(res.status, res.statusText, text);
      about = { status: res.status, code };
      if (res.status < 500 || (code !== undefined && PERMANENT_CODES.has(code))) throw new RequestError(line, about);
      reason = line;
      wait = retryAfterMs(res.headers.get('retry-after'));
    } catch (e) {
      if (e instanceof RequestError) throw e;
      reason = `cannot reach ${url.origin}: ${networkReason(e)}`;
      about = { reach: true };
    } finally {
      clearTimeout(timer);
    }
    if (attempt >= opts.retries) throw new RequestError(opts.retries === 0 ? reason : `${reason} (gave up after ${attempt + 1} attempts)`, about);
    await sleep(wait ?? backoff(attempt));
  }
}
