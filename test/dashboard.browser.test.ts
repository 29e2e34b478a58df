// The dashboard in a real browser (issue 15): headless Chromium driven by playwright-core against a
// demo host (`serve --demo` with its day of traffic) and a second merchant on the same host, one
// browser and one page for the whole file (test/support/dashboard-browser.ts). It signs in, walks
// every page in both languages, runs a sale through the API and finds it, asks the duplicate
// question for a retransmission, a held duplicate and a genuine repeat, voids a sale through the
// confirmation dialog, reconciles uploaded files (and a day of the host's own record) and checks
// the exceptions shown against the reconciler's own result, creates and disables a dashboard user,
// walks the operations views (every merchant, or one by the filter), and checks that the second
// merchant cannot reach the first's data by editing URLs, ids or query parameters. axe-core runs on
// every page (no serious or critical violation), and no page breaks the Content-Security-Policy.
// Screenshots of each page in both languages go to a temporary folder, or to docs/screenshots with
// POSGUARD_SCREENSHOTS=1.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcile, writeReport, type ReconciliationResult } from '../src/reconciliation/index.js';
import { writeGeneratedDay } from '../src/reconciliation/test-support/generated-day-files.js';
import {
  api,
  cli,
  heading,
  language,
  open,
  otherMerchantId,
  pan,
  saleBody,
  seriousViolations,
  shoot,
  signInWithKey,
  startDashboardRun,
  type DashboardRun,
} from './support/dashboard-browser.js';
import { demoApiKey } from './support/host-process.js';

let run: DashboardRun;
/** A run the demo merchant started, for the check that the other merchant cannot reach it. */
let demoRunId = '';

beforeAll(async () => {
  run = await startDashboardRun();
}, 120_000);

afterAll(async () => {
  await run?.browser.close();
  await run?.host.stop();
});

describe('the dashboard in a browser', { timeout: 60_000 }, () => {
  it('serves the page with a strict CSP and hashed assets cached for good', async () => {
    const response = await fetch(`${run.host.url}/dashboard`);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('content-security-policy')).not.toContain('unsafe');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const script = /src="(\/dashboard\/assets\/[^"]+\.js)"/.exec(await response.text())?.[1];
    const asset = await fetch(`${run.host.url}${script ?? ''}`);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('refuses a wrong key and signs in with the merchant API key, in Chinese by default', async () => {
    const { page } = run;
    await page.goto(`${run.host.url}/dashboard`);
    expect(await heading(page)).toBe('登录商户控制台');
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(run, 'sign-in-zh-CN');
    await page.fill('#api-key', 'pgk_wrong_key');
    await page.click('button[type=submit]');
    await expect.poll(() => page.locator('[role=alert]').textContent()).toContain('登录失败');
    await page.fill('#api-key', demoApiKey);
    await page.click('button[type=submit]');
    await page.locator('.tile .figure').first().waitFor();
    expect(await heading(page)).toBe('今日概览');
    const cookies = await run.context.cookies();
    expect(cookies.find((c) => c.name === 'posguard_session')).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
    });
  });

  it('shows the demo day on the overview, with its chart, in both languages', async () => {
    const { page } = run;
    await page.locator('.chart canvas').waitFor();
    const sales = Number((await page.locator('.tile .figure').first().textContent())?.replace(/\D/g, ''));
    expect(sales).toBeGreaterThan(50);
    expect(await page.locator('.tile .figure').nth(1).textContent()).toMatch(/^¥[\d,]+\.\d{2}$/);
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(run, 'overview-zh-CN');
    await page.click('button.lang');
    await page.locator('.chart canvas').waitFor();
    expect(await heading(page)).toBe("Today's overview");
    expect(await page.locator('.tile .figure').nth(1).textContent()).toMatch(/^CN¥[\d,]+\.\d{2}$/);
    await shoot(run, 'overview-en');
  });

  it('walks every page in both languages without a serious accessibility violation', async () => {
    const { page } = run;
    const pages: Array<[string, string, string, string]> = [
      ['/payments', 'payments', 'Payments', '交易'],
      ['/duplicate', 'duplicate', 'Is this duplicate real?', '这笔重复是真的吗？'],
      ['/terminals', 'terminals', 'Terminals', '终端'],
      ['/reconciliation', 'reconciliation-empty', 'Reconciliation', '对账'],
      ['/fees', 'fees', 'Fees and statements', '费用与对账单'],
      ['/diagnostics', 'diagnostics-merchant', 'Where duplicates come from', '重复交易从哪里来'],
      ['/users', 'users-empty', 'Dashboard users', '控制台用户'],
    ];
    for (const [lang, index] of [
      ['en', 2],
      ['zh-CN', 3],
    ] as const) {
      await language(page, lang);
      for (const entry of pages) {
        await open(run, entry[0]);
        expect(await heading(page)).toBe(entry[index]);
        expect(await seriousViolations(page), `${entry[1]} in ${lang}`).toEqual([]);
        if (!entry[1].endsWith('-empty')) await shoot(run, `${entry[1]}-${lang}`);
      }
    }
    await open(run, '/terminals');
    expect(await page.locator('[data-terminal-id]').count()).toBe(3);
    // The merchant's own diagnosis findings count among the overview's alerts.
    const findings = await page.evaluate(
      async () =>
        ((await (await fetch('/v1/diagnostics')).json()) as { findings: unknown[] }).findings.length,
    );
    await open(run, '/overview');
    await page.locator('#alerts-title').waitFor();
    expect(await page.locator('[data-alert=diagnosis]').count()).toBe(findings > 0 ? 1 : 0);
  });
});

