import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testPan } from '../../payments/test-support/engine-harness.js';
import { defaultHttpLimits } from '../http-server.js';
import { addOtherMerchant, makeHttpHarness, type HttpHarness } from '../test-support/http-harness.js';

const sale = (amount = 1280, extra: Record<string, unknown> = {}) => ({
  terminalId: 'T0001',
  amount,
  currency: 'CNY',
  card: { pan: testPan, expiry: '2812' },
  entryMode: 'chip',
  operatorId: '01',
  ...extra,
});

async function pay(h: HttpHarness, key: string, body: object): Promise<Record<string, unknown>> {
  const answer = await h.call({
    method: 'POST',
    url: '/v1/payments',
    headers: { 'idempotency-key': key },
    payload: body,
  });
  return answer.json<Record<string, unknown>>();
}

/** Signs in through POST /v1/session; the cookie header to send and the session's CSRF token. */
async function signIn(h: HttpHarness, apiKey = 'pgk_test'): Promise<{ cookie: string; csrf: string }> {
  const answer = await h.app.inject({ method: 'POST', url: '/v1/session', payload: { apiKey } });
  expect(answer.statusCode).toBe(201);
  const setCookie = String(answer.headers['set-cookie']);
  return { cookie: setCookie.split(';')[0] ?? '', csrf: answer.json<{ csrfToken: string }>().csrfToken };
}

describe('dashboard sessions', () => {
  it('signs in with an API key into an HttpOnly, Secure, SameSite=Strict cookie that reads as the merchant', async () => {
    const h = await makeHttpHarness();
    const answer = await h.app.inject({
      method: 'POST',
      url: '/v1/session',
      payload: { apiKey: 'pgk_test' },
    });
    expect(answer.statusCode).toBe(201);
    expect(String(answer.headers['set-cookie'])).toMatch(
      /^posguard_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; Secure; SameSite=Strict; Max-Age=43200$/,
    );
    expect(answer.json()).toMatchObject({ role: 'merchant', merchantId: 'M0001', merchantName: 'Test shop' });
    const { cookie } = await signIn(h);
    const list = await h.app.inject({ method: 'GET', url: '/v1/payments', headers: { cookie } });
    expect(list.statusCode).toBe(200);
  });

  it('refuses a state change made with the cookie but without the session CSRF token, and takes it with', async () => {
    const h = await makeHttpHarness();
    const { cookie, csrf } = await signIn(h);
    const post = (headers: Record<string, string>) =>
      h.app.inject({
        method: 'POST',
        url: '/v1/payments',
        headers: { cookie, 'idempotency-key': 'k1', ...headers },
        payload: sale(),
      });
    expect((await post({})).json()).toMatchObject({ code: 'POS_ERR_AUTH_CSRF_TOKEN' });
    expect((await post({ 'x-csrf-token': 'x'.repeat(43) })).statusCode).toBe(403);
    const made = await post({ 'x-csrf-token': csrf });
    expect(made.statusCode).toBe(201);
  });

  it('ends on sign-out and after 30 idle minutes, each answered POS_ERR_AUTH_SESSION_INVALID', async () => {
    const h = await makeHttpHarness();
    const first = await signIn(h);
    const out = await h.app.inject({
      method: 'DELETE',
      url: '/v1/session',
      headers: { cookie: first.cookie, 'x-csrf-token': first.csrf },
    });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    const after = await h.app.inject({
      method: 'GET',
      url: '/v1/session',
      headers: { cookie: first.cookie },
    });
    expect(after.json()).toMatchObject({ code: 'POS_ERR_AUTH_SESSION_INVALID' });
    const second = await signIn(h);
    await h.clock.advance(29 * 60_000);
    expect(
      (await h.app.inject({ method: 'GET', url: '/v1/session', headers: { cookie: second.cookie } }))
        .statusCode,
    ).toBe(200);
    await h.clock.advance(30 * 60_000 + 1);
    expect(
      (await h.app.inject({ method: 'GET', url: '/v1/session', headers: { cookie: second.cookie } }))
        .statusCode,
    ).toBe(401);
  });

  it('counts wrong keys at sign-in against the address, then answers 429 before trying any key', async () => {
    const h = await makeHttpHarness({ limits: { ...defaultHttpLimits, authFailuresPerMinute: 2 } });
    for (let i = 0; i < 2; i += 1) {
      const wrong = await h.app.inject({
        method: 'POST',
        url: '/v1/session',
        payload: { apiKey: `pgk_wrong_${i}` },
      });
      expect(wrong.json()).toMatchObject({ code: 'POS_ERR_AUTH_INVALID_API_KEY' });
    }
    const limited = await h.app.inject({
      method: 'POST',
      url: '/v1/session',
      payload: { apiKey: 'pgk_test' },
    });
    expect(limited.json()).toMatchObject({ code: 'POS_ERR_AUTH_RATE_LIMITED' });
  });
});

