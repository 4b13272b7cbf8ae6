// /console in headless Chromium with only the service's name resolvable: the views show what the API
// answers (sequences, a pool's "left", lease pools, a ledger's gap report and its CSV), a read token cannot
// void, a take token voids after confirming, no request leaves the service and the console stays clean.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { asService, consoleLine, describeWithChromium, launchIsolated, netLogRequests, requireChromium, screenshotDir } from '../support/browser.js';
import { REPO_ROOT, startServerProcess, tempDir } from '../support/helpers.js';
import { stopChild } from '../../bench/children.js';

const VIEWPORTS = { laptop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
const OUT = screenshotDir(REPO_ROOT);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A JSON request to the server from the test itself (setup and the API's own answers). */
async function call(base: string, method: string, url: string, { token, body }: { token?: string; body?: unknown } = {}): Promise<{ status: number; json: Json; text: string }> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${base}${url}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json: Json = {};
  try {
    json = JSON.parse(text) as Json;
  } catch {
    // CSV and other text answers.
  }
  return { status: res.status, json, text };
}

interface Session {
  site: string;
  open: (viewport: keyof typeof VIEWPORTS) => Promise<Page>;
  /** "Failed to load resource" lines the test provokes on purpose: status and path. */
  expectFailed: (status: number, pathname: string) => void;
}

/** One browser around `body`; afterwards: no request to another host, no console error but the expected. */
async function inBrowser(srvUrl: string, body: (s: Session) => Promise<void>): Promise<void> {
  requireChromium();
  const dir = await tempDir();
  const netLog = path.join(dir, 'netlog.json');
  const browser: Browser = await launchIsolated(netLog);
  const site = asService(srvUrl);
  const requested: string[] = [];
  const messages: ConsoleMessage[] = [];
  const pageErrors: string[] = [];
  const allowed: string[] = [];
  try {
    await body({
      site,
      open: async (viewport) => {
        const context = await browser.newContext({ viewport: VIEWPORTS[viewport], acceptDownloads: true });
        const page = await context.newPage();
        page.on('request', (r) => requested.push(r.url()));
        page.on('console', (m) => messages.push(m));
        page.on('pageerror', (e) => pageErrors.push(e.message));
        return page;
      },
      expectFailed: (status, pathname) => allowed.push(`${status} ${pathname}`),
    });
  } finally {
    await browser.close();
  }
  const origin = new URL(site).origin;
  expect(pageErrors).to.deep.equal([]);
  const unexpected = messages
    .filter((m) => m.type() === 'error' || m.type() === 'warning')
    .filter((m) => {
      const failed = /^Failed to load resource: the server responded with a status of (\d{3})/.exec(m.text());
      return !(failed && allowed.includes(`${failed[1]} ${new URL(m.location().url).pathname}`));
    })
    .map(consoleLine);
  expect(unexpected, 'console errors').to.deep.equal([]);
  expect(requested.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('blob:'))).to.deep.equal([]);
  const jobs = await netLogRequests(netLog);
  const ofPage = jobs.filter((p) => p.initiator === origin || p.request_type === 'main frame');
  expect(ofPage.map((p) => new URL(p.url!).pathname)).to.include.members(['/console', '/console/assets/app.js', '/console/assets/console.css']);
  expect([...new Set(ofPage.filter((p) => !p.url!.startsWith('blob:')).map((p) => new URL(p.url!).host))]).to.deep.equal([new URL(site).host]);
  for (const p of jobs.filter((j) => !j.url!.startsWith('blob:') && new URL(j.url!).host !== new URL(site).host)) expect(p.initiator, `${p.url} comes from the browser itself`).to.equal('not an origin');
}

async function shot(page: Page, name: string, viewport: keyof typeof VIEWPORTS): Promise<void> {
  await mkdir(OUT, { recursive: true });
  await page.screenshot({ path: path.join(OUT, `${name}-${VIEWPORTS[viewport].width}x${VIEWPORTS[viewport].height}.png`), fullPage: true });
}

async function useToken(page: Page, token: string): Promise<void> {
  await page.getByLabel('Bearer token').fill(token);
  await page.getByRole('button', { name: 'Use token' }).click();
}

async function allowChanges(page: Page): Promise<void> {
  await page.getByLabel('Allow changes').check();
}

