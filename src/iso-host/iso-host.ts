// The ISO 8583 door into the engine: takes one CUP POS frame from a terminal and gives back the
// answer frame (or says to close the connection), without knowing anything about sockets. The TCP
// server (iso-tcp-server.ts) is a thin adapter around it, and the fault simulator drives it
// directly over a simulated network. Time, randomness and logs come through the engine's ports.
//
// For every frame: decode it (an unreadable frame is answered 30 where its MTI and terminal can be
// read, otherwise its connection is closed); find the merchant (F42, else 03) and the terminal
// (F41, else 97); classify the transaction; refuse fields it does not use (30); check the
// terminal's session keys and the MAC (A0 and processing requirement 3 when missing, stale or
// wrong, never signed) and that the MAC input's fold was never signed before on any host sharing
// the store (issue 13); check the batch (77 and requirement 3); hand the named values to the
// handler of the transaction; build the answer, sign it only when the request's MAC was proven
// (its fold stored before it leaves), log one line with masked card data only, and count it in
// the metrics. Merchants, terminals, payments and folds are the engine's: this door only reads
// and writes through it.
import { createHmac } from 'node:crypto';
import { haltOnInvariant, rethrowInvariant } from '../assert.js';
import type { Secret } from '../cards/secret.js';
import {
  buildResponse,
  classify,
  decodeFrame,
  encodeFrame,
  encodeSignedFrame,
  isResponseMti,
  macFold,
  macInput,
  merchantPresentedScan,
  parseField60,
  scanTypeOf,
  type Field60,
  type IsoMessage,
  type TransactionType,
} from '../iso8583/index.js';
import type { EngineLog } from '../payments/engine-context.js';
import type { PaymentEngine } from '../payments/engine.js';
import type { TerminalRef } from '../payments/terminal-sign-in.js';
import { isPosError } from '../pos-error.js';
import type { Random } from '../random/random.js';
import { answerCodeOfError, answerCodes, signInAgain } from './answer-codes.js';
import { readFrameHead } from './frame-head.js';
import { handleBalance, handleRefund, handleReversal, handleSale, handleVoid } from './financial-requests.js';
import {
  defaultIsoHostSettings,
  type HandlerAnswer,
  type HostContext,
  type IsoHostSettings,
  type TerminalRequest,
} from './host-context.js';
import { handleScanSale } from './scan-sale.js';
import { handleBatchUpload, handleBatchUploadEnd, handleSettlement } from './settlement.js';
import { formatError } from './financial-requests.js';
import { unusedFieldProblems } from './request-field-rules.js';
import { handleSignIn, handleSignOff } from './sign-in.js';
import { handleStatusUpload } from './status-upload.js';
import { checkSession, type SessionKey } from './terminal-session.js';
import { handleOrderClose, handleShownCode } from './shown-code.js';
import { echoQueryOf, handleTransactionQuery } from './transaction-query.js';
import { noIsoMetrics, type IsoMetrics } from './iso-metrics.js';

/** What to do with a frame: send the answer, send nothing, or close the connection. */
export type IsoReply =
  | {
      readonly kind: 'answer';
      readonly frame: Buffer;
      /** The request's MAC was proven (the answer is signed): its connection is a terminal's. */
      readonly authenticated?: boolean;
    }
  /** No answer: the outcome is still unknown, and the terminal's timeout leads it to reverse. */
  | { readonly kind: 'withheld'; readonly reason: string }
  /** Nothing can be answered (not even the MTI or terminal can be read): close this connection. */
  | { readonly kind: 'close'; readonly reason: string };

/** Where a frame came from, for the log line. */
export interface IsoConnection {
  readonly id: string;
  readonly remote: string;
}

export interface IsoHostOptions {
  readonly engine: PaymentEngine;
  readonly random: Random;
  readonly fingerprintKey: Secret<Buffer>;
  readonly terminalKeyKey: Secret<Buffer>;
  readonly settings?: Partial<IsoHostSettings>;
  /** Where the one line per request goes; the engine's log when not given. */
  readonly log?: EngineLog;
  /** Requests by type and answer, for monitoring; nothing when not given. */
  readonly metrics?: IsoMetrics;
}

/** Transactions that must carry a MAC and a fresh session. */
const macRequired: ReadonlySet<string> = new Set([
  'balance',
  'sale',
  'void',
  'refund',
  'pre-auth',
  'pre-auth-void',
  'pre-auth-completion',
  'pre-auth-completion-void',
  'settlement',
  'batch-upload',
  'batch-upload-end',
  'reversal',
  'status-upload',
]);

