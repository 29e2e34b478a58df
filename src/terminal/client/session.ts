// The terminal's session with the host: signing in under the terminal master key (keeping the new
// keys only when every check value matches), signing in again when the host asks, signing off and
// the echo test.
import { Secret } from '../../cards/secret.js';
import {
  interpretResponseCode,
  openSignInKeys,
  parseField60,
  sixDigits,
  type SignInKeyMode,
} from '../../iso8583/index.js';
import { PosError } from '../../pos-error.js';
import type { SignInOutcome } from '../outcomes.js';
import { echoRequest, signInRequest, signOffRequest } from '../terminal-messages.js';
import { type TerminalCore } from './terminal-core.js';

export interface SignInInput {
  mode?: SignInKeyMode;
  operatorId?: string;
  tmk?: Secret<Buffer>;
}

export type SessionAnswer =
  { readonly code: string } | { readonly kind: 'no-answer'; readonly detail: string };

/** Loads the terminal master key (hex, 16 or 32 digits), as a key-injection device would. */
export function setMasterKey(core: TerminalCore, tmk: Secret<Buffer>): Promise<void> {
  return core.save({ tmkHex: tmk.reveal().toString('hex').toUpperCase() });
}

export async function signIn(core: TerminalCore, input: SignInInput): Promise<SignInOutcome> {
  const tmkHex = input.tmk?.reveal().toString('hex').toUpperCase() ?? core.state.tmkHex;
  if (tmkHex === null) {
    throw new PosError(
      'POS_ERR_TERMINAL_NO_MASTER_KEY',
      `terminal ${core.identity.terminalId} has no terminal master key (TMK): load it before signing in`,
    );
  }
  const mode = input.mode ?? '003';
  const stan = await core.nextStan();
  const request = signInRequest({
    identity: core.identity,
    stan,
    batchNo: core.state.batchNo,
    mode,
    operatorId: input.operatorId ?? null,
  });
  const answer = await core.exchange(request, false);
  if (answer.kind !== 'answer') return { kind: 'no-answer', detail: answer.detail };
  if (answer.code !== '00') {
    return {
      kind: 'refused',
      code: answer.code,
      message: interpretResponseCode({ code: answer.code, mti: answer.message.mti }).message,
    };
  }
  // Throws POS_ERR_ISO_KEY_CHECK_FAILED when a check value does not match: a wrong TMK.
  const keys = openSignInKeys({
    mode,
    tmk: new Secret(Buffer.from(tmkHex, 'hex'), 'terminal master key'),
    field62: answer.message.fields['62'] ?? '',
  });
  const batchNo = sixDigits(parseField60(answer.message.fields['60'] ?? '').batchNumber);
  await core.save({
    ...(input.tmk === undefined ? {} : { tmkHex }),
    batchNo,
    needsSignIn: false,
    keys: {
      mode,
      pinKeyHex: keys.pinKey.reveal().toString('hex').toUpperCase(),
      macKeyHex: keys.macKey.reveal().toString('hex').toUpperCase(),
      issuedAt: core.clock.now(),
    },
  });
  return { kind: 'signed-in', batchNo, mode };
}

/** Signs in when there are no keys or the host asked for it; the reason when it cannot. */
export async function ensureSession(core: TerminalCore): Promise<string | undefined> {
  if (core.state.keys !== null && !core.state.needsSignIn) return undefined;
  if (core.state.tmkHex === null) {
    throw new PosError(
      'POS_ERR_TERMINAL_NOT_SIGNED_IN',
      `terminal ${core.identity.terminalId} has no session keys and no master key to sign in with: sign in first`,
    );
  }
  const signedIn = await signIn(core, {});
  if (signedIn.kind === 'signed-in') return undefined;
  return signedIn.kind === 'refused'
    ? `sign-in refused: ${signedIn.code} ${signedIn.message}`
    : `sign-in got no answer: ${signedIn.detail}`;
}

export async function signOff(core: TerminalCore): Promise<SessionAnswer> {
  const stan = await core.nextStan();
  const answer = await core.exchange(
    signOffRequest({ identity: core.identity, stan, batchNo: core.state.batchNo }),
    true,
  );
  if (answer.kind !== 'answer') return { kind: 'no-answer', detail: answer.detail };
  if (answer.code === '00') await core.save({ keys: null });
  return { code: answer.code };
}

export async function echo(core: TerminalCore): Promise<SessionAnswer> {
  const stan = await core.nextStan();
  const answer = await core.exchange(
    echoRequest({ identity: core.identity, stan, batchNo: core.state.batchNo }),
    false,
  );
  return answer.kind === 'answer' ? { code: answer.code } : { kind: 'no-answer', detail: answer.detail };
}
