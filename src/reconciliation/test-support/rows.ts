// Builders for small hand-made days: a host sale with sensible defaults, and the settlement line
// and terminal row that agree with it, each open to the one change a test is about.
import type { ReconException } from '../match/exception-list.js';
import { reconcile } from '../reconcile.js';
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
}): Promise<ReconException[]> {
  const result = await reconcile({
    host: { kind: 'rows', name: 'host', rows: day.host },
    settlement: { kind: 'rows', name: 'settlement', rows: day.settlement },
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
