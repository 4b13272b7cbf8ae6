// loadConfig: defaults, flags over environment, and a one-line refusal naming each bad setting.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { loadConfig, SETTINGS } from '../src/config.js';
import { StartupError } from '../src/errors.js';
import { REPO_ROOT } from './support/helpers.js';

describe('config: loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig([], {});
    expect(c).to.deep.include({
      port: 5000,
      host: '0.0.0.0',
      sequenceFile: './sequences.json',
      token: undefined,
      logLevel: 'info',
      maxSequences: 1000000,
      databaseUrl: undefined,
      databasePoolSize: 5,
      recover: undefined,
    });
    expect(c.randomInt).to.deep.equal({ type: 'int', min: 0, max: Number.MAX_SAFE_INTEGER });
    expect(c.randomFloat).to.deep.equal({ type: 'float', min: 0, max: 10000, decimals: 4 });
  });

  it('reads the environment, and flags win over it', () => {
    const env = { PORT: '6000', SEQUENCE_FILE: '/tmp/a.json', MAX_SEQUENCES: '2', RANDOM_INT_MIN: '1', RANDOM_INT_MAX: '3', LOG_LEVEL: 'WARN' };
    expect(loadConfig([], env)).to.deep.include({ port: 6000, sequenceFile: '/tmp/a.json', maxSequences: 2, logLevel: 'warn' });
    const c = loadConfig(['--port', '7000', '--sequence-file=/tmp/b.json', '--random-float-decimals', '2', '--random-float-max', '1.5'], env);
    expect(c).to.deep.include({ port: 7000, sequenceFile: '/tmp/b.json' });
    expect(c.randomInt).to.deep.equal({ type: 'int', min: 1, max: 3 });
    expect(c.randomFloat).to.deep.equal({ type: 'float', min: 0, max: 1.5, decimals: 2 });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig([], { PORT: '', TOKEN: '' })).to.deep.include({ port: 5000, token: undefined });
  });

  const bad: [string, string[], Record<string, string>, string][] = [
    ['PORT=abc', [], { PORT: 'abc' }, 'PORT'],
    ['PORT=70000', [], { PORT: '70000' }, 'PORT'],
    ['PORT=-1', [], { PORT: '-1' }, 'PORT'],
    ['--port abc', ['--port', 'abc'], {}, 'PORT'],
    ['RANDOM_FLOAT_DECIMALS=99', [], { RANDOM_FLOAT_DECIMALS: '99' }, 'RANDOM_FLOAT_DECIMALS'],
    ['RANDOM_FLOAT_DECIMALS=0', [], { RANDOM_FLOAT_DECIMALS: '0' }, 'RANDOM_FLOAT_DECIMALS'],
    ['LOG_LEVEL=loud', [], { LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    ['MAX_SEQUENCES=0', [], { MAX_SEQUENCES: '0' }, 'MAX_SEQUENCES'],
    ['MAX_SEQUENCES=many', [], { MAX_SEQUENCES: 'many' }, 'MAX_SEQUENCES'],
    ['RANDOM_INT_MAX=1.5', [], { RANDOM_INT_MAX: '1.5' }, 'RANDOM_INT_MAX'],
    ['RANDOM_INT_MAX=2^53', [], { RANDOM_INT_MAX: '9007199254740992' }, 'RANDOM_INT_MAX'],
    ['RANDOM_INT_MIN above RANDOM_INT_MAX', [], { RANDOM_INT_MIN: '5', RANDOM_INT_MAX: '4' }, 'RANDOM_INT_MAX'],
    ['RANDOM_FLOAT_MIN=x', [], { RANDOM_FLOAT_MIN: 'x' }, 'RANDOM_FLOAT_MIN'],
    ['RANDOM_FLOAT_MAX with too many digits', [], { RANDOM_FLOAT_MAX: '1.23456' }, 'RANDOM_FLOAT_MAX'],
    ['DATABASE_URL=mysql://x', [], { DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    ['DATABASE_POOL_SIZE=0', [], { DATABASE_POOL_SIZE: '0' }, 'DATABASE_POOL_SIZE'],
    ['--database-pool-size ten', ['--database-pool-size', 'ten'], {}, 'DATABASE_POOL_SIZE'],
    ['RECOVER=yes', [], { RECOVER: 'yes' }, 'RECOVER'],
    ['IDEMPOTENCY_MAX=-1', [], { IDEMPOTENCY_MAX: '-1' }, 'IDEMPOTENCY_MAX'],
    ['IDEMPOTENCY_MAX=0 (retries would hand out new values)', [], { IDEMPOTENCY_MAX: '0' }, 'IDEMPOTENCY_MAX'],
    ['an unknown flag', ['--colour', 'red'], {}, '--colour'],
  ];
  for (const [name, argv, env, setting] of bad)
    it(`refuses ${name} with a one-line message naming ${setting}`, () => {
      let error: unknown;
      try {
        loadConfig(argv, env);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(StartupError);
      const message = (error as Error).message;
      expect(message).to.include(setting);
      expect(message).to.not.include('\n');
    });
});

describe('config: secrets from files (*_FILE)', () => {
  it('reads TOKEN_FILE and DATABASE_URL_FILE, dropping one trailing newline', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tan-secret-'));
    await writeFile(path.join(dir, 'token'), 's3cret\n');
    await writeFile(path.join(dir, 'url'), 'postgres://u:pw@db/x\n');
    const c = loadConfig([], { TOKEN_FILE: path.join(dir, 'token'), DATABASE_URL_FILE: path.join(dir, 'url') });
    expect(c.token).to.equal('s3cret');
    expect(c.databaseUrl).to.equal('postgres://u:pw@db/x');
    for (const [env, message] of [
      [{ TOKEN: 'a', TOKEN_FILE: path.join(dir, 'token') }, 'TOKEN and TOKEN_FILE are both set; keep one (TOKEN_FILE for a mounted secret)'],
      [{ DATABASE_URL: 'postgres://x', DATABASE_URL_FILE: path.join(dir, 'url') }, 'DATABASE_URL and DATABASE_URL_FILE are both set'],
      [{ TOKEN_FILE: path.join(dir, 'missing') }, `TOKEN_FILE: cannot read ${path.join(dir, 'missing')} (ENOENT)`],
    ] as const) {
      let error: unknown;
      try {
        loadConfig([], env);
      } catch (e) {
        error = e;
      }
      expect(error, message).to.be.instanceOf(StartupError);
      expect((error as Error).message).to.include(message);
      expect((error as Error).message).to.not.include('s3cret');
    }
  });
});

describe('config: the settings table and docs/configuration.md', () => {
  // Rows of the page's table: | `ENV` | `--flag` | `default` (note) or unset | meaning |
  const rows = readFileSync(path.join(REPO_ROOT, 'docs', 'configuration.md'), 'utf8')
    .split('\n')
    .filter((l) => /^\| `[A-Z_]+` \|/.test(l))
    .map((l) => l.split(' | ').map((c) => c.replace(/^\| /, '')));
  const documented = rows.map(([env, flag, def]) => ({
    env: env!.replace(/`/g, ''),
    flag: flag!.replace(/^`--|`$/g, ''),
    default: def === 'unset' ? undefined : /^`([^`]*)`/.exec(def!)?.[1],
  }));

  it('documents every setting with its variable, flag and default', () => {
    expect(documented.length).to.be.greaterThan(20);
    for (const s of SETTINGS) expect(documented.find((d) => d.env === s.env), s.env).to.deep.equal({ env: s.env, flag: s.flag, default: s.default });
  });

  it('documents no setting that does not exist, and each once', () => {
    const names = SETTINGS.map((s) => s.env);
    for (const d of documented) expect(names, d.env).to.include(d.env);
    expect(new Set(documented.map((d) => d.env)).size).to.equal(documented.length);
  });

  it('each documented default is what loadConfig uses when nothing is set', () => {
    // The same defaults, read back through the parser: a default the parser would refuse is a documentation bug.
    const c = loadConfig([], {});
    expect([c.port, c.host, c.sequenceFile, c.logLevel, c.maxSequences]).to.deep.equal([5000, '0.0.0.0', './sequences.json', 'info', 1000000]);
  });
});
