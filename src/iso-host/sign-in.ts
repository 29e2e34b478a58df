// Sign-in (0800, 60.3 = 001, 003 or 004) and sign-off (0820, 60.3 = 002). A sign-in issues fresh
// PIN and MAC keys (and a track key in mode 004), sends them in field 62 encrypted under the
// terminal master key with their check values, and gives the terminal the batch number it must
// use in 60.2 (CUP POS spec, sign-in). An 0800 carries no MAC, so anyone can send one: the host
// keeps the keys it issued sealed as *pending* and leaves the working keys alone; the first request
// MACed under the pending keys proves its sender holds the TMK and makes them the working keys
// (the engine adopts them as it checks that request's MAC fold, see iso-host.ts). A sign-off
// (which must be MACed, see iso-host.ts) ends the session. The keys are built and sealed here
// (field 62 is CUP's format); the engine keeps them (payments/terminal-sign-in.ts).
import {
  buildField60,
  buildSignInKeys,
  generateSessionKeys,
  isSignInKeyMode,
  type Field60,
  type SessionKeys,
  type SignInKeyMode,
} from '../iso8583/index.js';
import type { TerminalRecord } from '../payments/payment.js';
import { openKey, sealKey } from '../merchants/key-vault.js';
import { answerCodes } from './answer-codes.js';
import type { HandlerAnswer, HostContext, TerminalRequest } from './host-context.js';
import { chinaLocalTime } from './local-time.js';
import { keyContext } from './terminal-session.js';

export async function handleSignIn(
  ctx: HostContext,
  request: TerminalRequest,
  field60: Field60,
): Promise<HandlerAnswer> {
  const { terminal } = request;
  const mode = field60.networkManagementCode;
  if (!isSignInKeyMode(mode)) {
    return {
      code: answerCodes.formatError,
      log: { problems: [`60.3: expected 001, 003 or 004, got ${mode}`] },
    };
  }
  if (terminal.tmkEncrypted === null) {
    return {
      code: answerCodes.notPermittedToTerminal,
      log: {
        refused: `terminal ${terminal.terminalId} has no terminal master key (TMK): register it with posguard terminal add --tmk`,
      },
    };
  }
  const tmk = openKey(terminal.tmkEncrypted, ctx.terminalKeyKey, keyContext(terminal, 'tmk'));
  const randomBytes = (size: number): Buffer => ctx.random.bytes(size);
  const reoffered = pendingKeysOf(ctx, terminal, mode, request.now);
  const keys = reoffered ?? generateSessionKeys({ mode, randomBytes });
  const field62 = buildSignInKeys({ mode, tmk, keys });
  const batchNumber = Number(terminal.batchNo);
  if (reoffered === undefined) {
    await ctx.engine.offerSessionKeys({
      terminal,
      keys: {
        pinKeyEncrypted: sealKey(keys.pinKey, ctx.terminalKeyKey, keyContext(terminal, 'pin'), randomBytes),
        macKeyEncrypted: sealKey(keys.macKey, ctx.terminalKeyKey, keyContext(terminal, 'mac'), randomBytes),
        keyMode: mode,
      },
      now: request.now,
    });
  }
  const local = chinaLocalTime(request.now);
  return {
    code: answerCodes.approved,
    fields: {
      '12': local.hhmmss,
      '13': local.mmdd,
      '60': buildField60({ messageTypeCode: '00', batchNumber, networkManagementCode: mode }),
      '62': field62,
    },
    log: {
      keyMode: mode,
      batchNo: terminal.batchNo,
      keysOffered: reoffered === undefined ? 'new' : 'pending again',
    },
  };
}

/**
 * The keys an earlier sign-in offered, when they are still fresh and of the same mode: offered
 * again rather than replaced, so a sign-in sent by someone else between the terminal's sign-in and
 * its first request cannot make the terminal's new keys useless. In mode 004 the track key is not
 * kept by the host, so a fresh one goes with the kept PIN and MAC keys.
 */
function pendingKeysOf(
  ctx: HostContext,
  terminal: TerminalRecord,
  mode: SignInKeyMode,
  now: number,
): SessionKeys | undefined {
  const {
    pendingPinKeyEncrypted: pin,
    pendingMacKeyEncrypted: mac,
    pendingKeysIssuedAt: issuedAt,
  } = terminal;
  if (pin === null || mac === null || issuedAt === null || terminal.pendingKeyMode !== mode) return undefined;
  if (now - issuedAt > ctx.settings.keyMaxAgeMs) return undefined;
  const fresh = generateSessionKeys({ mode, randomBytes: (size) => ctx.random.bytes(size) });
  return {
    pinKey: openKey(pin, ctx.terminalKeyKey, keyContext(terminal, 'pin')),
    macKey: openKey(mac, ctx.terminalKeyKey, keyContext(terminal, 'mac')),
    ...(fresh.trackKey === undefined ? {} : { trackKey: fresh.trackKey }),
  };
}

export async function handleSignOff(ctx: HostContext, request: TerminalRequest): Promise<HandlerAnswer> {
  const { terminal } = request;
  await ctx.engine.signOff(terminal);
  return { code: answerCodes.approved, log: { session: 'ended' } };
}
