// A synthetic day of business for tests and the benchmark: the terminal journal, the host journal
// and the settlement file as v1 CSV lines, with known anomalies of every exception kind and near
// misses that must not be reported, and the list of exceptions a correct reconciliation finds.
// Deterministic from its seed; lines go to a sink, so a ten-million-row day streams to disk.
// It lives in test-support, which the build leaves out, because only tests, the benchmark and the
// README's sample day use it: it is not part of what posguard ships.
import { assert } from '../../assert.js';
import type { Cause, ExceptionKind } from '../match/exception-kinds.js';
import type { EntryMode } from '../../payments/payment.js';
import type { HostRow, HostStatus, SettlementRow, TerminalResult, TerminalRow } from '../tables/rows.js';
import { hostJournalLine, settlementFileLine, terminalJournalLine } from '../read/v1-lines.js';

export interface DaySink {
  host(line: string): void;
  terminal(line: string): void;
  settlement(line: string): void;
}

export interface ExpectedException {
  readonly kind: ExceptionKind;
  readonly cause: Cause;
  readonly rrn: string;
  readonly relatedRrn: string;
}

export interface DayOptions {
  /** How many business events (mostly sales) the day holds; each writes a line or more per file. */
  readonly events: number;
  readonly seed: number;
  /** Share of events that are an anomaly or a near miss; the rest are ordinary. Default 0.02. */
  readonly anomalyRate?: number;
  readonly duplicateWindowS?: number;
}

export interface GeneratedDay {
  readonly expected: ExpectedException[];
  readonly hostRows: number;
  readonly terminalRows: number;
  readonly settlementRows: number;
}

/** mulberry32: small, fast and good enough to draw a day; the same seed gives the same day. */
class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}

/** Ordinary events and their shares, roughly a retail day: most sales go through. */
const ordinaryScenarios = [
  { scenario: 'sale', upTo: 0.88 },
  { scenario: 'declined', upTo: 0.93 },
  { scenario: 'voided', upTo: 0.96 },
  { scenario: 'refunded', upTo: 0.98 },
  { scenario: 'reversed', upTo: 1 },
] as const;
const specialScenarios = [
  'duplicate_settlement',
  'reversed_but_settled',
  'missing_in_settlement',
  'unknown_in_settlement',
  'amount_mismatch',
  'duplicate_sale_hardware',
  'duplicate_sale_operator',
  'terminal_display_duplicate',
  'terminal_only',
  'host_only_approved',
  'near_confirmed_repeat',
  'near_outside_window',
  'near_other_terminal',
  'near_other_amount',
  'near_no_rrn_settlement',
] as const;

const dayStartMs = Date.parse('2026-11-25T00:00:00+08:00');
const dayMs = 86_400_000;
const cardReads: readonly EntryMode[] = ['chip', 'chip', 'contactless', 'contactless', 'swipe'];

