// A sale paid with a wallet's payment code the cashier scanned (customer-presented, 付款码), with
// the promise a card sale has: one sale, one charge.
//  1. In one transaction, as for a card: take the idempotency key (or find who holds it), refuse
//     the code while another QR sale of the terminal is unresolved, and store the sale `pending`
//     with its order number (from the key) and RRN, journaled.
//  2. Only then ask the wallet, and poll it while the customer confirms (wallet-poll.ts).
//  3. In a second transaction, record the verdict and the answer under the key (qr-settle.ts).
// A crash between 1 and 3 leaves a `pending` sale that recovery cancels once its wallet's pay
// window is over (pending-horizon.ts); the terminal was never answered, so a charge is refunded.
import { chainOf } from './ports/journal-store.js';
import type { PaymentCode } from './payment-code.js';
import type { Currency } from '../money/money.js';
import { PosError } from '../pos-error.js';
import type { RequestRecord } from './ports/idempotency-store.js';
import type { WalletProvider } from './ports/wallet.js';
import { requireMerchant, type PaymentResult } from './authorize-sale.js';
import type { EngineContext } from './engine-context.js';
import { requireFreeText } from './free-text.js';
import { answerExistingKey, newRequestRecord } from './idempotency.js';
import type { Channel } from './payment.js';
import { pendingQrSale } from './qr-pending-sale.js';
import { recordWalletVerdict, type QrSale } from './qr-settle.js';
import { noteRepeatedRequest } from './repeat-note.js';
import { requestHash } from './request-hash.js';
import { inTransaction, type UnitOfWork } from './unit-of-work.js';
import { payAndPoll } from './wallet-poll.js';

export interface QrSaleCommand {
  readonly merchantId: string;
  readonly terminalId: string;
  readonly idempotencyKey: string;
  readonly amount: number;
  readonly currency: Currency;
  readonly code: PaymentCode;
  readonly operatorId: string | null;
  readonly confirmDuplicate: boolean;
  readonly reference: string | null;
  readonly channel: Channel;
  readonly stan: string | null;
  readonly batchNo: string | null;
}

/** Same key, same content: a retransmission carries the same code (by its fingerprint). */
export function qrSaleRequestHash(command: QrSaleCommand): string {
  return requestHash('sale', {
    method: 'qr',
    terminalId: command.terminalId,
    amount: command.amount,
    currency: command.currency,
    paymentCode: command.code.fingerprint,
    operatorId: command.operatorId,
    confirmDuplicate: command.confirmDuplicate,
    reference: command.reference,
    stan: command.stan,
    batchNo: command.batchNo,
  });
}

/** What the cashier is told when a new code comes while the terminal's QR sale is unresolved. */
const waitForTheFirst = {
  zh: '上一笔扫码付款尚未完成，请等待结果，不要让顾客再次付款。',
  en: 'The last QR payment on this terminal is not finished yet: wait for its result and do not ask the customer to pay again.',
} as const;

function providerFor(ctx: EngineContext, command: QrSaleCommand): WalletProvider {
  const provider = ctx.wallets[command.code.wallet];
  if (provider === undefined || ctx.fingerprintKey === null) {
    throw new PosError(
      'POS_ERR_QR_WALLET_UNAVAILABLE',
      `paymentCode: the code is a ${command.code.wallet} payment code and this host takes no ${command.code.wallet} payments; nothing was charged`,
      {
        details: {
          wallet: command.code.wallet,
          cashierMessage: {
            zh: '本机不支持该钱包付款，请顾客换用其他方式付款。',
            en: 'This wallet is not accepted here: ask the customer to pay another way.',
          },
        },
      },
    );
  }
  return provider;
}

/** The sale as first stored (qr-pending-sale.ts), with the scanned code's mask and fingerprint. */
function newQrSale(command: QrSaleCommand, at: { id: string; rrn: string; now: number }): QrSale {
  return pendingQrSale(
    {
      ...command,
      duplicateConfirmed: false,
      qr: {
        wallet: command.code.wallet,
        flow: 'scanned',
        codeMasked: command.code.masked,
        codeFingerprint: command.code.fingerprint,
        expiresAt: null,
      },
    },
    at,
  );
}

