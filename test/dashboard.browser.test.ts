// The dashboard in a real browser (issue 15): headless Chromium from the @sparticuz/chromium
// package (no browser download; it works with only loopback up), driven by playwright-core against
// a demo host (`serve --demo` with its day of traffic) and a second merchant on the same host.
// It signs in, walks every page in both languages, runs a sale through the API and finds it, asks
// the duplicate question for a retransmission, a held duplicate and a genuine repeat, voids a sale
// through the confirmation dialog, and checks that the second merchant cannot reach the first's
// data by editing URLs or ids. axe-core runs on every page (no serious or critical violation), and
// no page breaks the Content-Security-Policy. Operations signs in with an operations key and sees
// the fleet's diagnosis (a finding or the empty state) in both languages, and no merchant's payments. Screenshots of each page in both languages go to a
// temporary folder, or to docs/screenshots with POSGUARD_SCREENSHOTS=1.
import chromium from '@sparticuz/chromium';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium as playwright, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cliPath,
  demoApiKey,
  startHostProcess,
  tempDataDir,
  type HostProcess,
} from './support/host-process.js';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const shotsDir =
  process.env['POSGUARD_SCREENSHOTS'] === '1'
    ? 'docs/screenshots'
    : mkdtempSync(join(tmpdir(), 'posguard-shots-'));
const pan = '6212345678901232';

let host: HostProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let otherKey: string;
let operationsKey: string;
const cspViolations: string[] = [];

