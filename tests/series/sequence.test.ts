// The pure state machine: periods start at 1, never go back with the clock, max, and the settings rules.
import { expect } from 'chai';
import { ServiceError } from '../../src/errors.js';
import { allocate, configure, describe as view, roll, type SequenceState } from '../../src/series/sequence.js';
import { parseConfigureBody } from '../../src/series/settings.js';

const T = (iso: string): number => Date.parse(iso);
const code = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(ServiceError);
    return (e as ServiceError).code;
  }
  throw new Error('no refusal');
};
const yearly = (zone = 'UTC'): SequenceState => configure('inv', undefined, { settings: { format: 'INV-{YYYY}-{n:05}', reset: 'yearly', time_zone: zone } }, T('2026-06-01T00:00:00Z')).state;

describe('series: sequence state', () => {
  it('counts from 1 in a period and again from 1 in the next, keeping the earlier period', () => {
    let s = yearly();
    const a = allocate('inv', s, T('2026-12-31T23:59:59Z'), 3);
    expect([a.first, a.last, a.period]).to.deep.equal([1, 3, '2026']);
    s = a.state;
    const b = allocate('inv', s, T('2027-01-01T00:00:00Z'), 2);
    expect([b.first, b.last, b.period]).to.deep.equal([1, 2, '2027']);
    expect(b.state.series!.periods).to.deep.equal({ '2026': 3 });
    expect(view('inv', roll(b.state, T('2027-01-02T00:00:00Z')))).to.deep.equal({
      sequence_id: 'inv',
      last_value: 2,
      format: 'INV-{YYYY}-{n:05}',
      reset: 'yearly',
      time_zone: 'UTC',
      max: Number.MAX_SAFE_INTEGER,
      period: '2027',
      periods: { '2026': 3, '2027': 2 },
    });
  });

  it('stays in its latest period when the clock steps back across the boundary, prints that period, and reports it', () => {
    const s = allocate('inv', yearly(), T('2027-01-01T00:00:01Z'), 5).state;
    const back = allocate('inv', s, T('2026-12-31T23:59:58Z'), 1);
    expect([back.first, back.period, back.date]).to.deep.equal([6, '2027', { year: 2027, month: 1, day: 1 }]);
    expect(back.behind).to.deep.equal({ clock: '2026', stored: '2027' });
    // When the clock comes forward again, the same period continues.
    const again = allocate('inv', back.state, T('2027-01-01T00:00:02Z'), 1);
    expect([again.first, again.period, again.behind]).to.deep.equal([7, '2027', undefined]);
  });

  it('rolls a sequence in its own time zone', () => {
    const s = yearly('Europe/Berlin');
    const a = allocate('inv', s, T('2026-12-31T22:59:59Z'), 1);
    const b = allocate('inv', a.state, T('2026-12-31T23:00:00Z'), 1);
    expect([a.period, b.period, b.first]).to.deep.equal(['2026', '2027', 1]);
  });

  it('refuses past max without changing the state, and max applies per period', () => {
    const s = configure('t', undefined, { settings: { format: 'T{YY}{MM}{DD}-{n:02}', reset: 'daily', max: 99 } }, T('2026-01-01T00:00:00Z')).state;
    const a = allocate('t', s, T('2026-01-01T10:00:00Z'), 99);
    expect(a.last).to.equal(99);
    expect(code(() => allocate('t', a.state, T('2026-01-01T11:00:00Z'), 1))).to.equal('sequence_exhausted');
    expect(allocate('t', a.state, T('2026-01-02T00:00:00Z'), 1).first).to.equal(1);
  });

  it('refuses a resetting format without its period fields', () => {
    const bad: Array<Record<string, unknown>> = [
      { format: 'INV-{n}', reset: 'yearly' },
      { format: '{YYYY}-{n}', reset: 'monthly' },
      { format: '{MM}-{n}', reset: 'monthly' },
      { format: '{YYYY}-{MM}-{n}', reset: 'daily' },
      { format: '{YY}{DD}-{n}', reset: 'daily' },
      { reset: 'yearly' },
    ];
    for (const body of bad) expect(code(() => configure('x', undefined, parseConfigureBody(body), 0)), JSON.stringify(body)).to.equal('invalid_settings');
    for (const body of [{ format: '{YY}-{n}', reset: 'yearly' }, { format: '{YY}{MM}-{n}', reset: 'monthly' }, { format: '{DD}.{MM}.{YYYY}/{n}', reset: 'daily' }, { format: '{n}', reset: 'never' }])
      expect(() => configure('x', undefined, parseConfigureBody(body), 0), JSON.stringify(body)).to.not.throw();
  });

  it('refuses bodies with bad members', () => {
    expect(code(() => parseConfigureBody({}))).to.equal('invalid_body');
    expect(code(() => parseConfigureBody({ format: '{n}', colour: 'red' }))).to.equal('invalid_body');
    expect(code(() => parseConfigureBody({ reset: 'weekly' }))).to.equal('invalid_settings');
    expect(code(() => parseConfigureBody({ time_zone: 'Mars/Base' }))).to.equal('invalid_settings');
    expect(code(() => parseConfigureBody({ max: 0 }))).to.equal('invalid_settings');
    expect(code(() => parseConfigureBody({ max: 1.5 }))).to.equal('invalid_settings');
    expect(code(() => parseConfigureBody({ format: 7 }))).to.equal('invalid_settings');
    expect(code(() => parseConfigureBody({ last_value: -1 }))).to.equal('invalid_value');
  });

  it('fixes format, reset and time_zone once values were handed out; max may rise, and fall to the last value', () => {
    const now = T('2026-05-05T00:00:00Z');
    const fresh = yearly();
    // Before any value, anything may change.
    expect(configure('inv', fresh, { settings: { format: 'I-{YY}-{n}' } }, now).state.series!.settings.format).to.equal('I-{YY}-{n}');
    const used = allocate('inv', fresh, now, 10).state;
    for (const settings of [{ format: 'INV-{YYYY}-{n:06}' }, { reset: 'monthly' as const, format: 'INV-{YYYY}{MM}-{n}' }, { time_zone: 'Europe/Berlin' }])
      expect(code(() => configure('inv', used, { settings }, now)), JSON.stringify(settings)).to.equal('settings_fixed');
    expect(configure('inv', used, { settings: { max: 99999 } }, now).state.series!.settings.max).to.equal(99999);
    expect(configure('inv', used, { settings: { max: 10 } }, now).state.series!.settings.max).to.equal(10);
    expect(code(() => configure('inv', used, { settings: { max: 9 } }, now))).to.equal('settings_fixed');
    // The same settings again are no change.
    expect(() => configure('inv', used, { settings: { format: 'INV-{YYYY}-{n:05}', reset: 'yearly', time_zone: 'UTC' } }, now)).to.not.throw();
    // last_value moves the current period forward only.
    expect(configure('inv', used, { last: 15 }, now).state.last).to.equal(15);
    expect(code(() => configure('inv', used, { last: 9 }, now))).to.equal('value_behind');
  });

  it('gives a plain sequence that already counted a format without repeating a value', () => {
    const now = T('2026-05-05T00:00:00Z');
    const r = configure('build', { last: 41 }, { settings: { format: 'B-{YYYY}-{n}', reset: 'yearly' } }, now);
    expect([r.state.last, r.period]).to.deep.equal([41, '2026']);
    expect(allocate('build', r.state, now, 1).first).to.equal(42);
  });
});
