// Dashboard users (issue 15): besides its API key, a merchant may create users with passwords for
// its dashboard. A password is kept only as its scrypt hash (memory-hard: N = 2^14, r = 8, p = 1,
// 16 MiB a try; RFC 7914), with a random salt per user, and compared in constant time. A sign-in
// for a user that does not exist still pays one hash, so the answer's timing does not tell which
// names exist. The username is the merchant's own (unique per merchant), never a login across
// merchants: a sign-in names the merchant too.
import { scrypt, timingSafeEqual } from 'node:crypto';
import { PosError, type FieldProblem } from '../pos-error.js';
import type { Random } from '../random/random.js';
import type { Store } from '../payments/ports/store.js';
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

/** Creates a dashboard user for the merchant; refuses a bad name or password, or a name taken. */
export async function addDashboardUser(
  store: Store,
  input: { merchantId: string; username: string; password: string },
  deps: { random: Random; now: number },
): Promise<{ merchantId: string; username: string; createdAt: number }> {
  const problems = problemsOf(input);
  if (problems.length > 0)
    throw PosError.invalidInput('POS_ERR_DASHBOARD_USER_INVALID', 'dashboard user', problems);
  const passwordHash = await hashPassword(input.password, deps.random);
  const record = {
    merchantId: input.merchantId,
    username: input.username,
    passwordHash,
    createdAt: deps.now,
  };
  const inserted = await store.transaction((tx) => tx.insertDashboardUser(record));
  if (!inserted) {
    throw new PosError(
      'POS_ERR_DASHBOARD_USER_EXISTS',
      `username: this merchant already has a user ${JSON.stringify(input.username)}`,
      {
        details: { username: input.username },
      },
    );
  }
  return { merchantId: record.merchantId, username: record.username, createdAt: record.createdAt };
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
  return matches && found.user !== undefined ? found.merchant : undefined;
}