type Begun =
  | { kind: 'existing'; record: RequestRecord }
  /** `subject` is what the customer sees in the wallet: the merchant's name and the terminal. */
  | { kind: 'send'; sale: QrSale; subject: string };

async function begin(
  ctx: EngineContext,
  work: UnitOfWork,
  command: QrSaleCommand,
  hash: string,
): Promise<Begun> {
  const { tx, now } = work;
  const merchant = await requireMerchant(tx, command.merchantId);
  const terminal = await tx.lockTerminal(command.merchantId, command.terminalId);
  if (terminal === undefined) {
    throw new PosError(
      'POS_ERR_PAYMENT_UNKNOWN_TERMINAL',
      `terminalId: expected a terminal registered to merchant ${command.merchantId}, got ${JSON.stringify(command.terminalId)}`,
      { details: { merchantId: command.merchantId, terminalId: command.terminalId } },
    );
  }
  const id = ctx.ids.next('pay');
  const existing = await tx.insertRequest(
    newRequestRecord(ctx, {
      merchantId: command.merchantId,
      idempotencyKey: command.idempotencyKey,
      operation: 'sale',
      requestHash: hash,
      paymentId: id,
      now,
    }),
  );
  if (existing !== undefined) {
    await noteRepeatedRequest(work, {
      merchantId: command.merchantId,
      terminalId: command.terminalId,
      operation: 'sale',
      requestHash: hash,
      existing,
    });
    return { kind: 'existing', record: existing };
  }
  // Under the terminal's lock: two codes scanned at once on one terminal cannot both pass.
  const unresolved = await tx.findPendingQrSale(command.merchantId, command.terminalId);
  if (unresolved !== undefined) {
    // Thrown, so the transaction rolls back and the key stays free for this sale's next attempt.
    throw new PosError(
      'POS_ERR_QR_SALE_UNRESOLVED',
      `terminal ${command.terminalId} has a QR sale (${unresolved.id}) the wallet has not settled yet; this code was not sent: wait for that sale's answer before scanning a new code`,
      { details: { paymentId: unresolved.id, cashierMessage: waitForTheFirst } },
    );
  }
  const sale = newQrSale(command, { id, rrn: await tx.nextRrn(), now });
  await tx.insertPayment(sale);
  await tx.appendJournal({
    chain: chainOf(command.merchantId, command.terminalId),
    at: now,
    paymentId: id,
    event: 'payment.created',
    fromStatus: null,
    toStatus: 'pending',
    data: JSON.stringify({ rrn: sale.rrn, method: 'qr', wallet: sale.qr.wallet, orderNo: sale.qr.orderNo }),
  });
  work.afterCommit(() => ctx.metrics.paymentStatus('sale', 'pending'));
  return { kind: 'send', sale, subject: `${merchant.name} ${command.terminalId}` };
}

export async function authorizeQrSale(ctx: EngineContext, command: QrSaleCommand): Promise<PaymentResult> {
  requireFreeText({
    idempotencyKey: command.idempotencyKey,
    operatorId: command.operatorId,
    reference: command.reference,
  });
  const provider = providerFor(ctx, command);
  const hash = qrSaleRequestHash(command);
  let begun: Begun;
  try {
    begun = await inTransaction(ctx, (work) => begin(ctx, work, command, hash));
  } catch (error) {
    if (error instanceof PosError && error.code === 'POS_ERR_QR_SALE_UNRESOLVED') {
      ctx.metrics.duplicatePrevented('unresolved_qr_refused');
    }
    throw error;
  }
  if (begun.kind === 'existing') {
    return answerExistingKey(ctx, begun.record, {
      operation: 'sale',
      requestHash: hash,
      answerKind: 'payment',
    });
  }
  const { sale, subject } = begun;
  const verdict = await payAndPoll(ctx, provider, sale, command.code, subject);
  const answer = await inTransaction(ctx, (work) =>
    recordWalletVerdict(ctx, work, sale, verdict, command.confirmDuplicate),
  );
  return { kind: 'answered', answer, replayed: false };
}
