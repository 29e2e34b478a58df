import { beforeAll, describe, expect, it } from 'vitest';
import { createOperationsKey, revokeOperationsKey } from '../../merchants/operations-keys.js';
import { SeededRandom } from '../../random/random.js';
import { seedFleet } from '../../diagnostics/test-support/seeded-fleet.js';
import { makeHttpHarness, type HttpHarness } from '../test-support/http-harness.js';

interface Diagnosis {
  merchantId: string | null;
  findings: Array<{
    subject: { id: string; merchantId: string | null };
    evidence: { transactionIds: string[] };
  }>;
}

let h: HttpHarness;
let opsKey: string;
const random = new SeededRandom(23);

beforeAll(async () => {
  h = await makeHttpHarness();
  await seedFleet({ harness: h });
  opsKey = (await createOperationsKey(h.store, { label: 'dashboard' }, { random, now: h.clock.now() }))
    .apiKey;
}, 120_000);

/** Signs in through POST /v1/session; the cookie header to send, the CSRF token and the session. */
async function signIn(apiKey: string) {
  const answer = await h.app.inject({ method: 'POST', url: '/v1/session', payload: { apiKey } });
  expect(answer.statusCode).toBe(201);
  const cookie = String(answer.headers['set-cookie']).split(';')[0] ?? '';
  return { cookie, body: answer.json<{ role: string; merchantId: string | null; csrfToken: string }>() };
}

const diagnosisOf = async (cookie: string) => {
  const res = await h.app.inject({ method: 'GET', url: '/v1/diagnostics', headers: { cookie } });
  expect(res.statusCode).toBe(200);
  return res.json<Diagnosis>();
};

describe('operations sign-in to the dashboard', () => {
  it('gives an operations key a session with role operations, the same cookie rules, and the fleet diagnosis', async () => {
    const answer = await h.app.inject({ method: 'POST', url: '/v1/session', payload: { apiKey: opsKey } });
    expect(answer.statusCode).toBe(201);
    expect(String(answer.headers['set-cookie'])).toMatch(/; HttpOnly; Secure; SameSite=Strict; /);
    expect(answer.json()).toMatchObject({ role: 'operations', merchantId: null, merchantName: null });
    const { cookie } = await signIn(opsKey);
    const fleet = await diagnosisOf(cookie);
    expect(fleet.merchantId).toBeNull();
    const ids = fleet.findings.map((f) => f.subject.id);
    expect(ids).toContain('M0001/T0003');
    expect(ids).toContain('4g:DropNet');
  });

  it('refuses an operations session on merchant-scoped routes (403) and a state change without the CSRF token', async () => {
    const { cookie, body } = await signIn(opsKey);
    const duplicates = await h.app.inject({ method: 'GET', url: '/v1/duplicates', headers: { cookie } });
    expect(duplicates.statusCode).toBe(403);
    expect(duplicates.json<{ code: string }>().code).toBe('POS_ERR_AUTH_MERCHANT_KEY_REQUIRED');
    const noToken = await h.app.inject({ method: 'DELETE', url: '/v1/session', headers: { cookie } });
    expect(noToken.json<{ code: string }>().code).toBe('POS_ERR_AUTH_CSRF_TOKEN');
    const out = await h.app.inject({
      method: 'DELETE',
      url: '/v1/session',
      headers: { cookie, 'x-csrf-token': body.csrfToken },
    });
    expect(out.statusCode).toBe(204);
  });

  it('ends an operations session as soon as its key is revoked', async () => {
    const made = await createOperationsKey(h.store, { label: 'short lived' }, { random, now: h.clock.now() });
    const { cookie } = await signIn(made.apiKey);
    expect((await h.app.inject({ method: 'GET', url: '/v1/session', headers: { cookie } })).statusCode).toBe(
      200,
    );
    await revokeOperationsKey(h.store, made.record.id, h.clock.now());
    const after = await h.app.inject({ method: 'GET', url: '/v1/diagnostics', headers: { cookie } });
    expect(after.statusCode).toBe(401);
    expect(after.json<{ code: string }>().code).toBe('POS_ERR_AUTH_SESSION_INVALID');
  });

  it("never shows a merchant session another merchant's findings", async () => {
    const shop = await diagnosisOf((await signIn('pgk_test')).cookie);
    const kiosk = await diagnosisOf((await signIn('pgk_kiosk')).cookie);
    expect(kiosk.merchantId).toBe('M0002');
    expect(JSON.stringify(kiosk)).not.toContain('M0001');
    expect(shop.merchantId).toBe('M0001');
    expect(
      shop.findings.every((f) => f.subject.merchantId === null || f.subject.merchantId === 'M0001'),
    ).toBe(true);
    const shopIds = new Set(shop.findings.flatMap((f) => f.evidence.transactionIds));
    for (const f of kiosk.findings)
      for (const id of f.evidence.transactionIds) expect(shopIds.has(id)).toBe(false);
  });
});
