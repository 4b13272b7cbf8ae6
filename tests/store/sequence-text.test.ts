import { expect } from 'chai';
import fc from 'fast-check';
import { SequenceText } from '../../src/store/sequence-text.js';
import { emptyState, serialize, serializePieces } from '../../src/store/state.js';

// Ids from a small alphabet so mutations hit existing ids often; some need JSON escaping.
const id = fc.oneof(fc.constantFrom('a', 'b', '__proto__', 'quo"te', 'back\\slash', 'ünï', '𝄞'), fc.string({ minLength: 1, maxLength: 6 }));
const value = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const op = fc.oneof(fc.record({ set: id, value }), fc.constant({ commit: true as const }));

describe('SequenceText', () => {
  it('equals a fresh serialise after any mix of new ids, moved ids and commits', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(id, value), { maxLength: 600 }), fc.array(op, { maxLength: 300 }), (initial, ops) => {
        const state = emptyState();
        for (const [k, v] of initial) state.sequences.set(k, v);
        const text = new SequenceText(state.sequences);
        expect(serialize(state, text.pieces())).to.equal(serialize(state));
        for (const o of ops) {
          if ('set' in o) {
            state.sequences.set(o.set, o.value);
            text.touch(o.set);
          } else expect(serialize(state, text.pieces())).to.equal(serialize(state));
        }
        expect(serializePieces(state, text.pieces()).join('')).to.equal(serialize(state));
      }),
      { numRuns: 150 },
    );
  });

  it('spans buckets: a change in the last of 1000 ids is the only difference', () => {
    const state = emptyState();
    for (let i = 0; i < 1000; i++) state.sequences.set(`id${i}`, i);
    const text = new SequenceText(state.sequences);
    const before = serialize(state, text.pieces());
    state.sequences.set('id999', 5000);
    text.touch('id999');
    const after = serialize(state, text.pieces());
    expect(after).to.equal(serialize(state));
    expect(after.replace('"id999": 5000', '"id999": 999')).to.equal(before);
  });
});
