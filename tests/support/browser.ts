// Headless Chromium (Debian's chromium) for the page tests: only the service's name resolves, the net log
// records every request, and the page's console errors are kept.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type ConsoleMessage } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** A name, not 127.0.0.1: a page that calls home from a "real" host would be seen. */
export const SERVICE_HOST = 'take-a-number.example';

export const haveChromium = existsSync(CHROMIUM);

/** describe when Chromium is there or required; says NOT RUN otherwise (npm ci does not bring it). */
export function describeWithChromium(what: string, title: string, body: (this: Mocha.Suite) => void): void {
  if (!haveChromium && process.env.REQUIRE_CHROMIUM !== '1') {
    console.log(`${what} NOT RUN: ${CHROMIUM} is missing; install it (apt-get install chromium) to run it`);
    return;
  }
  describe(title, body);
}

export function requireChromium(): void {
  if (!haveChromium) throw new Error(`${CHROMIUM} is missing and REQUIRE_CHROMIUM=1: apt-get install chromium (.ci/run does)`);
}

export async function launchIsolated(netLog: string): Promise<Browser> {
  return chromium.launch({
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
      `--host-resolver-rules=MAP ${SERVICE_HOST} 127.0.0.1, MAP * ~NOTFOUND`,
      `--log-net-log=${netLog}`,
    ],
  });
}

/** The base URL of a server at 127.0.0.1 under the service's name. */
export const asService = (url: string): string => url.replace('127.0.0.1', SERVICE_HOST);

/** The requests of the net log (read after the browser closed): url, initiator, request type. */
export async function netLogRequests(netLog: string): Promise<Array<Record<string, string>>> {
  const log = JSON.parse(await readFile(netLog, 'utf8')) as { constants: { logEventTypes: Record<string, number> }; events: Array<{ type: number; params?: Record<string, string> }> };
  const startJob = log.constants.logEventTypes.URL_REQUEST_START_JOB;
  return log.events.filter((e) => e.type === startJob && e.params?.url).map((e) => e.params!);
}

/** A console message as text with where it came from, for an assertion's message. */
export const consoleLine = (m: ConsoleMessage): string => `${m.type()}: ${m.text()} (${m.location().url})`;

export const screenshotDir = (repoRoot: string): string => path.join(repoRoot, 'test-output', 'console');
