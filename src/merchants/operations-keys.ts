// Operations keys (issue 14): API keys of the acquirer's operations staff, provisioned by whoever
// runs the host (`posguard operations-key create`), which read the whole fleet's diagnosis over
// HTTP (`GET /v1/diagnostics`) and nothing that acts for a merchant. A key is shown once, when it is
// made; the store keeps only its SHA-256, as for merchants' keys, and its id (`ops_...`) names it
// in lists and for revocation. docs/security.md, "Operations keys".
import { assert } from '../assert.js';
import { freeTextProblem } from '../cards/card-in-text.js';
import { PosError, type FieldProblem } from '../pos-error.js';
import type { Random } from '../random/random.js';
import type { Store } from '../payments/ports/store.js';
import type { OperationsKeyRecord } from '../payments/ports/operations-key-store.js';
import { hashApiKey, newApiKey } from './merchant-admin.js';

/** Operations keys start with this, so a key in a log or a ticket says what it opens. */
export const operationsKeyPrefix = 'pgo_';
const idPattern = /^ops_[A-Za-z0-9]{1,32}$/;
/** The most keys listed: one per person or tool. */
export const maxOperationsKeys = 1_000;

function labelProblem(label: string): FieldProblem | undefined {
  const expected = 'a label of 1 to 100 characters of plain text (no control character, no card number)';
  // A control character would let a label forge lines in a listing or a log.
  const problem = freeTextProblem(label);
  if (label.trim() === '' || label.length > 100 || problem !== undefined) {
    return { field: 'label', expected, actual: problem ?? JSON.stringify(label) };
  }
  return undefined;
}

/** Makes a key for `label`; returns its record and the key itself (shown this once). */
export async function createOperationsKey(
  store: Store,
  input: { label: string },
  deps: { random: Random; now: number },
): Promise<{ record: OperationsKeyRecord; apiKey: string }> {
  const problem = labelProblem(input.label);
  if (problem !== undefined)
    throw PosError.invalidInput('POS_ERR_OPERATIONS_KEY_INVALID', 'operations key', [problem]);
  const apiKey = `${operationsKeyPrefix}${newApiKey(deps.random).slice('pgk_'.length)}`;
  const id = `ops_${newApiKey(deps.random).slice('pgk_'.length, 'pgk_'.length + 12)}`;
  const record: OperationsKeyRecord = {
    id,
    label: input.label.trim(),
    keyHash: hashApiKey(apiKey),
    createdAt: deps.now,
    revokedAt: null,
  };
  // 32 random base-62 characters: a taken id or hash would be a broken random source.
  const inserted = await store.transaction((tx) => tx.insertOperationsKey(record));
  assert(inserted, 'a new operations key collides with no stored one (the random source does not repeat)');
  return { record, apiKey };
}

export async function revokeOperationsKey(store: Store, id: string, now: number): Promise<void> {
  if (!idPattern.test(id)) {
    throw PosError.invalidInput('POS_ERR_OPERATIONS_KEY_INVALID', 'operations key', [
      { field: 'id', expected: 'an operations key id such as ops_3kT9ZqA1bC2d', actual: JSON.stringify(id) },
    ]);
  }
  const revoked = await store.transaction((tx) => tx.revokeOperationsKey(id, now));
  if (!revoked) {
    throw new PosError(
      'POS_ERR_OPERATIONS_KEY_NOT_FOUND',
      `no operations key ${JSON.stringify(id)} that is not revoked already`,
      {
        details: { id },
      },
    );
  }
}

/** The operations key an API key is, if it is one and not revoked. */
export async function authenticateOperationsKey(
  store: Pick<Store, 'read'>,
  apiKey: string,
): Promise<OperationsKeyRecord | undefined> {
  if (!apiKey.startsWith(operationsKeyPrefix)) return undefined;
  const found = await store.read((r) => r.findOperationsKeyByHash(hashApiKey(apiKey)));
  return found === undefined || found.revokedAt !== null ? undefined : found;
}
