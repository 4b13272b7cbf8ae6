// docs/errors.md lists exactly the codes of the error table, with the same statuses; answers carry the table's title.
import { readFile } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import { expect } from 'chai';
import { ERRORS } from '../../src/http/error-table.js';
import { problemBody } from '../../src/http/problem.js';
import type { ErrorCode } from '../../src/errors.js';

const DOC = new URL('../../../docs/errors.md', import.meta.url);

async function documented(): Promise<Map<string, number>> {
  const rows = new Map<string, number>();
  for (const line of (await readFile(DOC, 'utf8')).split('\n')) {
    const m = /^\| `([a-z_]+)` \| (\d{3}) \| .+ \|$/.exec(line);
    if (!m) continue;
    expect(rows.has(m[1]!), `${m[1]} documented once`).to.equal(false);
    rows.set(m[1]!, Number(m[2]));
  }
  return rows;
}

describe('the error table and docs/errors.md', () => {
  it('documents every code of the table, and nothing the table does not hold', async () => {
    const doc = await documented();
    expect([...doc.keys()].sort()).to.deep.equal(Object.keys(ERRORS).sort());
  });

  it('gives each code the same status in both', async () => {
    const doc = await documented();
    const differ = Object.entries(ERRORS)
      .filter(([code, e]) => doc.get(code) !== e.status)
      .map(([code, e]) => `${code}: table ${e.status}, docs ${doc.get(code)}`);
    expect(differ).to.deep.equal([]);
  });

  it('titles each code with the reason phrase of its status, as every problem document shows', () => {
    for (const [code, e] of Object.entries(ERRORS) as [ErrorCode, { status: number; title: string }][]) {
      expect(e.title, code).to.equal(STATUS_CODES[e.status]);
      expect(JSON.parse(problemBody(code, 'x'))).to.deep.equal({ type: 'about:blank', title: e.title, status: e.status, detail: 'x', code });
    }
  });
});
