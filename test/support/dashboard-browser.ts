// What the dashboard's browser test shares (test/dashboard.browser.test.ts): one demo host, one
// headless Chromium from the @sparticuz/chromium package (no browser download) driven by
// playwright-core, one page, and the helpers every step uses: API calls with a merchant's key, the
// CLI against the host's store, axe-core's serious violations, screenshots, and moving about.
import chromium from '@sparticuz/chromium';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium as playwright, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { cliPath, demoApiKey, startHostProcess, tempDataDir, type HostProcess } from './host-process.js';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const pan = '6212345678901232';
export const otherMerchantId = 'OTHERSHOP000002';

export interface DashboardRun {
  readonly host: HostProcess;
  readonly db: string;
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  readonly otherKey: string;
  readonly operationsKey: string;
  readonly shotsDir: string;
  readonly cspViolations: string[];
}

export function cli(args: string[]): string {
  const run = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', timeout: 20_000 });
  if (run.status !== 0) throw new Error(`posguard ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

/** A demo host with its day of traffic, a second merchant, an operations key, and the browser. */
export async function startDashboardRun(): Promise<DashboardRun> {
  const db = join(tempDataDir(), 'posguard.db');
  const host = await startHostProcess(['--demo', '--db', db], { POSGUARD_DEMO_DAY: 'on' });
  const json = (args: string[]) => JSON.parse(cli([...args, '--json', '--db', db])) as { apiKey: string };
  const otherKey = json(['merchant', 'add', '--id', otherMerchantId, '--name', 'Other shop']).apiKey;
  cli(['terminal', 'add', '--merchant', otherMerchantId, '--id', 'OTH00001', '--db', db]);
  const operationsKey = json(['operations-key', 'create', '--label', 'browser test']).apiKey;
  const shotsDir =
    process.env['POSGUARD_SCREENSHOTS'] === '1'
      ? 'docs/screenshots'
      : mkdtempSync(join(tmpdir(), 'posguard-shots-'));
  mkdirSync(shotsDir, { recursive: true });
  const browser = await playwright.launch({
    executablePath: await chromium.executablePath(),
    args: chromium.args,
    headless: true,
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const cspViolations: string[] = [];
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  return { host, db, browser, context, page, otherKey, operationsKey, shotsDir, cspViolations };
}

/** An API call with a merchant's key (the demo's by default), as a terminal or script would make it. */
export async function api(
  run: DashboardRun,
  method: string,
  path: string,
  options: { key?: string; idem?: string; body?: unknown } = {},
) {
  const response = await fetch(`${run.host.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${options.key ?? demoApiKey}`,
      ...(options.idem === undefined ? {} : { 'idempotency-key': options.idem }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export function saleBody(amount: number, extra: Record<string, unknown> = {}) {
  return {
    terminalId: 'DEMO0001',
    amount,
    currency: 'CNY',
    card: { pan, expiry: '3012' },
    entryMode: 'chip',
    operatorId: '01',
    ...extra,
  };
}

/** axe-core in the page: the serious and critical violations, by rule and the first element. */
export async function seriousViolations(target: Page): Promise<string[]> {
  await target.evaluate(axeSource);
  const found = await target.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run: (o: object) => Promise<{
            violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }>;
          }>;
        };
      }
    ).axe;
    const result = await axe.run({ resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      target: v.nodes[0]?.target.join(' ') ?? '',
    }));
  });
  return found
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} at ${v.target}`);
}

export async function shoot(run: DashboardRun, name: string): Promise<void> {
  await run.page.screenshot({ path: join(run.shotsDir, `${name}.png`) });
}

export async function heading(page: Page): Promise<string> {
  return (await page.locator('h1').first().textContent()) ?? '';
}

/** Goes to a page of the dashboard and waits until it has loaded what it shows. */
export async function open(run: DashboardRun, hash: string): Promise<void> {
  await run.page.goto(`${run.host.url}/dashboard#${hash}`);
  await run.page.locator('h1').first().waitFor();
  await expect.poll(() => run.page.locator('p.loading').count()).toBe(0);
}

/** Shows the dashboard in a language, whatever it showed before. */
export async function language(page: Page, lang: 'zh-CN' | 'en'): Promise<void> {
  const shown = () => page.locator('html').getAttribute('lang');
  if ((await shown()) !== lang) await page.click('button.lang');
  await expect.poll(shown).toBe(lang);
}

/** Signs out (in Chinese, where the test says which button) and signs in with a key. */
export async function signInWithKey(page: Page, key: string): Promise<void> {
  await language(page, 'zh-CN');
  await page.click('text=退出登录');
  await page.locator('#api-key').waitFor();
  await page.fill('#api-key', key);
  await page.click('button[type=submit]');
  await page.locator('nav').waitFor();
}
