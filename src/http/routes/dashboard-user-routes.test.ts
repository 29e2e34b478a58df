// A merchant's dashboard users over HTTP (issue 15): a retried creation answers as the first time,
// the list shows the merchant's own users, and a disabled user signs in no more and loses its open
// session; nothing of one merchant's users is reachable by another or by an operations key.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  addOperationsKey,
  addOtherMerchant,
  makeHttpHarness,
  type HttpHarness,
} from '../test-support/http-harness.js';

let h: HttpHarness;
let opsKey: string;

beforeAll(async () => {
  h = await makeHttpHarness();
  await addOtherMerchant(h);
  opsKey = await addOperationsKey(h, 'users', 3);
});

const create = (username: string, password: string, key: string, apiKey = 'pgk_test') =>
  h.call({
    method: 'POST',
    url: '/v1/dashboard-users',
    headers: { 'idempotency-key': key, authorization: `Bearer ${apiKey}` },
    payload: { username, password },
  });

const signIn = (username: string, password: string, merchantId = 'M0001') =>
  h.app.inject({ method: 'POST', url: '/v1/session', payload: { merchantId, username, password } });

describe('dashboard users', () => {
  it('answers a retry of a creation with its key as the first time, and refuses the key for another user', async () => {
    const first = await create('clerk', 'a long enough password', 'users-1');
    expect(first.statusCode).toBe(201);
    const again = await create('clerk', 'a long enough password', 'users-1');
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(first.json()).toMatchObject({ merchantId: 'M0001', username: 'clerk', disabledAt: null });
    const otherPassword = await create('clerk', 'another long password', 'users-1');
    expect(otherPassword.statusCode).toBe(422);
    expect(otherPassword.json()).toMatchObject({ code: 'POS_ERR_IDEMPOTENCY_KEY_REUSED' });
    const otherName = await create('clerk2', 'a long enough password', 'users-1');
    expect(otherName.json()).toMatchObject({ code: 'POS_ERR_IDEMPOTENCY_KEY_REUSED' });
    const taken = await create('clerk', 'a long enough password', 'users-2');
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({ code: 'POS_ERR_DASHBOARD_USER_EXISTS' });
  });

  it("lists the merchant's own users only, and refuses an operations key", async () => {
    await create('owner', 'the owner password', 'users-3');
    await create('theirs', 'their long password', 'users-4', 'pgk_other');
    const mine = await h.call({ method: 'GET', url: '/v1/dashboard-users' });
    expect(mine.json<{ data: Array<{ username: string }> }>().data.map((u) => u.username)).toEqual([
      'clerk',
      'owner',
    ]);
    const ops = await h.call({
      method: 'GET',
      url: '/v1/dashboard-users',
      headers: { authorization: `Bearer ${opsKey}` },
    });
    expect(ops.statusCode).toBe(403);
    const theirs = await h.call({
      method: 'POST',
      url: '/v1/dashboard-users/theirs/disable',
      headers: { 'idempotency-key': 'd-0' },
    });
    expect(theirs.statusCode).toBe(404);
    expect(theirs.json()).toMatchObject({ code: 'POS_ERR_DASHBOARD_USER_NOT_FOUND' });
    expect((await signIn('theirs', 'their long password', 'M0002')).statusCode).toBe(201);
  });

  it('disables a user: it signs in no more, its open session ends, and disabling again answers the same', async () => {
    const session = await signIn('owner', 'the owner password');
    expect(session.statusCode).toBe(201);
    expect(session.json()).toMatchObject({ username: 'owner' });
    const cookie = String(session.headers['set-cookie']).split(';')[0] ?? '';
    const csrf = session.json<{ csrfToken: string }>().csrfToken;
    expect(
      (await h.app.inject({ method: 'GET', url: '/v1/overview?day=2026-11-25', headers: { cookie } }))
        .statusCode,
    ).toBe(200);
    // The owner disables the clerk through its own session, as the dashboard does.
    const disabled = await h.app.inject({
      method: 'POST',
      url: '/v1/dashboard-users/clerk/disable',
      headers: { cookie, 'x-csrf-token': csrf, 'idempotency-key': 'd-1' },
    });
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json<{ disabledAt: string | null }>().disabledAt).not.toBeNull();
    expect((await signIn('clerk', 'a long enough password')).json()).toMatchObject({
      code: 'POS_ERR_AUTH_INVALID_PASSWORD',
    });
    const twice = await h.call({
      method: 'POST',
      url: '/v1/dashboard-users/clerk/disable',
      headers: { 'idempotency-key': 'd-2' },
    });
    expect(twice.json()).toEqual(disabled.json());
    // The owner disables itself: its own session ends at the next request.
    await h.call({
      method: 'POST',
      url: '/v1/dashboard-users/owner/disable',
      headers: { 'idempotency-key': 'd-3' },
    });
    const ended = await h.app.inject({
      method: 'GET',
      url: '/v1/overview?day=2026-11-25',
      headers: { cookie },
    });
    expect(ended.statusCode).toBe(401);
    expect(ended.json()).toMatchObject({ code: 'POS_ERR_AUTH_SESSION_INVALID' });
  });
});
