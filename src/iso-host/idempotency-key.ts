// The idempotency key of a terminal request (docs/glossary.md): the merchant (F42) scopes it, as
// every key is scoped to its merchant in the store; terminal (F41), batch (60.2) and STAN (F11)
// name it. A reversal (0400) carries its original's STAN, so it names the original by this key;
// its own key adds the reversal and its reason.

export function isoIdempotencyKey(request: { terminalId: string; batchNo: string; stan: string }): string {
  return `iso:${request.terminalId}:${request.batchNo}:${request.stan}`;
}

export function isoReversalKey(originalKey: string, reasonCode: string): string {
  return `${originalKey}:reversal:${reasonCode}`;
}