export function generateDay(options: DayOptions, sink: DaySink): GeneratedDay {
  assert(Number.isSafeInteger(options.events) && options.events >= 0, 'events is a whole number');
  const random = new Random(options.seed);
  const anomalyRate = options.anomalyRate ?? 0.02;
  const windowMs = (options.duplicateWindowS ?? 120) * 1000;
  const terminals = Math.max(4, Math.ceil(options.events / 400));
  const stans = new Int32Array(terminals);
  const expected: ExpectedException[] = [];
  let hostRows = 0;
  let terminalRows = 0;
  let settlementRows = 0;
  let rrnSeq = 0;
  let cardSeq = 0;
  let strangerSeq = 0;

  const merchantOf = (terminal: number): string => String(898310048000000 + Math.floor(terminal / 5));
  const terminalIdOf = (terminal: number): string => String(10000000 + terminal);
  const nextStan = (terminal: number): string => {
    stans[terminal] = (stans[terminal]! % 999_999) + 1;
    return String(stans[terminal]).padStart(6, '0');
  };
  const newCard = (): { fingerprint: string; masked: string } => {
    cardSeq += 1;
    return {
      fingerprint: fingerprintOf(cardSeq, options.seed),
      masked: `622202******${String(cardSeq % 10000).padStart(4, '0')}`,
    };
  };
  const amount = (): number =>
    random.next() < 0.7 ? random.int(100, 30_000) : random.int(30_001, 2_000_000);

  const writeHost = (row: HostRow): void => {
    sink.host(hostJournalLine(row));
    hostRows += 1;
  };
  const writeTerminal = (row: TerminalRow): void => {
    sink.terminal(terminalJournalLine(row));
    terminalRows += 1;
  };
  const writeSettlement = (row: SettlementRow): void => {
    sink.settlement(settlementFileLine(row));
    settlementRows += 1;
  };
  const expect = (kind: ExceptionKind, cause: Cause, rrn: string, relatedRrn = ''): void => {
    expected.push({ kind, cause, rrn, relatedRrn });
  };

  /** A sale on `terminal` at `timeMs`; returns the host row (written). */
  const sale = (fields: {
    terminal: number;
    timeMs: number;
    status?: HostStatus;
    card?: { fingerprint: string; masked: string };
    amountMinor?: number;
    entryMode?: EntryMode;
    duplicateConfirmed?: boolean;
  }): HostRow => {
    rrnSeq += 1;
    const card = fields.card ?? newCard();
    const row: HostRow = {
      merchantId: merchantOf(fields.terminal),
      terminalId: terminalIdOf(fields.terminal),
      batchNo: '000001',
      stan: nextStan(fields.terminal),
      rrn: String(300000000000 + rrnSeq),
      authCode: fields.status === 'declined' ? '' : String(100000 + (rrnSeq % 900000)),
      txnTimeMs: fields.timeMs,
      txnType: 'sale',
      status: fields.status ?? 'approved',
      amountMinor: fields.amountMinor ?? amount(),
      currency: 'CNY',
      cardMasked: card.masked,
      cardFingerprint: card.fingerprint,
      entryMode:
        fields.entryMode ?? random.pick(['chip', 'chip', 'contactless', 'contactless', 'swipe', 'manual']),
      operatorId: `op${(fields.terminal % 7) + 1}`,
      duplicateConfirmed: fields.duplicateConfirmed ?? false,
      originalRrn: '',
    };
    writeHost(row);
    return row;
  };
  const follow = (
    original: HostRow,
    txnType: 'void' | 'refund',
    amountMinor: number,
    timeMs: number,
  ): HostRow => {
    rrnSeq += 1;
    const terminal = Number(original.terminalId) - 10000000;
    const row: HostRow = {
      ...original,
      stan: nextStan(terminal),
      rrn: String(300000000000 + rrnSeq),
      txnTimeMs: timeMs,
      txnType,
      status: 'approved',
      amountMinor,
      duplicateConfirmed: false,
      originalRrn: original.rrn,
    };
    writeHost(row);
    return row;
  };
  const show = (host: HostRow, result?: TerminalResult, fields: Partial<TerminalRow> = {}): void => {
    const shownResult: TerminalResult =
      result ??
      (host.status === 'declined' ? 'declined' : host.status === 'reversed' ? 'reversed' : 'approved');
    writeTerminal({
      merchantId: host.merchantId,
      terminalId: host.terminalId,
      batchNo: host.batchNo,
      stan: host.stan,
      rrn: shownResult === 'approved' || shownResult === 'reversed' ? host.rrn : '',
      authCode: shownResult === 'approved' ? host.authCode : '',
      txnTimeMs: host.txnTimeMs,
      txnType: host.txnType,
      result: shownResult,
      amountMinor: host.amountMinor,
      cardMasked: host.cardMasked,
      ...fields,
    });
  };
  const settle = (host: HostRow, fields: Partial<SettlementRow> = {}): void => {
    writeSettlement({
      settlementDate: '2026-11-26',
      merchantId: host.merchantId,
      terminalId: host.terminalId,
      batchNo: host.batchNo,
      stan: host.stan,
      rrn: random.next() < 0.01 ? '' : host.rrn,
      authCode: host.authCode,
      txnTimeMs: host.txnTimeMs,
      txnType: host.txnType === 'refund' ? 'refund' : 'sale',
      amountMinor: host.amountMinor,
      feeMinor: Math.round(host.amountMinor * 0.0055),
      currency: 'CNY',
      cardMasked: host.cardMasked,
      ...fields,
    });
  };
  const ordinary = (h: HostRow): void => {
    show(h);
    settle(h);
  };

  for (let event = 0; event < options.events; event += 1) {
    const terminal = random.int(0, terminals - 1);
    const timeMs =
      dayStartMs + Math.floor((event * dayMs) / Math.max(1, options.events)) + random.int(0, 999);
    if (random.next() >= anomalyRate) {
      const draw = random.next();
      switch (ordinaryScenarios.find((o) => draw < o.upTo)?.scenario ?? 'sale') {
        case 'sale':
          ordinary(sale({ terminal, timeMs }));
          break;
        case 'declined':
          show(sale({ terminal, timeMs, status: 'declined' }));
          break;
        case 'voided': {
          const h = sale({ terminal, timeMs, status: 'voided' });
          show(h, 'approved');
          show(follow(h, 'void', h.amountMinor, timeMs + 60_000));
          break;
        }
        case 'refunded': {
          const h = sale({ terminal, timeMs, status: 'partially_refunded' });
          const refund = follow(h, 'refund', Math.max(1, Math.floor(h.amountMinor / 2)), timeMs + 600_000);
          show(h);
          show(refund);
          settle(h);
          settle(refund);
          break;
        }
        case 'reversed':
          show(sale({ terminal, timeMs, status: 'reversed' }), random.pick(['reversed', 'unknown'] as const));
          break;
      }
      continue;
    }
    const scenario = random.pick(specialScenarios);
    switch (scenario) {
      case 'duplicate_settlement': {
        const h = sale({ terminal, timeMs });
        ordinary(h);
        const extra = random.next() < 0.2 ? 2 : 1;
        for (let k = 0; k < extra; k += 1) {
          settle(h);
          expect('duplicate_settlement', 'third_party', h.rrn);
        }
        break;
      }
      case 'reversed_but_settled': {
        const status = random.pick(['reversed', 'voided', 'declined'] as const);
        const h = sale({ terminal, timeMs, status });
        if (status === 'voided') {
          show(h, 'approved');
          show(follow(h, 'void', h.amountMinor, timeMs + 30_000));
        } else {
          show(h);
        }
        settle(h);
        expect('reversed_but_settled', status === 'reversed' ? 'network' : 'third_party', h.rrn);
        break;
      }
      case 'missing_in_settlement': {
        const h = sale({ terminal, timeMs, status: random.next() < 0.3 ? 'partially_refunded' : 'approved' });
        show(h);
        if (h.status === 'approved') {
          expect('missing_in_settlement', 'third_party', h.rrn);
          break;
        }
        // The sale was settled; its refund was not.
        const refund = follow(h, 'refund', Math.max(1, Math.floor(h.amountMinor / 3)), timeMs + 300_000);
        show(refund);
        settle(h);
        expect('missing_in_settlement', 'third_party', refund.rrn, h.rrn);
        break;
      }
      case 'unknown_in_settlement': {
        strangerSeq += 1;
        const rrn = String(900000000000 + strangerSeq);
        const card = newCard();
        settle(
          {
            merchantId: merchantOf(terminal),
            terminalId: terminalIdOf(terminal),
            batchNo: '000009',
            stan: String(strangerSeq % 1_000_000).padStart(6, '0'),
            rrn,
            authCode: '777777',
            txnTimeMs: timeMs,
            txnType: 'sale',
            status: 'approved',
            amountMinor: amount(),
            currency: 'CNY',
            cardMasked: card.masked,
            cardFingerprint: card.fingerprint,
            entryMode: 'chip',
            operatorId: '',
            duplicateConfirmed: false,
            originalRrn: '',
          },
          { rrn },
        );
        expect('unknown_in_settlement', 'third_party', rrn);
        break;
      }
      case 'amount_mismatch': {
        const h = sale({ terminal, timeMs });
        show(h);
        settle(h, { amountMinor: h.amountMinor + random.pick([-100, -1, 1, 10, 1000]) });
        expect('amount_mismatch', 'software', h.rrn);
        break;
      }
      case 'duplicate_sale_hardware':
      case 'duplicate_sale_operator': {
        const card = newCard();
        const amountMinor = amount();
        const hardware = scenario === 'duplicate_sale_hardware';
        const first = sale({ terminal, timeMs, card, amountMinor, entryMode: random.pick(cardReads) });
        const keyed = !hardware && random.next() < 0.3;
        const apartMs = hardware
          ? random.int(1_000, 14_999)
          : keyed
            ? random.int(1_000, 14_000)
            : random.int(15_000, windowMs);
        const again = sale({
          terminal,
          timeMs: timeMs + apartMs,
          card,
          amountMinor,
          entryMode: keyed ? 'manual' : random.pick(cardReads),
        });
        ordinary(first);
        ordinary(again);
        expect('duplicate_sale_suspect', hardware ? 'hardware' : 'operator', again.rrn, first.rrn);
        break;
      }
      case 'terminal_display_duplicate': {
        const h = sale({ terminal, timeMs });
        ordinary(h);
        show(h);
        expect('terminal_display_duplicate', 'software', h.rrn);
        break;
      }
      case 'terminal_only': {
        if (random.next() < 0.5) {
          const h = sale({ terminal, timeMs, status: 'declined' });
          show(h, 'approved', { rrn: h.rrn });
          expect('terminal_only', 'software', h.rrn);
        } else {
          strangerSeq += 1;
          const rrn = String(800000000000 + strangerSeq);
          writeTerminal({
            merchantId: merchantOf(terminal),
            terminalId: terminalIdOf(terminal),
            batchNo: '000001',
            stan: nextStan(terminal),
            rrn,
            authCode: '123456',
            txnTimeMs: timeMs,
            txnType: 'sale',
            result: 'approved',
            amountMinor: amount(),
            cardMasked: '622202******0000',
          });
          expect('terminal_only', 'software', rrn);
        }
        break;
      }
      case 'host_only_approved': {
        const h = sale({ terminal, timeMs });
        show(h, random.pick(['declined', 'reversed', 'unknown'] as const));
        settle(h);
        expect('host_only_approved', 'network', h.rrn);
        break;
      }
      case 'near_confirmed_repeat':
      case 'near_outside_window':
      case 'near_other_terminal':
      case 'near_other_amount': {
        const card = newCard();
        const amountMinor = amount();
        const first = sale({ terminal, timeMs, card, amountMinor });
        const again = sale({
          terminal: scenario === 'near_other_terminal' ? (terminal + 1) % terminals : terminal,
          timeMs: timeMs + (scenario === 'near_outside_window' ? windowMs + 1000 : 5_000),
          card,
          amountMinor: scenario === 'near_other_amount' ? amountMinor + 1 : amountMinor,
          duplicateConfirmed: scenario === 'near_confirmed_repeat',
        });
        ordinary(first);
        ordinary(again);
        break;
      }
      case 'near_no_rrn_settlement': {
        const h = sale({ terminal, timeMs });
        show(h);
        settle(h, { rrn: '' });
        break;
      }
    }
  }
  return { expected, hostRows, terminalRows, settlementRows };
}

/** A 64-hex-digit stand-in for an HMAC fingerprint, distinct per card. */
function fingerprintOf(card: number, seed: number): string {
  let out = '';
  let h = (card * 0x9e3779b1) ^ seed;
  for (let word = 0; word < 8; word += 1) {
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) ^ (card + word);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    out += ((h ^ (h >>> 16)) >>> 0).toString(16).padStart(8, '0');
  }
  return `${(card >>> 0).toString(16).padStart(8, '0')}${out.slice(8)}`;
}
