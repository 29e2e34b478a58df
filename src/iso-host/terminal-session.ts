// A terminal's session with the host: the MAC key it got at its last sign-in, and whether that
// key may still be used. Keys are missing when the terminal never signed in (or signed off) and
// stale when they are older than the host's key age limit; either way the request is refused with
// A0 and processing requirement 3 (sign in again) and changes nothing. A request that must carry a
// MAC and does not, or whose MAC is wrong, is refused the same way.
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

export type SessionCheck =
  | { readonly kind: 'ok'; readonly macKey: Secret<Buffer> }
  | {
      readonly kind: 'refused';
      readonly code: string;
      readonly processingRequirement: number;
      /** The key to sign the refusal with, when the terminal has one. */
      readonly macKey: Secret<Buffer> | null;
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
 * Checks the terminal's keys and the request's MAC. With `macRequired` false (echo, sign-off), a
 * request without field 64 passes; one with it is still checked.
 */
export function checkSession(input: {
  terminal: TerminalRecord;
  frame: Buffer;
  message: IsoMessage;
  now: number;
  rules: SessionRules;
  macRequired: boolean;
}): SessionCheck {
  const { terminal, rules } = input;
  const refuse = (why: string, macKey: Secret<Buffer> | null): SessionCheck => ({
    kind: 'refused',
    code: answerCodes.macFailed,
    processingRequirement: signInAgain,
    macKey,
    why,
  });
  if (!terminal.signedIn || terminal.macKeyEncrypted === null || terminal.keysIssuedAt === null) {
    return refuse('the terminal is not signed in: no session keys', null);
  }
  const macKey = openMacKey(terminal.macKeyEncrypted, rules.terminalKeyKey, keyContext(terminal, 'mac'));
  const ageMs = input.now - terminal.keysIssuedAt;
  if (ageMs > rules.keyMaxAgeMs) {
    return refuse(
      `the session keys are stale: issued ${Math.floor(ageMs / 1000)} s ago, at most ${Math.floor(rules.keyMaxAgeMs / 1000)} s allowed`,
      macKey,
    );
  }
  if (input.message.fields['64'] === undefined) {
    return input.macRequired ? refuse('field 64 (MAC) is missing', macKey) : { kind: 'ok', macKey };
  }
  if (!verifyFrameMac(input.frame, macKey)) return refuse('the MAC does not match', macKey);
  return { kind: 'ok', macKey };
}
