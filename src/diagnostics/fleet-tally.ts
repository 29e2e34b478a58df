// The fold of a period's records into counts per subject (issue 14): every payment, journal event,
// duplicate and terminal hour is seen once, in pages, and leaves only counters behind (plus up to
// `maxEvidence` transaction ids per subject and measure), so memory grows with the fleet, not with
// the period. The records come per merchant: its telemetry first (which network each terminal is
// on, which hours its printer failed), then its payments in time order (a sale keyed twice is
// found with a window that forgets what is older than the merchant's duplicate window), then its
// duplicates; the journal's few events come last, for the whole scope at once.
import type { FeePlan } from '../fees/index.js';
import type {
  DiagnosisDuplicate,
  DiagnosisEvent,
  DiagnosisMerchant,
  DiagnosisPayment,
} from './ports/diagnosis-source.js';
import { saleFeeFen } from './fee-at-risk.js';
import { LatencyHistogram } from './latency-histogram.js';
import type { Exposure, SubjectKind } from './measures.js';
import { cellularNetworkTypes, type NetworkType } from './telemetry.js';
import type { TelemetryHour } from './telemetry-hours.js';

/** Who a finding is about. Ids name the merchant where the subject belongs to one. */
export interface SubjectRef {
  readonly kind: SubjectKind;
  /** `M1/10000159` (terminal, operator), `4g:China Mobile` or `wifi:M1` (network), `issuer`, `alipay`. */
  readonly id: string;
  readonly merchantId: string | null;
  readonly terminalId: string | null;
  readonly operatorId: string | null;
  readonly networkType: NetworkType | null;
  readonly carrier: string | null;
  readonly provider: string | null;
}

export interface MeasureCount {
  events: number;
  readonly ids: string[];
}

export interface SubjectTally {
  readonly ref: SubjectRef;
  readonly exposure: Record<Exposure, number>;
  /** By measure name (`double_reads`), for this subject's kind. */
  readonly counts: Map<string, MeasureCount>;
  hasTelemetry: boolean;
  /** A terminal's network (its latest report's), by subject id. */
  networkId: string | null;
  /** Fees of the subject's sales under their merchants' plans, and how many were priced. */
  feeFenSum: number;
  pricedSales: number;
  /** A terminal's software at its last report in the period. */
  softwareVersion: string | null;
  signalDbmSum: number;
  signalReports: number;
  /** An operator's sales keyed twice: held by the guard or sent through; suspects confirmed or left. */
  readonly keyedTwice: { held: number; through: number; confirmed: number; abandoned: number };
  /** Sales keyed twice in the hour of a printer fault or the next (a re-run after a failed print). */
  rerunsAfterPrinterFault: number;
  /** A provider's answer times (sales answered in one call). */
  readonly latency: LatencyHistogram | null;
}

const noExposure = (): Record<Exposure, number> => ({
  sales: 0,
  card_sales: 0,
  report_hours: 0,
  upstream_calls: 0,
  reversals: 0,
});

/**
 * The statuses of a sale that went through, is held as a suspected duplicate, or has no known
 * outcome yet: keying the same sale again after one of these is keying it twice. After a sale
 * declined, reversed (or being reversed), voided or refunded, running it again is a retry.
 */
const wentThrough: ReadonlySet<string> = new Set([
  'approved',
  'pending',
  'duplicate_suspected',
  'partially_refunded',
]);

/**
 * How long a provider has before its silence is its timeout, or its answer late: hosts wait 10 s
 * by default (a wallet's pay window 45 to 60 s); what happens sooner, while the call is out, is
 * the terminal reversing a sale whose answer its connection lost, not the provider being slow.
 */
export const providerWaitMs = 5_000;

/** A void within this long of its sale is a void "soon after the sale". */
export const voidSoonMs = 10 * 60_000;
/** The window for a merchant whose guard is off (no window of its own): the default guard's. */
const defaultWindowMs = 120_000;
const hourMs = 3_600_000;

interface TerminalState {
  network: SubjectRef | null;
  readonly printerFaultHours: Set<number>;
}

export class FleetTally {
  readonly subjects = new Map<string, SubjectTally>();
  readonly #terminals = new Map<string, TerminalState>();
  #merchant: DiagnosisMerchant | undefined;
  #plan: FeePlan | undefined;
  /**
   * Last sale per terminal, fingerprint and amount, within the current merchant's window: when it
   * was made, and whether it went through (or is held, or unknown), as opposed to having failed.
   */
  #recent = new Map<string, { readonly at: number; readonly wentThrough: boolean }>();
  #sinceSweep = 0;
  /**
   * The current merchant's held suspects counted as keyed twice, by payment id: one the operator
   * then confirmed as a genuine second purchase (its duplicate, read next) is taken back.
   */
  #held = new Map<
    string,
    { readonly operator: SubjectTally | undefined; readonly rerun: SubjectTally | undefined }
  >();
  /** Sales counted as retransmitted, by payment id: a sale repeated ten times is one such sale. */
  readonly #repeated = new Set<string>();
  rowsRead = 0;

