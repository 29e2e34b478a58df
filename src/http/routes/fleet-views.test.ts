// The operations views over HTTP (issue 15): an operations key reads the overview, the payments
// (and a payment's history) and the terminals of every merchant, or of one with merchantId; a
// merchant's key or session reads its own merchant's and nothing else, whatever merchantId, id or
// RRN it sends (answered as if the other merchant did not exist).
import { beforeAll, describe, expect, it } from 'vitest';
import { addMerchant, addTerminal } from '../../merchants/merchant-admin.js';
import { createOperationsKey } from '../../merchants/operations-keys.js';
import { testPan } from '../../payments/test-support/engine-harness.js';
import { SeededRandom } from '../../random/random.js';
import { makeHttpHarness, type HttpHarness } from '../test-support/http-harness.js';

let h: HttpHarness;
let opsKey: string;
let mine: { id: string; rrn: string };
let theirs: { id: string; rrn: string };
let day: string;

const sale = (terminalId: string, amount: number) => ({
  terminalId,
  amount,
  currency: 'CNY',
  card: { pan: testPan, expiry: '2812' },
  entryMode: 'chip',
  operatorId: '01',
});

async function pay(
  key: string,
  apiKey: string,
  body: object,
): Promise<{ id: string; rrn: string; createdAt: string }> {
  const answer = await h.call({
    method: 'POST',
    url: '/v1/payments',
    headers: { authorization: `Bearer ${apiKey}`, 'idempotency-key': key },
    payload: body,
  });
  expect(answer.statusCode).toBe(201);
  return answer.json();
}

const get = (url: string, apiKey: string) =>
  h.call({ method: 'GET', url, headers: { authorization: `Bearer ${apiKey}` } });

beforeAll(async () => {
  h = await makeHttpHarness();
  const random = new SeededRandom(5);
  await addMerchant(
    h.store,
    { id: 'M0002', name: 'Other shop', apiKey: 'pgk_other' },
    { random, now: h.clock.now() },
  );
  await addTerminal(
    h.store,
    { merchantId: 'M0002', terminalId: 'T0009', tmkEncrypted: null },
    { now: h.clock.now() },
  );
  opsKey = (await createOperationsKey(h.store, { label: 'fleet' }, { random, now: h.clock.now() })).apiKey;
  const a = await pay('fleet-a', 'pgk_test', sale('T0001', 1200));
  const b = await pay('fleet-b', 'pgk_other', sale('T0009', 3400));
  mine = { id: a.id, rrn: a.rrn };
  theirs = { id: b.id, rrn: b.rrn };
  day = new Date(Date.parse(a.createdAt) + 8 * 3_600_000).toISOString().slice(0, 10);
});

describe('the operations views', () => {
  it('reads the overview of the whole fleet, or of one merchant', async () => {
    const count = async (query: string) =>
      (await get(`/v1/overview?day=${day}${query}`, opsKey)).json<{
        sales: { count: number; amountApproved: number };
      }>().sales;
    expect(await count('')).toEqual(expect.objectContaining({ count: 2, amountApproved: 4600 }));
    expect(await count('&merchantId=M0002')).toEqual(
      expect.objectContaining({ count: 1, amountApproved: 3400 }),
    );
    const unknown = await get(`/v1/overview?day=${day}&merchantId=M9999`, opsKey);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'POS_ERR_HTTP_MERCHANT_NOT_FOUND' });
  });

  it("lists every merchant's payments and terminals, or one merchant's, and reads any payment's history", async () => {
    const ids = async (query: string) =>
      (await get(`/v1/payments${query}`, opsKey))
        .json<{ data: Array<{ id: string }> }>()
        .data.map((p) => p.id);
    expect((await ids('')).sort()).toEqual([mine.id, theirs.id].sort());
    expect(await ids('?merchantId=M0002')).toEqual([theirs.id]);
    const terminals = (await get('/v1/terminals', opsKey)).json<{
      data: Array<{ merchantId: string; terminalId: string }>;
    }>();
    expect(terminals.data.map((t) => `${t.merchantId}/${t.terminalId}`)).toEqual([
      'M0001/T0001',
      'M0002/T0009',
    ]);
    const history = await get(`/v1/payments/${theirs.rrn}/history`, opsKey);
    expect(history.json<{ payment: { id: string } }>().payment.id).toBe(theirs.id);
    const merchants = (await get('/v1/merchants', opsKey)).json<{ data: Array<{ id: string }> }>();
    expect(merchants.data.map((m) => m.id)).toEqual(['M0001', 'M0002']);
  });

  it('still acts for no merchant: a sale, a void and the duplicate question are refused (403)', async () => {
    const voided = await h.call({
      method: 'POST',
      url: `/v1/payments/${mine.id}/void`,
      headers: { authorization: `Bearer ${opsKey}`, 'idempotency-key': 'ops-void' },
      payload: {},
    });
    expect(voided.statusCode).toBe(403);
    const check = await get(`/v1/duplicate-check?first=${mine.id}&second=${mine.id}`, opsKey);
    expect(check.statusCode).toBe(403);
  });
});

describe("a merchant never reaches another merchant's data", () => {
  it('answers 404 to another merchantId in any query, and lists only its own', async () => {
    for (const url of [
      `/v1/overview?day=${day}&merchantId=M0002`,
      '/v1/payments?merchantId=M0002',
      '/v1/terminals?merchantId=M0002',
      '/v1/reconciliation-runs?merchantId=M0002',
    ]) {
      const answer = await get(url, 'pgk_test');
      expect(answer.statusCode, url).toBe(404);
      expect(answer.json(), url).toMatchObject({ code: 'POS_ERR_HTTP_MERCHANT_NOT_FOUND' });
      expect(answer.body, url).not.toContain('Other shop');
    }
    const own = (await get('/v1/payments?merchantId=M0001', 'pgk_test')).json<{
      data: Array<{ id: string }>;
    }>();
    expect(own.data.map((p) => p.id)).toEqual([mine.id]);
    const terminals = (await get('/v1/terminals', 'pgk_test')).json<{
      data: Array<{ merchantId: string }>;
    }>();
    expect(terminals.data.every((t) => t.merchantId === 'M0001')).toBe(true);
    const merchants = (await get('/v1/merchants', 'pgk_test')).json<{ data: Array<{ id: string }> }>();
    expect(merchants.data).toEqual([{ id: 'M0001', name: expect.any(String) as unknown }]);
    for (const ref of [theirs.id, theirs.rrn]) {
      expect((await get(`/v1/payments/${ref}/history`, 'pgk_test')).statusCode).toBe(404);
    }
    const overview = (await get(`/v1/overview?day=${day}`, 'pgk_test')).json<{ sales: { count: number } }>();
    expect(overview.sales.count).toBe(1);
  });
});