describe('payments, the duplicate question and actions', { timeout: 60_000 }, () => {
  it('shows a sale run through the API in the list, with the card as its last four only', async () => {
    const { page } = run;
    const sale = await api(run, 'POST', '/v1/payments', {
      idem: `browser-sale-${Date.now()}`,
      body: saleBody(4321),
    });
    expect(sale.status).toBe(201);
    await open(run, '/payments');
    await page.fill('#filter-cardLast4', '1232');
    await page.click('form.filters:not(.fleet-filter) button[type=submit]');
    const row = page.locator(`tr[data-payment-id="${String(sale.body['id'])}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('•••• 1232');
    const text = (await page.locator('body').textContent()) ?? '';
    expect(text).not.toContain(pan);
    expect(text).not.toContain('621234******');
  });

  it('answers a retransmission: one payment, the card charged once', async () => {
    const { page } = run;
    const key = `browser-retx-${Date.now()}`;
    const first = await api(run, 'POST', '/v1/payments', { idem: key, body: saleBody(1111) });
    const again = await api(run, 'POST', '/v1/payments', { idem: key, body: saleBody(1111) });
    expect(again.body['id']).toBe(first.body['id']);
    await open(run, '/duplicate');
    await language(page, 'zh-CN');
    await page.fill('#dup-first', String(first.body['id']));
    await page.fill('#dup-second', String(first.body['rrn']));
    await page.click('form.question button[type=submit]');
    const verdict = page.locator('[data-charged]');
    await verdict.waitFor();
    expect(await verdict.getAttribute('data-charged')).toBe('once');
    expect(await page.locator('.why').getAttribute('data-cause')).toBe('retransmission');
    expect(await page.locator('.why').textContent()).toContain('同一笔交易');
  });

  it('answers a held duplicate (once) and a genuine repeat confirmed by operator 01 (twice)', async () => {
    const { page } = run;
    const at = Date.now();
    const original = await api(run, 'POST', '/v1/payments', {
      idem: `browser-orig-${at}`,
      body: saleBody(2468),
    });
    const held = await api(run, 'POST', '/v1/payments', { idem: `browser-held-${at}`, body: saleBody(2468) });
    expect(held.body['status']).toBe('duplicate_suspected');
    const repeat = await api(run, 'POST', '/v1/payments', {
      idem: `browser-repeat-${at}`,
      body: saleBody(2468, { confirmDuplicate: true }),
    });
    expect(repeat.body['status']).toBe('approved');
    await language(page, 'zh-CN');
    await open(run, `/duplicate?first=${String(original.body['id'])}&second=${String(held.body['id'])}`);
    await page.locator('.why[data-cause=held_by_guard]').waitFor();
    expect(await page.locator('[data-charged]').getAttribute('data-charged')).toBe('once');
    await shoot(run, 'duplicate-answer-zh-CN');
    await open(run, `/duplicate?first=${String(original.body['id'])}&second=${String(repeat.body['id'])}`);
    await page.locator('.why[data-cause=confirmed_second_purchase]').waitFor();
    expect(await page.locator('[data-charged]').getAttribute('data-charged')).toBe('twice');
    expect(await page.locator('.why').textContent()).toContain('01');
    await language(page, 'en');
    await page.locator('.why[data-cause=confirmed_second_purchase]').waitFor();
    expect(await page.locator('#verdict-title').textContent()).toBe('The card was charged twice');
    await shoot(run, 'duplicate-answer-en');
    await language(page, 'zh-CN');
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
    await shoot(run, 'evidence-zh-CN');
  });

  it('voids a sale from its page after the confirmation dialog, and its journal shows it', async () => {
    const { page } = run;
    const sale = await api(run, 'POST', '/v1/payments', {
      idem: `browser-void-${Date.now()}`,
      body: saleBody(777),
    });
    await language(page, 'zh-CN');
    await open(run, `/payments/${String(sale.body['id'])}`);
    expect(await page.locator('table.journal tbody tr').count()).toBeGreaterThan(0);
    await page.click('text=撤销这笔消费');
    await page.locator('dialog[open]').waitFor();
    await page.locator('dialog[open] button').first().click();
    await expect.poll(() => page.locator('p.notice').textContent()).toContain('已完成');
    await expect
      .poll(async () => (await api(run, 'GET', `/v1/payments/${String(sale.body['id'])}`)).body['status'])
      .toBe('voided');
    await page.locator('table.journal >> text=已撤销').first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(run, 'payment-detail-zh-CN');
  });
});

/** A generated day's three files under their own names, and what the reconciler makes of them. */
async function generatedDay(): Promise<{
  files: { settlement: string; host: string; terminal: string };
  result: ReconciliationResult;
  csv: string;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'posguard-browser-day-'));
  // Every exception kind, as the README's sample day.
  const files = writeGeneratedDay(dir, { events: 2000, seed: 7 });
  const named = (path: string) => ({ kind: 'csv' as const, path, name: basename(path) });
  const result = await reconcile({
    host: named(files.host),
    settlement: named(files.settlement),
    terminal: named(files.terminal),
    duplicateWindowS: 120,
  });
  const out = join(dir, 'report');
  await writeReport({
    outDir: out,
    result,
    inputs: { host: 'h', settlement: 's', terminal: 't', profile: null },
    generatedAt: new Date(),
  });
  return { files, result, csv: readFileSync(join(out, 'exceptions.csv'), 'utf8') };
}

describe('reconciliation', { timeout: 90_000 }, () => {
  it('reconciles uploaded files with progress, shows the exceptions by kind and what to do, in both languages, and downloads exceptions.csv', async () => {
    const { page } = run;
    const day = await generatedDay();
    await language(page, 'zh-CN');
    await open(run, '/reconciliation');
    await page.setInputFiles('#recon-settlement', day.files.settlement);
    await page.setInputFiles('#recon-host', day.files.host);
    await page.setInputFiles('#recon-terminal', day.files.terminal);
    await page.fill('#recon-window', '120');
    // The run's progress shows from the host's first answer on, however fast the run then is.
    await page.evaluate(`new MutationObserver(() => {
      if (document.querySelector('.run progress') !== null) globalThis.progressSeen = true;
    }).observe(document.body, { subtree: true, childList: true })`);
    await page.click('form.recon-form button[type=submit]');
    await page.locator('[data-run-state=succeeded]').waitFor({ timeout: 30_000 });
    expect(
      await page.evaluate(() => (globalThis as unknown as { progressSeen?: boolean }).progressSeen),
    ).toBe(true);
    demoRunId = new URLSearchParams(new URL(page.url()).hash.split('?')[1]).get('run') ?? '';
    expect(demoRunId).toMatch(/^rcr_/);
    const counts = day.result.exceptionCounts;
    const kinds = Object.entries(counts).filter(([, n]) => n > 0);
    expect(kinds.length).toBe(9);
    expect(await page.locator('table.kinds tbody tr').count()).toBe(kinds.length);
    for (const [kind, n] of kinds) {
      expect(await page.locator(`tr[data-kind=${kind}] td.num`).first().textContent(), kind).toBe(
        n.toLocaleString('zh-CN'),
      );
    }
    expect(await page.locator('tr[data-kind=missing_in_settlement]').textContent()).toContain(
      '向收单机构查询',
    );
    await page.click('tr[data-kind=duplicate_settlement] button');
    const shown = page.locator('.exceptions[data-kind=duplicate_settlement] tbody tr');
    await shown.first().waitFor();
    expect(await shown.count()).toBe(Math.min(100, counts.duplicate_settlement));
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(run, 'reconciliation-zh-CN');
    const download = page.waitForEvent('download');
    await page.click('text=下载 exceptions.csv');
    expect(readFileSync((await (await download).path()) ?? '', 'utf8')).toBe(day.csv);
    await language(page, 'en');
    await page.locator('[data-run-state=succeeded]').waitFor();
    expect(await heading(page)).toBe('Reconciliation');
    expect(await page.locator('tr[data-kind=missing_in_settlement]').textContent()).toContain(
      'Ask the acquirer',
    );
    await page.click('tr[data-kind=amount_mismatch] button');
    await page.locator('.exceptions[data-kind=amount_mismatch] tbody tr').first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(run, 'reconciliation-en');
  });

  it('fails a run on a bad line and says which file, line and column', async () => {
    const { page } = run;
    const day = await generatedDay();
    const lines = readFileSync(day.files.settlement, 'utf8').split('\n');
    const amount = lines[0]!.split(',').indexOf('amount');
    const cells = lines[3]!.split(',');
    cells[amount] = '12.50';
    lines[3] = cells.join(',');
    const bad = join(mkdtempSync(join(tmpdir(), 'posguard-bad-')), 'acquirer-20261125.csv');
    writeFileSync(bad, lines.join('\n'));
    await language(page, 'zh-CN');
    await open(run, '/reconciliation');
    await page.setInputFiles('#recon-settlement', bad);
    await page.setInputFiles('#recon-host', day.files.host);
    await page.click('form.recon-form button[type=submit]');
    await page.locator('[data-run-state=failed]').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-error-code]').getAttribute('data-error-code')).toBe(
      'POS_ERR_RECON_BAD_AMOUNT',
    );
    expect(await page.locator('.error-place').textContent()).toBe(
      '文件 acquirer-20261125.csv，第 4 行，列“amount”',
    );
    expect(await page.locator('text=下载 exceptions.csv').count()).toBe(0);
  });

  it("reconciles a settlement file against this host's own record of today, and keeps the duplicate it finds", async () => {
    const { page } = run;
    const dir = mkdtempSync(join(tmpdir(), 'posguard-store-day-'));
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    const exported = join(dir, 'host.csv');
    cli(['export', '--db', run.db, '--from', today, '--to', today, '--out', exported]);
    const rows = readFileSync(exported, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(','));
    // The acquirer settled each approved sale of the demo merchant once, and the first twice.
    const settled = rows
      .filter((r) => r[0] === 'DEMOSHOP0000001' && r[7] === 'sale' && r[8] === 'approved')
      .map((r) =>
        [today, r[0], r[1], r[2], r[3], r[4], r[5], r[6], 'sale', r[9], '0', r[10], r[11]].join(','),
      );
    expect(settled.length).toBeGreaterThan(10);
    const header =
      'settlement_date,merchant_id,terminal_id,batch_no,stan,rrn,auth_code,txn_time,txn_type,amount,fee,currency,card_masked';
    const settlement = join(dir, `settlement-${today}.csv`);
    writeFileSync(settlement, [header, settled[0], ...settled, ''].join('\n'));
    await open(run, '/reconciliation');
    await page.setInputFiles('#recon-settlement', settlement);
    await page.check('text=使用本主机记录的某一天');
    expect(await page.inputValue('#recon-day')).toBe(today);
    await page.click('form.recon-form button[type=submit]');
    await page.locator('[data-run-state=succeeded]').waitFor({ timeout: 30_000 });
    expect(await page.locator('tr[data-kind=duplicate_settlement] td.num').first().textContent()).toBe('1');
    await page.locator('.run p.notice').waitFor();
    const duplicates = await api(run, 'GET', '/v1/duplicates?source=reconciliation');
    expect((duplicates.body['data'] as unknown[]).length).toBeGreaterThanOrEqual(1);
  });
});

describe('dashboard users', { timeout: 60_000 }, () => {
  it('creates a user from the form, lists it, and disables it behind a confirmation, in both languages', async () => {
    const { page } = run;
    await language(page, 'zh-CN');
    await open(run, '/users');
    await page.fill('#user-name', 'cashier01');
    await page.fill('#user-password', 'a long enough password');
    await page.fill('#user-password-again', 'a different password!');
    await page.click('form.user-form button[type=submit]');
    await expect.poll(() => page.locator('form.user-form [role=alert]').textContent()).toContain('不一样');
    await page.fill('#user-password-again', 'a long enough password');
    await page.click('form.user-form button[type=submit]');
    const row = page.locator('tr[data-username=cashier01]');
    await row.waitFor();
    expect(await row.getAttribute('data-disabled')).toBe('no');
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(run, 'users-zh-CN');
    const signIn = async () =>
      (
        await fetch(`${run.host.url}/v1/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            merchantId: 'DEMOSHOP0000001',
            username: 'cashier01',
            password: 'a long enough password',
          }),
        })
      ).status;
    expect(await signIn()).toBe(201);
    await row.locator('button').click();
    await page.locator('dialog[open]').waitFor();
    expect(await page.locator('dialog[open]').textContent()).toContain('cashier01');
    await page.locator('dialog[open] button').first().click();
    await expect.poll(() => row.getAttribute('data-disabled')).toBe('yes');
    expect(await signIn()).toBe(401);
    await language(page, 'en');
    await page.locator('tr[data-username=cashier01]').waitFor();
    expect(await heading(page)).toBe('Dashboard users');
    expect(await page.locator('tr[data-username=cashier01]').textContent()).toContain('Disabled');
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(run, 'users-en');
  });
});