describeWithChromium('/console browser test', '/console in a browser', function () {
  this.timeout(180_000);

  it('with authentication off: lists the sequences, pools and lease pools as the API does; moves a sequence forward after confirming; no request leaves the service', async () => {
    const dir = await tempDir();
    const srv = await startServerProcess({ SEQUENCE_FILE: path.join(dir, 's.json') });
    const api = srv.url;
    try {
      for (const [id, n] of [['con-a', 1], ['con-b', 3], ['con-c', 7], ['other', 2]] as const) expect((await call(api, 'POST', `/next/${id}?count=${n}`)).status).to.equal(200);
      expect((await call(api, 'PUT', '/sequences/con-b', { body: { format: 'B-{YYYY}-{n:04}', reset: 'yearly' } })).status).to.equal(200);
      expect((await call(api, 'PUT', '/pools/dice', { body: { type: 'int', min: 1, max: 6 } })).status).to.equal(201);
      const drawn = (await call(api, 'POST', '/random/dice?count=2')).json.numbers as number[];
      const dice = (await call(api, 'GET', '/pools/dice')).json;
      expect(dice.left).to.equal(4);
      expect((await call(api, 'PUT', '/lease-pools/workers', { body: { min: 0, max: 9, ttl: 600 } })).status).to.equal(201);
      for (const holder of ['pod-a', 'pod-b']) expect((await call(api, 'POST', '/lease-pools/workers/acquire', { body: { holder } })).status).to.equal(201);
      const workers = (await call(api, 'GET', '/lease-pools/workers')).json;

      await inBrowser(api, async ({ site, open, expectFailed }) => {
        for (const viewport of ['laptop', 'phone'] as const) {
          const page = await open(viewport);
          const answer = await page.goto(`${site}/console`, { waitUntil: 'networkidle' });
          expect(answer?.headers()['content-security-policy']).to.match(/^default-src 'none'; script-src 'self'/);
          // The keyboard alone: the search field by its label, Enter to search.
          await page.getByLabel('Ids starting with').focus();
          await page.keyboard.type('con-');
          await page.keyboard.press('Enter');
          await page.waitForSelector('caption:text("3 sequences")');
          expect(await page.locator('tbody tr td:first-child').allTextContents()).to.deep.equal(['con-a', 'con-b', 'con-c']);
          expect(await page.locator('tbody tr td:nth-child(2)').allTextContents()).to.deep.equal(['1', '3', '7']);
          expect(await page.locator('tbody tr').nth(1).locator('td').nth(2).textContent()).to.equal('format B-{YYYY}-{n:04}, reset yearly, UTC');
          await shot(page, 'sequences', viewport);

          await page.goto(`${site}/console#/pools`, { waitUntil: 'networkidle' });
          const left = page.locator('article:has(h3:text-is("dice")) dd[data-field="left"]');
          expect(await left.getAttribute('data-value')).to.equal(String(dice.left));
          expect(await left.textContent()).to.equal('4 (66.7 %)');
          await page.getByLabel('Pool').selectOption('dice');
          await page.getByLabel('Value').fill(String(drawn[0]));
          await page.getByRole('button', { name: 'Check' }).click();
          await page.waitForSelector(`#issued-answer :text("Yes: ${drawn[0]} was handed out by the pool dice.")`);
          const never = [1, 2, 3, 4, 5, 6].find((v) => !drawn.includes(v))!;
          const refusal = (await call(api, 'GET', `/pools/dice/values/${never}`)).json;
          expectFailed(404, `/pools/dice/values/${never}`);
          await page.getByLabel('Value').fill(String(never));
          await page.getByRole('button', { name: 'Check' }).click();
          await page.waitForSelector('#issued-answer p:text-matches("^No:")');
          expect(await page.locator('#issued-answer p').textContent()).to.equal(`No: ${refusal.detail}.`);
          await shot(page, 'pools', viewport);

          await page.goto(`${site}/console#/lease-pools`, { waitUntil: 'networkidle' });
          const card = page.locator('article:has(h3:text-is("workers"))');
          expect(await card.locator('dd[data-field="leased"]').textContent()).to.equal(String(workers.leased));
          expect(await card.locator('dd[data-field="free"]').textContent()).to.equal(String(workers.free));
          expect(await card.locator('tbody td:nth-child(2)').allTextContents()).to.deep.equal(['pod-a', 'pod-b']);
          await shot(page, 'lease-pools', viewport);
          await page.close();
        }

        // Read-only until asked: no action without "Allow changes", then one behind a confirmation.
        const page = await open('laptop');
        await page.goto(`${site}/console#/sequence/con-a`, { waitUntil: 'networkidle' });
        expect(await page.getByRole('button', { name: 'Move forward…' }).count()).to.equal(0);
        await allowChanges(page);
        await page.getByLabel('New last value').fill('100');
        await page.getByRole('button', { name: 'Move forward…' }).click();
        const dialog = page.getByRole('dialog');
        expect(await dialog.locator('p').textContent()).to.equal('This sets its last value from 1 to 100: the next number handed out is 101, and the numbers in between are never handed out. It cannot be undone.');
        await dialog.getByRole('button', { name: 'Cancel' }).click();
        expect((await call(api, 'GET', '/sequences/con-a')).json.last_value).to.equal(1);
        await page.getByRole('button', { name: 'Move forward…' }).click();
        await page.getByRole('dialog').getByRole('button', { name: 'Set last value to 100' }).click();
        await page.waitForSelector('dd:text-is("100")');
        expect((await call(api, 'GET', '/sequences/con-a')).json.last_value).to.equal(100);
        // Release a lease after confirming: the number is free at once.
        await page.goto(`${site}/console#/lease-pools`, { waitUntil: 'networkidle' });
        await page.getByRole('button', { name: 'Release 1…' }).click();
        await page.getByRole('dialog').getByRole('button', { name: 'Release number 1' }).click();
        await page.waitForSelector('article:has(h3:text-is("workers")) dd[data-field="free"]:text-is("9")');
        expect((await call(api, 'GET', '/lease-pools/workers/leases')).json.leases.map((l: Json) => l.holder)).to.deep.equal(['pod-a']);
      });
    } finally {
      await stopChild(srv);
    }
  });

  it('with TOKEN and TOKENS_FILE: a ledger sequence shows its gap report, downloads the CSV the API gives; a read token cannot void, a take token voids after confirming', async () => {
    const dir = await tempDir();
    const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
    await writeFile(
      path.join(dir, 'tokens.json'),
      JSON.stringify({
        tokens: [
          { name: 'reader', sha256: sha('reader-secret'), scopes: ['read'] },
          { name: 'clerk', sha256: sha('clerk-secret'), scopes: ['read', 'take:invoice'] },
        ],
      }),
    );
    const admin = 'main-secret';
    const srv = await startServerProcess({ SEQUENCE_FILE: path.join(dir, 's.json'), TOKEN: admin, TOKENS_FILE: path.join(dir, 'tokens.json') });
    const api = srv.url;
    try {
      expect((await call(api, 'PUT', '/sequences/invoice', { token: admin, body: { ledger: true } })).status).to.equal(200);
      const r: Json[] = [];
      for (let i = 0; i < 3; i++) r.push((await call(api, 'POST', '/reserve/invoice', { token: admin })).json);
      expect(r.map((x) => x.number)).to.deep.equal([1, 2, 3]);
      const [first, second, third] = r.map((x) => x.reservation as string);
      expect((await call(api, 'POST', `/reservations/${first}/confirm`, { token: admin, body: { ref: 'INV-1' } })).status).to.equal(200);
      expect((await call(api, 'POST', `/reservations/${second}/void`, { token: admin, body: { reason: 'printer jammed' } })).status).to.equal(200);

      await inBrowser(api, async ({ site, open, expectFailed }) => {
        // Each new tab starts without a token: the server's 401 until one is typed.
        expectFailed(401, '/sequences');
        expectFailed(401, '/sequences/invoice');
        for (const viewport of ['laptop', 'phone'] as const) {
          const page = await open(viewport);
          await page.goto(`${site}/console#/sequence/invoice`, { waitUntil: 'networkidle' });
          await useToken(page, 'reader-secret');
          await page.waitForSelector('.gaps');
          expect(await page.locator('.card.missing .card-value').textContent()).to.equal('0');
          expect(await page.locator('.card.confirmed .card-value').textContent()).to.equal('1');
          expect(await page.locator('.card.voided .card-value').textContent()).to.equal('1');
          expect(await page.locator('.card.reserved .card-note').textContent()).to.equal('3');
          expect(await page.locator('.gaps tbody tr').allTextContents()).to.deep.equal(['2printer jammed']);
          await page.waitForSelector('.ledger-page tbody tr');
          await shot(page, 'ledger', viewport);
          await page.close();
        }
        const page = await open('laptop');
        await page.goto(`${site}/console#/sequence/invoice`, { waitUntil: 'networkidle' });
        await useToken(page, 'reader-secret');
        await page.waitForSelector('.ledger-page tbody tr');
        // The CSV of the period, byte for byte the API's.
        const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
        const csv = await readFile((await download.path())!, 'utf8');
        const fromApi = await call(api, 'GET', '/sequences/invoice/ledger?format=csv', { token: 'reader-secret' });
        expect(csv).to.equal(fromApi.text);
        expect(csv.trimEnd().split('\n')).to.have.length(4);
        expect(download.suggestedFilename()).to.equal('invoice-ledger.csv');

        // A read token: the void is offered once changes are allowed, and the API's 403 detail is shown.
        await allowChanges(page);
        await page.getByRole('button', { name: 'Void 3…' }).click();
        await page.getByLabel('Reason (required, kept in the ledger)').fill('customer cancelled');
        expectFailed(403, `/reservations/${third}/void`);
        await page.getByRole('dialog').getByRole('button', { name: 'Void number 3' }).click();
        const refused = await call(api, 'POST', `/reservations/${third}/void`, { token: 'reader-secret', body: { reason: 'x' } });
        expect(refused.status).to.equal(403);
        await page.waitForSelector('.ledger-page [role="alert"]');
        expect(await page.locator('.ledger-page [role="alert"]').textContent()).to.equal(refused.json.detail);
        expect((await call(api, 'GET', `/reservations/${third}`, { token: admin })).json.state).to.equal('reserved');

        // A take token: after the confirmation the number is voided with the reason typed.
        await useToken(page, 'clerk-secret');
        await page.getByRole('button', { name: 'Void 3…' }).click();
        const dialog = page.getByRole('dialog');
        expect(await dialog.locator('p').textContent()).to.match(/^This records number 3 of "invoice" as voided with your reason\./);
        await page.getByLabel('Reason (required, kept in the ledger)').fill('customer cancelled');
        await dialog.getByRole('button', { name: 'Void number 3' }).click();
        await page.waitForSelector('.gaps tbody tr:nth-child(2)');
        expect(await page.locator('.gaps tbody tr').allTextContents()).to.deep.equal(['2printer jammed', '3customer cancelled']);
        expect(await page.locator('.ledger-page tbody tr:nth-child(3) .state').textContent()).to.equal('voided');
        const record = (await call(api, 'GET', `/reservations/${third}`, { token: admin })).json;
        expect([record.state, record.reason, record.by]).to.deep.equal(['voided', 'customer cancelled', 'clerk']);
        expect((await call(api, 'GET', '/sequences/invoice/gaps', { token: admin })).json.missing).to.deep.equal([]);
      });
    } finally {
      await stopChild(srv);
    }
  });

  it('with TOKEN and no token typed: the page loads and says that reading needs a token, with the API\'s detail', async () => {
    const dir = await tempDir();
    const srv = await startServerProcess({ SEQUENCE_FILE: path.join(dir, 's.json'), TOKEN: 'main-secret' });
    try {
      const refused = await call(srv.url, 'GET', '/sequences?limit=20');
      expect(refused.status).to.equal(401);
      await inBrowser(srv.url, async ({ site, open, expectFailed }) => {
        expectFailed(401, '/sequences');
        const page = await open('laptop');
        await page.goto(`${site}/console`, { waitUntil: 'networkidle' });
        expect(await page.locator('[role="alert"]').textContent()).to.equal(refused.json.detail);
        expect(await page.locator('#auth-status').textContent()).to.equal('this server needs a token to read: type it above');
        await useToken(page, 'main-secret');
        await page.waitForSelector('p.note:text("No sequence yet")');
        expect(await page.evaluate("[location.href.includes('secret'), sessionStorage.getItem('take-a-number.console.token')]")).to.deep.equal([false, 'main-secret']);
      });
    } finally {
      await stopChild(srv);
    }
  });
});