describe('the dashboard reads', () => {
  it("answers the day's overview: sales, approvals, the held duplicate, and 24 hours", async () => {
    const h = await makeHttpHarness();
    await pay(h, 'o1', sale(1000));
    await pay(h, 'o2', sale(1000));
    await pay(h, 'o3', sale(2000));
    const answer = await h.call({ method: 'GET', url: '/v1/overview?day=2026-11-25' });
    expect(answer.statusCode).toBe(200);
    const overview = answer.json<Record<string, { [k: string]: unknown }>>();
    expect(overview['sales']).toEqual({ count: 2, approved: 2, declined: 0, amountApproved: 3000 });
    expect(overview['duplicatesPrevented']).toMatchObject({ total: 1 });
    const hours = overview['byHour'] as unknown as Array<{ count: number }>;
    // The harness clock is 06:00 UTC: 14:00 in China.
    expect(hours[14]).toMatchObject({ count: 2 });
    const bad = await h.call({ method: 'GET', url: '/v1/overview?day=2026-02-31' });
    expect(bad.json()).toMatchObject({ code: 'POS_ERR_HTTP_INVALID_REQUEST' });
  });

  it("gives a payment's history: its refund, every journal row of both, by id or by RRN", async () => {
    const h = await makeHttpHarness();
    const made = await pay(h, 'h1', sale(5000));
    await h.call({
      method: 'POST',
      url: `/v1/payments/${String(made['id'])}/refunds`,
      headers: { 'idempotency-key': 'h1r' },
      payload: { amount: 2000 },
    });
    for (const ref of [String(made['id']), String(made['rrn'])]) {
      const history = (await h.call({ method: 'GET', url: `/v1/payments/${ref}/history` })).json<{
        payment: { status: string };
        children: Array<{ kind: string }>;
        journal: Array<{ event: string; toStatus: string | null }>;
      }>();
      expect(history.payment.status).toBe('partially_refunded');
      expect(history.children.map((c) => c.kind)).toEqual(['refund']);
      expect(history.journal.map((j) => j.toStatus)).toEqual(
        expect.arrayContaining(['pending', 'approved', 'partially_refunded']),
      );
    }
  });

  it('filters the list by amount bounds and the card last four', async () => {
    const h = await makeHttpHarness();
    await pay(h, 'f1', sale(1000));
    await pay(h, 'f2', sale(3000));
    const page = async (query: string) =>
      (await h.call({ method: 'GET', url: `/v1/payments?${query}` }))
        .json<{ data: Array<{ amount: number }> }>()
        .data.map((p) => p.amount);
    expect(await page('amountMin=2000')).toEqual([3000]);
    expect(await page('amountMax=2000&cardLast4=1232')).toEqual([1000]);
    expect(await page('cardLast4=1111')).toEqual([]);
    expect((await h.call({ method: 'GET', url: '/v1/payments?cardLast4=12' })).statusCode).toBe(400);
  });

  it('lists the terminals with their last payment', async () => {
    const h = await makeHttpHarness();
    await pay(h, 't1', sale());
    const list = (await h.call({ method: 'GET', url: '/v1/terminals' })).json<{
      data: Array<Record<string, unknown>>;
    }>();
    expect(list.data).toEqual([
      expect.objectContaining({
        terminalId: 'T0001',
        signedIn: false,
        lastPaymentAt: '2026-11-25T06:00:00.000Z',
        telemetry: null,
      }),
    ]);
  });
});

describe('is this duplicate real?', () => {
  it('answers a retransmission, a held duplicate and a confirmed second purchase', async () => {
    const h = await makeHttpHarness();
    const first = await pay(h, 'd1', sale());
    await pay(h, 'd1', sale());
    const held = await pay(h, 'd2', sale());
    const second = await pay(h, 'd3', sale(1280, { confirmDuplicate: true }));
    const ask = async (a: unknown, b: unknown) =>
      (
        await h.call({ method: 'GET', url: `/v1/duplicate-check?first=${String(a)}&second=${String(b)}` })
      ).json<{
        charged: string;
        cause: string;
        explanation: { zh: string; en: string };
      }>();
    expect(await ask(first['id'], first['rrn'])).toMatchObject({ charged: 'once', cause: 'retransmission' });
    expect(await ask(first['id'], held['id'])).toMatchObject({ charged: 'once', cause: 'held_by_guard' });
    const repeat = await ask(first['id'], second['id']);
    expect(repeat).toMatchObject({ charged: 'twice', cause: 'confirmed_second_purchase' });
    expect(repeat.explanation.en).toContain('operator 01');
  });

  it("does not show one merchant another's payment, by id, RRN, history, verdict or fees", async () => {
    const h = await makeHttpHarness();
    await addOtherMerchant(h);
    const theirs = await pay(h, 'x1', sale());
    const mine = await signIn(h, 'pgk_other');
    const get = async (url: string) =>
      (await h.app.inject({ method: 'GET', url, headers: { cookie: mine.cookie } })).statusCode;
    expect(await get(`/v1/payments/${String(theirs['id'])}`)).toBe(404);
    expect(await get(`/v1/payments/${String(theirs['id'])}/history`)).toBe(404);
    expect(await get(`/v1/payments/${String(theirs['rrn'])}/history`)).toBe(404);
    expect(
      await get(`/v1/duplicate-check?first=${String(theirs['id'])}&second=${String(theirs['id'])}`),
    ).toBe(404);
    expect(await get('/v1/merchants/M0001/fee-plan/history')).toBe(404);
    const list = await h.app.inject({ method: 'GET', url: '/v1/payments', headers: { cookie: mine.cookie } });
    expect(list.json<{ data: unknown[] }>().data).toEqual([]);
  });
});

