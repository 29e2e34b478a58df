import { describe, expect, it } from 'vitest';
import { testPan } from '../../payments/test-support/engine-harness.js';
import { addOtherMerchant, makeHttpHarness, type HttpHarness } from '../test-support/http-harness.js';

const rates = {
  debit: { ratePpm: 6000, capFen: 2000 },
  credit: { ratePpm: 6000 },
  qr: { ratePpm: 3800 },
  foreign: { ratePpm: 5000 },
};
const version1 = {
  version: 1,
  effectiveFrom: '2026-11-01',
  changedBy: 'ops:alice',
  changedAt: '2026-10-20T10:00:00+08:00',
  rates,
};
const plan = {
  format: 'posguard-fee-plan/1',
  merchantId: 'M0001',
  currency: 'CNY',
  devicePriceFen: 0,
  activation: { feeFen: 0 },
  versions: [version1],
};

async function twoSales(h: HttpHarness): Promise<string[]> {
  const ids: string[] = [];
  for (const key of ['fee-sale-1', 'fee-sale-2']) {
    const answer = await h.call({
      method: 'POST',
      url: '/v1/payments',
      headers: { 'idempotency-key': key },
      payload: {
        terminalId: 'T0001',
        amount: 1280 + ids.length,
        currency: 'CNY',
        card: { pan: testPan, expiry: '2812' },
        entryMode: 'chip',
      },
    });
    expect(answer.statusCode).toBe(201);
    ids.push(answer.json<{ id: string }>().id);
  }
  return ids;
}

const put = (h: HttpHarness, merchantId: string, body: unknown, headers: Record<string, string> = {}) =>
  h.call({
    method: 'PUT',
    url: `/v1/merchants/${merchantId}/fee-plan`,
    headers,
    payload: body as Record<string, unknown>,
  });

