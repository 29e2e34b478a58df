// The operations-key port (issue 14): API keys of the acquirer's operations staff, who read the
// whole fleet (its diagnosis) rather than one merchant's payments. Like a merchant's key, only the
// key's SHA-256 is kept; a revoked key keeps its row, so the record says who could read when.
export interface OperationsKeyRecord {
  /** The key's own name (`ops_...`), shown in lists and logs; never the key itself. */
  readonly id: string;
  /** Who or what holds it, e.g. "night shift" or "dashboard". */
  readonly label: string;
  readonly keyHash: string;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

export interface OperationsKeyReader {
  /** The key with this hash, revoked or not. */
  findOperationsKeyByHash(keyHash: string): Promise<OperationsKeyRecord | undefined>;
  /** Every key, oldest first (they are few: one per person or tool). */
  listOperationsKeys(limit: number): Promise<OperationsKeyRecord[]>;
}

export interface OperationsKeyWriter {
  /** Keeps a new key unless its id or hash is taken; says if it did. */
  insertOperationsKey(record: OperationsKeyRecord): Promise<boolean>;
  /** Marks a key revoked at `now` unless it is already; says if it did. */
  revokeOperationsKey(id: string, now: number): Promise<boolean>;
}
