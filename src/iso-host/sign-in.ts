// Sign-in (0800, 60.3 = 001, 003 or 004) and sign-off (0820, 60.3 = 002). A sign-in issues fresh
// PIN and MAC keys (and a track key in mode 004), sends them in field 62 encrypted under the
// terminal master key with their check values, and gives the terminal the batch number it must
// use in 60.2 (CUP POS spec, sign-in). The host keeps the keys sealed under its terminal-key key
// and marks the terminal signed in; from then on its MACs are checked with the new MAC key.
// A sign-off clears the session: the next financial request is refused until it signs in again.
import { chainOf } from '../payments/ports/journal-store.js';
import {
  buildField60,
  buildSignInKeys,
  generateSessionKeys,
  isSignInKeyMode,
  type Field60,
} from '../iso8583/index.js';
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
  const keys = generateSessionKeys({ mode, randomBytes });
  const field62 = buildSignInKeys({ mode, tmk, keys });
  const batchNumber = Number(terminal.batchNo);
  await ctx.store.transaction(async (tx) => {
    await tx.updateTerminal(terminal.merchantId, terminal.terminalId, {
      pinKeyEncrypted: sealKey(keys.pinKey, ctx.terminalKeyKey, keyContext(terminal, 'pin'), randomBytes),
      macKeyEncrypted: sealKey(keys.macKey, ctx.terminalKeyKey, keyContext(terminal, 'mac'), randomBytes),
      keyMode: mode,
      keysIssuedAt: request.now,
      signedIn: true,
    });
    await tx.appendJournal({
      chain: chainOf(terminal.merchantId, terminal.terminalId),
      at: request.now,
      paymentId: null,
      event: 'terminal.signed_in',
      fromStatus: null,
      toStatus: null,
      data: JSON.stringify({
        merchantId: terminal.merchantId,
        terminalId: terminal.terminalId,
        keyMode: mode,
        batchNo: terminal.batchNo,
      }),
    });
  });
  const local = chinaLocalTime(request.now);
  return {
    code: answerCodes.approved,
    fields: {
      '12': local.hhmmss,
      '13': local.mmdd,
      '60': buildField60({ messageTypeCode: '00', batchNumber, networkManagementCode: mode }),
      '62': field62,
    },
    log: { keyMode: mode, batchNo: terminal.batchNo },
  };
}

export async function handleSignOff(ctx: HostContext, request: TerminalRequest): Promise<HandlerAnswer> {
  const { terminal } = request;
  await ctx.store.transaction((tx) =>
    tx.updateTerminal(terminal.merchantId, terminal.terminalId, { signedIn: false }),
  );
  return { code: answerCodes.approved };
}
