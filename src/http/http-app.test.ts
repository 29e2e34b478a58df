import { describe, expect, it } from 'vitest';
import { noFaults } from '../simulated-issuer/simulated-issuer.js';
import { testPan } from '../payments/test-support/engine-harness.js';
import { makeHttpHarness, type HttpHarness } from './test-support/http-harness.js';

const sale = {
  terminalId: 'T0001',
  amount: 1280,
  currency: 'CNY',
  card: { pan: testPan, expiry: '2812' },
  entryMode: 'chip',
};

function post(h: HttpHarness, url: string, key: string | undefined, payload: unknown) {
  return h.call({
    method: 'POST',
    url,
    headers: key === undefined ? {} : { 'idempotency-key': key },
    payload: payload as Record<string, unknown>,
  });
}

async function countPayments(h: HttpHarness): Promise<number> {
  const rows = await h.store.read((r) => r.countPaymentsByStatus());
  return rows.reduce((sum, row) => sum + row.count, 0);
}

describe('HTTP API', () => {
  describe('authentication and the Idempotency-Key header', () => {
    it('refuses a request without an API key or with an unknown one', async () => {
      const h = await makeHttpHarness();
      const none = await h.app.inject({ method: 'GET', url: '/v1/payments' });
      expect(none.statusCode).toBe(401);
      expect(none.json()).toMatchObject({ code: 'POS_ERR_AUTH_MISSING_API_KEY' });
      const wrong = await h.call({
        method: 'GET',
        url: '/v1/payments',
        headers: { authorization: 'Bearer nope' },
      });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json()).toMatchObject({ code: 'POS_ERR_AUTH_INVALID_API_KEY' });
    });

    it('requires an Idempotency-Key on every POST, 1 to 255 characters', async () => {
      const h = await makeHttpHarness();
      const missing = await post(h, '/v1/payments', undefined, sale);
      expect(missing.statusCode).toBe(400);
      expect(missing.json()).toMatchObject({ code: 'POS_ERR_IDEMPOTENCY_KEY_MISSING' });
      const long = await post(h, '/v1/payments', 'k'.repeat(256), sale);
      expect(long.statusCode).toBe(400);
      expect(long.json()).toMatchObject({
        code: 'POS_ERR_IDEMPOTENCY_KEY_INVALID',
        message: /256 characters/,
      });
      // The header sent twice arrives joined by a comma: two keys, refused rather than guessed.
      const twice = await post(h, '/v1/payments', 'k-1, k-2', sale);
      expect([twice.statusCode, twice.json<{ message: string }>().message]).toEqual([
        400,
        expect.stringContaining('expected one key, got a list') as unknown,
      ]);
      const control = await post(h, '/v1/reversals', 'rev-1', {
        idempotencyKey: 'a\u0000b',
        reason: 'timeout',
      });
      expect(control.statusCode).toBe(400);
      expect(control.json<{ problems: Array<{ field: string }> }>().problems[0]?.field).toBe(
        'idempotencyKey',
      );
      expect(await countPayments(h)).toBe(0);
      expect(h.issuer.calls.authorize).toBe(0);
    });

    it('accepts a structured-field string key as the same key as its content', async () => {
      const h = await makeHttpHarness();
      const quoted = await post(h, '/v1/payments', '"order-1"', sale);
      const plain = await post(h, '/v1/payments', 'order-1', sale);
      expect(quoted.statusCode).toBe(201);
      expect(plain.headers['idempotent-replayed']).toBe('true');
      expect(plain.json<{ id: string }>().id).toBe(quoted.json<{ id: string }>().id);
    });
  });

  describe('POST /v1/payments', () => {
    it('answers 201 with the approved payment and never echoes the card number', async () => {
      const h = await makeHttpHarness();
      const res = await post(h, '/v1/payments', 'a1', { ...sale, operatorId: '01', reference: 'order 7' });
      expect(res.statusCode).toBe(201);
      const body = res.json<Record<string, unknown>>();
      expect(body).toMatchObject({
        status: 'approved',
        responseCode: '00',
        amount: 1280,
        currency: 'CNY',
        cardMasked: '621234******1232',
        terminalId: 'T0001',
        duplicateOf: null,
        operatorId: '01',
        reference: 'order 7',
      });
      for (const field of ['id', 'rrn', 'authCode', 'createdAt'])
        expect(body[field]).toEqual(expect.any(String));
      expect(res.body).not.toContain(testPan);
    });

    it('replays the stored answer for a repeat with Idempotent-Replayed and charges once', async () => {
      const h = await makeHttpHarness();
      const first = await post(h, '/v1/payments', 'a1', sale);
      const second = await post(h, '/v1/payments', 'a1', sale);
      expect(second.statusCode).toBe(201);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(second.body).toBe(first.body);
      expect(h.issuer.calls.authorize).toBe(1);
    });

    it('answers 422 for the same key with a different body and sends nothing', async () => {
      const h = await makeHttpHarness();
      await post(h, '/v1/payments', 'a1', sale);
      const res = await post(h, '/v1/payments', 'a1', { ...sale, amount: 1281 });
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ code: 'POS_ERR_IDEMPOTENCY_KEY_REUSED' });
      expect(h.issuer.calls.authorize).toBe(1);
    });

    it('answers 409 with Retry-After for a repeat while the first is still in flight', async () => {
      const h = await makeHttpHarness({
        faults: { ...noFaults, latencyMs: { min: 3000, max: 3000 } },
        settings: { inFlightWaitMs: 500 },
      });
      const [first, second] = await h.drive(
        Promise.all([post(h, '/v1/payments', 'slow', sale), post(h, '/v1/payments', 'slow', sale)]),
      );
      expect(first.statusCode).toBe(201);
      expect(second.statusCode).toBe(409);
      expect(second.headers['retry-after']).toBe('1');
      expect(second.json()).toMatchObject({ code: 'POS_ERR_IDEMPOTENCY_IN_FLIGHT' });
      expect(h.issuer.calls.authorize).toBe(1);
    });

    it('lists every problem of a bad body at once, naming field, expectation and what came, and stores nothing', async () => {
      const h = await makeHttpHarness();
      const res = await post(h, '/v1/payments', 'bad', {
        terminalId: 'T0001',
        amount: 12.5,
        currency: 'CNY',
        card: { pan: '6212345678901233', expiry: '2813' },
        entryMode: 'chipx',
        tip: 100,
      });
      expect(res.statusCode).toBe(400);
      const body = res.json<{
        code: string;
        problems: Array<{ field: string; expected: string; actual: string }>;
      }>();
      expect(body.code).toBe('POS_ERR_HTTP_INVALID_REQUEST');
      expect(Object.fromEntries(body.problems.map((p) => [p.field, p]))).toMatchObject({
        amount: { expected: expect.stringContaining('whole number of fen') as unknown, actual: '12.5' },
        'card.pan': {
          expected: expect.stringContaining('Luhn') as unknown,
          actual: '16 digits (621234******1233)',
        },
        'card.expiry': { expected: 'the card expiry as YYMM', actual: '"2813"' },
        entryMode: { actual: '"chipx"' },
        tip: { expected: 'no such field' },
      });
      expect(res.body).not.toContain('6212345678901233');
      expect(await countPayments(h)).toBe(0);
      expect(h.issuer.calls.authorize).toBe(0);
    });

    it('names card data sent where it does not belong without ever echoing it', async () => {
      const h = await makeHttpHarness();
      const res = await post(h, '/v1/payments', 'card-data', {
        terminalId: 'T0001',
        amount: 1280,
        currency: 'CNY',
        card: {
          pan: '6212345678901232',
          expiry: '2812',
          track2: '6212345678901232=2812',
          cvv: '123',
          pinBlock: '0123456789ABCDEF',
        },
        entryMode: 'chip',
        reference: 6212345678901232,
      });
      expect(res.statusCode).toBe(400);
      const problems = res.json<{ problems: Array<{ field: string; actual: string }> }>().problems;
      expect(Object.fromEntries(problems.map((p) => [p.field, p.actual]))).toEqual({
        'card.track2': 'a string',
        'card.cvv': 'a string',
        'card.pinBlock': 'a string',
        reference: 'a 16-digit number (not shown: it may be a card number)',
      });
      for (const secret of ['6212345678901232', '0123456789ABCDEF', '"123"']) {
        expect(res.body).not.toContain(secret);
      }
      expect(await countPayments(h)).toBe(0);
      expect(h.issuer.calls.authorize).toBe(0);
    });

    it('names missing fields and wrong types', async () => {
      const h = await makeHttpHarness();
      const res = await post(h, '/v1/payments', 'bad', { terminalId: 7, amount: '1280', card: {} });
      const fields = res
        .json<{ problems: Array<{ field: string }> }>()
        .problems.map((p) => p.field)
        .sort();
      // `body`: a sale takes either card and entryMode or a paymentCode (issue 20).
      expect(fields).toEqual([
        'amount',
        'body',
        'card.expiry',
        'card.pan',
        'currency',
        'entryMode',
        'terminalId',
      ]);
    });

    it('refuses malformed JSON, a body over 16 KiB and a non-JSON content type, and keeps serving', async () => {
      const h = await makeHttpHarness();
      const malformed = await h.call({
        method: 'POST',
        url: '/v1/payments',
        headers: { 'idempotency-key': 'x', 'content-type': 'application/json' },
        payload: '{"amount": 12',
      });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json()).toMatchObject({ code: 'POS_ERR_HTTP_MALFORMED_JSON' });
      const huge = await post(h, '/v1/payments', 'y', { ...sale, reference: 'x'.repeat(20_000) });
      expect(huge.statusCode).toBe(413);
      expect(huge.json()).toMatchObject({ code: 'POS_ERR_HTTP_BODY_TOO_LARGE' });
      const text = await h.call({
        method: 'POST',
        url: '/v1/payments',
        headers: { 'idempotency-key': 'z', 'content-type': 'text/plain' },
        payload: 'amount=1',
      });
      expect(text.statusCode).toBe(415);
      expect(text.json()).toMatchObject({ code: 'POS_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE' });
      expect((await post(h, '/v1/payments', 'ok', sale)).statusCode).toBe(201);
    });

    it('answers 422 for a terminal the merchant does not have', async () => {
      const h = await makeHttpHarness();
      const res = await post(h, '/v1/payments', 'a', { ...sale, terminalId: 'NOPE' });
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ code: 'POS_ERR_PAYMENT_UNKNOWN_TERMINAL', message: /"NOPE"/ });
      expect(await countPayments(h)).toBe(0);
    });

    it('answers duplicate_suspected for a re-run sale and lets the operator confirm it', async () => {
      const h = await makeHttpHarness();
      const first = (await post(h, '/v1/payments', 'a', sale)).json<{ id: string }>();
      const held = await post(h, '/v1/payments', 'b', sale);
      expect(held.statusCode).toBe(201);
      expect(held.json()).toMatchObject({
        status: 'duplicate_suspected',
        responseCode: '94',
        duplicateOf: first.id,
      });
      const confirmed = await post(h, '/v1/payments', 'c', {
        ...sale,
        confirmDuplicate: true,
        operatorId: '02',
      });
      expect(confirmed.json()).toMatchObject({
        status: 'approved',
        duplicateConfirmed: true,
        duplicateOf: first.id,
      });
      const list = await h.call({ method: 'GET', url: '/v1/duplicates' });
      expect(list.json()).toMatchObject({
        data: [{ source: 'authorization', resolution: 'confirmed', operatorId: '02', duplicateOf: first.id }],
      });
    });
  });

  describe('voids, refunds and reversals', () => {
    it('voids, refunds within the captured amount, and answers 409 for an illegal move', async () => {
      const h = await makeHttpHarness();
      const a = (await post(h, '/v1/payments', 'a', sale)).json<{ id: string }>();
      const refund = await post(h, `/v1/payments/${a.id}/refunds`, 'r1', { amount: 280 });
      expect(refund.statusCode).toBe(201);
      expect(refund.json()).toMatchObject({
        kind: 'refund',
        status: 'approved',
        amount: 280,
        originalId: a.id,
      });
      const tooMuch = await post(h, `/v1/payments/${a.id}/refunds`, 'r2', { amount: 1001 });
      expect(tooMuch.statusCode).toBe(422);
      expect(tooMuch.json()).toMatchObject({ code: 'POS_ERR_PAYMENT_REFUND_EXCEEDS_CAPTURED' });
      const voidIt = await post(h, `/v1/payments/${a.id}/void`, 'v1', {});
      expect(voidIt.statusCode).toBe(409);
      expect(voidIt.json()).toMatchObject({ code: 'POS_ERR_PAYMENT_ILLEGAL_TRANSITION' });
      const b = (await post(h, '/v1/payments', 'b', { ...sale, amount: 500 })).json<{ id: string }>();
      expect((await post(h, `/v1/payments/${b.id}/void`, 'v2', {})).json()).toMatchObject({
        kind: 'void',
        status: 'approved',
      });
      expect((await h.call({ method: 'GET', url: `/v1/payments/${b.id}` })).json()).toMatchObject({
        status: 'voided',
      });
    });

    it('reverses by id, and by original key with a tombstone that refuses the late original', async () => {
      const h = await makeHttpHarness();
      const a = (await post(h, '/v1/payments', 'a', sale)).json<{ id: string }>();
      const reversal = await post(h, `/v1/payments/${a.id}/reversal`, 'rv1', { reason: 'timeout' });
      expect(reversal.statusCode).toBe(202);
      expect(reversal.json()).toMatchObject({
        reversal: { state: 'queued' },
        payment: { status: 'reversal_pending' },
      });
      const early = await post(h, '/v1/reversals', 'rv2', {
        idempotencyKey: 'never-arrived',
        reason: 'timeout',
      });
      expect(early.statusCode).toBe(202);
      expect(early.json()).toEqual({ reversal: { state: 'tombstoned', reason: 'timeout' }, payment: null });
      const late = await post(h, '/v1/payments', 'never-arrived', { ...sale, amount: 999 });
      expect(late.statusCode).toBe(409);
      expect(late.json()).toMatchObject({ code: 'POS_ERR_IDEMPOTENCY_KEY_REVERSED' });
      expect(h.issuer.calls.authorize).toBe(1);
      const bad = await post(h, '/v1/reversals', 'rv3', { idempotencyKey: 'x', reason: 'because' });
      expect(bad.statusCode).toBe(400);
    });
  });

  describe('reads', () => {
    it('reads a payment, 404s another merchant or unknown id, and pages through the list', async () => {
      const h = await makeHttpHarness();
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        await h.clock.advance(1000);
        ids.push(
          (await post(h, '/v1/payments', `k${i}`, { ...sale, amount: 100 + i })).json<{ id: string }>().id,
        );
      }
      expect((await h.call({ method: 'GET', url: `/v1/payments/${ids[0]}` })).json()).toMatchObject({
        amount: 100,
      });
      const missing = await h.call({ method: 'GET', url: '/v1/payments/pay_nope' });
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toMatchObject({ code: 'POS_ERR_PAYMENT_NOT_FOUND' });
      const page1 = (await h.call({ method: 'GET', url: '/v1/payments?limit=2' })).json<{
        data: Array<{ id: string }>;
        nextCursor: string;
      }>();
      expect(page1.data.map((p) => p.id)).toEqual([ids[4], ids[3]]);
      const page2 = (
        await h.call({ method: 'GET', url: `/v1/payments?limit=2&cursor=${page1.nextCursor}` })
      ).json<{ data: Array<{ id: string }> }>();
      expect(page2.data.map((p) => p.id)).toEqual([ids[2], ids[1]]);
      const filtered = await h.call({ method: 'GET', url: '/v1/payments?status=declined' });
      expect(filtered.json()).toEqual({ data: [], nextCursor: null });
      const badQuery = await h.call({ method: 'GET', url: '/v1/payments?limit=abc&status=nope' });
      expect(badQuery.statusCode).toBe(400);
      expect(
        badQuery
          .json<{ problems: Array<{ field: string }> }>()
          .problems.map((p) => p.field)
          .sort(),
      ).toEqual(['limit', 'status']);
      const backwards = await h.call({
        method: 'GET',
        url: '/v1/payments?from=2026-11-26T00:00:00%2B08:00&to=2026-11-25T00:00:00%2B08:00',
      });
      expect(backwards.statusCode).toBe(400);
      expect(backwards.json<{ problems: Array<{ field: string }> }>().problems.map((p) => p.field)).toEqual([
        'from',
      ]);
    });

    it("gives the terminal's last payment for a reprint", async () => {
      const h = await makeHttpHarness();
      expect((await h.call({ method: 'GET', url: '/v1/terminals/T0001/last-payment' })).statusCode).toBe(404);
      await post(h, '/v1/payments', 'a', sale);
      await h.clock.advance(10);
      const b = (await post(h, '/v1/payments', 'b', { ...sale, amount: 2 })).json<{ id: string }>();
      const last = await h.call({ method: 'GET', url: '/v1/terminals/T0001/last-payment' });
      expect(last.json()).toMatchObject({ id: b.id, amount: 2 });
    });

    it('serves health, Prometheus metrics and the OpenAPI document without an API key', async () => {
      const h = await makeHttpHarness();
      await post(h, '/v1/payments', 'a', sale);
      await post(h, '/v1/payments', 'a', sale);
      await post(h, '/v1/payments', 'b', sale);
      expect((await h.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({
        status: 'ok',
        store: 'sqlite',
      });
      const postHealth = await h.app.inject({ method: 'POST', url: '/healthz' });
      expect([postHealth.statusCode, postHealth.json<{ code: string }>().code]).toEqual([
        404,
        'POS_ERR_HTTP_ROUTE_NOT_FOUND',
      ]);
      const probe = await h.app.inject({ method: 'GET', url: '/healthz?probe=lb' });
      expect([probe.statusCode, probe.json()]).toEqual([200, { status: 'ok', store: 'sqlite' }]);
      const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toContain('posguard_payments_total{kind="sale",status="approved"} 1');
      expect(metrics).toContain('posguard_duplicates_prevented_total{reason="retransmission_replayed"} 1');
      expect(metrics).toContain('posguard_duplicates_prevented_total{reason="suspect_held"} 1');
      expect(metrics).toContain('posguard_reversal_queue_depth 0');
      expect(metrics).toMatch(
        /posguard_upstream_latency_seconds_count\{operation="authorize",outcome="approved"\} 1/,
      );
      const openapi = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
        paths: Record<string, unknown>;
      }>();
      expect(Object.keys(openapi.paths).sort()).toEqual([
        '/healthz',
        '/metrics',
        '/v1/dashboard-users',
        '/v1/dashboard-users/{username}/disable',
        '/v1/diagnostics',
        '/v1/duplicate-check',
        '/v1/duplicates',
        '/v1/merchants',
        '/v1/merchants/{merchantId}/fee-plan',
        '/v1/merchants/{merchantId}/fee-plan/history',
        '/v1/merchants/{merchantId}/statements',
        '/v1/overview',
        '/v1/payments',
        '/v1/payments/{id}',
        '/v1/payments/{id}/history',
        '/v1/payments/{id}/refunds',
        '/v1/payments/{id}/reversal',
        '/v1/payments/{id}/void',
        '/v1/qr-orders',
        '/v1/qr-orders/{id}',
        '/v1/reconciliation-runs',
        '/v1/reconciliation-runs/{id}',
        '/v1/reconciliation-runs/{id}/exceptions',
        '/v1/reconciliation-runs/{id}/exceptions.csv',
        '/v1/reversals',
        '/v1/session',
        '/v1/terminals',
        '/v1/terminals/{terminalId}/last-payment',
        '/v1/terminals/{terminalId}/telemetry',
        '/v1/wallet-notifications/{wallet}',
      ]);
      expect((await h.app.inject({ method: 'GET', url: '/docs/' })).statusCode).toBe(200);
    });

    it('answers a URL it cannot read, or an id past its length, in its own error format', async () => {
      const h = await makeHttpHarness();
      const badUrl = await h.call({ method: 'GET', url: '/v1/payments/%ZZ' });
      expect(badUrl.statusCode).toBe(400);
      expect(badUrl.json()).toMatchObject({ code: 'POS_ERR_HTTP_INVALID_REQUEST' });
      const longId = await h.call({ method: 'GET', url: `/v1/payments/${'x'.repeat(3000)}` });
      expect(longId.json<{ code: string }>().code).toMatch(/^POS_ERR_/);
    });

    it('answers an unknown route with a 404 and a code', async () => {
      const h = await makeHttpHarness();
      const res = await h.call({ method: 'GET', url: '/v2/nothing' });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ code: 'POS_ERR_HTTP_ROUTE_NOT_FOUND' });
    });
  });
});
