// The GitLab CI component run as a runner would: its inputs interpolated ($[[ inputs.x ]]), its variables
// expanded against the CI's, its script lines run by bash and by sh, its dotenv report read back.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';
import { startServerProcess, tempDir, type ServerProcess } from '../support/helpers.js';
import { stopChild } from '../../bench/children.js';
import { closedPort, GITLAB_TEMPLATE, lastValue, RECIPE, runProcess, type Json, type Run } from './support.js';

const TOKEN = 'gl-Token-ci-0815';
const SHELLS = ['bash', 'sh'];

/** The function between the recipe's begin and end markers. */
function recipeFunction(): string {
  const text = readFileSync(RECIPE, 'utf8');
  const begin = text.indexOf('# take_a_number: begin\n');
  const end = text.indexOf('# take_a_number: end');
  expect(begin).to.be.greaterThan(0);
  return text.slice(begin + '# take_a_number: begin\n'.length, end).trimEnd();
}

interface JobRun extends Run {
  dotenv: Record<string, string> | undefined;
}

/** Replaces $NAME and ${NAME} as GitLab expands job variables; unknown names stay as written. */
const expand = (value: string, vars: Record<string, string>): string =>
  value.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (whole, name: string) => (name in vars ? vars[name]! : whole));

/** Runs the component's job with `inputs` and the CI's predefined and project variables `ci`, in `shell`. */
async function runJob(inputs: Record<string, string>, ci: Record<string, string>, shell: string): Promise<JobRun> {
  const [specDoc, jobDoc] = parseAllDocuments(readFileSync(GITLAB_TEMPLATE, 'utf8'));
  const specInputs = (specDoc!.toJS() as Json).spec.inputs as Record<string, Json>;
  for (const name of Object.keys(inputs)) expect(specInputs, `no input ${name}`).to.have.property(name);
  const value = (name: string): string => inputs[name] ?? String(specInputs[name]!.default);
  // GitLab interpolates the loaded values (keys too), not the text: an empty input is an empty string.
  const interpolate = (v: unknown): unknown =>
    typeof v === 'string'
      ? v.replace(/\$\[\[ inputs\.([a-z-]+) \]\]/g, (_, name: string) => value(name))
      : Array.isArray(v)
        ? v.map(interpolate)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [interpolate(k) as string, interpolate(x)]))
          : v;
  const jobs = interpolate(jobDoc!.toJS()) as Record<string, Json>;
  const job = jobs[value('job-name')]!;
  expect(job, 'the job named by job-name').to.not.equal(undefined);
  const vars: Record<string, string> = { ...ci };
  for (const [k, v] of Object.entries(job.variables as Record<string, string>)) vars[k] = expand(String(v), ci);
  const dir = await tempDir();
  // GitLab stops the job at the first script line that fails.
  const script = ['set -e', ...(job.script as string[])].join('\n');
  const run = await runProcess(shell, ['-c', script], vars, dir);
  const file = path.join(dir, job.artifacts.reports.dotenv as string);
  const dotenv = existsSync(file) ? Object.fromEntries((await readFile(file, 'utf8')).trimEnd().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])) : undefined;
  return { ...run, dotenv };
}

describe('GitLab CI component: templates/take-a-number.yml', function () {
  this.timeout(60_000);
  let srv: ServerProcess;
  const runs: Run[] = [];
  const job = async (inputs: Record<string, string>, ci: Record<string, string>, shell: string): Promise<JobRun> => {
    const r = await runJob(inputs, ci, shell);
    runs.push(r);
    return r;
  };
  const project = (): Record<string, string> => ({ NUMBERS_URL: srv.url, NUMBERS_TOKEN: TOKEN, CI_JOB_ID: '1001' });
  const wired = { url: '$NUMBERS_URL', token: '$NUMBERS_TOKEN' };

  before(async () => {
    srv = await startServerProcess({ SEQUENCE_FILE: path.join(await tempDir(), 's.json'), TOKEN });
  });
  after(async () => {
    expect(await stopChild(srv)).to.equal(0);
  });

  it('its script is the function of ci/take-a-number.sh, verbatim', () => {
    const [, jobDoc] = parseAllDocuments(readFileSync(GITLAB_TEMPLATE, 'utf8'));
    const script = ((jobDoc!.toJS() as Json)['$[[ inputs.job-name ]]'].script as string[])[0]!;
    expect(script.trimEnd(), 'copy the function from ci/take-a-number.sh into templates/take-a-number.yml').to.equal(recipeFunction());
  });

  for (const shell of SHELLS) {
    it(`${shell}: takes a number into the dotenv report; the same job id again the same number, a retried job (new id) a new one`, async () => {
      const seq = `gl-${shell}`;
      const first = await job({ ...wired, sequence: seq }, project(), shell);
      expect(first.code, first.stderr).to.equal(0);
      expect(first.dotenv).to.deep.equal({ TAN_NUMBER: '1', TAN_FORMATTED: '1' });
      expect(first.stdout.trimEnd().split('\n').at(-1)).to.equal('1');
      expect((await job({ ...wired, sequence: seq }, project(), shell)).dotenv!.TAN_NUMBER).to.equal('1');
      expect((await job({ ...wired, sequence: seq }, { ...project(), CI_JOB_ID: '1002' }, shell)).dotenv!.TAN_NUMBER).to.equal('2');
      const counted = await job({ ...wired, sequence: seq, count: '3', 'job-name': 'numbers' }, { ...project(), CI_JOB_ID: '1003' }, shell);
      expect(counted.dotenv).to.deep.equal({ TAN_NUMBER: '3', TAN_LAST: '5', TAN_FORMATTED: '3' });
      expect(counted.stdout.trimEnd().split('\n').slice(-3)).to.deep.equal(['3', '4', '5']);
      expect(await lastValue(srv.url, seq, TOKEN)).to.equal(5);
    });

    it(`${shell}: a wrong token or URL fails the job with a message naming the input, and no dotenv`, async () => {
      const wrong = await job({ ...wired, sequence: 'gl-fail' }, { ...project(), NUMBERS_TOKEN: 'nope' }, shell);
      expect(wrong.code).to.equal(1);
      expect(wrong.stderr).to.equal(
        'take-a-number: input token (TAKE_A_NUMBER_TOKEN): the server answered 401 unauthorized: send Authorization: Bearer <token> (set TAKE_A_NUMBER_TOKEN to a token the server accepts, from a masked variable)\n',
      );
      expect(wrong.dotenv).to.equal(undefined);
      const port = await closedPort();
      const down = await job({ ...wired, sequence: 'gl-fail', retries: '1' }, { ...project(), NUMBERS_URL: `http://127.0.0.1:${port}` }, shell);
      expect(down.code).to.equal(1);
      expect(down.stderr).to.match(new RegExp(`^take-a-number: input url \\(TAKE_A_NUMBER_URL\\): cannot reach http://127\\.0\\.0\\.1:${port}: .*(Couldn't connect|Connection refused).* \\(gave up after 2 attempts\\)\\n$`));
      const unset = await job({ sequence: 'gl-fail' }, { CI_JOB_ID: '1' }, shell);
      expect(unset.stderr).to.equal('take-a-number: input url (TAKE_A_NUMBER_URL): not an http(s) URL: $TAKE_A_NUMBER_URL\n');
      expect(unset.code).to.equal(2);
    });
  }

  it('the token is never printed by any job', () => {
    expect(runs.length).to.be.greaterThan(8);
    for (const r of runs) expect(`${r.stdout}\n${r.stderr}`).not.to.include(TOKEN);
  });
});