/** Transactions whose 60.2 must be the terminal's current batch. */
const inCurrentBatch: ReadonlySet<string> = new Set(['balance', 'sale', 'void', 'refund']);

/** Codes that say the request itself was wrong or the host failed: logged as warnings. */
const hostRefusals: ReadonlySet<string> = new Set([
  answerCodes.invalidMerchant,
  answerCodes.formatError,
  answerCodes.notSupported,
  answerCodes.batchMismatch,
  answerCodes.duplicateTransmission,
  answerCodes.systemFault,
  answerCodes.terminalNotRegistered,
  answerCodes.macFailed,
]);

/** The session key a request's MAC was proven under, and whose it is: signs the answer. */
interface Signer {
  readonly terminal: TerminalRef;
  readonly key: SessionKey;
}

/** What every log line of a request says, once its frame is read. */
interface RequestBase {
  readonly connection: string;
  readonly mti: string;
  readonly terminalId: string;
  readonly merchantId: string | null;
  readonly stan: string | null;
}

/**
 * Names a request's MAC input in the fold record: the same bytes give the same digest, so a
 * retransmission is known, and the digest is keyed, so no card data can be tried against it.
 */
function macInputDigest(input: Uint8Array, key: Secret<Buffer>): string {
  return createHmac('sha256', key.reveal()).update(input).digest('base64');
}

interface Routed {
  readonly answer: HandlerAnswer;
  /** Set only when the request's MAC was proven: no other answer is ever signed (issue 13). */
  readonly signer: Signer | null;
  readonly type: string;
  /** A fault (not a refusal the engine names) behind a 96: logged at error level. */
  readonly failure?: unknown;
}

/**
 * The answer to an error the engine or the store threw: a refusal it names (original not found,
 * wrong state...) or a fault (96). `signer` signs it when the request's MAC was proven.
 */
function refusalOf(error: unknown, type: string, signer: Signer | null): Routed {
  // A broken invariant is no refusal: it stops the process, and the terminal gets no answer.
  rethrowInvariant(error);
  const { code, expected } = answerCodeOfError(error);
  const log = {
    errorCode: isPosError(error) ? error.code : undefined,
    refused: error instanceof Error ? error.message : String(error),
  };
  return { answer: { code, log }, signer, type, ...(expected ? {} : { failure: error }) };
}

export class IsoHost {
  readonly #ctx: HostContext;
  readonly #metrics: IsoMetrics;

