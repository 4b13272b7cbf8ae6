// Formats: every placeholder, padding and width, the Luhn check digit, and what is refused.
import { expect } from 'chai';
import { ServiceError } from '../../src/errors.js';
import { luhnDigit, parseFormat, render, renderRange } from '../../src/series/format.js';

const DATE = { year: 2026, month: 3, day: 9 };
const refusal = (format: string): string => {
  try {
    parseFormat(format);
  } catch (e) {
    expect(e).to.be.instanceOf(ServiceError);
    expect((e as ServiceError).code).to.equal('invalid_settings');
    return (e as ServiceError).message;
  }
  throw new Error(`"${format}" was accepted`);
};

describe('series: formats', () => {
  const cases: Array<[string, number, string]> = [
    ['{n}', 1, '1'],
    ['{n}', 9007199254740991, '9007199254740991'],
    ['{n:01}', 7, '7'],
    ['{n:05}', 17, '00017'],
    ['{n:05}', 12345, '12345'],
    ['{n:05}', 123456, '123456'],
    ['{n:016}', 42, '0000000000000042'],
    ['INV-{YYYY}-{n:05}', 17, 'INV-2026-00017'],
    ['{YY}{MM}{DD}-{n:03}', 5, '260309-005'],
    ['{YYYY}/{MM}/{DD}/{n}', 12, '2026/03/09/12'],
    ['{n}{check}', 7992739871, '79927398713'],
    ['C{n:06}-{check}', 17, 'C000017-4'],
    ['{{{n}}}', 3, '{3}'],
    ['a}}b{{c {n}', 3, 'a}b{c 3'],
    ['Rechnung Nr. {n} vom {DD}.{MM}.{YYYY}', 8, 'Rechnung Nr. 8 vom 09.03.2026'],
    ['№ {n} — ü', 2, '№ 2 — ü'],
    ['{n}-{n:03}', 4, '4-004'],
  ];
  for (const [format, value, expected] of cases)
    it(`${format} with ${value} -> ${expected}`, () => {
      expect(render(parseFormat(format), value, DATE)).to.equal(expected);
    });

  it('prints the date fields zero-padded, and YY of year 2000 as 00', () => {
    expect(render(parseFormat('{YYYY}{YY}{MM}{DD}{n}'), 1, { year: 2000, month: 1, day: 2 })).to.equal('2000000102' + '1');
    expect(render(parseFormat('{YYYY}-{n}'), 1, { year: 987, month: 12, day: 31 })).to.equal('0987-1');
  });

  it('renders a range of ids', () => {
    expect(renderRange('B{n:02}', 9, 11, DATE)).to.deep.equal(['B09', 'B10', 'B11']);
  });

  it('computes Luhn check digits equal to known values', () => {
    // 79927398713 is the textbook valid number; 4111111111111111 a well-known valid test card number.
    const known: Array<[number, number]> = [
      [0, 0],
      [1, 8],
      [17, 4],
      [7992739871, 3],
      [411111111111111, 1],
      [37828224631000, 5],
      [601111111111111, 7],
    ];
    for (const [value, digit] of known) expect(luhnDigit(value), String(value)).to.equal(digit);
    // Every single-digit change of a value changes its check digit.
    for (let v = 100; v < 1000; v++) for (let w = v + 1; w < 1000; w++) if (String(v).split('').filter((c, i) => c !== String(w)[i]).length === 1) expect(luhnDigit(v)).to.not.equal(luhnDigit(w));
  });

  it('refuses formats that are malformed, unknown, without the value, or with invisible characters', () => {
    expect(refusal('')).to.match(/1-200 characters/);
    expect(refusal('x'.repeat(201))).to.match(/1-200 characters/);
    expect(refusal('INV-{YYYY}')).to.match(/must contain \{n\}/);
    expect(refusal('plain text')).to.match(/must contain \{n\}/);
    expect(refusal('{n:5}')).to.match(/unknown placeholder \{n:5\}/);
    expect(refusal('{n:00}')).to.match(/width must be 1-16/);
    expect(refusal('{n:017}')).to.match(/width must be 1-16/);
    expect(refusal('{n:0100}')).to.match(/unknown placeholder/);
    expect(refusal('{yyyy}-{n}')).to.match(/unknown placeholder \{yyyy\}/);
    expect(refusal('{N}')).to.match(/unknown placeholder/);
    expect(refusal('{n')).to.match(/never closed/);
    expect(refusal('{n}}')).to.match(/closes nothing/);
    expect(refusal('a}{n}')).to.match(/closes nothing/);
    expect(refusal('{n}\u200b')).to.match(/invisible formatting/);
    expect(refusal('{n}\u202e')).to.match(/invisible formatting/);
    expect(refusal('{n}\n')).to.match(/control/);
  });
});
