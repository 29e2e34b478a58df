// A terminal's session with the host: its working MAC key and the key its last sign-in offered
// (pending until a request MACed under it proves the sender holds the TMK), and whether each may
// still be used. Keys are missing when the terminal never signed in (or signed off) and stale when
// they are older than the host's key age limit; either way the request is refused with A0 and
// processing requirement 3 (sign in again) and changes nothing. A request without a MAC, or whose
// MAC matches neither key, is refused the same way.
import type { Secret } from '../cards/secret.js';
import { verifyFrameMac, type IsoMessage } from '../iso8583/index.js';
import { openKey } from '../merchants/key-vault.js';
import type { TerminalRecord } from '../payments/payment.js';
import { answerCodes, signInAgain } from './answer-codes.js';

export type KeyName = 'tmk' | 'pin' | 'mac';

/** The associated data a terminal key is sealed under: binds it to its merchant, terminal and use. */
export function keyContext(terminal: { merchantId: string; terminalId: string }, key: KeyName): string {
  return `${terminal.merchantId}/${terminal.terminalId}/${key}`;
}

/** A session key the request's MAC was checked under, and which of the terminal's keys it is. */
export interface SessionKey {
  readonly macKey: Secret<Buffer>;
  /** The sealed form: names the session (a new sign-in seals a new key). */
  readonly sealed: string;
  /**
   * True when it is the key a sign-in offered and no request had used yet: the MAC proves the
   * sender holds the TMK, so the caller adopts these keys as the terminal's working keys.
   */
  readonly adopt: boolean;
}

export type SessionCheck =
  | ({ readonly kind: 'ok' } & SessionKey)
  | {
      readonly kind: 'refused';
      readonly code: string;
      readonly processingRequirement: number;
      readonly why: string;
    };

export interface SessionRules {
  readonly keyMaxAgeMs: number;
  readonly terminalKeyKey: Secret<Buffer>;
}

/**
 * Opened MAC keys by their sealed form: a terminal's key changes only at sign-in (a new sealed
 * string), so the same sealed string always opens to the same key. Bounded; cleared when full.
 */
const openedMacKeys = new Map<string, Secret<Buffer>>();
const maxOpenedMacKeys = 10_000;

function openMacKey(sealed: string, kek: Secret<Buffer>, context: string): Secret<Buffer> {
  const cacheKey = `${context}|${sealed}`;
  let key = openedMacKeys.get(cacheKey);
  if (key === undefined) {
    key = openKey(sealed, kek, context);
    if (openedMacKeys.size >= maxOpenedMacKeys) openedMacKeys.clear();
    openedMacKeys.set(cacheKey, key);
  }
  return key;
}

/**
 * Checks the terminal's keys and the request's MAC, which must be there. The MAC may be under the
 * working keys or under the keys the last sign-in offered (pending until a request proves the
 * sender holds the TMK): a sign-in anyone can send never takes the working keys away (issue 13).
 * A refusal carries no key: an answer to a request whose MAC was not proven is never signed, so an
 * attacker cannot collect signatures by sending bad requests.
 */
export function checkSession(input: {
  terminal: TerminalRecord;
  frame: Buffer;
  message: IsoMessage;
  now: number;
  rules: SessionRules;
}): SessionCheck {
  const { terminal, rules } = input;
  const refuse = (why: string): SessionCheck => ({
    kind: 'refused',
    code: answerCodes.macFailed,
    processingRequirement: signInAgain,
    why,
  });
  const context = keyContext(terminal, 'mac');
  const candidates: SessionKey[] = [];
  const stale: number[] = [];
  const consider = (sealed: string | null, issuedAt: number | null, adopt: boolean): void => {
    if (sealed === null || issuedAt === null) return;
    const ageMs = input.now - issuedAt;
    if (ageMs > rules.keyMaxAgeMs) stale.push(ageMs);
    else candidates.push({ macKey: openMacKey(sealed, rules.terminalKeyKey, context), sealed, adopt });
  };
  if (terminal.signedIn) consider(terminal.macKeyEncrypted, terminal.keysIssuedAt, false);
  consider(terminal.pendingMacKeyEncrypted, terminal.pendingKeysIssuedAt, true);
  if (candidates.length === 0) {
    const ageMs = stale[0];
    return refuse(
      ageMs === undefined
        ? 'the terminal is not signed in: no session keys'
        : `the session keys are stale: issued ${Math.floor(ageMs / 1000)} s ago, at most ${Math.floor(rules.keyMaxAgeMs / 1000)} s allowed`,
    );
  }
  if (input.message.fields['64'] === undefined) return refuse('field 64 (MAC) is missing');
  for (const candidate of candidates) {
    if (verifyFrameMac(input.frame, candidate.macKey)) return { kind: 'ok', ...candidate };
  }
  return refuse('the MAC does not match');
}
