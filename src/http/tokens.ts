// Who a bearer token is: TOKEN (may do everything), the scoped tokens of TOKENS_FILE, and METRICS_TOKEN.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { compileGlob, GlobError } from './glob.js';

export type ScopeKind = 'read' | 'take' | 'admin';

export interface Scope {
  kind: ScopeKind;
  /** The glob of take:/admin: scopes ("*" for read). */
  glob: string;
  matches: (name: string) => boolean;
}

export interface Principal {
  name: string;
  /** TOKEN: every route. */
  all: boolean;
  /** METRICS_TOKEN: /metrics only. */
  metrics: boolean;
  scopes: Scope[];
}

interface Entry {
  principal: Principal;
  digest: Buffer;
}

/** A TOKENS_FILE that cannot be used; the message names the file and the fix. */
export class TokensFileError extends Error {}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

function glob(pattern: string, where: string): (name: string) => boolean {
  try {
    return compileGlob(pattern);
  } catch (e) {
    if (e instanceof GlobError) throw new TokensFileError(`${where}: the glob ${JSON.stringify(pattern.slice(0, 80))} cannot be used: ${e.message}`);
    throw e;
  }
}

function parseScope(raw: unknown, where: string): Scope {
  if (raw === 'read') return { kind: 'read', glob: '*', matches: () => true };
  const m = typeof raw === 'string' ? /^(take|admin):(.+)$/.exec(raw) : null;
  if (!m) throw new TokensFileError(`${where}: scope ${JSON.stringify(raw)} is not "read", "take:<glob>" or "admin:<glob>"`);
  return { kind: m[1] as ScopeKind, glob: m[2]!, matches: glob(m[2]!, where) };
}

/** Parses the JSON of a TOKENS_FILE: {"tokens":[{"name","sha256"|"token","scopes":[…]}]}. */
export function parseTokens(text: string, file: string): Entry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new TokensFileError(`TOKENS_FILE ${file} is not valid JSON: ${(e as Error).message}`);
  }
  const list = (doc as { tokens?: unknown } | null)?.tokens;
  if (!Array.isArray(list)) throw new TokensFileError(`TOKENS_FILE ${file} must hold {"tokens": [...]}`);
  const names = new Set<string>();
  return list.map((t: unknown, i): Entry => {
    const e = (t ?? {}) as { name?: unknown; sha256?: unknown; token?: unknown; scopes?: unknown };
    const where = `TOKENS_FILE ${file}, tokens[${i}]`;
    if (typeof e.name !== 'string' || !/^[\w.@-]{1,64}$/.test(e.name)) throw new TokensFileError(`${where}: "name" must be 1-64 of A-Za-z0-9_.@-`);
    if (names.has(e.name)) throw new TokensFileError(`${where}: the name "${e.name}" is used twice`);
    names.add(e.name);
    let d: Buffer;
    if (typeof e.sha256 === 'string' && e.token === undefined) {
      if (!/^[0-9a-fA-F]{64}$/.test(e.sha256)) throw new TokensFileError(`${where}: "sha256" must be 64 hex digits (sha256sum of the token)`);
      d = Buffer.from(e.sha256, 'hex');
    } else if (typeof e.token === 'string' && e.token !== '' && e.sha256 === undefined) d = digest(e.token);
    else throw new TokensFileError(`${where}: give exactly one of "sha256" (hex of the token's SHA-256) or "token"`);
    if (!Array.isArray(e.scopes) || e.scopes.length === 0) throw new TokensFileError(`${where}: "scopes" must be a non-empty array`);
    return { digest: d, principal: { name: e.name, all: false, metrics: false, scopes: e.scopes.map((s) => parseScope(s, where)) } };
  });
}

export interface TokenSettings {
  token?: string;
  metricsToken?: string;
  tokensFile?: string;
}

/** Every token the service accepts; the scoped ones can be reloaded from their file. */
export class Tokens {
  private scoped: Entry[] = [];
  private readonly fixed: Entry[] = [];

  constructor(private readonly settings: TokenSettings) {
    if (settings.token !== undefined) this.fixed.push({ digest: digest(settings.token), principal: { name: 'TOKEN', all: true, metrics: true, scopes: [] } });
    if (settings.metricsToken !== undefined)
      this.fixed.push({ digest: digest(settings.metricsToken), principal: { name: 'METRICS_TOKEN', all: false, metrics: true, scopes: [] } });
    this.reload();
  }

  /** Whether routes other than the probes, docs and /metrics need a token. */
  get required(): boolean {
    return this.settings.token !== undefined || this.settings.tokensFile !== undefined;
  }

  /** Whether /metrics needs a token. */
  get metricsRequired(): boolean {
    return this.required || this.settings.metricsToken !== undefined;
  }

  /** How many scoped tokens are loaded. */
  get scopedCount(): number {
    return this.scoped.length;
  }

  /** Re-reads TOKENS_FILE; on error throws TokensFileError and keeps the tokens it had. */
  reload(): void {
    const file = this.settings.tokensFile;
    if (file === undefined) return;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new TokensFileError(`TOKENS_FILE: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    this.scoped = parseTokens(text, file);
  }

  /**
   * The principal of an Authorization header, or undefined. Compares the token's digest with every known
   * digest in constant time, and looks at all of them, so timing tells neither which nor how much matched.
   */
  identify(header: string): Principal | undefined {
    const m = /^Bearer (.+)$/i.exec(header);
    const d = digest(m?.[1] ?? '');
    let found: Principal | undefined;
    for (const e of [...this.fixed, ...this.scoped]) if (timingSafeEqual(d, e.digest) && found === undefined) found = e.principal;
    return m === null ? undefined : found;
  }
}

/** Whether `p` may use scope `kind` on `name`. */
export function allows(p: Principal, kind: ScopeKind, name: string): boolean {
  return p.all || p.scopes.some((s) => s.kind === kind && s.matches(name));
}
