// RFC 9457 problem documents of error codes (their statuses and titles are in error-table.ts).
import type { Context } from 'koa';
import type { ErrorCode } from '../errors.js';
import { ERRORS } from './error-table.js';

/** Seconds a client should wait before retrying a 503 (a full disk, a lost database, a drain: all take a while). */
export const RETRY_AFTER_SECONDS = 5;

// An absolute path after a space, quote or parenthesis (or at the start): what an errno message names. A ";" or
// ":" that ends it (followed by a space or the end) is the sentence's, not the path's.
const PATH = /(^|[\s'"(=])\/(?:[^\s'",);:]|[;:](?!\s|$))*/g;

/** The detail with server paths replaced: an answer tells what failed, the log tells where. */
export const withoutPaths = (detail: string): string => detail.replace(PATH, '$1<path>');

/** The problem document of `code` as JSON text. */
export function problemBody(code: ErrorCode, detail: string, extra: Record<string, unknown> = {}): string {
  const { status, title } = ERRORS[code];
  return JSON.stringify({ type: 'about:blank', title, status, detail: status >= 500 ? withoutPaths(detail) : detail, code, ...extra });
}

export function sendProblem(ctx: Context, code: ErrorCode, detail: string, extra: Record<string, unknown> = {}): void {
  const { status } = ERRORS[code];
  ctx.status = status;
  ctx.type = 'application/problem+json';
  if (status === 503) ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
  // A refusal that knows when it ends (leases_exhausted) says so.
  else if (typeof extra.retry_after === 'number') ctx.set('Retry-After', String(extra.retry_after));
  ctx.body = problemBody(code, detail, extra);
}
