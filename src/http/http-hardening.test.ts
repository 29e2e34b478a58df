// The attacks of issue 13 on the HTTP door, each performed for real: card numbers in free text and
// in URLs, text that is not text (on SQLite and PostgreSQL), expired cards, wrong API keys at
// speed. Slow clients and connection caps are in http-server.test.ts, over real sockets.
import { afterAll, describe, expect, it } from 'vitest';
import { merchantId, testPan } from '../payments/test-support/engine-harness.js';
import { openPostgresStore } from '../store/postgres/open-postgres-store.js';
import { freshSchemaUrl } from '../store/postgres/test-support/test-database.js';
import type { Store } from '../payments/ports/store.js';
import { defaultHttpLimits } from './http-server.js';
import { apiKey, makeHttpHarness, type HttpHarness } from './test-support/http-harness.js';
import { conformanceProblems, type OpenApiDocument } from './test-support/openapi-conformance.js';

const cardNumber = '4111111111111111';
const sale = {
  terminalId: 'T0001',
  amount: 1280,
  currency: 'CNY',
  card: { pan: testPan, expiry: '2812' },
  entryMode: 'chip',
};

type ErrorBody = { code: string; message: string; problems?: Array<{ field: string; actual: string }> };

function post(h: HttpHarness, url: string, key: string, payload: unknown) {
  return h.call({
    method: 'POST',
    url,
    headers: { 'idempotency-key': key },
    payload: payload as Record<string, unknown>,
  });
}

/** A body sent exactly as given, bytes and all. */
function postRaw(h: HttpHarness, key: string, body: string | Buffer) {
  return h.call({
    method: 'POST',
    url: '/v1/payments',
    headers: { 'idempotency-key': key, 'content-type': 'application/json' },
    payload: body,
  });
}

async function storedPayments(h: HttpHarness): Promise<number> {
  const rows = await h.store.read((r) => r.countPaymentsByStatus());
  return rows.reduce((sum, row) => sum + row.count, 0);
}

const stores: Store[] = [];
afterAll(async () => {
  for (const store of stores) await store.close();
});

