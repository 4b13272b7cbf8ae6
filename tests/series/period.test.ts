// Periods: the last second of a period and the first of the next, in several time zones, at the end of a
// month, on 29 February, and around daylight-saving changes.
import { expect } from 'chai';
import { canonicalTimeZone, dateAt, periodOf, type Reset } from '../../src/series/period.js';

const at = (iso: string, zone: string, reset: Reset): string => periodOf(dateAt(Date.parse(iso), zone), reset)!;

describe('series: periods', () => {
  const cases: Array<[string, string, Reset, string]> = [
    // The change of year, in UTC and on both sides of it.
    ['2026-12-31T23:59:59.999Z', 'UTC', 'yearly', '2026'],
    ['2027-01-01T00:00:00.000Z', 'UTC', 'yearly', '2027'],
    ['2026-12-31T22:59:59Z', 'Europe/Berlin', 'yearly', '2026'],
    ['2026-12-31T23:00:00Z', 'Europe/Berlin', 'yearly', '2027'],
    ['2027-01-01T04:59:59Z', 'America/New_York', 'yearly', '2026'],
    ['2027-01-01T05:00:00Z', 'America/New_York', 'yearly', '2027'],
    ['2026-12-31T18:29:59Z', 'Asia/Kolkata', 'yearly', '2026'],
    ['2026-12-31T18:30:00Z', 'Asia/Kolkata', 'yearly', '2027'],
    ['2026-12-31T09:59:59Z', 'Pacific/Kiritimati', 'yearly', '2026'],
    ['2026-12-31T10:00:00Z', 'Pacific/Kiritimati', 'yearly', '2027'],
    ['2027-01-01T10:59:59Z', 'Pacific/Pago_Pago', 'yearly', '2026'],
    ['2027-01-01T11:00:00Z', 'Pacific/Pago_Pago', 'yearly', '2027'],
    // Ends of months.
    ['2026-11-30T22:59:59Z', 'Europe/Berlin', 'monthly', '2026-11'],
    ['2026-11-30T23:00:00Z', 'Europe/Berlin', 'monthly', '2026-12'],
    ['2026-04-30T23:59:59Z', 'UTC', 'monthly', '2026-04'],
    ['2026-05-01T00:00:00Z', 'UTC', 'monthly', '2026-05'],
    ['2026-12-31T23:59:59Z', 'UTC', 'monthly', '2026-12'],
    ['2027-01-01T00:00:00Z', 'UTC', 'monthly', '2027-01'],
    // 29 February of a leap year, and 28 February of a common year.
    ['2028-02-28T23:59:59Z', 'UTC', 'daily', '2028-02-28'],
    ['2028-02-29T00:00:00Z', 'UTC', 'daily', '2028-02-29'],
    ['2028-02-29T23:59:59Z', 'UTC', 'daily', '2028-02-29'],
    ['2028-03-01T00:00:00Z', 'UTC', 'daily', '2028-03-01'],
    ['2028-02-29T12:00:00Z', 'UTC', 'monthly', '2028-02'],
    ['2027-02-28T23:59:59Z', 'UTC', 'daily', '2027-02-28'],
    ['2027-03-01T00:00:00Z', 'UTC', 'daily', '2027-03-01'],
    ['2028-02-29T22:59:59Z', 'Europe/Berlin', 'daily', '2028-02-29'],
    ['2028-02-29T23:00:00Z', 'Europe/Berlin', 'daily', '2028-03-01'],
    // Daylight saving in Berlin: 29 March 2026 has 23 hours (02:00 CET -> 03:00 CEST), 25 October 25 hours.
    ['2026-03-28T22:59:59Z', 'Europe/Berlin', 'daily', '2026-03-28'],
    ['2026-03-28T23:00:00Z', 'Europe/Berlin', 'daily', '2026-03-29'],
    ['2026-03-29T00:59:59Z', 'Europe/Berlin', 'daily', '2026-03-29'],
    ['2026-03-29T01:00:00Z', 'Europe/Berlin', 'daily', '2026-03-29'],
    ['2026-03-29T21:59:59Z', 'Europe/Berlin', 'daily', '2026-03-29'],
    ['2026-03-29T22:00:00Z', 'Europe/Berlin', 'daily', '2026-03-30'],
    ['2026-10-25T00:30:00Z', 'Europe/Berlin', 'daily', '2026-10-25'],
    ['2026-10-25T01:30:00Z', 'Europe/Berlin', 'daily', '2026-10-25'],
    ['2026-10-25T22:59:59Z', 'Europe/Berlin', 'daily', '2026-10-25'],
    ['2026-10-25T23:00:00Z', 'Europe/Berlin', 'daily', '2026-10-26'],
    // New York springs forward on 8 March 2026: that day ends at 04:00 UTC (EDT), not 05:00.
    ['2026-03-09T03:59:59Z', 'America/New_York', 'daily', '2026-03-08'],
    ['2026-03-09T04:00:00Z', 'America/New_York', 'daily', '2026-03-09'],
    ['2026-03-31T03:59:59Z', 'America/New_York', 'monthly', '2026-03'],
    ['2026-04-01T04:00:00Z', 'America/New_York', 'monthly', '2026-04'],
  ];
  for (const [iso, zone, reset, period] of cases)
    it(`${iso} in ${zone} (${reset}) is ${period}`, () => {
      expect(at(iso, zone, reset)).to.equal(period);
    });

  it('has no period for a sequence that never resets', () => {
    expect(periodOf({ year: 2026, month: 1, day: 1 }, 'never')).to.equal(undefined);
  });

  it('knows IANA names, canonicalises their case, and refuses others', () => {
    expect(canonicalTimeZone('UTC')).to.equal('UTC');
    expect(canonicalTimeZone('utc')).to.equal('UTC');
    expect(canonicalTimeZone('europe/berlin')).to.equal('Europe/Berlin');
    expect(canonicalTimeZone('Mars/Olympus_Mons')).to.equal(undefined);
    expect(canonicalTimeZone('')).to.equal(undefined);
  });
});
