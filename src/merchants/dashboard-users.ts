// Dashboard users (issue 15): besides its API key, a merchant may create users with passwords for
// its dashboard. A password is kept only as its scrypt hash (memory-hard: N = 2^14, r = 8, p = 1,
// 16 MiB a try; RFC 7914), with a random salt per user, and compared in constant time. A sign-in
// for a user that does not exist still pays one hash, so the answer's timing does not tell which
// names exist. The username is the merchant's own (unique per merchant), never a login across
// merchants: a sign-in names the merchant too.
import { scrypt, timingSafeEqual } from 'node:crypto';
import { describeValue, PosError, type FieldProblem } from '../pos-error.js';
import type { Random } from '../random/random.js';
import type { Store } from '../payments/ports/store.js';
import type { DashboardUserRecord } from '../payments/ports/dashboard-user-store.js';
import type { MerchantRecord } from '../payments/payment.js';

const cost = { N: 16_384, r: 8, p: 1 } as const;
const keyLength = 32;
export const passwordLengths = { min: 12, max: 128 } as const;
const usernamePattern = /^[A-Za-z0-9._-]{1,32}$/;

function derive(
  password: string,
  salt: Buffer,
  params: { N: number; r: number; p: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem above 128 * N * r, which is what these parameters take.
    scrypt(password, salt, keyLength, { ...params, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error === null ? resolve(key) : reject(error),
    );
  });
}

/** `scrypt$N$r$p$salt$hash` of a password under a fresh salt. */
export async function hashPassword(password: string, random: Random): Promise<string> {
  const salt = random.bytes(16);
  const key = await derive(password, salt, cost);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Whether the password is the one hashed (false for a hash it cannot read). */
export async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

function problemsOf(input: { username: string; password: string }): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!usernamePattern.test(input.username)) {
    problems.push({
      field: 'username',
      expected: '1 to 32 letters, digits, dots, dashes or underscores',
      actual: `${input.username.length} characters`,
    });
  }
  const length = [...input.password].length;
  if (length < passwordLengths.min || length > passwordLengths.max) {
    // The password is never echoed, only its length.
    problems.push({
      field: 'password',
      expected: `${passwordLengths.min} to ${passwordLengths.max} characters`,
      actual: `${length} characters`,
    });
  }
  return problems;
}

export interface DashboardUserView {
  readonly merchantId: string;
  readonly username: string;
  readonly createdAt: number;
  readonly disabledAt: number | null;
}

const viewOf = (user: DashboardUserRecord): DashboardUserView => ({
  merchantId: user.merchantId,
  username: user.username,
  createdAt: user.createdAt,
  disabledAt: user.disabledAt,
});

/**
 * The user an earlier request with this Idempotency-Key created, when this request is that one
 * again (same name, same password): its answer is given again. The key used for another user or
 * password is refused (422), as every POST of the API refuses a reused key.
 */
async function replayed(
  store: Store,
  input: { merchantId: string; username: string; password: string; idempotencyKey: string },
): Promise<DashboardUserView | undefined> {
  const earlier = await store.read((r) => r.findDashboardUserByKey(input.merchantId, input.idempotencyKey));
  if (earlier === undefined) return undefined;
  if (earlier.username === input.username && (await passwordMatches(input.password, earlier.passwordHash)))
    return viewOf(earlier);
  throw new PosError(
    'POS_ERR_IDEMPOTENCY_KEY_REUSED',
    'Idempotency-Key: this key created another dashboard user (another name or password)',
  );
}

/**
 * Creates a dashboard user for the merchant; refuses a bad name or password, or a name taken. A
 * retry with the request's Idempotency-Key answers as the first time (`replayed`).
 */
export async function addDashboardUser(
  store: Store,
  input: { merchantId: string; username: string; password: string; idempotencyKey: string },
  deps: { random: Random; now: number },
): Promise<{ user: DashboardUserView; replayed: boolean }> {
  const problems = problemsOf(input);
  if (problems.length > 0)
    throw PosError.invalidInput('POS_ERR_DASHBOARD_USER_INVALID', 'dashboard user', problems);
  const before = await replayed(store, input);
  if (before !== undefined) return { user: before, replayed: true };
  const record: DashboardUserRecord = {
    merchantId: input.merchantId,
    username: input.username,
    passwordHash: await hashPassword(input.password, deps.random),
    createdAt: deps.now,
    idempotencyKey: input.idempotencyKey,
    disabledAt: null,
  };
  const inserted = await store.transaction((tx) => tx.insertDashboardUser(record));
  if (inserted) return { user: viewOf(record), replayed: false };
  // Two tries of one request racing: the one that lost answers as the one that won.
  const raced = await replayed(store, input);
  if (raced !== undefined) return { user: raced, replayed: true };
  throw new PosError(
    'POS_ERR_DASHBOARD_USER_EXISTS',
    `username: this merchant already has a user ${JSON.stringify(input.username)}`,
    { details: { username: input.username } },
  );
}

/** The most users one merchant's list shows. */
export const maxListedUsers = 500;

export async function listDashboardUsers(store: Store, merchantId: string): Promise<DashboardUserView[]> {
  return (await store.read((r) => r.listDashboardUsers(merchantId, maxListedUsers))).map(viewOf);
}

/**
 * Disables the merchant's user: it signs in no more, and its open sessions end at their next
 * request. Disabling it again changes nothing and answers the same. The name stays taken.
 */
export async function disableDashboardUser(
  store: Store,
  input: { merchantId: string; username: string },
  now: number,
): Promise<DashboardUserView> {
  await store.transaction((tx) => tx.disableDashboardUser(input.merchantId, input.username, now));
  const user = await store.read((r) => r.getDashboardUser(input.merchantId, input.username));
  if (user === undefined) {
    throw new PosError(
      'POS_ERR_DASHBOARD_USER_NOT_FOUND',
      `username: this merchant has no user ${describeValue(input.username)}`,
      { details: { username: describeValue(input.username) } },
    );
  }
  return viewOf(user);
}

/** A hash of nothing anyone knows, checked when the user does not exist (the same work either way). */
const decoy = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** The merchant whose user this is, when the password is right; undefined otherwise. */
export async function authenticateUser(
  store: Store,
  input: { merchantId: string; username: string; password: string },
): Promise<MerchantRecord | undefined> {
  const found = await store.read(async (reader) => ({
    user: await reader.getDashboardUser(input.merchantId, input.username),
    merchant: await reader.getMerchant(input.merchantId),
  }));
  const matches = await passwordMatches(input.password, found.user?.passwordHash ?? decoy);
  // A disabled user pays the same hash as any other, and is refused alike.
  return matches && found.user !== undefined && found.user.disabledAt === null ? found.merchant : undefined;
}
