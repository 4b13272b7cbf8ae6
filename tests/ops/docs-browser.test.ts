// /docs in headless Chromium (Debian's chromium) with every host but 127.0.0.1 unreachable: the page renders
// the API, and neither the page nor the browser's network log shows a request to any other host.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { chromium } from 'playwright-core';
import { startServerProcess, tempDir } from '../support/helpers.js';
import { stopChild } from '../../bench/children.js';

const CHROMIUM = '/usr/bin/chromium';
const HOST = 'take-a-number.example';

// Chromium is a system tool that npm ci does not bring: CI installs it and sets REQUIRE_CHROMIUM=1; elsewhere
// its absence is said, not hidden.
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.REQUIRE_CHROMIUM !== '1')
  console.log(`/docs browser test NOT RUN: ${CHROMIUM} is missing; install it (apt-get install chromium) to run it`);

(haveChromium || process.env.REQUIRE_CHROMIUM === '1' ? describe : () => undefined)('/docs in a browser', function () {
  this.timeout(90_000);

  it('renders from the service alone: no request leaves the service', async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is missing and REQUIRE_CHROMIUM=1: apt-get install chromium (.ci/run does)`);
    const dir = await tempDir();
    const netLog = path.join(dir, 'netlog.json');
    const srv = await startServerProcess({ SEQUENCE_FILE: path.join(dir, 's.json'), TOKEN: 'not-needed-for-docs' });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
        '--disable-features=AutofillServerCommunication',
        // Only the service's name resolves (to 127.0.0.1). A name, not 127.0.0.1 itself: Swagger UI leaves the
        // validator out for a spec on localhost, and would hide a call home that a real deployment makes.
        `--host-resolver-rules=MAP ${HOST} 127.0.0.1, MAP * ~NOTFOUND`,
        `--log-net-log=${netLog}`,
      ],
    });
    const site = srv.url.replace('127.0.0.1', HOST);
    const requested: string[] = [];
    const violations: string[] = [];
    try {
      const page = await browser.newPage();
      page.on('request', (r) => requested.push(r.url()));
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
      });
      // Chromium reports each violation on the console ("Refused to …"); the event catches the rest.
      await page.addInitScript(
        "document.addEventListener('securitypolicyviolation', (e) => console.error('Refused to load (CSP) ' + e.violatedDirective + ' ' + e.blockedURI))",
      );
      const response = await page.goto(`${site}/docs`, { waitUntil: 'networkidle' });
      expect(response?.headers()['content-security-policy']).to.include("default-src 'none'");
      expect(response?.headers()['x-content-type-options']).to.equal('nosniff');
      await page.waitForSelector('.opblock-summary-path', { timeout: 30_000 });
      const title = await page.locator('.info .title').first().textContent();
      expect(title).to.match(/^take-a-number/);
      const paths = await page.locator('.opblock-summary-path').allTextContents();
      expect(paths.map((p) => p.replace(/\u200b/g, ''))).to.include.members(['/next/{sequenceId}', '/random', '/readyz', '/livez']);
      // No validator badge: it would load an image from another host.
      expect(await page.locator('.validator-badge, img[src*="validator"]').count()).to.equal(0);
      // The page's CSP allows only its own assets, and the page needs nothing else.
      expect(violations).to.deep.equal([]);
    } finally {
      await browser.close();
      await stopChild(srv);
    }
    const origin = new URL(site).origin;
    expect(requested.length).to.be.greaterThan(3);
    expect(requested.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:'))).to.deep.equal([]);
    // The net log sees every request of the browser. Those of the page carry its origin as initiator (or are
    // its navigation); Chromium's own services (component updates, accounts, autofill) say "not an origin".
    const log = JSON.parse(await readFile(netLog, 'utf8')) as { constants: { logEventTypes: Record<string, number> }; events: Array<{ type: number; params?: Record<string, string> }> };
    const startJob = log.constants.logEventTypes.URL_REQUEST_START_JOB;
    const jobs = log.events.filter((e) => e.type === startJob && e.params?.url).map((e) => e.params!);
    const ofPage = jobs.filter((p) => p.initiator === origin || p.request_type === 'main frame');
    expect(ofPage.map((p) => new URL(p.url!).pathname)).to.include.members(['/docs', '/openapi.json', '/docs/assets/swagger-ui-bundle.js']);
    expect([...new Set(ofPage.map((p) => new URL(p.url!).host))]).to.deep.equal([new URL(site).host]);
    const elsewhere = jobs.filter((p) => new URL(p.url!).host !== new URL(site).host);
    for (const p of elsewhere) expect(p.initiator, `${p.url} comes from the browser itself, not the page`).to.equal('not an origin');
  });
});