describe('operations', { timeout: 90_000 }, () => {
  it("signs in with an operations key to the fleet's overview, payments, terminals, reconciliation and diagnosis, in both languages", async () => {
    const { page } = run;
    await signInWithKey(page, run.operationsKey);
    expect(await page.locator('nav a').count()).toBe(5);
    const pages: Array<[string, string, string, string]> = [
      ['/overview', 'ops-overview', "Today's overview", '今日概览'],
      ['/payments', 'ops-payments', 'Payments', '交易'],
      ['/terminals', 'ops-terminals', 'Terminals', '终端'],
      ['/reconciliation', 'ops-reconciliation', 'Reconciliation', '对账'],
      ['/diagnostics', 'diagnostics', 'Where duplicates come from', '重复交易从哪里来'],
    ];
    for (const [lang, index] of [
      ['zh-CN', 3],
      ['en', 2],
    ] as const) {
      await language(page, lang);
      for (const entry of pages) {
        await open(run, entry[0]);
        expect(await heading(page)).toBe(entry[index]);
        if (entry[0] === '/diagnostics')
          await page.locator('li.finding, [data-testid=diag-empty]').first().waitFor();
        if (entry[0] === '/overview') await page.locator('.tile .figure').first().waitFor();
        expect(await seriousViolations(page), `${entry[1]} in ${lang}`).toEqual([]);
        await shoot(run, `${entry[1]}-${lang}`);
      }
    }
    // The reconciliation runs of every merchant.
    await open(run, '/reconciliation');
    await page.locator(`tr[data-run-id="${demoRunId}"]`).waitFor();
    // Acting for a merchant stays the merchant's: the duplicate question is refused.
    const refused = await page.evaluate(
      async () => (await fetch('/v1/duplicate-check?first=a&second=b')).status,
    );
    expect(refused).toBe(403);
  });

  it('shows every merchant, or one by the merchant filter, and a payment without its actions', async () => {
    const { page } = run;
    await language(page, 'zh-CN');
    await open(run, '/terminals');
    const rows = page.locator('tr[data-terminal-id]');
    await expect.poll(() => rows.count()).toBe(4);
    await page.selectOption('#fleet-merchant', otherMerchantId);
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-merchant-id')).toBe(otherMerchantId);
    // The choice holds from page to page: the other merchant has no payments yet.
    await page.click('nav >> text=交易');
    await expect.poll(() => page.locator('text=没有符合条件的交易').count()).toBe(1);
    await page.selectOption('#fleet-merchant', '');
    const payment = page.locator('tr[data-payment-id]').first();
    await payment.waitFor();
    await payment.locator('a').click();
    await page.locator('table.journal tbody tr').first().waitFor();
    expect(await page.locator('[data-merchant-id]').getAttribute('data-merchant-id')).toBe('DEMOSHOP0000001');
    expect(await page.locator('text=撤销这笔消费').count()).toBe(0);
    await open(run, '/overview');
    const fleetSales = Number(
      (await page.locator('.tile .figure').first().textContent())?.replace(/\D/g, ''),
    );
    expect(fleetSales).toBeGreaterThan(50);
  });
});

