// What a route is: the facts the router, the HEAD guard, the access check and the OpenAPI document read.
import type { Context } from 'koa';
import type { Metrics } from '../metrics.js';
import type { RandomValues } from '../random/values.js';
import type { Store } from '../store/store.js';

export type Method = 'GET' | 'POST' | 'PUT';

/** The process's state as the probes see it: set `draining` on SIGTERM. */
export interface Lifecycle {
  draining: boolean;
}

/** What handlers work with; built once per app. */
export interface RouteDeps {
  store: Store;
  metrics?: Metrics;
  lifecycle: Lifecycle;
  random: RandomValues;
  /** The OpenAPI document as JSON text (built from the route table). */
  openapi: string;
}

export type Handler = (ctx: Context, deps: RouteDeps) => Promise<void> | void;

/** Reads the name a take:/admin: glob is matched against; undefined when it cannot be read (then refused). */
export type NameReader = (ctx: Context, captures: readonly string[], store: Store) => string | undefined | Promise<string | undefined>;

/** Who may call a route. */
export type Access =
  /** Always open: the probes. */
  | { kind: 'public' }
  /** Open while PUBLIC_DOCS is on, else only TOKEN. */
  | { kind: 'docs' }
  /** METRICS_TOKEN, TOKEN, or a token with the scope read. */
  | { kind: 'metrics' }
  | { kind: 'read' }
  | { kind: 'take' | 'admin'; name: NameReader };

export const PUBLIC: Access = { kind: 'public' };
export const DOCS: Access = { kind: 'docs' };
export const METRICS: Access = { kind: 'metrics' };
export const READ: Access = { kind: 'read' };
export const take = (name: NameReader): Access => ({ kind: 'take', name });
export const admin = (name: NameReader): Access => ({ kind: 'admin', name });

/** The first path parameter, percent-decoded. */
export const pathName: NameReader = (_, captures) => {
  try {
    return decodeURIComponent(captures[0]!);
  } catch {
    return undefined;
  }
};

/** The sequence a reservation (first path parameter) belongs to. */
export const reservationSequence: NameReader = (_, captures, store) => store.reservationSequence(captures[0]!);

/** An OpenAPI operation object. */
export type Operation = Record<string, unknown>;

export interface Route {
  methods: readonly Method[];
  /** A @koa/router path: "/next/:sequenceId". */
  path: string;
  handler: Handler;
  /** Whether a request hands values out: then HEAD is refused and Allow never lists it. */
  allocates: boolean;
  access: Access;
  /** The OpenAPI operation, or one per method. */
  doc: Operation | ((method: Method) => Operation);
  /** The body is JSON (at most 4 KiB; "meta": at most 16 KiB, for bodies with a ledger meta); anything else is refused before the handler. */
  body?: 'json' | 'meta';
  /** Mounted only when this holds (e.g. /metrics only with metrics). */
  when?: (deps: RouteDeps) => boolean;
}
