// Node's own refusals (malformed request, headers too large, request too slow) as problem documents too.
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '../errors.js';
import { ERRORS } from './error-table.js';
import { problemBody } from './problem.js';

const REFUSALS: Record<string, [ErrorCode, string]> = {
  HPE_HEADER_OVERFLOW: ['headers_too_large', 'the request headers are larger than the server accepts (16 KiB)'],
  ERR_HTTP_REQUEST_TIMEOUT: ['request_timeout', 'the request did not arrive in time'],
};

/** The 'clientError' listener of the HTTP server: writes the problem document Node would have sent as bare text. */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  // A reset connection, or one whose answer is already under way, can take no answer.
  if (err.code === 'ECONNRESET' || !socket.writable || (socket as Duplex & { _httpMessage?: unknown })._httpMessage) {
    socket.destroy();
    return;
  }
  const [code, detail] = REFUSALS[err.code ?? ''] ?? ['bad_request', 'the request is not valid HTTP/1.1'];
  const { status, title } = ERRORS[code];
  const body = problemBody(code, detail);
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nX-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