/** An API call with a merchant's key, as a terminal or script would make it. */
async function api(
  method: string,
  path: string,
  options: { key?: string; idem?: string; body?: unknown } = {},
) {
  const response = await fetch(`${host.url}${path}`, {
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

function saleBody(amount: number, extra: Record<string, unknown> = {}) {
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

function cli(args: string[]): string {
  const run = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', timeout: 20_000 });
  if (run.status !== 0) throw new Error(`posguard ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

/** axe-core in the page: the serious and critical violations, by rule and the first element. */
async function seriousViolations(target: Page): Promise<string[]> {
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

async function shoot(name: string): Promise<void> {
  await page.screenshot({ path: join(shotsDir, `${name}.png`) });
}

async function heading(): Promise<string> {
  return (await page.locator('h1').first().textContent()) ?? '';
}

async function open(hash: string): Promise<void> {
  await page.goto(`${host.url}/dashboard#${hash}`);
  await page.locator('h1').first().waitFor();
  await expect.poll(() => page.locator('p.loading').count()).toBe(0);
}

/** Shows the dashboard in a language, whatever it showed before. */
async function language(lang: 'zh-CN' | 'en'): Promise<void> {
  const shown = () => page.locator('html').getAttribute('lang');
  if ((await shown()) !== lang) await page.click('button.lang');
  await expect.poll(shown).toBe(lang);
}

beforeAll(async () => {
  const dir = tempDataDir();
  const db = join(dir, 'posguard.db');
  host = await startHostProcess(['--demo', '--db', db], { POSGUARD_DEMO_DAY: 'on' });
  otherKey = (
    JSON.parse(
      cli(['merchant', 'add', '--id', 'OTHERSHOP000002', '--name', 'Other shop', '--json', '--db', db]),
    ) as { apiKey: string }
  ).apiKey;
  cli(['terminal', 'add', '--merchant', 'OTHERSHOP000002', '--id', 'OTH00001', '--db', db]);
  operationsKey = (
    JSON.parse(cli(['operations-key', 'create', '--label', 'browser test', '--json', '--db', db])) as {
      apiKey: string;
    }
  ).apiKey;
  mkdirSync(shotsDir, { recursive: true });
  browser = await playwright.launch({
    executablePath: await chromium.executablePath(),
    args: chromium.args,
    headless: true,
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

describe('the dashboard in a browser', { timeout: 60_000 }, () => {
  it('serves the page with a strict CSP and hashed assets cached for good', async () => {
    const response = await fetch(`${host.url}/dashboard`);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('content-security-policy')).not.toContain('unsafe');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const script = /src="(\/dashboard\/assets\/[^"]+\.js)"/.exec(await response.text())?.[1];
    const asset = await fetch(`${host.url}${script ?? ''}`);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('refuses a wrong key and signs in with the merchant API key, in Chinese by default', async () => {
    await page.goto(`${host.url}/dashboard`);
    expect(await heading()).toBe('登录商户控制台');
    expect(await seriousViolations(page)).toEqual([]);
    await shoot('sign-in-zh-CN');
    await page.fill('#api-key', 'pgk_wrong_key');
    await page.click('button[type=submit]');
    await expect.poll(() => page.locator('[role=alert]').textContent()).toContain('登录失败');
    await page.fill('#api-key', demoApiKey);
    await page.click('button[type=submit]');
    await page.locator('.tile .figure').first().waitFor();
    expect(await heading()).toBe('今日概览');
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'posguard_session')).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
    });
  });

  it('shows the demo day on the overview, with its chart, in both languages', async () => {
    await page.locator('.chart canvas').waitFor();
    const sales = Number((await page.locator('.tile .figure').first().textContent())?.replace(/\D/g, ''));
    expect(sales).toBeGreaterThan(50);
    expect(await page.locator('.tile .figure').nth(1).textContent()).toMatch(/^¥[\d,]+\.\d{2}$/);
    expect(await seriousViolations(page)).toEqual([]);
    await shoot('overview-zh-CN');
    await page.click('button.lang');
    await page.locator('.chart canvas').waitFor();
    expect(await heading()).toBe("Today's overview");
    expect(await page.locator('.tile .figure').nth(1).textContent()).toMatch(/^CN¥[\d,]+\.\d{2}$/);
    await shoot('overview-en');
  });

  it('walks every page in both languages without a serious accessibility violation', async () => {
    const pages: Array<[string, string, string, string]> = [
      ['/payments', 'payments', 'Payments', '交易'],
      ['/duplicate', 'duplicate', 'Is this duplicate real?', '这笔重复是真的吗？'],
      ['/terminals', 'terminals', 'Terminals', '终端'],
      ['/fees', 'fees', 'Fees and statements', '费用与对账单'],
      ['/diagnostics', 'diagnostics-merchant', 'Where duplicates come from', '重复交易从哪里来'],
    ];
    for (const [lang, index] of [
      ['en', 2],
      ['zh-CN', 3],
    ] as const) {
      if (lang === 'zh-CN') await page.click('button.lang');
      for (const entry of pages) {
        await open(entry[0]);
        expect(await heading()).toBe(entry[index]);
        expect(await seriousViolations(page), `${entry[1]} in ${lang}`).toEqual([]);
        await shoot(`${entry[1]}-${lang}`);
      }
    }
    await open('/terminals');
    expect(await page.locator('[data-terminal-id]').count()).toBe(3);
    // The merchant's own diagnosis findings count among the overview's alerts.
    const findings = await page.evaluate(
      async () =>
        ((await (await fetch('/v1/diagnostics')).json()) as { findings: unknown[] }).findings.length,
    );
    await open('/overview');
    await page.locator('#alerts-title').waitFor();
    expect(await page.locator('[data-alert=diagnosis]').count()).toBe(findings > 0 ? 1 : 0);
  });
});

describe('payments, the duplicate question and actions', { timeout: 60_000 }, () => {
  it('shows a sale run through the API in the list, with the card as its last four only', async () => {
    const sale = await api('POST', '/v1/payments', {
      idem: `browser-sale-${Date.now()}`,
      body: saleBody(4321),
    });
    expect(sale.status).toBe(201);
    await open('/payments');
    await page.fill('#filter-cardLast4', '1232');
    await page.click('form.filters button[type=submit]');
    const row = page.locator(`tr[data-payment-id="${String(sale.body['id'])}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('•••• 1232');
    const text = (await page.locator('body').textContent()) ?? '';
    expect(text).not.toContain(pan);
    expect(text).not.toContain('621234******');
  });

  it('answers a retransmission: one payment, the card charged once', async () => {
    const key = `browser-retx-${Date.now()}`;
    const first = await api('POST', '/v1/payments', { idem: key, body: saleBody(1111) });
    const again = await api('POST', '/v1/payments', { idem: key, body: saleBody(1111) });
    expect(again.body['id']).toBe(first.body['id']);
    const rrn = String(first.body['rrn']);
    await open('/duplicate');
    await language('zh-CN');
    await page.fill('#dup-first', String(first.body['id']));
    await page.fill('#dup-second', rrn);
    await page.click('form.question button[type=submit]');
    const verdict = page.locator('[data-charged]');
    await verdict.waitFor();
    expect(await verdict.getAttribute('data-charged')).toBe('once');
    expect(await page.locator('.why').getAttribute('data-cause')).toBe('retransmission');
    expect(await page.locator('.why').textContent()).toContain('同一笔交易');
  });

  it('answers a held duplicate (once) and a genuine repeat confirmed by operator 01 (twice)', async () => {
    const run = Date.now();
    const original = await api('POST', '/v1/payments', { idem: `browser-orig-${run}`, body: saleBody(2468) });
    const held = await api('POST', '/v1/payments', { idem: `browser-held-${run}`, body: saleBody(2468) });
    expect(held.body['status']).toBe('duplicate_suspected');
    const repeat = await api('POST', '/v1/payments', {
      idem: `browser-repeat-${run}`,
      body: saleBody(2468, { confirmDuplicate: true }),
    });
    expect(repeat.body['status']).toBe('approved');
    await language('zh-CN');
    await open(`/duplicate?first=${String(original.body['id'])}&second=${String(held.body['id'])}`);
    await page.locator('.why[data-cause=held_by_guard]').waitFor();
    expect(await page.locator('[data-charged]').getAttribute('data-charged')).toBe('once');
    expect(await page.locator('.why').getAttribute('data-cause')).toBe('held_by_guard');
    await shoot('duplicate-answer-zh-CN');
    await open(`/duplicate?first=${String(original.body['id'])}&second=${String(repeat.body['id'])}`);
    await page.locator('.why[data-cause=confirmed_second_purchase]').waitFor();
    expect(await page.locator('[data-charged]').getAttribute('data-charged')).toBe('twice');
    expect(await page.locator('.why').getAttribute('data-cause')).toBe('confirmed_second_purchase');
    expect(await page.locator('.why').textContent()).toContain('01');
    await language('en');
    await page.locator('.why[data-cause=confirmed_second_purchase]').waitFor();
    expect(await page.locator('#verdict-title').textContent()).toBe('The card was charged twice');
    await shoot('duplicate-answer-en');
    await language('zh-CN');
    await page.locator('.why[data-cause=confirmed_second_purchase]').waitFor();
    const download = page.waitForEvent('download');
    await page.click('text=下载证据包（JSON）');
    const pack = JSON.parse(readFileSync((await (await download).path()) ?? '', 'utf8')) as Record<
      string,
      unknown
    >;
    expect(pack).toMatchObject({
      charged: 'twice',
      cause: 'confirmed_second_purchase',
      merchantId: 'DEMOSHOP0000001',
    });
    await page.click('text=可打印的证据页');
    await page.locator('.evidence table').first().waitFor();
    expect(await page.locator('.evidence').textContent()).toContain('发卡行应答');
    await shoot('evidence-zh-CN');
  });

  it('voids a sale from its page after the confirmation dialog, and its journal shows it', async () => {
    const sale = await api('POST', '/v1/payments', {
      idem: `browser-void-${Date.now()}`,
      body: saleBody(777),
    });
    await language('zh-CN');
    await open(`/payments/${String(sale.body['id'])}`);
    expect(await page.locator('table.journal tbody tr').count()).toBeGreaterThan(0);
    await page.click('text=撤销这笔消费');
    await page.locator('dialog[open]').waitFor();
    await page.locator('dialog[open] button').first().click();
    await expect.poll(() => page.locator('p.notice').textContent()).toContain('已完成');
    await expect
      .poll(async () => (await api('GET', `/v1/payments/${String(sale.body['id'])}`)).body['status'])
      .toBe('voided');
    await page.locator('table.journal >> text=已撤销').first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await shoot('payment-detail-zh-CN');
  });
});

describe('operations', { timeout: 60_000 }, () => {
  it("signs in with an operations key to the fleet's diagnosis, in both languages, and no merchant's payments", async () => {
    await language('zh-CN');
    await page.click('text=退出登录');
    await page.locator('#api-key').waitFor();
    await page.fill('#api-key', operationsKey);
    await page.click('button[type=submit]');
    const shown = page.locator('li.finding, [data-testid=diag-empty]').first();
    for (const [lang, title, scope] of [
      ['zh-CN', '重复交易从哪里来', '全部商户的诊断'],
      ['en', 'Where duplicates come from', 'Diagnosis of the whole fleet'],
    ] as const) {
      await language(lang);
      await shown.waitFor();
      expect(await heading()).toBe(title);
      expect(await page.locator('#main p.muted').first().textContent()).toContain(scope);
      expect(await page.locator('nav a').count()).toBe(1);
      const finding = page.locator('li.finding').first();
      if ((await finding.count()) > 0) {
        // A finding shows its remedy in the page's language and a chart of its rate against the fleet's.
        expect(await finding.locator('.remedy').textContent()).toMatch(
          lang === 'zh-CN' ? /[\u4e00-\u9fff]/ : /^[^\u4e00-\u9fff]+$/,
        );
        await finding.locator('.chart canvas').waitFor();
      }
      expect(await seriousViolations(page), `diagnostics in ${lang}`).toEqual([]);
      await shoot(`diagnostics-${lang}`);
    }
    const refused = await page.evaluate(async () => (await fetch('/v1/payments')).status);
    expect(refused).toBe(403);
  });
});

describe('one merchant cannot see another', { timeout: 60_000 }, () => {
  it("refuses merchant A's payments, verdicts and fees to merchant B (signed in as its user), even by edited URLs", async () => {
    const sale = await api('POST', '/v1/payments', { idem: `browser-a-${Date.now()}`, body: saleBody(999) });
    const aId = String(sale.body['id']);
    // The same browser signs out and signs in as the other merchant.
    await language('zh-CN');
    await page.click('text=退出登录');
    await page.locator('#api-key').waitFor();
    const b = page;
    // The other merchant created a dashboard user with its key, and signs in with it.
    const user = { username: 'owner', password: 'a long enough password' };
    expect(
      (await api('POST', '/v1/dashboard-users', { key: otherKey, idem: 'user-1', body: user })).status,
    ).toBe(201);
    await b.click('text=用用户名和密码登录');
    await b.fill('#signin-merchantId', 'OTHERSHOP000002');
    await b.fill('#signin-username', user.username);
    await b.fill('#signin-password', user.password);
    expect(await seriousViolations(b)).toEqual([]);
    await b.click('button[type=submit]');
    await b.locator('.tile .figure').first().waitFor();
    expect(await b.locator('.tile .figure').first().textContent()).toBe('0');
    await b.goto(`${host.url}/dashboard#/payments/${aId}`);
    await expect.poll(() => b.locator('[role=alert]').textContent()).toContain('找不到');
    const answers = await b.evaluate(async (id) => {
      const get = async (path: string) => (await fetch(path)).status;
      return [
        await get(`/v1/payments/${id}`),
        await get(`/v1/payments/${id}/history`),
        await get(`/v1/duplicate-check?first=${id}&second=${id}`),
        await get('/v1/merchants/DEMOSHOP0000001/fee-plan/history'),
        ((await (await fetch('/v1/payments?limit=500')).json()) as { data: Array<{ id: string }> }).data.some(
          (p) => p.id === id,
        )
          ? 200
          : 404,
      ];
    }, aId);
    expect(answers).toEqual([404, 404, 404, 404, 404]);
    const forged = await b.evaluate(async () => (await fetch('/v1/session', { method: 'DELETE' })).status);
    expect(forged).toBe(403);
  });

  it('broke no Content-Security-Policy rule on any page', () => {
    expect(cspViolations).toEqual([]);
  });
});
