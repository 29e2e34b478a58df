// An ISO 8583 host on the engine harness (manual clock, in-memory SQLite, simulated issuer), with
// its terminal given a known master key, and a transport that hands frames straight to the host:
// what the simulator does, here with faults chosen by the test (a lost answer, a damaged MAC, a
// request that never left).
import { Secret } from '../../cards/secret.js';
import {
  decodeFrame,
  encodeFrame,
  encodeSignedFrame,
  keyFromHex,
  openSignInKeys,
  type IsoMessage,
} from '../../iso8583/index.js';
import { sealKey } from '../../merchants/key-vault.js';
import {
  fingerprintKey,
  makeHarness,
  merchantId,
  terminalId,
  type Harness,
} from '../../payments/test-support/engine-harness.js';
import type { DuplicatePolicy } from '../../payments/payment.js';
import { SeededRandom } from '../../random/random.js';
import type { Transport, TransportResult } from '../../terminal/transport.js';
import { signInRequest } from '../../terminal/terminal-messages.js';
import type { EngineLog, EngineSettings } from '../../payments/engine-context.js';
import type { WalletProviders } from '../../payments/ports/wallet.js';
import type { VirtualClock } from '../../clock/virtual-clock.js';
import type { IssuerFaults } from '../../simulated-issuer/simulated-issuer.js';
import { IsoHost, type IsoReply } from '../iso-host.js';
import type { IsoHostSettings } from '../host-context.js';
import type { IsoMetrics } from '../iso-metrics.js';
import { keyContext } from '../terminal-session.js';

export const tmkHex = '0123456789ABCDEFFEDCBA9876543210';
export const terminalKeyKey = new Secret(Buffer.alloc(32, 9), 'terminal-key key');
export const identity = { merchantId, terminalId, tpdu: '6000030000', header: '603100000000' };

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

export interface IsoHarness extends Harness {
  readonly host: IsoHost;
  readonly logs: LogLine[];
  /** Hands one frame to the host, driving the manual clock until it answers. */
  handle(frame: Buffer): Promise<IsoReply>;
  /** Sends a message (signed with `macKey` when given) and decodes the answer. */
  send(message: IsoMessage, macKey?: Secret<Buffer> | null): Promise<{ answer: IsoMessage; frame: Buffer }>;
  /** Signs the harness terminal in; returns its MAC key. */
  signIn(stan?: number): Promise<Secret<Buffer>>;
  /** Every log line as one text, to look for card data in it. */
  logText(): string;
}

