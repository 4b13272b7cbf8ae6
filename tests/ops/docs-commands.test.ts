// The README and every page of docs/ run as written: their curl and CLI commands against a fresh server
// (answers compared with the `# →` / `# ≈` comments), their js blocks as .mjs files, the other commands
// checked against the repository; and every link to a file or a heading resolves. docs/development.md
// ("The documents' commands") describes the conventions.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { SETTINGS } from '../../src/config.js';
import { REPO_ROOT, startServerProcess, tempDir } from '../support/helpers.js';
import { stopChild } from '../../bench/children.js';

const run = promisify(execFile);

const PAGES = ['README.md', ...readdirSync(path.join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

/** Commands the test checks but does not run here, with the reason. */
const NOT_RUN_HERE: Record<string, string> = {
  docker: 'needs a Docker engine; the image test (tests/container/run.sh) builds and runs the image',
  mkdir: 'the Docker recipe\'s data directory',
  createdb: 'the PostgreSQL recipe; the PostgreSQL suites create their own databases',
  git: 'changes the checkout',
  kill: 'signals a running server; the tests signal real servers',
};

const SCRIPTS = Object.keys((JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
const FLAGS = new Set(SETTINGS.map((s) => `--${s.flag}`));
const KNOWN_ENV = new Set([...SETTINGS.map((s) => s.env), 'TAKE_A_NUMBER_URL', 'TAKE_A_NUMBER_TOKEN', 'REQUIRE_POSTGRES', 'REQUIRE_STRACE', 'REQUIRE_CHROMIUM', 'REQUIRE_FAKETIME', 'REQUIRE_CONTAINER', 'REQUIRE_FAILOVER']);

interface Expect {
  mode: '→' | '≈';
  text: string;
}
interface Command {
  text: string;
  expect: Expect[];
}
interface Block {
  lang: string;
  start: number;
  lines: string[];
}

function blocks(markdown: string): Block[] {
  const out: Block[] = [];
  let open: Block | undefined;
  markdown.split('\n').forEach((line, i) => {
    const fence = /^```(\S*)\s*$/.exec(line);
    if (fence && !open) open = { lang: fence[1]!, start: i + 1, lines: [] };
    else if (fence && open) {
      out.push(open);
      open = undefined;
    } else open?.lines.push(line);
  });
  return out;
}

/** Splits a shell line at its comment: the first `#` outside quotes that follows a blank. */
function splitComment(line: string): [string, string | undefined] {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '\\') i++;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return [line.slice(0, i).trimEnd(), line.slice(i + 1).trim()];
  }
  return [line, undefined];
}

function expectation(comment: string | undefined): Expect | undefined {
  const m = comment === undefined ? null : /^(→|≈) ?(.*)$/.exec(comment);
  return m ? { mode: m[1] as '→' | '≈', text: m[2]! } : undefined;
}

/** The commands of a shell block, continuation lines joined, each with the output lines it expects. */
function commands(block: Block): Command[] {
  const out: Command[] = [];
  let pending = '';
  for (const raw of block.lines) {
    if (pending === '' && /^\s*#/.test(raw)) {
      const e = expectation(raw.trim().slice(1).trim());
      if (e) {
        expect(out.length, `an output line before any command at line ${block.start}`).to.be.greaterThan(0);
        out.at(-1)!.expect.push(e);
      }
      continue;
    }
    const [code, comment] = splitComment(raw);
    if (code.endsWith('\\')) {
      pending += `${code.slice(0, -1)} `;
      continue;
    }
    const text = `${pending}${code}`.trim();
    pending = '';
    if (text === '') continue;
    const e = expectation(comment);
    out.push({ text, expect: e ? [e] : [] });
  }
  return out;
}

/** Leading NAME=value assignments, then the words of the command. */
function words(command: string): { env: string[]; argv: string[] } {
  const parts = command.split(/\s+/);
  const env: string[] = [];
  while (parts.length > 1 && /^[A-Z_][A-Z0-9_]*=\S*$/.test(parts[0]!)) env.push(parts.shift()!.split('=')[0]!);
  return { env, argv: parts };
}

/** Whether the command runs against the page's server (curl, the CLI's client commands, shell glue). */
function runnable(command: string): boolean {
  const inner = /^[A-Z_]+=\$\((.*)\)$/.exec(command)?.[1] ?? command;
  const { argv } = words(inner);
  if (argv[0] === 'curl' || argv[0] === 'echo') return true;
  return argv[0] === 'npx' && argv[1] === 'take-a-number' && ['next', 'random', '--version'].includes(argv[2] ?? '');
}

/** Checks a command that is not run here; returns what is wrong, or undefined. */
function staticProblem(command: string): string | undefined {
  for (const part of command.split(/\s*&&\s*/)) {
    const { env, argv } = words(part);
    const unknownEnv = env.filter((e) => !KNOWN_ENV.has(e));
    if (unknownEnv.length > 0) return `sets ${unknownEnv.join(', ')}, which is no setting`;
    const [first, second, third] = argv;
    if (first === 'sudo') return 'uses sudo (a fresh machine may have none)';
    if (first === 'take-a-number') return 'runs take-a-number, which is not on a clone\'s PATH: write npx take-a-number';
    if (first === 'npm') {
      if (second === 'run' && !SCRIPTS.includes(third ?? '')) return `npm run ${third}: no such script in package.json`;
      if (!['ci', 'start', 'test', 'run', 'pack', 'i', 'install'].includes(second ?? '')) return `npm ${second}: not a command the docs should need`;
      continue;
    }
    if (first === 'bash') {
      if (!existsSync(path.join(REPO_ROOT, second ?? ''))) return `bash ${second}: no such file`;
      continue;
    }
    if (first === 'npx') {
      if (second === 'tsc' || second === 'mocha') continue;
      if (second === 'take-a-number' && third === 'serve') {
        const unknown = argv.filter((w) => w.startsWith('--') && !FLAGS.has(w));
        if (unknown.length > 0) return `serve ${unknown.join(' ')}: no such setting`;
        continue;
      }
      if (second === 'take-a-number' && third === 'migrate') continue;
      return `npx ${second} ${third}: neither run nor checked here`;
    }
    if (first !== undefined && first in NOT_RUN_HERE) continue;
    return `${first}: a command this test neither runs nor checks (add it to NOT_RUN_HERE with the reason)`;
  }
  return undefined;
}

const shape = (s: string): string => s.replace(/[0-9A-Z]+/g, 'x');
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function matches(actual: string, e: Expect): boolean {
  const [a, x] = e.mode === '≈' ? [shape(actual), shape(e.text)] : [actual, e.text];
  return new RegExp(`^${x.split('…').map(escape).join('[^]*?')}$`).test(a);
}

/** GitHub's heading anchors (and explicit <a id>) of a page. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    if (inFence) continue;
    for (const m of line.matchAll(/<a id="([^"]+)"><\/a>/g)) out.add(m[1]!);
    const h = /^#{1,6} (.*)$/.exec(line);
    if (!h) continue;
    const slug = h[1]!.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

describe('the documents: every command runs as written, every link resolves', function () {
  this.timeout(180_000);

  for (const page of PAGES) {
    const markdown = readFileSync(path.join(REPO_ROOT, page), 'utf8');
    const all = blocks(markdown);
    const shell = all.filter((b) => b.lang === 'bash' || b.lang === 'sh');
    const js = all.filter((b) => b.lang === 'js');

    it(`${page}: links and anchors resolve`, () => {
      const prose = markdown.replace(/```[^]*?```/g, '');
      for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!;
        if (/^(https?|mailto):/.test(target)) continue;
        const [file, anchor] = target.split('#') as [string, string | undefined];
        const resolved = file === '' ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), file));
        expect(existsSync(path.join(REPO_ROOT, resolved)), `${page} links to ${target}: no such file`).to.equal(true);
        if (anchor !== undefined) expect([...anchors(readFileSync(path.join(REPO_ROOT, resolved), 'utf8'))], `${page} links to ${target}`).to.include(anchor);
      }
    });

    const cmds = shell.flatMap((b) => commands(b).map((c) => ({ ...c, line: b.start })));
    const checked = cmds.filter((c) => !runnable(c.text));
    if (checked.length > 0)
      it(`${page}: the commands not run here name scripts, files, settings and tools that exist`, () => {
        for (const c of checked) expect(staticProblem(c.text), `${page}:${c.line}: ${c.text}`).to.equal(undefined);
      });

    const toRun = cmds.filter((c) => runnable(c.text));
    if (toRun.length === 0 && js.length === 0) continue;
    it(`${page}: ${toRun.length} commands and ${js.length} js blocks answer as shown, against a fresh server`, async () => {
      const dir = await tempDir();
      const srv = await startServerProcess({ SEQUENCE_FILE: path.join(dir, 'sequences.json') });
      const port = new URL(srv.url).port;
      const local = (text: string): string => text.replace(/(localhost|127\.0\.0\.1):5000\b/g, `$1:${port}`);
      const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, TAKE_A_NUMBER_URL: `http://127.0.0.1:${port}`, TAKE_A_NUMBER_TOKEN: '', CI_JOB_ID: '4711' };
      const examples = path.join(REPO_ROOT, 'dist', 'docs-examples', path.basename(page, '.md'));
      try {
        // One script per page: variables set by one command reach the next, as in a terminal.
        const script = toRun.map((c) => `${local(c.text)}\nprintf '\\036%s\\036' "$?"\n`).join('');
        const { stdout, stderr } = await run('bash', ['-c', script], { cwd: REPO_ROOT, env, maxBuffer: 1 << 24 });
        const parts = stdout.split('\u001e');
        toRun.forEach((c, i) => {
          const out = parts[2 * i]!.replace(/\n$/, '');
          const where = `${page}:${c.line}: ${c.text}\n${stderr}`;
          expect(parts[2 * i + 1], `exit code of ${where}`).to.equal('0');
          if (c.expect.length === 0) return;
          const lines = out.split('\n');
          expect(lines.length, `lines of output of ${where}\n${out}`).to.equal(c.expect.length);
          c.expect.forEach((e, k) => expect(matches(lines[k]!, e), `${where}\n  expected ${e.mode} ${e.text}\n  got       ${lines[k]}`).to.equal(true));
        });
        // A .mjs file inside the repository resolves the package's own name (take-a-number/client).
        await mkdir(examples, { recursive: true });
        for (const [i, b] of js.entries()) {
          const file = path.join(examples, `example-${i}.mjs`);
          await writeFile(file, local(b.lines.join('\n')));
          const { stdout: out } = await run(process.execPath, [file], { cwd: REPO_ROOT, env });
          const wanted = b.lines.flatMap((l) => {
            const m = /\/\/ (→|≈) (.*)$/.exec(l);
            return m ? [{ mode: m[1] as '→' | '≈', text: m[2]! }] : [];
          });
          const lines = out.replace(/\n$/, '').split('\n');
          expect(lines.length, `${page}:${b.start}: lines of output\n${out}`).to.equal(wanted.length);
          wanted.forEach((e, k) => expect(matches(lines[k]!, e), `${page}:${b.start}: expected ${e.mode} ${e.text}, got ${lines[k]}`).to.equal(true));
        }
      } finally {
        await rm(examples, { recursive: true, force: true });
        await stopChild(srv);
      }
    });
  }

  it('the README stays a door: under 250 lines', () => {
    expect(readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8').split('\n').length).to.be.below(250);
  });
});