describe('card numbers in free text (issue 13, item 6)', () => {
  it('refuses a card number in reference, operatorId, the Idempotency-Key or a reversal key, naming the field', async () => {
    const h = await makeHttpHarness();
    const attempts = [
      {
        field: 'reference',
        response: await post(h, '/v1/payments', 'k-1', { ...sale, reference: `paid ${cardNumber}` }),
      },
      {
        field: 'operatorId',
        response: await post(h, '/v1/payments', 'k-2', { ...sale, operatorId: cardNumber }),
      },
      {
        field: 'reference',
        response: await post(h, '/v1/payments', 'k-3', { ...sale, reference: '4111 1111 1111 1111' }),
      },
      {
        field: 'idempotencyKey',
        response: await post(h, '/v1/reversals', 'rev-1', { idempotencyKey: cardNumber, reason: 'timeout' }),
      },
    ];
    for (const { field, response } of attempts) {
      expect(response.statusCode).toBe(400);
      const body = response.json<ErrorBody>();
      expect(body.code).toBe('POS_ERR_HTTP_INVALID_REQUEST');
      expect(body.problems?.[0]?.field).toBe(field);
      expect(response.body).not.toMatch(/4111.?1111.?1111.?1111/);
    }
    const header = await post(h, '/v1/payments', `order-${cardNumber}`, sale);
    expect(header.statusCode).toBe(400);
    expect(header.json<ErrorBody>()).toMatchObject({
      code: 'POS_ERR_IDEMPOTENCY_KEY_INVALID',
      message: /card number/,
    });
    expect(header.body).not.toContain(cardNumber);
    expect(await storedPayments(h)).toBe(0);
    expect(h.issuer.calls.authorize).toBe(0);
    expect(h.logLines.join('')).not.toContain(cardNumber);
  });

  it('refuses a card number in the operatorId of a void or refund', async () => {
    const h = await makeHttpHarness();
    const { id } = (await post(h, '/v1/payments', 'k-1', sale)).json<{ id: string }>();
    const voided = await post(h, `/v1/payments/${id}/void`, 'v-1', { operatorId: cardNumber });
    const refunded = await post(h, `/v1/payments/${id}/refunds`, 'r-1', {
      amount: 100,
      operatorId: cardNumber,
    });
    for (const response of [voided, refunded]) {
      expect(response.statusCode).toBe(400);
      expect(response.json<ErrorBody>().problems?.[0]?.field).toBe('operatorId');
    }
    expect(await storedPayments(h)).toBe(1);
  });

  it('refuses it in the engine too, whichever door a request comes through', async () => {
    const h = await makeHttpHarness();
    await expect(
      h.engine.authorizeSale(h.sale({ channel: 'iso', reference: `x${cardNumber}` })),
    ).rejects.toMatchObject({ code: 'POS_ERR_PAYMENT_INVALID_TEXT', problems: [{ field: 'reference' }] });
    await expect(h.engine.authorizeSale(h.sale({ idempotencyKey: cardNumber }))).rejects.toMatchObject({
      code: 'POS_ERR_PAYMENT_INVALID_TEXT',
    });
    await expect(
      h.engine.reverse({
        merchantId,
        idempotencyKey: 'r-1',
        target: { originalKey: cardNumber },
        reason: 'timeout',
      }),
    ).rejects.toMatchObject({ code: 'POS_ERR_PAYMENT_INVALID_TEXT', problems: [{ field: 'originalKey' }] });
    expect(await storedPayments(h)).toBe(0);
  });

  it('redacts a card number in a URL, in the request log and in the error, however it is written', async () => {
    const h = await makeHttpHarness();
    const urls = [
      '/v1/payments/4929123456789012',
      '/v1/payments/%34%39%32%39%31%32%33%34%35%36%37%38%39%30%31%32',
      '/v1/payments?cursor=4929123456789012',
      '/v1/cards/4929-1234-5678-9012',
      '/v1/payments/4929123456789012%',
    ];
    for (const url of urls) {
      const response = await h.call({ method: 'GET', url });
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
      expect(response.body).not.toMatch(/4929.?1234.?5678.?9012/);
    }
    const log = h.logLines.join('');
    expect(log).toContain('[redacted digits]');
    expect(log).not.toMatch(/4929.?1234.?5678.?9012/);
    expect(log).not.toContain('%34%39%32%39');
  });

  it('logs each request at info, and nothing of it at warn (the line is not even built)', async () => {
    const h = await makeHttpHarness();
    await h.call({ method: 'GET', url: '/v1/payments?limit=1' });
    expect(h.logLines.filter((l) => l.includes('"msg":"request"'))).toHaveLength(1);
    h.app.log.level = 'warn';
    await h.call({ method: 'GET', url: '/v1/payments?limit=1' });
    expect(h.logLines.filter((l) => l.includes('"msg":"request"'))).toHaveLength(1);
  });
});

