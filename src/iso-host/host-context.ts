// What every ISO 8583 request handler works with: the engine (the one door to payments and to
// everything the store keeps), time, randomness and the host keys, the host's settings, and the
// request being answered.
// Handlers return an answer (a code, fields, a processing requirement) as a value; the host turns
// it into the response frame, signs it and logs one line.
import type { Clock } from '../clock/clock.js';
import type { Secret } from '../cards/secret.js';
import type { IsoMessage } from '../iso8583/index.js';
import type { EngineLog } from '../payments/engine-context.js';
import type { PaymentEngine } from '../payments/engine.js';
import { defaultMaxFoldsPerSession } from '../payments/signed-folds.js';
import type { TerminalRecord } from '../payments/payment.js';
import type { Random } from '../random/random.js';

export interface IsoHostSettings {
  /** Session keys older than this are stale: the terminal must sign in again (default 24 h). */
  readonly keyMaxAgeMs: number;
  /** The balance a balance inquiry (0200, F3 31) answers in field 54, in fen (default 10,000.00 yuan). */
  readonly demoBalanceMinor: number;
  /**
   * MAC folds kept per session key (a request and its answer are two); past it the terminal is
   * asked to sign in again rather than the host forgetting what it signed (default 8,192).
   */
  readonly maxFoldsPerSession: number;
}

export const defaultIsoHostSettings: IsoHostSettings = {
  keyMaxAgeMs: 24 * 3600 * 1000,
  demoBalanceMinor: 1_000_000,
  // A busy POS makes a few hundred transactions a day and signs in daily: 8,192 is ample.
  maxFoldsPerSession: defaultMaxFoldsPerSession,
};

export interface HostContext {
  readonly engine: PaymentEngine;
  readonly clock: Clock;
  readonly random: Random;
  readonly log: EngineLog;
  readonly fingerprintKey: Secret<Buffer>;
  readonly terminalKeyKey: Secret<Buffer>;
  readonly settings: IsoHostSettings;
}

/** The request being answered, after its merchant and terminal were found and its MAC checked. */
export interface TerminalRequest {
  readonly frame: Buffer;
  readonly message: IsoMessage;
  readonly merchantId: string;
  readonly terminalId: string;
  readonly terminal: TerminalRecord;
  readonly now: number;
}

/** What a handler decided. */
export interface HandlerAnswer {
  /** Field 39. */
  readonly code: string;
  /** Fields added to (or replacing) those the answer echoes. */
  readonly fields?: Readonly<Record<string, string>>;
  /** The header's processing requirement (3: sign in again). */
  readonly processingRequirement?: number;
  /** Facts for the log line (never card data in clear). */
  readonly log?: Readonly<Record<string, unknown>>;
  /**
   * Set when the host must not answer at all: the terminal's own timeout then leads it to reverse.
   * Used only when the outcome is still unknown after the longest the engine can take.
   */
  readonly withhold?: string;
}

/** Field 63 of an answer: the card organisation (`CUP`) and, after it, text for the operator. */
export function field63Text(text = ''): string {
  return `CUP${text}`.replace(/[^\x20-\x7e]/g, '?').slice(0, 163);
}
