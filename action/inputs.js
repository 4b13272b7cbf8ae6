// The action's inputs as the runner passes them (INPUT_<NAME> upper-cased, hyphens kept), with the same
// defaults as action.yml (a test keeps the two equal), so the entry point behaves the same when run by hand.
import { createHash, randomUUID } from 'node:crypto';

/** Every input the code reads: its default ('' = none) and whether it is required. */
export const INPUTS = {
  url: { default: '', required: true },
  token: { default: '', required: false },
  sequence: { default: '', required: false },
  count: { default: '', required: false },
  format: { default: 'text', required: false },
  'idempotency-key': { default: '', required: false },
  mode: { default: 'next', required: false },
  reservation: { default: '', required: false },
  ref: { default: '', required: false },
  reason: { default: '', required: false },
  retries: { default: '6', required: false },
};

export const MODES = ['next', 'reserve', 'confirm', 'void'];
export const FORMATS = ['text', 'json'];

/** A wrong input: the message starts with the input's name, so the log says what to fix. */
export class InputError extends Error {
  name = 'InputError';
  constructor(input, message) {
    super(`input ${input}: ${message}`);
    this.input = input;
  }
}

/** The value of input `name` from the environment, trimmed, or its default. */
export function input(name, env = process.env) {
  if (!(name in INPUTS)) throw new Error(`input ${name} is not declared in INPUTS (and action.yml)`);
  const raw = env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`];
  const value = raw === undefined ? '' : raw.trim();
  return value === '' ? INPUTS[name].default : value;
}

// The server takes 1-255 visible ASCII characters.
const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;

/**
 * The default Idempotency-Key: the same for a re-run of one attempt of one step (so it gets the same number),
 * new for a new attempt (GITHUB_RUN_ATTEMPT) or another step, job, sequence or mode. Random outside GitHub.
 */
export function defaultKey(mode, target, env = process.env) {
  if (!env.GITHUB_RUN_ID) return `take-a-number-${randomUUID()}`;
  const parts = [env.GITHUB_RUN_ID, env.GITHUB_RUN_ATTEMPT ?? '1', env.GITHUB_JOB ?? '', env.GITHUB_ACTION ?? '', mode, target];
  const plain = `gh-${parts.join('-')}`;
  if (KEY_SHAPE.test(plain)) return plain;
  // A job, step or sequence name outside visible ASCII (or too long) goes in as its hash.
  return `gh-${parts.slice(0, 2).join('-')}-${createHash('sha256').update(parts.slice(2).join('\n')).digest('hex')}`;
}

/** All inputs, checked: what the step does. Throws InputError naming the input to fix. */
export function readInputs(env = process.env) {
  const mode = input('mode', env);
  if (!MODES.includes(mode)) throw new InputError('mode', `"${mode}" is not one of ${MODES.join(', ')}`);
  const format = input('format', env);
  if (!FORMATS.includes(format)) throw new InputError('format', `"${format}" is not one of ${FORMATS.join(', ')}`);

  const rawUrl = input('url', env);
  if (rawUrl === '') throw new InputError('url', 'required: the take-a-number service, e.g. https://numbers.example.com');
  let url;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new InputError('url', `not a URL: ${rawUrl}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InputError('url', `not an http(s) URL: ${url.protocol}`);
  if (url.username !== '' || url.password !== '') throw new InputError('url', 'has credentials in it: put the token in input token (a secret) instead');

  const retriesText = input('retries', env);
  if (!/^\d{1,2}$/.test(retriesText)) throw new InputError('retries', `"${retriesText}" is not a whole number from 0 to 99`);

  const sequence = input('sequence', env);
  const reservation = input('reservation', env);
  const count = input('count', env);
  const ref = input('ref', env);
  const reason = input('reason', env);
  if (mode === 'next' || mode === 'reserve') {
    if (sequence === '') throw new InputError('sequence', `required with mode ${mode}: the id of the sequence to take a number from`);
    if (count !== '' && mode === 'reserve') throw new InputError('count', 'mode reserve takes one number at a time: leave count out');
    if (count !== '' && !/^\d+$/.test(count)) throw new InputError('count', `"${count}" is not a whole number`);
  } else {
    if (reservation === '') throw new InputError('reservation', `required with mode ${mode}: pass the reserve step's output, e.g. \${{ steps.number.outputs.reservation }}`);
    if (count !== '') throw new InputError('count', `mode ${mode} acts on one reservation: leave count out`);
    if (mode === 'void' && reason === '') throw new InputError('reason', 'required with mode void: why the number is not used (1-500 characters), e.g. "build failed"');
  }

  const key = input('idempotency-key', env);
  if (key !== '' && !KEY_SHAPE.test(key)) throw new InputError('idempotency-key', 'must be 1-255 visible ASCII characters');
  return {
    mode,
    format,
    url,
    token: input('token', env),
    sequence,
    count,
    reservation,
    ref,
    reason,
    retries: Number(retriesText),
    key: key !== '' ? key : defaultKey(mode, mode === 'next' || mode === 'reserve' ? sequence : reservation, env),
  };
}