describe('text that is not text (issue 13, item 7)', () => {
  const cases: Array<{ name: string; body: string | Buffer; field: string; code: string }> = [
    {
      name: 'a NUL',
      body: JSON.stringify({ ...sale, reference: 'a\u0000b' }),
      field: 'reference',
      code: 'POS_ERR_HTTP_INVALID_REQUEST',
    },
    {
      name: 'an ANSI escape',
      body: JSON.stringify({ ...sale, reference: '\u001b[31mred\u001b[0m' }),
      field: 'reference',
      code: 'POS_ERR_HTTP_INVALID_REQUEST',
    },
    {
      name: 'a lone surrogate',
      body: JSON.stringify({ ...sale, reference: 'REPLACE' }).replace('REPLACE', 'x\\ud800y'),
      field: 'reference',
      code: 'POS_ERR_HTTP_INVALID_REQUEST',
    },
    {
      name: 'bytes that are not UTF-8',
      body: Buffer.concat([
        Buffer.from(JSON.stringify({ ...sale, reference: 'caf' }).slice(0, -2)),
        Buffer.from([0xe9]),
        Buffer.from('"}'),
      ]),
      field: 'reference',
      code: 'POS_ERR_HTTP_INVALID_UTF8',
    },
  ];
  const storesToTry: Array<{ name: string; open: () => Promise<Store | undefined> }> = [
    { name: 'SQLite', open: () => Promise.resolve(undefined) },
    {
      name: 'PostgreSQL',
      open: async () => {
        const store = await openPostgresStore(freshSchemaUrl('http_text'));
        stores.push(store);
        return store;
      },
    },
  ];
  for (const backend of storesToTry) {
    it(`refuses each with a coded 400 naming the field and stores nothing, on ${backend.name}`, async () => {
      const store = await backend.open();
      const h = await makeHttpHarness(store === undefined ? {} : { store });
      let n = 0;
      for (const attempt of cases) {
        n += 1;
        const response = await postRaw(h, `text-${n}`, attempt.body);
        expect([attempt.name, response.statusCode]).toEqual([attempt.name, 400]);
        const body = response.json<ErrorBody>();
        expect([attempt.name, body.code, body.problems?.[0]?.field]).toEqual([
          attempt.name,
          attempt.code,
          attempt.field,
        ]);
        expect(await h.store.read((r) => r.getRequest(merchantId, `text-${n}`))).toBeUndefined();
      }
      expect(await storedPayments(h)).toBe(0);
      // Plain non-ASCII text is text: stored as sent.
      const fine = await post(h, '/v1/payments', 'text-ok', { ...sale, reference: '订单 café' });
      expect(fine.statusCode).toBe(201);
      expect(fine.json<{ reference: string }>().reference).toBe('订单 café');
    });
  }

  it('refuses a NUL in a path id or a terminal id before it reaches the store', async () => {
    const h = await makeHttpHarness();
    for (const url of [
      '/v1/payments/pay%00x',
      '/v1/payments?terminalId=T%000',
      '/v1/terminals/T%0001/last-payment',
    ]) {
      const response = await h.call({ method: 'GET', url });
      expect([url, response.statusCode]).toEqual([url, 400]);
    }
  });
});

describe('expired cards (issue 13, item 8)', () => {
  it('declines a card past its expiry month with 54, without asking the issuer', async () => {
    const h = await makeHttpHarness(); // the clock reads 2026-11-25
    for (const [key, expiry] of [
      ['old', '2001'],
      ['last-month', '2610'],
    ] as const) {
      const response = await post(h, '/v1/payments', key, { ...sale, card: { pan: testPan, expiry } });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toMatchObject({ status: 'declined', responseCode: '54', message: /expired/ });
    }
    expect(h.issuer.calls.authorize).toBe(0);
    const thisMonth = await post(h, '/v1/payments', 'this-month', {
      ...sale,
      card: { pan: testPan, expiry: '2611' },
    });
    expect(thisMonth.json()).toMatchObject({ status: 'approved', responseCode: '00' });
  });

  it('has the simulated issuer decline an expired card with 54 as well', async () => {
    const h = await makeHttpHarness();
    const answer = await h.issuer.authorize(
      {
        kind: 'sale',
        rrn: '000000000001',
        originalRrn: null,
        merchantId,
        terminalId: 'T0001',
        amount: 100,
        currency: 'CNY',
        pan: h.card().pan,
        cardFingerprint: h.card().fingerprint,
        expiry: '2001',
        entryMode: 'chip',
        batchNo: null,
        stan: null,
      },
      new AbortController().signal,
    );
    expect(answer).toEqual({ outcome: 'declined', responseCode: '54' });
  });
});

