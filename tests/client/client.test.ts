// take-a-number/client: its types agree with the OpenAPI document, and it takes numbers from a real server
// with the retries and idempotency of the CLI.
import path from 'node:path';
import { expect } from 'chai';
import { ClientError, TakeANumber } from '../../src/client/index.js';
import { SCHEMA_KEYS } from '../../src/client/types.js';
import { luhnCheckDigit } from '../../src/random/luhn.js';
import { openApiDocument } from '../../src/http/openapi.js';
import { startServerProcess, tempDir } from '../support/helpers.js';
import { stopChild } from '../../bench/children.js';

describe('take-a-number/client', function () {
  this.timeout(20_000);

  it('declares exactly the members and required members of the OpenAPI schemas it returns', () => {
    const schemas = (openApiDocument({ auth: false }) as { components: { schemas: Record<string, { required: string[]; properties: Record<string, unknown> }> } }).components.schemas;
    for (const [name, keys] of Object.entries(SCHEMA_KEYS)) {
      const schema = schemas[name]!;
      expect(schema, name).to.not.equal(undefined);
      expect(Object.keys(keys).sort(), `${name} members`).to.deep.equal(Object.keys(schema.properties).sort());
      expect(Object.entries(keys).filter(([, required]) => required).map(([k]) => k).sort(), `${name} required`).to.deep.equal([...schema.required].sort());
    }
  });

  it('takes numbers, reads and moves sequences, and reports problems with status and code', async () => {
    const srv = await startServerProcess({ SEQUENCE_FILE: path.join(await tempDir(), 's.json'), TOKEN: 'tok' });
    try {
      const tan = new TakeANumber({ url: srv.url, token: 'tok' });
      expect(await tan.next('build')).to.deep.equal({ sequence_id: 'build', next_value: 1 });
      expect(await tan.next('build', { count: 3 })).to.deep.equal({ sequence_id: 'build', next_value: 2, last_value: 4 });
      // The same idempotency key returns the same values (a rerun of a CI job).
      const first = await tan.next('build', { idempotencyKey: 'job-17' });
      expect(await tan.next('build', { idempotencyKey: 'job-17' })).to.deep.equal(first);
      expect(first.next_value).to.equal(5);
      expect(await tan.setSequence('release', 99)).to.deep.equal({ sequence_id: 'release', last_value: 99 });
      expect(await tan.sequence('release')).to.deep.equal({ sequence_id: 'release', last_value: 99 });
      expect(await tan.sequence('never')).to.equal(undefined);
      expect((await tan.sequences()).sequences.map((s) => s.sequence_id)).to.deep.equal(['build', 'release']);
      expect(Number.isSafeInteger((await tan.random()).number)).to.equal(true);
      expect((await tan.randoms(3, { type: 'float' })).numbers).to.have.length(3);
      // Named pools: one idempotency key for a call's retries, so a rerun with the same key gets the same codes.
      const put = await fetch(`${srv.url}/pools/vouchers`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json', Authorization: 'Bearer tok' },
        body: JSON.stringify({ type: 'code', alphabet: '0123456789', length: 2, prefix: 'V-', check: true }),
      });
      expect(put.status).to.equal(201);
      const voucher = (await tan.draw('vouchers')) as { code: string };
      expect(voucher.code).to.match(/^V-\d{3}$/);
      const batch = await tan.draws('vouchers', 3, { idempotencyKey: 'job-18' });
      expect(await tan.draws('vouchers', 3, { idempotencyKey: 'job-18' })).to.deep.equal(batch);
      const codes = (batch as { codes: string[] }).codes;
      expect(codes).to.have.length(3);
      expect(new Set([voucher.code, ...codes]).size).to.equal(4);
      for (const code of [voucher.code, ...codes]) expect(await tan.issued('vouchers', code)).to.equal(true);
      // A well-formed code (its Luhn mod 10 check digit right) that was not drawn is false; a mistyped one throws 400.
      const drawn = new Set([voucher.code, ...codes].map((c) => c.slice(2, 4)));
      const undrawn = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0')).find((d) => !drawn.has(d))!;
      const digits = [...undrawn].map(Number);
      expect(await tan.issued('vouchers', `V-${undrawn}${luhnCheckDigit(digits, 10)}`)).to.equal(false);
      const typo = `V-${undrawn}${(luhnCheckDigit(digits, 10) + 1) % 10}`;
      expect(await tan.issued('vouchers', typo).catch((e: ClientError) => [e.status, e.code])).to.deep.equal([400, 'invalid_value']);
      let error: unknown;
      try {
        await new TakeANumber({ url: srv.url, token: 'wrong', retries: 0 }).next('build');
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(ClientError);
      expect(error).to.include({ status: 401, code: 'unauthorized', message: '401 unauthorized: send Authorization: Bearer <token>' });
    } finally {
      await stopChild(srv);
    }
  });
});