  constructor(options: IsoHostOptions) {
    const engine = options.engine.context;
    this.#metrics = options.metrics ?? noIsoMetrics;
    this.#ctx = {
      engine: options.engine,
      clock: engine.clock,
      random: options.random,
      log: options.log ?? engine.log,
      fingerprintKey: options.fingerprintKey,
      terminalKeyKey: options.terminalKeyKey,
      settings: { ...defaultIsoHostSettings, ...options.settings },
    };
  }

  /** Answers one whole frame (length prefix included). Never throws. */
  async handle(frame: Buffer, connection: IsoConnection): Promise<IsoReply> {
    const startedAt = performance.now();
    const counted = { type: 'unreadable', outcome: 'closed' };
    try {
      return await this.#handle(frame, connection, counted);
    } catch (error) {
      // Only a defect gets here: a broken invariant stops the process (assert.ts); an answer that
      // cannot be encoded closes this connection and the host goes on. The line says which.
      const broken = haltOnInvariant(error);
      this.#ctx.log.error(
        { connection: connection.id, remote: connection.remote, err: error },
        broken
          ? 'iso request failed: invariant broken; connection closed and the process stops'
          : 'iso request failed: no answer could be built; connection closed',
      );
      counted.outcome = 'closed';
      return { kind: 'close', reason: 'no answer could be built' };
    } finally {
      this.#metrics.request(counted.type, counted.outcome, (performance.now() - startedAt) / 1000);
    }
  }

  /** Bytes the TCP channel could not cut into a frame closed a connection: counted as unreadable. */
  unframed(): void {
    this.#metrics.request('unreadable', 'closed', 0);
  }

  /** `counted` is filled in as the frame is understood: its type, then what it was answered. */
  async #handle(
    frame: Buffer,
    connection: IsoConnection,
    counted: { type: string; outcome: string },
  ): Promise<IsoReply> {
    const startedAt = this.#ctx.clock.now();
    const read = this.#read(frame, connection, counted);
    if (read.kind !== 'request') return read;
    const { message, base } = read;
    let routed: Routed;
    try {
      routed = await this.#route(frame, message, base.terminalId, base.merchantId);
    } catch (error) {
      // Thrown before the session was checked (the store could not be read): unsigned, one log
      // line below with the error's code and message, a fault's at error level.
      routed = refusalOf(error, classify(message), null);
    }
    const { answer } = routed;
    counted.type = routed.type;
    counted.outcome = answer.withhold === undefined ? answer.code : 'withheld';
    const line = {
      ...base,
      type: routed.type,
      responseCode: answer.code,
      ...(answer.processingRequirement === undefined
        ? {}
        : { processingRequirement: answer.processingRequirement }),
      ms: this.#ctx.clock.now() - startedAt,
      ...answer.log,
    };
    if (answer.withhold !== undefined) {
      this.#ctx.log.warn(line, `iso request not answered: ${answer.withhold}`);
      return { kind: 'withheld', reason: answer.withhold };
    }
    const reply = await this.#reply(message, routed, line);
    if (reply.kind === 'withheld') counted.outcome = 'withheld';
    return reply;
  }

  /** Decodes a frame into a request with its log fields, or says how to refuse it. */
  #read(
    frame: Buffer,
    connection: IsoConnection,
    counted: { type: string; outcome: string },
  ): { kind: 'request'; message: IsoMessage; base: RequestBase } | IsoReply {
    let message: IsoMessage;
    try {
      message = decodeFrame(frame);
    } catch (error) {
      rethrowInvariant(error);
      const reply = this.#unreadable(frame, error, connection);
      if (reply.kind === 'answer') counted.outcome = answerCodes.formatError;
      return reply;
    }
    counted.type = isResponseMti(message.mti) ? 'response' : classify(message);
    const terminalId = message.fields['41']?.trimEnd() ?? null;
    const base = {
      connection: connection.id,
      mti: message.mti,
      terminalId,
      merchantId: message.fields['42']?.trimEnd() ?? null,
      stan: message.fields['11'] ?? null,
    };
    if (isResponseMti(message.mti) || terminalId === null) {
      const reason =
        terminalId === null ? 'no terminal id (field 41)' : `MTI ${message.mti} is an answer, not a request`;
      this.#ctx.log.warn(
        { ...base, remote: connection.remote },
        `iso frame refused (${reason}): connection closed`,
      );
      return { kind: 'close', reason };
    }
    return { kind: 'request', message, base: { ...base, terminalId } };
  }

  /**
   * Builds, signs and logs the answer. A signed answer leaves only once its MAC fold is in the
   * store (issue 13); when it cannot be kept the answer is withheld, and the terminal's timeout
   * leads it to reverse, since a signature no host remembers could be reused for a forgery.
   */
  async #reply(message: IsoMessage, routed: Routed, line: Record<string, unknown>): Promise<IsoReply> {
    const { answer, failure, signer } = routed;
    const response = buildResponse({
      request: message,
      responseCode: answer.code,
      ...(answer.fields === undefined ? {} : { fields: answer.fields }),
      ...(answer.processingRequirement === undefined
        ? {}
        : { processingRequirement: answer.processingRequirement }),
    });
    let out: Buffer;
    try {
      out = await this.#encode(response, signer);
    } catch (error) {
      rethrowInvariant(error);
      const reason = 'the MAC fold of the signed answer could not be stored';
      this.#ctx.log.error({ ...line, err: error }, `iso request not answered: ${reason}`);
      return { kind: 'withheld', reason };
    }
    if (failure !== undefined) {
      this.#ctx.log.error({ ...line, err: failure }, 'iso request failed: answered 96 (system fault)');
    } else if (hostRefusals.has(answer.code)) {
      this.#ctx.log.warn(line, 'iso request answered with a refusal');
    } else {
      this.#ctx.log.info(line, 'iso request answered');
    }
    return { kind: 'answer', frame: out, authenticated: signer !== null };
  }

  /**
   * The answer frame: signed only under the key the request's MAC was proven with, and its MAC
   * fold kept in the store before it is given back, so that no request can reuse this signature.
   */
  async #encode(response: IsoMessage, signer: Signer | null): Promise<Buffer> {
    if (signer === null) return encodeFrame(response);
    const out = encodeSignedFrame(response, signer.key.macKey);
    await this.#ctx.engine.recordSignedAnswer({
      terminal: signer.terminal,
      sealedMacKey: signer.key.sealed,
      fold: macFold(macInput(out)).toString('hex'),
      now: this.#ctx.clock.now(),
    });
    return out;
  }

  #unreadable(frame: Buffer, error: unknown, connection: IsoConnection): IsoReply {
    const problem = isPosError(error)
      ? {
          code: error.code,
          field: error.details['field'],
          offset: error.details['offset'],
          why: error.message,
        }
      : { code: 'unexpected', why: String(error) };
    const head = readFrameHead(frame);
    const terminalId = head?.fields['41'];
    const fields = {
      connection: connection.id,
      remote: connection.remote,
      bytes: frame.length,
      mti: head?.mti ?? null,
      terminalId: terminalId?.trimEnd() ?? null,
      ...problem,
    };
    if (head === undefined || terminalId === undefined || isResponseMti(head.mti)) {
      this.#ctx.log.warn(fields, `iso frame refused (${problem.why}): connection closed`);
      return { kind: 'close', reason: problem.why };
    }
    const response = buildResponse({
      request: { length: null, tpdu: head.tpdu, header: head.header, mti: head.mti, fields: head.fields },
      responseCode: answerCodes.formatError,
    });
    this.#ctx.log.warn(
      { ...fields, responseCode: answerCodes.formatError },
      `iso frame refused (${problem.why}): answered 30`,
    );
    return { kind: 'answer', frame: encodeFrame(response) };
  }

  /**
   * The one ordered list of checks every request passes, in the order the answer codes depend on:
   * merchant, terminal and fields (#find), sign-in, requests that need no MAC, the MAC and its
   * fold, the batch, then the transaction's handler.
   */
  async #route(
    frame: Buffer,
    message: IsoMessage,
    terminalId: string,
    merchantId: string | null,
  ): Promise<Routed> {
    const type = classify(message);
    const refuse = (answer: HandlerAnswer, signer: Signer | null = null): Routed => ({
      answer,
      signer,
      type,
    });
    const found = await this.#find(frame, message, type, terminalId, merchantId);
    if (found.kind === 'refused') return refuse(found.answer);
    const { request, field60 } = found;
    if (type === 'sign-in')
      return { answer: await handleSignIn(this.#ctx, request, field60), signer: null, type };

    const query = type === 'echo' ? echoQueryOf(request) : undefined;
    const macOptional = query === undefined && !macRequired.has(type);
    if (macOptional && message.fields['64'] === undefined) {
      // An echo needs no session. A sign-off without a MAC is answered 00 but ends nothing: its
      // terminal and merchant ids are printed on every receipt, so anyone could send it (issue 13).
      const answer: HandlerAnswer =
        type === 'sign-off'
          ? { code: answerCodes.approved, log: { session: 'kept: the sign-off carried no MAC' } }
          : this.#plain(type);
      return { answer, signer: null, type };
    }
    const proof = await this.#authenticate(request);
    if (proof.kind === 'refused') return refuse(proof.answer);
    const { signer } = proof;
    if (inCurrentBatch.has(type) && field60.batchNumber !== Number(request.terminal.batchNo)) {
      return refuse(
        {
          code: answerCodes.batchMismatch,
          processingRequirement: signInAgain,
          log: {
            refused: `batch ${field60.batchNumber} is not the terminal's current batch ${request.terminal.batchNo}`,
          },
        },
        signer,
      );
    }
    const routedType = query ?? type;
    try {
      return {
        answer: await this.#dispatch(type, request, field60, query),
        signer,
        type: routedType,
      };
    } catch (error) {
      // An engine refusal (original not found, wrong state...) to a terminal whose MAC was good
      // is signed like any other answer to it.
      return refusalOf(error, routedType, signer);
    }
  }

  /**
   * Finds the merchant (F42, else 03) and the terminal (F41, else 97) through the engine, refuses
   * fields the transaction does not use (30) and reads field 60 (30 when unreadable).
   */
  async #find(
    frame: Buffer,
    message: IsoMessage,
    type: ReturnType<typeof classify>,
    terminalId: string,
    merchantId: string | null,
  ): Promise<
    { kind: 'found'; request: TerminalRequest; field60: Field60 } | { kind: 'refused'; answer: HandlerAnswer }
  > {
    const refused = (answer: HandlerAnswer) => ({ kind: 'refused', answer }) as const;
    if (merchantId === null) {
      return refused({
        code: answerCodes.formatError,
        log: { problems: ['field 42: expected the merchant id, got nothing'] },
      });
    }
    const unused = unusedFieldProblems(type, message);
    if (unused.length > 0) return refused(formatError(unused));
    const now = this.#ctx.clock.now();
    const found = await this.#ctx.engine.findTerminal(merchantId, terminalId);
    if (found.merchant === undefined) {
      return refused({ code: answerCodes.invalidMerchant, log: { refused: `no merchant ${merchantId}` } });
    }
    if (found.terminal === undefined) {
      return refused({
        code: answerCodes.terminalNotRegistered,
        log: { refused: `no terminal ${terminalId} registered to merchant ${merchantId}` },
      });
    }
    let field60: Field60;
    try {
      field60 = parseField60(message.fields['60'] ?? '');
    } catch (error) {
      if (!isPosError(error)) throw error;
      const problem =
        message.fields['60'] === undefined ? 'field 60: expected it, got nothing' : error.message;
      return refused({ code: answerCodes.formatError, log: { problems: [problem] } });
    }
    const request = { frame, message, merchantId, terminalId, terminal: found.terminal, now };
    return { kind: 'found', request, field60 };
  }

  /**
   * Proves a request's MAC: under the working keys or the pending ones (which the engine then
   * adopts), and with a fold no message signed under that key had, on any host sharing the store
   * (issue 13). Gives the signer of the answer, or the A0 refusal, which is never signed.
   */
  async #authenticate(
    request: TerminalRequest,
  ): Promise<{ kind: 'proven'; signer: Signer } | { kind: 'refused'; answer: HandlerAnswer }> {
    const session = checkSession({
      terminal: request.terminal,
      frame: request.frame,
      message: request.message,
      now: request.now,
      rules: { keyMaxAgeMs: this.#ctx.settings.keyMaxAgeMs, terminalKeyKey: this.#ctx.terminalKeyKey },
    });
    const refused = (why: string, code: string, processingRequirement: number) =>
      ({ kind: 'refused', answer: { code, processingRequirement, log: { refused: why } } }) as const;
    if (session.kind === 'refused') {
      return refused(session.why, session.code, session.processingRequirement);
    }
    const terminal = { merchantId: request.merchantId, terminalId: request.terminalId };
    const input = macInput(request.frame);
    const fold = await this.#ctx.engine.acceptSignedRequest({
      terminal,
      sealedMacKey: session.sealed,
      adopt: session.adopt,
      fold: macFold(input).toString('hex'),
      requestDigest: macInputDigest(input, this.#ctx.fingerprintKey),
      now: request.now,
      maxFolds: this.#ctx.settings.maxFoldsPerSession,
    });
    if (fold.kind === 'forged') return refused(fold.why, answerCodes.macFailed, signInAgain);
    if (fold.kind === 'full') {
      const why = 'this session signed as many messages as the host remembers: sign in again for a new key';
      return refused(why, answerCodes.macFailed, signInAgain);
    }
    return { kind: 'proven', signer: { terminal, key: session } };
  }

  #plain(type: string): HandlerAnswer {
    return type === 'echo'
      ? { code: answerCodes.approved }
      : { code: answerCodes.notSupported, log: { refused: `${type}: not supported by this host` } };
  }

  #dispatch(
    type: TransactionType | 'reversal' | 'unknown',
    request: TerminalRequest,
    field60: Field60,
    query: ReturnType<typeof echoQueryOf>,
  ): Promise<HandlerAnswer> | HandlerAnswer {
    const ctx = this.#ctx;
    switch (type) {
      case 'echo':
        if (query === 'transaction-query') return handleTransactionQuery(ctx, request);
        return query === 'qr-order-close' ? handleOrderClose(ctx, request) : { code: answerCodes.approved };
      case 'sign-off':
        return handleSignOff(ctx, request);
      case 'status-upload':
        return handleStatusUpload(ctx, request);
      case 'sale':
        // Field 59 makes a sale a QR one: the customer's payment code (ST 01), or a code to show (02).
        if (request.message.fields['59'] === undefined) return handleSale(ctx, request, field60);
        return scanTypeOf(request.message.fields['59']) === merchantPresentedScan
          ? handleShownCode(ctx, request, field60)
          : handleScanSale(ctx, request, field60);
      case 'void':
        return handleVoid(ctx, request, field60);
      case 'refund':
        return handleRefund(ctx, request, field60);
      case 'balance':
        return handleBalance(ctx, request);
      case 'reversal':
        return handleReversal(ctx, request, field60);
      case 'settlement':
        return handleSettlement(ctx, request, field60);
      case 'batch-upload':
        return handleBatchUpload(ctx, request, field60);
      case 'batch-upload-end':
        return handleBatchUploadEnd(ctx, request, field60);
      default:
        return this.#plain(type);
    }
  }
}