describe('the OpenAPI document is the API (issue 13, item 9)', () => {
  it('requires the Idempotency-Key, bounds limit to 1-500 and card.pan, and documents every error status', async () => {
    const h = await makeHttpHarness();
    const document = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<
        string,
        Record<
          string,
          {
            parameters?: Array<Record<string, unknown>>;
            responses: Record<string, unknown>;
            requestBody?: {
              content: Record<
                string,
                { schema: { properties: { card: { properties: { pan: Record<string, unknown> } } } } }
              >;
            };
          }
        >
      >;
    }>();
    const create = document.paths['/v1/payments']?.['post'];
    expect(create?.parameters?.find((p) => p['name'] === 'idempotency-key')).toMatchObject({
      in: 'header',
      required: true,
    });
    expect(Object.keys(create?.responses ?? {})).toEqual(
      expect.arrayContaining(['201', '400', '401', '409', '413', '415', '422', '429', '500', '503']),
    );
    expect(
      create?.requestBody?.content['application/json']?.schema.properties.card.properties.pan,
    ).toMatchObject({
      minLength: 12,
      maxLength: 19,
      pattern: '^[0-9]+$',
    });
    const limit = document.paths['/v1/payments']?.['get']?.parameters?.find((p) => p['name'] === 'limit') as
      { schema: { pattern: string } } | undefined;
    const pattern = new RegExp(limit?.schema.pattern ?? '');
    expect(['0', '501', '999', '00'].filter((v) => pattern.test(v))).toEqual([]);
    expect(['1', '50', '499', '500'].every((v) => pattern.test(v))).toBe(true);
    for (const value of ['0', '501']) {
      expect((await h.call({ method: 'GET', url: `/v1/payments?limit=${value}` })).statusCode).toBe(400);
    }
  });

  it('finds an undocumented status or a body that departs from its schema', async () => {
    const h = await makeHttpHarness();
    const document = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json<OpenApiDocument>();
    const problems = conformanceProblems(document, [
      {
        method: 'GET',
        url: '/v1/payments/pay_1',
        statusCode: 418,
        contentType: 'application/json',
        body: '{}',
      },
      {
        method: 'GET',
        url: '/v1/payments/pay_1',
        statusCode: 200,
        contentType: 'application/json',
        body: '{"id":"pay_1"}',
      },
      {
        method: 'GET',
        url: '/v1/payments',
        statusCode: 401,
        contentType: 'application/json',
        body: '{"code":"nope"}',
      },
    ]);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/status not documented/);
  });
});

describe('wrong API keys at speed (issue 13, item 10)', () => {
  const wrong = (h: HttpHarness, remoteAddress = '203.0.113.7') =>
    h.app.inject({
      method: 'GET',
      url: '/v1/payments',
      remoteAddress,
      headers: { authorization: 'Bearer guess' },
    });
  const right = (h: HttpHarness, remoteAddress = '203.0.113.7') =>
    h.app.inject({
      method: 'GET',
      url: '/v1/payments',
      remoteAddress,
      headers: { authorization: `Bearer ${apiKey}` },
    });

  it('answers 429 with Retry-After once an address has sent too many wrong keys, then lets it try again', async () => {
    const h = await makeHttpHarness();
    const allowed = defaultHttpLimits.authFailuresPerMinute;
    for (let i = 0; i < allowed; i += 1) expect((await wrong(h)).statusCode).toBe(401);
    const limited = await wrong(h);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'POS_ERR_AUTH_RATE_LIMITED' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    // From that address no key is tried, not even a right one: a list of leaked keys stops here.
    expect((await right(h)).statusCode).toBe(429);
    // Other addresses are untouched, and a correct key never counts.
    for (let i = 0; i < 3 * allowed; i += 1) expect((await right(h, '198.51.100.1')).statusCode).toBe(200);
    await h.clock.advance(60_000);
    expect((await right(h)).statusCode).toBe(200);
  });

  it('can be turned off', async () => {
    const h = await makeHttpHarness({ limits: { ...defaultHttpLimits, authFailuresPerMinute: 0 } });
    for (let i = 0; i < 50; i += 1) expect((await wrong(h)).statusCode).toBe(401);
  });
});