describe('one merchant cannot see another', { timeout: 60_000 }, () => {
  it("refuses merchant A's payments, verdicts, fees and runs to merchant B (signed in as its user), even by edited URLs and queries", async () => {
    const { page: b } = run;
    const sale = await api(run, 'POST', '/v1/payments', {
      idem: `browser-a-${Date.now()}`,
      body: saleBody(999),
    });
    const aId = String(sale.body['id']);
    await language(b, 'zh-CN');
    await b.click('text=退出登录');
    await b.locator('#api-key').waitFor();
    // The other merchant created a dashboard user with its key, and signs in with it.
    const user = { username: 'owner', password: 'a long enough password' };
    expect(
      (await api(run, 'POST', '/v1/dashboard-users', { key: run.otherKey, idem: 'user-1', body: user }))
        .status,
    ).toBe(201);
    await b.click('text=用用户名和密码登录');
    await b.fill('#signin-merchantId', otherMerchantId);
    await b.fill('#signin-username', user.username);
    await b.fill('#signin-password', user.password);
    expect(await seriousViolations(b)).toEqual([]);
    await b.click('button[type=submit]');
    await b.locator('.tile .figure').first().waitFor();
    expect(await b.locator('.tile .figure').first().textContent()).toBe('0');
    expect(await b.locator('#fleet-merchant').count()).toBe(0);
    await b.goto(`${run.host.url}/dashboard#/payments/${aId}`);
    await expect.poll(() => b.locator('[role=alert]').textContent()).toContain('找不到');
    await b.goto(`${run.host.url}/dashboard#/reconciliation?run=${demoRunId}`);
    await expect.poll(() => b.locator('.error[role=alert]').textContent()).toContain('找不到');
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    const answers = await b.evaluate(
      async ({ id, runId, day }) => {
        const get = async (path: string) => (await fetch(path)).status;
        const listed = (await (await fetch('/v1/payments?limit=500')).json()) as {
          data: Array<{ id: string }>;
        };
        const runs = (await (await fetch('/v1/reconciliation-runs')).json()) as { data: unknown[] };
        return [
          await get(`/v1/payments/${id}`),
          await get(`/v1/payments/${id}/history`),
          await get(`/v1/duplicate-check?first=${id}&second=${id}`),
          await get('/v1/merchants/DEMOSHOP0000001/fee-plan/history'),
          listed.data.some((p) => p.id === id) ? 200 : 404,
          await get(`/v1/reconciliation-runs/${runId}`),
          await get(`/v1/reconciliation-runs/${runId}/exceptions.csv`),
          runs.data.length === 0 ? 404 : 200,
          await get('/v1/payments?merchantId=DEMOSHOP0000001'),
          await get(`/v1/overview?day=${day}&merchantId=DEMOSHOP0000001`),
          await get('/v1/terminals?merchantId=DEMOSHOP0000001'),
        ];
      },
      { id: aId, runId: demoRunId, day: today },
    );
    expect(answers).toEqual(Array.from({ length: 11 }, () => 404));
    const forged = await b.evaluate(async () => (await fetch('/v1/session', { method: 'DELETE' })).status);
    expect(forged).toBe(403);
  });

  it('broke no Content-Security-Policy rule on any page', () => {
    expect(run.cspViolations).toEqual([]);
  });
});
