import { beforeAll, describe, expect, it } from 'vitest';
import { createOperationsKey, revokeOperationsKey } from '../../merchants/operations-keys.js';
import { SeededRandom } from '../../random/random.js';
import { seedFleet } from '../../diagnostics/test-support/seeded-fleet.js';
import { makeHttpHarness, type HttpHarness } from '../test-support/http-harness.js';

interface Answer {
  merchantId: string | null;
  findings: Array<{
    subject: { id: string; merchantId: string | null };
    summary: string;
    evidence: { transactionIds: string[] };
  }>;
  subjects: { terminal: number };
}

let h: HttpHarness;
let opsKey: string;
let revokedKey: string;

beforeAll(async () => {
  h = await makeHttpHarness();
  await seedFleet({ harness: h });
  const random = new SeededRandom(11);
  opsKey = (await createOperationsKey(h.store, { label: 'night shift' }, { random, now: h.clock.now() }))
    .apiKey;
  const revoked = await createOperationsKey(h.store, { label: 'gone' }, { random, now: h.clock.now() });
  await revokeOperationsKey(h.store, revoked.record.id, h.clock.now());
  revokedKey = revoked.apiKey;
}, 120_000);

const get = (key: string | null, query = '') =>
  h.app.inject({
    method: 'GET',
    url: `/v1/diagnostics${query}`,
    headers: key === null ? {} : { authorization: `Bearer ${key}` },
  });

describe('GET /v1/diagnostics', () => {
  it("gives an operations key the whole fleet's findings", async () => {
    const res = await get(opsKey);
    expect(res.statusCode).toBe(200);
    const body = res.json<Answer>();
    expect(body.merchantId).toBeNull();
    const ids = body.findings.map((f) => f.subject.id);
    expect(ids).toContain('M0001/T0003');
    expect(ids).toContain('4g:DropNet');
    expect(body.subjects.terminal).toBe(18);
  });

  it("gives a merchant's key a diagnosis of its own traffic only", async () => {
    const shop = (await h.call({ method: 'GET', url: '/v1/diagnostics' })).json<Answer>();
    expect(shop.merchantId).toBe('M0001');
    expect(shop.findings.length).toBeGreaterThan(0);
    expect(
      shop.findings.every((f) => f.subject.merchantId === null || f.subject.merchantId === 'M0001'),
    ).toBe(true);
    expect(shop.subjects.terminal).toBe(12);
    // Merchant B (the kiosk) never sees merchant A's terminals, operators or transactions.
    const kiosk = (await get('pgk_kiosk')).json<Answer>();
    expect(kiosk.merchantId).toBe('M0002');
    const text = JSON.stringify(kiosk);
    expect(text).not.toContain('M0001');
    expect(kiosk.subjects.terminal).toBe(6);
    const shopIds = new Set(shop.findings.flatMap((f) => f.evidence.transactionIds));
    for (const f of kiosk.findings)
      for (const id of f.evidence.transactionIds) expect(shopIds.has(id)).toBe(false);
  });

  it('refuses a request without a key, with an unknown key, or with a revoked operations key (401)', async () => {
    for (const key of [null, 'pgk_nobody', 'pgo_nobody', revokedKey]) {
      const res = await get(key);
      expect(res.statusCode, String(key)).toBe(401);
      expect(res.json<{ code: string }>().code).toMatch(/^POS_ERR_AUTH_(MISSING|INVALID)_API_KEY$/);
    }
  });

  it('refuses an operations key on every route that acts for one merchant (403)', async () => {
    const list = await h.app.inject({
      method: 'GET',
      url: '/v1/duplicates',
      headers: { authorization: `Bearer ${opsKey}` },
    });
    expect(list.statusCode).toBe(403);
    expect(list.json<{ code: string; message: string }>()).toMatchObject({
      code: 'POS_ERR_AUTH_MERCHANT_KEY_REQUIRED',
    });
    const sale = await h.app.inject({
      method: 'POST',
      url: '/v1/terminals/T0001/telemetry',
      headers: { authorization: `Bearer ${opsKey}`, 'idempotency-key': 'r-1' },
      payload: {},
    });
    expect(sale.statusCode).toBe(403);
  });

  it("writes each finding's summary in the language asked for", async () => {
    const zh = (await get(opsKey, '?lang=zh-CN')).json<Answer>();
    expect(zh.findings.find((f) => f.subject.id === 'M0001/T0003')?.summary).toBe(
      '终端 T0003（商户 M0001）：读卡器重复读卡率 30.0%（机队 0.3%，n=60），建议检查或更换读卡器',
    );
    const en = (await get(opsKey, '?lang=en&from=2026-11-25&to=2026-11-25')).json<Answer>();
    expect(en.findings.find((f) => f.subject.id === 'M0001/T0003')?.summary).toContain(
      'check or replace the card reader',
    );
  });

  it('refuses a query it cannot read, naming the field, and a period over 92 days', async () => {
    const bad = await get(opsKey, '?from=yesterday&significance=0.9');
    expect(bad.statusCode).toBe(400);
    const problems = bad.json<{ problems: Array<{ field: string }> }>().problems.map((p) => p.field);
    expect(problems).toContain('significance');
    const badDay = await get(opsKey, '?from=2026-02-30');
    expect(badDay.json<{ problems: Array<{ field: string }> }>().problems.map((p) => p.field)).toEqual([
      'from',
    ]);
    const long = await get(opsKey, '?from=2026-01-01&to=2026-11-25');
    expect(long.statusCode).toBe(400);
    expect(long.json<{ code: string }>().code).toBe('POS_ERR_DIAGNOSIS_INVALID_PERIOD');
    const unknown = await get(opsKey, '?colour=red');
    expect(unknown.statusCode).toBe(400);
  });
});
