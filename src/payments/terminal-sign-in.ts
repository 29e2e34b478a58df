// A terminal's session with the host: the keys a sign-in offers, their adoption by the first
// request MACed under them, and sign-off (CUP POS spec, sign-in and sign-off; the ISO door builds
// and seals the keys, this keeps them). A sign-in carries no MAC, so anyone can send one: the keys
// it issues are kept *pending* and the working keys stay as they are until a request MACed under
// the pending keys proves its sender holds the terminal master key.
import type { EngineContext } from './engine-context.js';
import { chainOf } from './ports/journal-store.js';
import type { StoreTx } from './ports/store.js';

/** Session keys as the store keeps them: sealed under the host's key-encryption key, never in clear. */
export interface SealedSessionKeys {
  readonly pinKeyEncrypted: string;
  readonly macKeyEncrypted: string;
  /** The sign-in key mode (CUP 60.3) they were issued under. */
  readonly keyMode: string;
}

export interface TerminalRef {
  readonly merchantId: string;
  readonly terminalId: string;
}

const noPendingKeys = {
  pendingPinKeyEncrypted: null,
  pendingMacKeyEncrypted: null,
  pendingKeyMode: null,
  pendingKeysIssuedAt: null,
} as const;

/** Keeps the keys a sign-in offered as the terminal's pending keys; its working keys stay. */
export async function offerSessionKeys(
  ctx: EngineContext,
  command: { readonly terminal: TerminalRef; readonly keys: SealedSessionKeys; readonly now: number },
): Promise<void> {
  const { terminal, keys, now } = command;
  await ctx.store.transaction((tx) =>
    tx.updateTerminal(terminal.merchantId, terminal.terminalId, {
      pendingPinKeyEncrypted: keys.pinKeyEncrypted,
      pendingMacKeyEncrypted: keys.macKeyEncrypted,
      pendingKeyMode: keys.keyMode,
      pendingKeysIssuedAt: now,
    }),
  );
}

/**
 * A request MACed under the pending keys proved its sender holds the TMK: those keys become the
 * working keys and the terminal is signed in. Runs inside the caller's transaction (the one that
 * checks the request's MAC fold, signed-folds.ts), under the terminal's row lock, and only if the
 * pending keys are still the ones the MAC was checked under (another sign-in may have come since).
 * Says whether it adopted them.
 */
export async function adoptPendingKeys(
  tx: StoreTx,
  command: { readonly terminal: TerminalRef; readonly sealedMacKey: string; readonly now: number },
): Promise<boolean> {
  const { terminal, sealedMacKey, now } = command;
  const current = await tx.lockTerminal(terminal.merchantId, terminal.terminalId);
  if (current === undefined || current.pendingMacKeyEncrypted !== sealedMacKey) return false;
  await tx.updateTerminal(terminal.merchantId, terminal.terminalId, {
    pinKeyEncrypted: current.pendingPinKeyEncrypted,
    macKeyEncrypted: current.pendingMacKeyEncrypted,
    keyMode: current.pendingKeyMode,
    keysIssuedAt: current.pendingKeysIssuedAt,
    signedIn: true,
    ...noPendingKeys,
  });
  await tx.appendJournal({
    chain: chainOf(terminal.merchantId, terminal.terminalId),
    at: now,
    paymentId: null,
    event: 'terminal.signed_in',
    fromStatus: null,
    toStatus: null,
    data: JSON.stringify({
      merchantId: terminal.merchantId,
      terminalId: terminal.terminalId,
      keyMode: current.pendingKeyMode,
      batchNo: current.batchNo,
    }),
  });
  return true;
}

/** Ends the terminal's session; keys a sign-in offered and nobody adopted are dropped. */
export async function signOff(ctx: EngineContext, terminal: TerminalRef): Promise<void> {
  await ctx.store.transaction((tx) =>
    tx.updateTerminal(terminal.merchantId, terminal.terminalId, { signedIn: false, ...noPendingKeys }),
  );
}
