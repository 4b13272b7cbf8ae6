import { expect } from 'chai';
import { parseWrk } from '../bench/load.js';
import { fetchCounters, metricSum } from '../bench/prom.js';
import { roundRatio, summarize } from '../bench/stats.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const WRK = `Running 2s test @ http://127.0.0.1:8080/
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.20ms    1.01ms   1.05s    88.76%
    Req/Sec    20.27k     1.41k   22.03k    85.00%
  Latency Distribution
     50%  812.00us
     75%    3.47ms
     90%    4.07ms
     99%    6.72ms
  40331 requests in 2.00s, 6.54MB read
  Non-2xx or 3xx responses: 5
  Socket errors: connect 0, read 2, write 0, timeout 1
Requests/sec:  20154.39
Transfer/sec:      3.27MB
`;

describe('bench parsing', () => {
  it("reads wrk's report: req/s, percentiles and max in ms, failed answers and socket errors", () => {
    expect(parseWrk(WRK, 2)).to.deep.equal({ rps: 20154.39, p50: 0.812, p99: 6.72, max: 1050, requests: 40331, failed: 5, errors: 3, seconds: 2 });
  });

  it('takes each ratio within a round, then the median over rounds; summaries are medians with their spread', () => {
    // The machine halves its speed in round 2: per-round ratios stay 0.5, the ratio of medians would not.
    const a = [{ rps: 500 }, { rps: 250 }, { rps: 600 }];
    const b = [{ rps: 1000 }, { rps: 500 }, { rps: 1000 }];
    expect(roundRatio(a, b)).to.equal(0.5);
    expect(roundRatio(a, b.slice(1))).to.be.NaN;
    expect(roundRatio(undefined, b)).to.be.NaN;
    const r = (rps: number, p99: number, max: number, failed = 0) => ({ rps, p50: 1, p99, max, requests: rps, failed, errors: 0, seconds: 1 });
    expect(summarize([r(300, 9, 20), r(100, 5, 50, 2), r(200, 7, 10)])).to.deep.equal({ rounds: 3, rps: 200, p50: 1, p99: 7, max: 50, rpsMin: 100, rpsMax: 300, failed: 2, errors: 0, requests: 600 });
  });

  it('refuses a wrk report without its figures', () => {
    expect(() => parseWrk('unable to connect to 127.0.0.1:1 Connection refused\n', 2)).to.throw(/wrk: no match/);
  });

  it('sums a metric over its label sets and reads a checkpoint counter, ignoring failure counters', async () => {
    const text = [
      '# HELP take_a_number_checkpoints_total checkpoints written',
      'take_a_number_checkpoints_total{copy="primary"} 3',
      'take_a_number_checkpoints_total{copy="replica"} 2',
      'take_a_number_checkpoint_failures_total 7',
      'take_a_number_commit_batch_size_count 10',
      'take_a_number_commit_batch_size_sum 250',
      '',
    ].join('\n');
    expect(metricSum(text, /^take_a_number_checkpoints_total$/)).to.equal(5);
    expect(metricSum(text, /^absent$/)).to.equal(undefined);
    const server = http.createServer((_, res) => res.end(text));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const c = await fetchCounters(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      expect(c).to.deep.equal({ commits: 10, covered: 250, checkpoints: 5, checkpointMetric: 'take_a_number_checkpoints_total' });
    } finally {
      server.close();
    }
  });
});
