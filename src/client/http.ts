// One request to the service, retried on transient failures with one idempotency key (the CLI and the library).
import { randomUUID } from 'node:crypto';

/** Where the CLI and the library look without --url, TAKE_A_NUMBER_URL or a url option: the server's defaults. */
export const DEFAULT_URL = 'http://127.0.0.1:5000';

export interface ClientOptions {
  url: string;
  token?: string;
  /** Retries after the first attempt. */
  retries: number;
  timeoutMs: number;
  /** Sent on every attempt, so a retry returns the values of an attempt whose answer was lost. */
  idempotencyKey?: string;
  /** Waits between attempts; tests replace it. */
  sleep?: (ms: number) => Promise<void>;
}

/** A failure to report: one line, no stack; `status` and `code` when the server answered. */
export class ClientError extends Error {
  override readonly name = 'ClientError';
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** What one call sends besides method and path. */
export interface RequestShape {
  /** Default text/plain (the CLI prints the bare values). */
  accept?: string;
  /** A JSON body (PUT). */
  body?: unknown;
  /** Whether to send the Idempotency-Key (default true: only /next and /random use it; others ignore it). */
  idempotent?: boolean;
}

// 5xx codes that another attempt cannot fix: retrying them only delays the bad news.
const PERMANENT_CODES = new Set(['random_exhausted', 'too_many_sequences']);

const BASE_DELAY_MS = 200;
const MAX_DELAY_MS = 5000;

/** Exponential backoff with jitter (half fixed, half random) so a fleet of CI jobs does not retry in step. */
export const backoff = (attempt: number): number => {
  const d = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
  return d / 2 + Math.random() * (d / 2);
};

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** "409 sequence_exhausted: <detail>" from a problem document, or the status line if the body is not one. */
function describe(status: number, statusText: string, body: string): { line: string; code?: string } {
  try {
    const p = JSON.parse(body) as { code?: unknown; detail?: unknown };
    if (typeof p.code === 'string') return { line: `${status} ${p.code}: ${typeof p.detail === 'string' ? p.detail : statusText}`, code: p.code };
  } catch {
    // not a problem document: a proxy's error page, for instance
  }
  return { line: `${status} ${statusText}`.trim() };
}

/** Why fetch failed, in a word: the system error code, or TimeoutError. */
function networkReason(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return 'timed out';
  return err.cause?.code ?? err.cause?.message ?? err.message;
}

/**
 * Sends `method path` and returns the body of the 2xx answer. Retries connection failures, timeouts and 5xx
 * with exponential backoff; never retries 4xx. Throws ClientError with a one-line reason.
 */
export async function call(method: 'GET' | 'POST' | 'PUT', path: string, opts: ClientOptions, shape: RequestShape = {}): Promise<string> {
  let url: URL;
  try {
    url = new URL(opts.url.replace(/\/+$/, '') + path);
  } catch {
    throw new ClientError(`not a URL: ${opts.url}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ClientError(`not an http(s) URL: ${opts.url}`);
  const key = opts.idempotencyKey ?? randomUUID();
  const headers: Record<string, string> = { Accept: shape.accept ?? 'text/plain', 'X-Request-Id': key };
  if (shape.idempotent !== false) headers['Idempotency-Key'] = key;
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  const body = shape.body === undefined ? undefined : JSON.stringify(shape.body);
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const sleep = opts.sleep ?? wait;

  for (let attempt = 0; ; attempt++) {
    let reason: string;
    let last: { status?: number; code?: string } = {};
    // A ref'd timer, unlike AbortSignal.timeout's: it keeps the process alive even if a reset connection
    // leaves fetch pending (seen under load), so the attempt times out instead of the process exiting.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${opts.timeoutMs} ms`, 'TimeoutError')), opts.timeoutMs);
    try {
      const res = await fetch(url, { method, headers, body, signal: controller.signal });
      const text = await res.text();
      if (res.ok) return text;
      const { line, code } = describe(res.status, res.statusText, text);
      if (res.status < 500 || (code !== undefined && PERMANENT_CODES.has(code))) throw new ClientError(line, res.status, code);
      reason = line;
      last = { status: res.status, code };
    } catch (e) {
      if (e instanceof ClientError) throw e;
      reason = `cannot reach ${url.origin}: ${networkReason(e)}`;
    } finally {
      clearTimeout(timer);
    }
    if (attempt >= opts.retries) throw new ClientError(opts.retries === 0 ? reason : `${reason} (gave up after ${attempt + 1} attempts)`, last.status, last.code);
    await sleep(backoff(attempt));
  }
}
