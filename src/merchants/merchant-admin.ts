// Merchants and their terminals: registration, API keys and authentication. An API key is shown
// once, when it is made; the store keeps only its SHA-256 (keys are long random strings, so a fast
// hash is enough to make a stolen table useless).
import { chainOf } from '../payments/ports/journal-store.js';
import { createHash } from 'node:crypto';
import { PosError, type FieldProblem } from '../pos-error.js';
import type { Random } from '../random/random.js';
import type { Store } from '../payments/ports/store.js';
import { duplicatePolicies, type DuplicatePolicy, type MerchantRecord } from '../payments/payment.js';

/** Merchant ids are ISO 8583 field 42 values (up to 15 characters); terminal ids field 41 (8). */
const merchantIdPattern = /^[A-Za-z0-9]{1,15}$/;
const terminalIdPattern = /^[A-Za-z0-9]{1,8}$/;
export const maxDuplicateWindowS = 24 * 3600;
/**
 * How close two sales of one card and amount must be for the duplicate guard to hold the second,
 * unless the merchant chose otherwise; reconciliation calls such a pair a suspected duplicate by the
 * same window, so the two agree on what a duplicate is.
 */
export const defaultDuplicateWindowS = 120;

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

export function newApiKey(random: Random): string {
  const bytes = random.bytes(32);
  let key = 'pgk_';
  for (const byte of bytes) key += base62[byte % 62];
  return key;
}

export interface NewMerchantInput {
  readonly id: string;
  readonly name: string;
  readonly duplicatePolicy?: DuplicatePolicy;
  readonly duplicateWindowS?: number;
  /** A given key (the demo merchant's); otherwise one is generated. */
  readonly apiKey?: string;
}

function merchantProblems(input: NewMerchantInput): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!merchantIdPattern.test(input.id)) {
    problems.push({
      field: 'id',
      expected: '1 to 15 letters or digits (ISO 8583 field 42)',
      actual: JSON.stringify(input.id),
    });
  }
  if (input.name.trim() === '' || input.name.length > 100) {
    problems.push({
      field: 'name',
      expected: 'a name of 1 to 100 characters',
      actual: JSON.stringify(input.name),
    });
  }
  if (input.duplicatePolicy !== undefined && !duplicatePolicies.includes(input.duplicatePolicy)) {
    problems.push({
      field: 'duplicatePolicy',
      expected: `one of ${duplicatePolicies.join(', ')}`,
      actual: JSON.stringify(input.duplicatePolicy),
    });
  }
  const window = input.duplicateWindowS;
  if (window !== undefined && (!Number.isSafeInteger(window) || window < 0 || window > maxDuplicateWindowS)) {
    problems.push({
      field: 'duplicateWindowS',
      expected: `whole seconds from 0 to ${maxDuplicateWindowS}`,
      actual: String(window),
    });
  }
  return problems;
}

export async function addMerchant(
  store: Store,
  input: NewMerchantInput,
  deps: { random: Random; now: number },
): Promise<{ merchant: MerchantRecord; apiKey: string }> {
  const problems = merchantProblems(input);
  if (problems.length > 0) throw PosError.invalidInput('POS_ERR_MERCHANT_INVALID', 'merchant', problems);
  const apiKey = input.apiKey ?? newApiKey(deps.random);
  const merchant: MerchantRecord = {
    id: input.id,
    name: input.name.trim(),
    apiKeyHash: hashApiKey(apiKey),
    duplicatePolicy: input.duplicatePolicy ?? 'confirm',
    duplicateWindowS: input.duplicateWindowS ?? defaultDuplicateWindowS,
    createdAt: deps.now,
  };
  await store.transaction(async (tx) => {
    if (!(await tx.insertMerchant(merchant))) {
      throw new PosError(
        'POS_ERR_MERCHANT_EXISTS',
        `a merchant with id ${JSON.stringify(input.id)} already exists`,
        {
          details: { merchantId: input.id },
        },
      );
    }
    await tx.appendJournal({
      chain: chainOf(merchant.id, null),
      at: deps.now,
      paymentId: null,
      event: 'merchant.created',
      fromStatus: null,
      toStatus: null,
      data: JSON.stringify({
        merchantId: merchant.id,
        duplicatePolicy: merchant.duplicatePolicy,
        duplicateWindowS: merchant.duplicateWindowS,
      }),
    });
  });
  return { merchant, apiKey };
}

export async function addTerminal(
  store: Store,
  input: { merchantId: string; terminalId: string; tmkEncrypted: string | null },
  deps: { now: number },
): Promise<void> {
  if (!terminalIdPattern.test(input.terminalId)) {
    throw PosError.invalidInput('POS_ERR_TERMINAL_INVALID', 'terminal', [
      {
        field: 'id',
        expected: '1 to 8 letters or digits (ISO 8583 field 41)',
        actual: JSON.stringify(input.terminalId),
      },
    ]);
  }
  await store.transaction(async (tx) => {
    if ((await tx.getMerchant(input.merchantId)) === undefined) {
      throw new PosError(
        'POS_ERR_MERCHANT_NOT_FOUND',
        `no merchant ${JSON.stringify(input.merchantId)} is registered`,
        {
          details: { merchantId: input.merchantId },
        },
      );
    }
    const inserted = await tx.insertTerminal({ ...input, createdAt: deps.now });
    if (!inserted) {
      throw new PosError(
        'POS_ERR_TERMINAL_EXISTS',
        `terminal ${JSON.stringify(input.terminalId)} is already registered to merchant ${input.merchantId}`,
        { details: { merchantId: input.merchantId, terminalId: input.terminalId } },
      );
    }
    await tx.appendJournal({
      chain: chainOf(input.merchantId, input.terminalId),
      at: deps.now,
      paymentId: null,
      event: 'terminal.created',
      fromStatus: null,
      toStatus: null,
      data: JSON.stringify({ merchantId: input.merchantId, terminalId: input.terminalId }),
    });
  });
}

/** The merchant an API key belongs to, if any. */
export function authenticate(store: Store, apiKey: string): Promise<MerchantRecord | undefined> {
  const hash = hashApiKey(apiKey);
  return store.read((reader) => reader.findMerchantByApiKeyHash(hash));
}

/**
 * `authenticate` with a short memory: a key seen in the last `ttlMs` is not looked up again, which
 * saves a database round trip per request. Only keys that matched a merchant are kept, at most
 * `maxEntries` of them. The engine still reads the merchant inside each payment's transaction, so
 * a changed duplicate policy applies at once; only the key-to-merchant link may lag by `ttlMs`.
 */
export function cachedAuthenticator(
  store: Store,
  clock: { now(): number },
  options: { ttlMs: number; maxEntries: number } = { ttlMs: 5_000, maxEntries: 10_000 },
): (apiKey: string) => Promise<MerchantRecord | undefined> {
  const cache = new Map<string, { merchant: MerchantRecord; until: number }>();
  return async (apiKey) => {
    const now = clock.now();
    const hit = cache.get(apiKey);
    if (hit !== undefined && hit.until > now) return hit.merchant;
    const merchant = await authenticate(store, apiKey);
    if (merchant !== undefined) {
      if (cache.size >= options.maxEntries) cache.clear();
      cache.set(apiKey, { merchant, until: now + options.ttlMs });
    }
    return merchant;
  };
}