  constructor(readonly maxEvidence: number) {}

  /** Starts a merchant: what follows is its telemetry, payments and duplicates. */
  beginMerchant(merchant: DiagnosisMerchant, plan: FeePlan | undefined): void {
    this.#merchant = merchant;
    this.#plan = plan;
    this.#recent = new Map();
    this.#held = new Map();
  }

  subject(ref: SubjectRef): SubjectTally {
    const key = `${ref.kind}\u0000${ref.id}`;
    let tally = this.subjects.get(key);
    if (tally === undefined) {
      tally = {
        ref,
        exposure: noExposure(),
        counts: new Map(),
        hasTelemetry: false,
        networkId: null,
        feeFenSum: 0,
        pricedSales: 0,
        softwareVersion: null,
        signalDbmSum: 0,
        signalReports: 0,
        keyedTwice: { held: 0, through: 0, confirmed: 0, abandoned: 0 },
        rerunsAfterPrinterFault: 0,
        latency: ref.kind === 'provider' ? new LatencyHistogram() : null,
      };
      this.subjects.set(key, tally);
    }
    return tally;
  }

  count(tally: SubjectTally, measure: string, events: number, id?: string): void {
    if (events === 0) return;
    let entry = tally.counts.get(measure);
    if (entry === undefined) {
      entry = { events: 0, ids: [] };
      tally.counts.set(measure, entry);
    }
    entry.events += events;
    if (id !== undefined && entry.ids.length < this.maxEvidence) entry.ids.push(id);
  }

  /** One terminal hour of telemetry (hours of one terminal come oldest first). */
  addTelemetryHour(hour: TelemetryHour): void {
    this.rowsRead += 1;
    const terminal = this.subject(terminalRef(hour.merchantId, hour.terminalId));
    terminal.hasTelemetry = true;
    terminal.softwareVersion = hour.softwareVersion;
    this.count(terminal, 'double_reads', hour.doubleReadsSuppressed);
    this.count(terminal, 'reader_errors', hour.readerErrors);
    this.count(terminal, 'printer_faults', hour.paperOut + hour.printerHeadErrors);
    this.count(terminal, 'crash_recoveries', hour.crashes);
    const state = this.#terminal(hour.merchantId, hour.terminalId);
    if (hour.paperOut + hour.printerHeadErrors > 0) state.printerFaultHours.add(hour.hourStart);
    const network = this.subject(networkRef(hour.merchantId, hour.networkType, hour.carrier));
    // The terminal's network is its latest hour's: its sales count there.
    state.network = network.ref;
    terminal.networkId = network.ref.id;
    // Kept on the terminal too, so a network's rate can be read over its typical terminals.
    terminal.exposure.report_hours += 1;
    this.count(terminal, 'offline_periods', hour.offlinePeriods);
    network.hasTelemetry = true;
    network.exposure.report_hours += 1;
    network.signalDbmSum += hour.signalDbmSum;
    network.signalReports += hour.signalReports;
    this.count(network, 'offline_periods', hour.offlinePeriods);
  }

