// The exception kinds of the v1 reconciliation spec (docs/reference/reconciliation-csv.md) with the
// action and the causes the spec gives each: plain data with no imports, so the dashboard's bundle
// shows the same table the reconciler applies (exception-kinds.ts adds the sentences of reports).
// Kinds are listed in the spec's order, which is also the order of exceptions.csv.

export const exceptionKinds = [
  'duplicate_settlement',
  'reversed_but_settled',
  'missing_in_settlement',
  'unknown_in_settlement',
  'amount_mismatch',
  'duplicate_sale_suspect',
  'terminal_display_duplicate',
  'terminal_only',
  'host_only_approved',
] as const;
export type ExceptionKind = (typeof exceptionKinds)[number];

/**
 * The seed's five causes of a duplicate or missing transaction; the simulator files its faults
 * under the same five (simulator/faults.ts).
 */
export const causes = ['software', 'hardware', 'operator', 'network', 'third_party'] as const;
export type Cause = (typeof causes)[number];

export const actions = ['refund', 'query_acquirer', 'investigate', 'review', 'none'] as const;
export type Action = (typeof actions)[number];

/**
 * What the spec prescribes for a kind: its action, and the causes it can have (the first is the
 * only one unless the kind chooses).
 */
export interface KindRule {
  readonly action: Action;
  readonly causes: readonly Cause[];
}

export const kindRules: Readonly<Record<ExceptionKind, KindRule>> = {
  duplicate_settlement: { action: 'refund', causes: ['third_party'] },
  reversed_but_settled: { action: 'refund', causes: ['network', 'third_party'] },
  missing_in_settlement: { action: 'query_acquirer', causes: ['third_party'] },
  unknown_in_settlement: { action: 'investigate', causes: ['third_party'] },
  amount_mismatch: { action: 'investigate', causes: ['software'] },
  duplicate_sale_suspect: { action: 'review', causes: ['hardware', 'operator'] },
  terminal_display_duplicate: { action: 'none', causes: ['software'] },
  terminal_only: { action: 'investigate', causes: ['software'] },
  host_only_approved: { action: 'review', causes: ['network'] },
};
