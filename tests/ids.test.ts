import { expect } from 'chai';
import { idProblem } from '../src/ids.js';

describe('idProblem length (counted in code points, counted only when it can matter)', () => {
  it('accepts 255 characters, whether 255 or 510 UTF-16 code units', () => {
    expect(idProblem('a'.repeat(255))).to.equal(undefined);
    expect(idProblem('𝄞'.repeat(255))).to.equal(undefined);
  });

  it('refuses 256 characters with their count', () => {
    expect(idProblem('a'.repeat(256))).to.equal('the sequence id is 256 characters long; at most 255 are allowed');
    expect(idProblem('𝄞'.repeat(256))).to.equal('the sequence id is 256 characters long; at most 255 are allowed');
  });
});