export async function makeIsoHarness(
  options: {
    policy?: DuplicatePolicy;
    faults?: IssuerFaults;
    settings?: Partial<IsoHostSettings>;
    withTmk?: boolean;
    metrics?: IsoMetrics;
    /** Wallet providers for scan-code (QR) sales, built on the harness's clock. */
    wallets?: (clock: VirtualClock) => WalletProviders;
    engineSettings?: Partial<EngineSettings>;
    /** The engine logs into `logs` too (by default only the door does). */
    engineLogs?: boolean;
  } = {},
): Promise<IsoHarness> {
  const logs: LogLine[] = [];
  const log: EngineLog = {
    info: (fields, message) => logs.push({ level: 'info', fields, message }),
    warn: (fields, message) => logs.push({ level: 'warn', fields, message }),
    error: (fields, message) => logs.push({ level: 'error', fields, message }),
  };
  const h = await makeHarness({
    ...(options.policy === undefined ? {} : { policy: options.policy }),
    ...(options.faults === undefined ? {} : { faults: options.faults }),
    ...(options.wallets === undefined ? {} : { wallets: options.wallets }),
    ...(options.engineSettings === undefined ? {} : { settings: options.engineSettings }),
    ...(options.engineLogs === true ? { log } : {}),
  });
  const random = new SeededRandom(8583);
  if (options.withTmk !== false) {
    await h.store.transaction((tx) =>
      tx.updateTerminal(merchantId, terminalId, {
        tmkEncrypted: sealKey(
          keyFromHex(tmkHex, 'TMK'),
          terminalKeyKey,
          keyContext({ merchantId, terminalId }, 'tmk'),
          (n) => random.bytes(n),
        ),
      }),
    );
  }
  const host = new IsoHost({
    engine: h.engine,
    log,
    random: random.fork(1),
    fingerprintKey,
    terminalKeyKey,
    ...(options.settings === undefined ? {} : { settings: options.settings }),
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
  });
  const handle = (frame: Buffer): Promise<IsoReply> =>
    h.drive(host.handle(frame, { id: 'test', remote: 'test' }));
  const send = async (message: IsoMessage, macKey: Secret<Buffer> | null = null) => {
    const frame = macKey === null ? encodeFrame(message) : encodeSignedFrame(message, macKey);
    const reply = await handle(frame);
    if (reply.kind !== 'answer') throw new Error(`expected an answer, got ${reply.kind}: ${reply.reason}`);
    return { answer: decodeFrame(reply.frame), frame: reply.frame };
  };
  return {
    ...h,
    host,
    logs,
    handle,
    send,
    async signIn(stan = 1) {
      const { answer } = await send(
        signInRequest({ identity, stan, batchNo: '000001', mode: '003', operatorId: '01' }),
      );
      if (answer.fields['39'] !== '00') throw new Error(`sign-in answered ${answer.fields['39']}`);
      const keys = openSignInKeys({
        mode: '003',
        tmk: keyFromHex(tmkHex, 'TMK'),
        field62: answer.fields['62'] ?? '',
      });
      return keys.macKey;
    },
    logText: () => logs.map((l) => `${l.message} ${JSON.stringify(l.fields)}`).join('\n'),
  };
}

/** What the network does to one exchange. */
export type NetworkFault =
  /** The request never leaves: the connection could not be opened. */
  | 'not-sent'
  /** The request reaches the host, the answer is lost. */
  | 'lose-answer'
  /** The request is lost on the way: the host never sees it. */
  | 'lose-request'
  /** The answer arrives with its MAC damaged. */
  | 'damage-mac';

/**
 * A transport straight into an IsoHost, with faults: `fault` is asked for every exchange with the
 * decoded request. Records every request it was given, decoded, in order.
 */
export class HostTransport implements Transport {
  readonly sent: IsoMessage[] = [];
  fault: (request: IsoMessage, index: number) => NetworkFault | undefined = () => undefined;
  /** Runs at the moment a request is handed over, before the host sees it (to look at the journal then). */
  onSend: (request: IsoMessage) => Promise<void> | void = () => undefined;

  constructor(private readonly handle: (frame: Buffer) => Promise<IsoReply>) {}

  async exchange(frame: Buffer): Promise<TransportResult> {
    const request = decodeFrame(frame);
    const index = this.sent.length;
    const fault = this.fault(request, index);
    if (fault === 'not-sent') return { kind: 'not-sent', detail: 'connection refused (test)' };
    this.sent.push(request);
    await this.onSend(request);
    if (fault === 'lose-request') return { kind: 'no-answer', detail: 'request lost (test)' };
    const reply = await this.handle(frame);
    if (reply.kind !== 'answer' || fault === 'lose-answer')
      return { kind: 'no-answer', detail: 'answer lost (test)' };
    if (fault === 'damage-mac') {
      const damaged = Buffer.from(reply.frame);
      damaged[damaged.length - 1] = damaged[damaged.length - 1] === 0x30 ? 0x31 : 0x30;
      return { kind: 'answer', frame: damaged };
    }
    return { kind: 'answer', frame: reply.frame };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** The MTIs and response-relevant fields of what was sent, e.g. `0200 000003` or `0400 000003 98`. */
  summary(): string[] {
    return this.sent.map((m) =>
      [m.mti, m.fields['11'] ?? '', ...(m.mti === '0400' ? [m.fields['39'] ?? ''] : [])].join(' '),
    );
  }
}