describe('the fee routes', () => {
  it("sets the merchant's plan, appends a version, and answers statements line by line", async () => {
    const h = await makeHttpHarness();
    const sales = await twoSales(h);
    const set = await put(h, 'M0001', plan);
    expect([set.statusCode, set.json()]).toEqual([200, { merchantId: 'M0001', appended: [1], version: 1 }]);
    const next = {
      ...version1,
      version: 2,
      effectiveFrom: '2026-11-26',
      rates: { ...rates, credit: { ratePpm: 6300 } },
    };
    const today = await put(h, 'M0001', {
      ...plan,
      versions: [version1, { ...next, effectiveFrom: '2026-11-25' }],
    });
    expect([today.statusCode, today.json<{ code: string }>().code]).toEqual([
      422,
      'POS_ERR_FEES_PLAN_REWRITES_PAST',
    ]);
    const added = await put(h, 'M0001', { ...plan, versions: [version1, next] });
    expect(added.json()).toEqual({ merchantId: 'M0001', appended: [2], version: 2 });
    const history = await h.call({ method: 'GET', url: '/v1/merchants/M0001/fee-plan/history' });
    expect(history.json<{ versions: { version: number; changedBy: string }[] }>().versions).toEqual([
      expect.objectContaining({ version: 1, effectiveFrom: '2026-11-01', changedBy: 'api:M0001' }),
      expect.objectContaining({ version: 2, effectiveFrom: '2026-11-26', changedBy: 'api:M0001' }),
    ]);
    const current = await h.call({ method: 'GET', url: '/v1/merchants/M0001/fee-plan' });
    expect(current.json()).toMatchObject({
      version: 2,
      plan: { versions: [{ version: 1 }, { version: 2 }] },
    });

    const day = await h.call({ method: 'GET', url: '/v1/merchants/M0001/statements?day=2026-11-25' });
    expect(day.statusCode).toBe(200);
    const statement = day.json<{
      kind: string;
      totals: Record<string, number>;
      lines: { transactionId: string; feeFen: number; unknownCard: boolean }[];
      settlementDate: string;
    }>();
    // No BIN table: the card is unknown, priced at the highest rate (credit, 0.60%): 7.68 and
    // 7.686 fen round half up to 8 fen each.
    expect(statement.lines.map((l) => [l.transactionId, l.feeFen, l.unknownCard])).toEqual(
      // Both at the same instant of the virtual clock: in id order.
      [...sales].sort().map((id) => [id, 8, true]),
    );
    expect(statement.totals).toMatchObject({ salesCount: 2, salesFen: 2561, feesNetFen: 16, netFen: 2545 });
    expect(statement.settlementDate).toBe('2026-11-26');
    const month = await h.call({ method: 'GET', url: '/v1/merchants/M0001/statements?month=2026-11' });
    expect(month.json()).toMatchObject({ kind: 'monthly', totals: { salesCount: 2 } });
  });

  it("answers a terminal's month: its sales, its device and SIM fees, not the merchant's charges", async () => {
    const h = await makeHttpHarness();
    await twoSales(h);
    const charged = {
      ...plan,
      devicePriceFen: 9900,
      activation: { feeFen: 19_900 },
      versions: [
        {
          ...version1,
          annualFee: { feeFen: 9900, billingDay: '11-25' },
          simFee: { feeFen: 3600, billingDay: '11-25' },
        },
      ],
    };
    expect((await put(h, 'M0001', charged)).statusCode).toBe(200);
    const answer = await h.call({
      method: 'GET',
      url: '/v1/merchants/M0001/statements?month=2026-11&terminalId=T0001',
    });
    expect(answer.statusCode).toBe(200);
    const month = answer.json<{
      terminalId: string;
      lines: { lineId: string; terminalId: string; feeFen: number }[];
      totals: Record<string, number>;
      netFen: number;
    }>();
    // The two sales (12.80 and 12.81, unknown card, 0.60%: 8 fen each), the device on the plan's
    // first day and the SIM fee on its billing day; the activation and annual fees stay the merchant's.
    expect(month.terminalId).toBe('T0001');
    expect(
      month.lines.filter((l) => l.lineId.includes(':')).map((l) => [l.lineId, l.terminalId, l.feeFen]),
    ).toEqual([
      ['device:2026-11-01', 'T0001', 9900],
      ['sim-fee:2026-11-25', 'T0001', 3600],
    ]);
    expect(month.totals).toMatchObject({ salesCount: 2, feesNetFen: 16 });
    expect(month.netFen).toBe(2561 - 16 - 9900 - 3600);
    const merchant = await h.call({ method: 'GET', url: '/v1/merchants/M0001/statements?month=2026-11' });
    expect(merchant.json<{ netFen: number; terminalId: null }>()).toMatchObject({
      terminalId: null,
      netFen: 2561 - 16 - 9900 - 19_900 - 9900 - 3600,
    });
    for (const query of ['month=2026-11&terminalId=T0009', 'day=2026-11-25&terminalId=T0009']) {
      const unknown = await h.call({ method: 'GET', url: `/v1/merchants/M0001/statements?${query}` });
      expect([unknown.statusCode, unknown.json<{ code: string }>().code], query).toEqual([
        404,
        'POS_ERR_FEES_TERMINAL_NOT_FOUND',
      ]);
    }
  });

  it('refuses bad plans and periods with coded answers, storing nothing', async () => {
    const h = await makeHttpHarness();
    const float = await put(h, 'M0001', {
      ...plan,
      versions: [{ ...version1, rates: { ...rates, credit: { ratePpm: 0.6 } } }],
    });
    expect(float.statusCode).toBe(400);
    expect(float.json()).toMatchObject({
      code: 'POS_ERR_FEES_PLAN_INVALID',
      problems: [expect.objectContaining({ field: 'versions[0].rates.credit.ratePpm' })],
    });
    const noPlan = await h.call({ method: 'GET', url: '/v1/merchants/M0001/fee-plan' });
    expect([noPlan.statusCode, noPlan.json<{ code: string }>().code]).toEqual([
      404,
      'POS_ERR_FEES_NO_PLAN_VERSION',
    ]);
    await put(h, 'M0001', plan);
    for (const [query, status, code] of [
      ['day=2026-11-26', 400, 'POS_ERR_FEES_STATEMENT_DATE'],
      ['day=25.11.2026', 400, 'POS_ERR_FEES_STATEMENT_DATE'],
      ['day=2026-11-25&month=2026-11', 400, 'POS_ERR_HTTP_INVALID_REQUEST'],
      ['', 400, 'POS_ERR_HTTP_INVALID_REQUEST'],
    ] as const) {
      const answer = await h.call({ method: 'GET', url: `/v1/merchants/M0001/statements?${query}` });
      expect([answer.statusCode, answer.json<{ code: string }>().code], query).toEqual([status, code]);
    }
  });

  it("answers 404 to a merchant's key asking for another merchant's plan or statements", async () => {
    const h = await makeHttpHarness();
    await addOtherMerchant(h);
    await put(h, 'M0001', plan);
    const other = { authorization: 'Bearer pgk_other' };
    for (const url of [
      '/v1/merchants/M0001/fee-plan',
      '/v1/merchants/M0001/fee-plan/history',
      '/v1/merchants/M0001/statements?day=2026-11-25',
    ]) {
      const answer = await h.call({ method: 'GET', url, headers: other });
      expect([answer.statusCode, answer.json<{ code: string }>().code], url).toEqual([
        404,
        'POS_ERR_FEES_MERCHANT_NOT_FOUND',
      ]);
    }
    const overwrite = await put(
      h,
      'M0001',
      { ...plan, versions: [{ ...version1, rates: { ...rates, qr: { ratePpm: 9000 } } }] },
      other,
    );
    expect(overwrite.statusCode).toBe(404);
    const cross = await put(h, 'M0002', { ...plan, merchantId: 'M0002' });
    expect(cross.statusCode).toBe(404);
    const stored = await h.store.read((r) => r.listFeePlanVersions('M0002'));
    expect(stored).toEqual([]);
    const own = await h.call({ method: 'GET', url: '/v1/merchants/M0001/fee-plan' });
    expect(own.json()).toMatchObject({ plan: { versions: [{ rates: { qr: { ratePpm: 3800 } } }] } });
  });
});