  #terminal(merchantId: string, terminalId: string): TerminalState {
    const key = `${merchantId}/${terminalId}`;
    let state = this.#terminals.get(key);
    if (state === undefined) {
      state = { network: null, printerFaultHours: new Set() };
      this.#terminals.set(key, state);
    }
    return state;
  }

  /** The subjects a payment's or event's terminal counts toward: itself and its network. */
  #terminalSubjects(merchantId: string, terminalId: string): SubjectTally[] {
    const terminal = this.subject(terminalRef(merchantId, terminalId));
    const network = this.#terminals.get(`${merchantId}/${terminalId}`)?.network;
    return network === undefined || network === null ? [terminal] : [terminal, this.subject(network)];
  }

  // Long because: one pass over a payment feeds every subject it counts toward, in one place.
  addPayment(p: DiagnosisPayment): void {
    this.rowsRead += 1;
    const [terminal, network] = this.#terminalSubjects(p.merchantId, p.terminalId);
    const operator =
      p.operatorId === null ? undefined : this.subject(operatorRef(p.merchantId, p.operatorId));
    const provider = this.subject(providerRef(p.method, p.wallet));
    if (p.kind === 'sale') {
      for (const s of [terminal, network, operator]) {
        if (s === undefined) continue;
        s.exposure.sales += 1;
        if (p.method === 'card') s.exposure.card_sales += 1;
        this.#price(s, p);
      }
      this.#price(provider, p);
      this.#keyedTwice(p, operator);
    }
    if (
      p.kind === 'void' &&
      p.originalCreatedAt !== null &&
      p.createdAt - p.originalCreatedAt <= voidSoonMs
    ) {
      if (operator !== undefined) this.count(operator, 'voids_soon', 1, p.id);
    }
    if (p.reversalReason === 'timeout' && p.responseCode !== '98') {
      // Reversed by the terminal after the host had answered: the answer never reached it.
      for (const s of [terminal, network]) if (s !== undefined) this.count(s, 'lost_answers', 1, p.id);
    }
    if (terminal !== undefined) {
      if (p.reversalReason === 'mac_error') this.count(terminal, 'mac_failures', 1, p.id);
      if (p.reversalReason === 'terminal_failure') this.count(terminal, 'crash_recoveries', 1, p.id);
    }
    this.#upstream(provider, p);
  }

  /** A payment sent upstream counts as a call of its provider, with what came of it. */
  #upstream(provider: SubjectTally, p: DiagnosisPayment): void {
    if (p.rrn === null) return;
    provider.exposure.upstream_calls += 1;
    if (p.responseCode === '98' && !reversedBeforeTheProviderWasDue(p))
      this.count(provider, 'timeouts', 1, p.id);
    if (p.responseCode === '91') this.count(provider, 'unavailable', 1, p.id);
    if (p.reversalState !== null) {
      provider.exposure.reversals += 1;
      if (p.reversalState === 'failed' || (p.reversalAttempts ?? 0) > 1)
        this.count(provider, 'reversal_retries', 1, p.id);
    }
    // A sale answered in its one call: its record moved once, at the answer.
    if (p.kind === 'sale' && (p.status === 'approved' || p.status === 'declined'))
      provider.latency?.add(p.updatedAt - p.createdAt);
  }

  #price(subject: SubjectTally, p: DiagnosisPayment): void {
    if (this.#plan === undefined) return;
    const fee = saleFeeFen(this.#plan, p.amount, p.method);
    if (fee === undefined) return;
    subject.feeFenSum += fee;
    subject.pricedSales += 1;
  }

  /**
   * A sale whose card (or code) and amount this terminal took within the window before, while that
   * earlier sale had gone through, was held or had no known outcome: a sale run again after the
   * first was declined or reversed is what an operator should do, not a sale keyed twice (and on a
   * bad network or provider, every operator would do it more).
   */
  #keyedTwice(p: DiagnosisPayment, operator: SubjectTally | undefined): void {
    if (p.fingerprint === null) return;
    const windowMs =
      this.#merchant !== undefined && this.#merchant.duplicateWindowS > 0
        ? this.#merchant.duplicateWindowS * 1000
        : defaultWindowMs;
    const key = `${p.terminalId}\u0000${p.fingerprint}\u0000${p.amount}`;
    const last = this.#recent.get(key);
    this.#recent.set(key, { at: p.createdAt, wentThrough: wentThrough.has(p.status) });
    this.#sweep(p.createdAt, windowMs);
    // An operator's confirmation of a held suspect is a genuine second purchase, not a re-key.
    if (last === undefined || !last.wentThrough || p.createdAt - last.at > windowMs || p.duplicateConfirmed)
      return;
    if (operator !== undefined) {
      this.count(operator, 'keyed_twice', 1, p.id);
      if (p.status === 'duplicate_suspected') operator.keyedTwice.held += 1;
      else operator.keyedTwice.through += 1;
    }
    const state = this.#terminals.get(`${p.merchantId}/${p.terminalId}`);
    const hour = Math.floor(p.createdAt / hourMs) * hourMs;
    let rerun: SubjectTally | undefined;
    if (state?.printerFaultHours.has(hour) === true || state?.printerFaultHours.has(hour - hourMs) === true) {
      rerun = this.subject(terminalRef(p.merchantId, p.terminalId));
      rerun.rerunsAfterPrinterFault += 1;
    }
    if (p.status === 'duplicate_suspected') this.#held.set(p.id, { operator, rerun });
  }

  /** A held suspect the operator confirmed as a genuine second purchase: not a sale keyed twice after all. */
  #confirmedAfterAll(paymentId: string): void {
    const held = this.#held.get(paymentId);
    if (held === undefined) return;
    this.#held.delete(paymentId);
    if (held.rerun !== undefined) held.rerun.rerunsAfterPrinterFault -= 1;
    const operator = held.operator;
    const entry = operator?.counts.get('keyed_twice');
    if (operator === undefined || entry === undefined) return;
    entry.events -= 1;
    const at = entry.ids.indexOf(paymentId);
    if (at >= 0) entry.ids.splice(at, 1);
    operator.keyedTwice.held -= 1;
  }

  /** Forgets sales older than the window, now and then: the map holds one window of sales. */
  #sweep(now: number, windowMs: number): void {
    this.#sinceSweep += 1;
    if (this.#sinceSweep < 10_000) return;
    this.#sinceSweep = 0;
    for (const [key, last] of this.#recent) if (now - last.at > windowMs) this.#recent.delete(key);
  }

  /** A duplicate of the period: an operator's suspect (confirmed or left), or a double posting. */
  addDuplicate(d: DiagnosisDuplicate): void {
    this.rowsRead += 1;
    if (d.source === 'authorization' && d.operatorId !== null) {
      const operator = this.subject(operatorRef(d.merchantId, d.operatorId));
      if (d.resolution === 'confirmed') operator.keyedTwice.confirmed += 1;
      if (d.resolution === 'confirmed' && d.paymentId !== null) this.#confirmedAfterAll(d.paymentId);
      if (d.resolution === 'awaiting_confirmation') operator.keyedTwice.abandoned += 1;
    }
    const postedTwice = d.kind === 'duplicate_settlement' || d.cause === 'third_party';
    if (d.source === 'reconciliation' && postedTwice && d.paymentMethod !== null) {
      const provider = this.subject(providerRef(d.paymentMethod, d.paymentWallet));
      this.count(provider, 'double_postings', 1, d.paymentId ?? d.id);
    }
  }

  /** A journal event: a retransmission, or an answer that came after the host gave up. */
  addEvent(e: DiagnosisEvent): void {
    this.rowsRead += 1;
    if (e.event === 'request.repeated') {
      if (!sameRequest(e.data) || this.#repeated.has(e.paymentId)) return;
      this.#repeated.add(e.paymentId);
      for (const s of this.#terminalSubjects(e.merchantId, e.terminalId)) {
        this.count(s, 'retransmissions', 1, e.paymentId);
      }
      return;
    }
    // An answer that came soon after the sale was "late" only for a terminal that had reversed
    // it meanwhile (its connection failed): the provider was on time.
    if (e.at - e.paymentCreatedAt < providerWaitMs) return;
    this.count(this.subject(providerRef(e.method, e.wallet)), 'late_answers', 1, e.paymentId);
  }
}

/**
 * A sale reversed at the terminal's request within `providerWaitMs`, while its upstream call was
 * out (response code 98 all the same): the terminal's connection failed; the provider had not
 * timed out, and is not blamed for it.
 */
function reversedBeforeTheProviderWasDue(p: DiagnosisPayment): boolean {
  return p.reversalQueuedAt !== null && p.reversalQueuedAt - p.createdAt < providerWaitMs;
}

/** A repeat with the same content: a retransmission (other content is a key reused). */
function sameRequest(data: string): boolean {
  try {
    const parsed = JSON.parse(data) as { sameRequest?: unknown };
    return parsed.sameRequest === true;
  } catch {
    return false;
  }
}

export function terminalRef(merchantId: string, terminalId: string): SubjectRef {
  return {
    kind: 'terminal',
    id: `${merchantId}/${terminalId}`,
    merchantId,
    terminalId,
    operatorId: null,
    networkType: null,
    carrier: null,
    provider: null,
  };
}

export function operatorRef(merchantId: string, operatorId: string): SubjectRef {
  return {
    kind: 'operator',
    id: `${merchantId}/${operatorId}`,
    merchantId,
    terminalId: null,
    operatorId,
    networkType: null,
    carrier: null,
    provider: null,
  };
}

/** A cellular network is its carrier's, fleet-wide; Wi-Fi and Ethernet are each shop's own. */
export function networkRef(merchantId: string, networkType: NetworkType, carrier: string | null): SubjectRef {
  const cellular = cellularNetworkTypes.includes(networkType) && carrier !== null;
  return {
    kind: 'network',
    id: cellular ? `${networkType}:${carrier}` : `${networkType}:${merchantId}`,
    merchantId: cellular ? null : merchantId,
    terminalId: null,
    operatorId: null,
    networkType,
    carrier: cellular ? carrier : null,
    provider: null,
  };
}

/** The issuer route for cards; each wallet for QR sales. */
export function providerRef(method: 'card' | 'qr', wallet: string | null): SubjectRef {
  const provider = method === 'card' ? 'issuer' : (wallet ?? 'wallet');
  return {
    kind: 'provider',
    id: provider,
    merchantId: null,
    terminalId: null,
    operatorId: null,
    networkType: null,
    carrier: null,
    provider,
  };
}
