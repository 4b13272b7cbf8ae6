import { expect } from 'chai';
import { Ledger } from '../bench/ledger.js';
import { emptyState, type State } from '../src/store/state.js';

const stateWith = (sequences: Record<string, number>, drawn = 0): State => {
  const s = emptyState();
  for (const [id, v] of Object.entries(sequences)) s.sequences.set(id, v);
  s.random.set('int', { domain: { type: 'int', min: 0, max: 1000 }, key: '0'.repeat(64), drawn });
  return s;
};

const answer = (id: string, value: number): string => JSON.stringify({ sequence_id: id, next_value: value });

describe('bench durability check (Ledger)', () => {
  it('passes when the file holds exactly what was answered, counting from the seeded value', () => {
    const ledger = new Ledger(new Map([['a', 10]]));
    for (const v of [11, 12, 13]) ledger.next(200, answer('a', v));
    ledger.next(200, answer('b', 1));
    ledger.random('int', 200, '{"number":7}');
    expect(ledger.check(stateWith({ a: 13, b: 1 }, 1), 'x')).to.deep.equal([]);
  });

  it('fails when the file is behind an answer, when a value was answered twice, or when it moved further than unanswered requests explain', () => {
    const ledger = new Ledger(new Map());
    for (const v of [1, 2, 2]) ledger.next(200, answer('a', v));
    ledger.random('int', 200, '{"number":7}');
    ledger.random('int', 200, '{"number":7}');
    expect(ledger.check(stateWith({ a: 1 }, 1), 'x')).to.deep.equal([
      'x: 2 values were answered twice',
      'x: a answered 2 but the file holds 1',
      'x: a answered 2 values but the file moved only 1',
      'x: 2 int numbers answered but the file records 1 drawn',
    ]);
    const ahead = new Ledger(new Map());
    ahead.next(200, answer('a', 1));
    ahead.addUnseen(2);
    expect(ahead.check(stateWith({ a: 3 }), 'y')).to.deep.equal([]);
    expect(ahead.check(stateWith({ a: 4 }), 'y')).to.deep.equal([
      'y: the file moved 3 values past the answers seen, more than the 2 unanswered requests explain',
    ]);
  });
});
