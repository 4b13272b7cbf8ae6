// What each mode asks the service, and the step's outputs from its answer.
import { request, RequestError } from './request.js';
import { InputError } from './inputs.js';

const TIMEOUT_MS = 10_000;

// Which input to fix for a refusal the service names by code.
const INPUT_OF_CODE = {
  invalid_sequence_id: 'sequence',
  ambiguous_sequence_id: 'sequence',
  sequence_exhausted: 'sequence',
  sequence_not_found: 'sequence',
  ledger_required: 'sequence',
  invalid_count: 'count',
  invalid_idempotency_key: 'idempotency-key',
  idempotency_key_reused: 'idempotency-key',
  reservation_not_found: 'reservation',
  already_confirmed: 'reservation',
  unauthorized: 'token',
  forbidden: 'token',
};

/** The failure as the input to fix plus what the server said (or why it could not be reached). */
function blame(e, mode) {
  if (!(e instanceof RequestError)) return e;
  if (e.reach) return new InputError('url', e.message);
  let name = e.code === undefined ? undefined : INPUT_OF_CODE[e.code];
  if (name === undefined && (e.status === 401 || e.status === 403)) name = 'token';
  if (name === undefined && e.code === 'invalid_body' && mode === 'void') name = 'reason';
  if (name === undefined && e.code === 'invalid_body' && mode === 'confirm') name = 'ref';
  if (e.status === 404 && e.code === 'not_found') return new InputError('url', `the server answered ${e.message} (is it the take-a-number service, and new enough for mode ${mode}?)`);
  const hint = e.status === 401 ? ' (set input token to a token the server accepts, from a secret)' : e.status === 403 ? ' (the token lacks the scope: it needs take on this sequence)' : '';
  return name === undefined ? new Error(`the server answered ${e.message}`) : new InputError(name, `the server answered ${e.message}${hint}`);
}

const enc = encodeURIComponent;

/** The request of a mode: method, path and body. */
function shape(i) {
  switch (i.mode) {
    case 'next':
      return ['POST', `/next/${enc(i.sequence)}${i.count === '' ? '' : `?count=${enc(i.count)}`}`, undefined];
    case 'reserve':
      return ['POST', `/reserve/${enc(i.sequence)}`, undefined];
    case 'confirm':
      return ['POST', `/reservations/${enc(i.reservation)}/confirm`, i.ref === '' ? {} : { ref: i.ref }];
    default:
      return ['POST', `/reservations/${enc(i.reservation)}/void`, { reason: i.reason }];
  }
}

/** The values one per line: the formatted ids where the sequence has a format, else the numbers. */
function valueLines(answer, first, last) {
  if (Array.isArray(answer.formatted)) return answer.formatted.map(String);
  if (typeof answer.formatted === 'string') return [answer.formatted];
  return Array.from({ length: last - first + 1 }, (_, k) => String(first + k));
}

/**
 * Runs the step's request; resolves with the outputs (number, last, formatted, reservation, result) and the
 * answer. Throws InputError naming the input to fix, or Error.
 */
export async function take(i, sleep) {
  const [method, path, body] = shape(i);
  let answer;
  try {
    answer = await request({ url: i.url, token: i.token, key: i.key, retries: i.retries, timeoutMs: TIMEOUT_MS, sleep }, method, path, body);
  } catch (e) {
    throw blame(e, i.mode);
  }
  const first = i.mode === 'next' ? answer.next_value : answer.number;
  if (!Number.isSafeInteger(first)) throw new InputError('url', `the answer has no number (is it the take-a-number service?): ${JSON.stringify(answer).slice(0, 200)}`);
  const last = typeof answer.last_value === 'number' ? answer.last_value : first;
  const outputs = { number: String(first) };
  if (i.count !== '') outputs.last = String(last);
  const formatted = Array.isArray(answer.formatted) ? answer.formatted[0] : answer.formatted;
  outputs.formatted = formatted === undefined ? String(first) : String(formatted);
  if (typeof answer.reservation === 'string') outputs.reservation = answer.reservation;
  if (typeof answer.state === 'string') outputs.state = answer.state;
  outputs.result = i.format === 'json' ? JSON.stringify(answer) : valueLines(answer, first, last).join('\n');
  return { outputs, answer };
}