describe('the dashboard page', () => {
  it('serves the built page with a strict CSP, revalidated, and hashed assets as immutable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'posguard-dashboard-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><script type="module" src="/dashboard/assets/app-abc.js"></script>',
    );
    writeFileSync(join(dir, 'assets', 'app-abc.js'), `console.log(${JSON.stringify('x'.repeat(4000))});`);
    const h = await makeHttpHarness({ dashboard: { dir } });
    const page = await h.app.inject({ method: 'GET', url: '/dashboard' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'; script-src 'self'");
    expect(page.headers['cache-control']).toBe('no-cache');
    const asset = await h.app.inject({
      method: 'GET',
      url: '/dashboard/assets/app-abc.js',
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-encoding']).toBe('gzip');
    const again = await h.app.inject({
      method: 'GET',
      url: '/dashboard/assets/app-abc.js',
      headers: { 'if-none-match': String(asset.headers['etag']) },
    });
    expect(again.statusCode).toBe(304);
    expect((await h.app.inject({ method: 'GET', url: '/dashboard/assets/nope.js' })).statusCode).toBe(404);
  });

  it('answers 503 POS_ERR_DASHBOARD_NOT_BUILT where the dashboard was never built', async () => {
    const h = await makeHttpHarness({ dashboard: { dir: mkdtempSync(join(tmpdir(), 'posguard-empty-')) } });
    const page = await h.app.inject({ method: 'GET', url: '/dashboard' });
    expect(page.statusCode).toBe(503);
    expect(page.json()).toMatchObject({ code: 'POS_ERR_DASHBOARD_NOT_BUILT' });
  });
});

describe('dashboard users', () => {
  it('lets a merchant create a user whose password signs in, refusing a taken name and a short password', async () => {
    const h = await makeHttpHarness();
    const create = (username: string, password: string, key: string) =>
      h.call({
        method: 'POST',
        url: '/v1/dashboard-users',
        headers: { 'idempotency-key': key },
        payload: { username, password },
      });
    const made = await create('cashier.1', 'correct horse battery', 'u1');
    expect(made.statusCode).toBe(201);
    expect(made.json()).toMatchObject({ merchantId: 'M0001', username: 'cashier.1' });
    expect((await create('cashier.1', 'another long password', 'u2')).json()).toMatchObject({
      code: 'POS_ERR_DASHBOARD_USER_EXISTS',
    });
    const short = await create('cashier.2', 'short', 'u3');
    expect(short.json()).toMatchObject({ code: 'POS_ERR_DASHBOARD_USER_INVALID' });
    expect(short.body).not.toContain('short"');
    const signIn = (merchantId: string, password: string) =>
      h.app.inject({
        method: 'POST',
        url: '/v1/session',
        payload: { merchantId, username: 'cashier.1', password },
      });
    const ok = await signIn('M0001', 'correct horse battery');
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ role: 'merchant', merchantId: 'M0001' });
    expect((await signIn('M0001', 'wrong horse battery')).json()).toMatchObject({
      code: 'POS_ERR_AUTH_INVALID_PASSWORD',
    });
    await addOtherMerchant(h);
    expect((await signIn('M0002', 'correct horse battery')).statusCode).toBe(401);
  });

  it('refuses a sign-in that names neither a key nor a whole user', async () => {
    const h = await makeHttpHarness();
    const answer = await h.app.inject({
      method: 'POST',
      url: '/v1/session',
      payload: { merchantId: 'M0001', username: 'x' },
    });
    expect(answer.json()).toMatchObject({ code: 'POS_ERR_HTTP_INVALID_REQUEST' });
  });
});
