// Builders for small hand-made days: a host sale with sensible defaults, and the settlement line
// and terminal row that agree with it, each open to the one change a test is about.
import type { ReconException } from '../match/exception-list.js';
import { reconcile } from '../reconcile.js';
import type { Wallet } from '../../payments/ports/wallet.js';
import type { HostRow, SettlementRow, TerminalRow } from '../tables/rows.js';

export const merchant = '898310048160001';
export const terminal = '10000001';
/** 2026-11-25 10:00:00 in Shanghai. */
export const t0 = Date.parse('2026-11-25T10:00:00+08:00');

export function hostSale(fields: Partial<HostRow> & { rrn: string; stan: string }): HostRow {
  return {
    merchantId: merchant,
    terminalId: terminal,
    batchNo: '000001',
    authCode: 'A00001',
    txnTimeMs: t0,
    txnType: 'sale',
    status: 'approved',
    amountMinor: 1280,
    currency: 'CNY',
    cardMasked: '622202******1234',
    cardFingerprint: `fp-${fields.rrn}`,
    entryMode: 'chip',
    operatorId: 'op1',
    duplicateConfirmed: false,
    originalRrn: '',
    ...fields,
  };
}

/** A QR sale of `wallet`, its order number from the RRN, its payer `payer`. */
export function qrSale(
  fields: Partial<HostRow> & { rrn: string; stan: string },
  wallet: Wallet = 'alipay',
  payer = `payer-${fields.rrn}`,
): HostRow {
  return hostSale({
    cardMasked: '',
    cardFingerprint: '',
    entryMode: null,
    authCode: '',
    qr: { wallet, orderNo: orderNoOf(fields.rrn), tradeNo: tradeNoOf(fields.rrn), payerFingerprint: payer },
    ...fields,
  });
}

export const orderNoOf = (rrn: string): string => `PG${rrn.padStart(30, '0')}`;
export const tradeNoOf = (rrn: string): string => `2026112522001${rrn.padStart(15, '0')}`;

/** The wallet bill's line of a QR sale (or, with txnType refund, of its refund). */
export function billed(host: HostRow, fields: Partial<SettlementRow> = {}): SettlementRow {
  return {
    settlementDate: '',
    merchantId: '2088000000000001',
    terminalId: host.terminalId,
    batchNo: '',
    stan: '',
    rrn: '',
    authCode: '',
    txnTimeMs: host.txnTimeMs,
    txnType: 'sale',
    amountMinor: host.amountMinor,
    feeMinor: 8,
    currency: 'CNY',
    cardMasked: '',
    qr: { orderNo: host.qr?.orderNo ?? '', tradeNo: host.qr?.tradeNo ?? '' },
    ...fields,
  };
}

export function settled(host: HostRow, fields: Partial<SettlementRow> = {}): SettlementRow {
  return {
    settlementDate: '2026-11-25',
    merchantId: host.merchantId,
    terminalId: host.terminalId,
    batchNo: host.batchNo,
    stan: host.stan,
    rrn: host.rrn,
    authCode: host.authCode,
    txnTimeMs: host.txnTimeMs,
    txnType: host.txnType === 'refund' ? 'refund' : 'sale',
    amountMinor: host.amountMinor,
    feeMinor: 5,
    currency: 'CNY',
    cardMasked: host.cardMasked,
    ...fields,
  };
}

export function shown(host: HostRow, fields: Partial<TerminalRow> = {}): TerminalRow {
  return {
    merchantId: host.merchantId,
    terminalId: host.terminalId,
    batchNo: host.batchNo,
    stan: host.stan,
    rrn: host.rrn,
    authCode: host.authCode,
    txnTimeMs: host.txnTimeMs,
    txnType: host.txnType,
    result: host.status === 'declined' || host.status === 'reversed' ? host.status : 'approved',
    amountMinor: host.amountMinor,
    cardMasked: host.cardMasked,
    ...fields,
  };
}

/** Reconciles typed rows in process and returns every exception in report order. */
export async function exceptionsOf(day: {
  host: readonly HostRow[];
  settlement: readonly SettlementRow[];
  terminal?: readonly TerminalRow[];
  duplicateWindowS?: number;
  /** The wallet whose bill `settlement` is; an acquirer's file when absent. */
  wallet?: Wallet;
}): Promise<ReconException[]> {
  const result = await reconcile({
    host: { kind: 'rows', name: 'host', rows: day.host },
    settlement: {
      kind: 'rows',
      name: 'settlement',
      rows: day.settlement,
      ...(day.wallet === undefined ? {} : { wallet: day.wallet }),
    },
    terminal: day.terminal === undefined ? undefined : { kind: 'rows', name: 'terminal', rows: day.terminal },
    ...(day.duplicateWindowS === undefined ? {} : { duplicateWindowS: day.duplicateWindowS }),
  });
  return [...result.exceptions];
}

/** kind, cause, action, rrn and related RRN of each exception: what most tests check. */
export function briefly(exceptions: readonly ReconException[]): string[] {
  return exceptions.map(
    (e) => `${e.kind} ${e.cause} ${e.action} ${e.rrn}${e.relatedRrn === '' ? '' : ` <- ${e.relatedRrn}`}`,
  );
}
