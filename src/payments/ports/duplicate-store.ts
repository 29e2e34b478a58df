// The duplicates port: suspected and found duplicate sales, from the authorisation-time guard and
// from reconciliation, with how each was resolved.
export const duplicateSources = ['authorization', 'reconciliation'] as const;
export type DuplicateSource = (typeof duplicateSources)[number];

export const duplicateResolutions = [
  'awaiting_confirmation',
  'confirmed',
  'blocked',
  'flagged',
  'found_after_the_fact',
] as const;
export type DuplicateResolution = (typeof duplicateResolutions)[number];

export interface DuplicateRecord {
  readonly id: string;
  readonly merchantId: string;
  readonly terminalId: string;
  /** The suspected attempt (or, after the fact, the later sale). */
  readonly paymentId: string | null;
  /** The earlier payment it looks like. */
  readonly duplicateOf: string | null;
  readonly source: DuplicateSource;
  readonly resolution: DuplicateResolution;
  readonly amount: number;
  readonly operatorId: string | null;
  readonly confirmedPaymentId: string | null;
  /** For reconciliation findings: the exception kind, cause and RRNs. */
  readonly kind: string | null;
  readonly cause: string | null;
  readonly rrn: string | null;
  readonly relatedRrn: string | null;
  readonly detail: string | null;
  readonly detectedAt: number;
  readonly resolvedAt: number | null;
}

export interface DuplicateQuery {
  readonly merchantId: string;
  readonly source?: DuplicateSource;
  readonly limit: number;
}

export interface DuplicateResolutionPatch {
  readonly resolution: DuplicateResolution;
  readonly operatorId: string | null;
  readonly confirmedPaymentId: string | null;
  readonly resolvedAt: number;
}

export interface DuplicateReader {
  listDuplicates(query: DuplicateQuery): Promise<DuplicateRecord[]>;
}

export interface DuplicateWriter {
  /** Inserts a duplicate record unless one with its id exists; says if it did. */
  insertDuplicate(record: DuplicateRecord): Promise<boolean>;
  resolveDuplicate(id: string, patch: DuplicateResolutionPatch): Promise<void>;
  findAwaitingDuplicate(merchantId: string, duplicateOf: string): Promise<DuplicateRecord | undefined>;
}
