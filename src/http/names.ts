// The names a take:/admin: scope is checked against, declared per route in the route table: always the name
// the store will act on (a sequence id resolved to its stored or NFC form), never only the text as sent.
import type { Context } from 'koa';
import { isServiceError } from '../errors.js';
import { resolveId } from '../ids.js';
import * as params from './params.js';
import type { NameReader, RouteDeps } from './route.js';

const RESOLVED = Symbol('resolved sequence ids');
type Memo = Map<string, Promise<string>>;

/**
 * The stored id a raw (percent-encoded) path segment names (src/ids.ts), resolved once per request: the
 * scope check and the handler see the same id, so a token is checked on the id the store acts on.
 */
export function resolvedSequenceId(ctx: Context, { store }: Pick<RouteDeps, 'store'>, raw: string): Promise<string> {
  const state = ctx.state as { [RESOLVED]?: Memo };
  const memo = (state[RESOLVED] ??= new Map());
  let found = memo.get(raw);
  if (found === undefined) {
    found = (async () =>
      resolveId(params.sequenceIdOf(raw), { has: async (id) => (await store.lastValue(id)) !== undefined, twins: (nfc) => store.twins(nfc) }))();
    // Handled here too: a refusal before the handler runs must not be an unhandled rejection.
    found.catch(() => undefined);
    memo.set(raw, found);
  }
  return found;
}

/** The first path parameter as a sequence id, resolved; an ambiguous id needs the scope on every stored form it may mean. */
export const sequenceName: NameReader = async (ctx, captures, deps) => {
  try {
    return await resolvedSequenceId(ctx, deps, captures[0]!);
  } catch (e) {
    if (isServiceError(e) && e.code === 'ambiguous_sequence_id') return e.extra.sequence_ids as string[];
    throw e;
  }
};

/** The first path parameter as a pool name (ASCII only, so it has one form); a malformed one is refused as input. */
export const poolPathName: NameReader = (_, captures) => params.poolName(captures[0]!);

/** `/random?type=` names the built-in pool the store draws from: int (default) or float. */
export const builtInPool: NameReader = (ctx) => params.poolKind(ctx);

/**
 * Any other name from the first path parameter, percent-decoded: the name as sent and its NFC form must both
 * be allowed, so a store that normalises names cannot be reached by another form of them.
 */
export const pathName: NameReader = (_, captures) => {
  let raw: string;
  try {
    raw = decodeURIComponent(captures[0]!);
  } catch {
    return undefined;
  }
  const nfc = raw.isWellFormed() ? raw.normalize('NFC') : raw;
  return nfc === raw ? raw : [raw, nfc];
};

/** The sequence a reservation (first path parameter) belongs to, as stored. */
export const reservationSequence: NameReader = (_, captures, deps) => deps.store.reservationSequence(captures[0]!);
