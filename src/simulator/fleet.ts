// A fleet with planted culprits (`posguard simulate --culprits`, issue 14): the simulated shop's
// terminals get operators (a morning and an afternoon one each), a network (a 4G carrier, the
// shop's Wi-Fi or its Ethernet), software and firmware versions; then a few of them are made bad,
// and the list of what was made bad is the truth `posguard diagnose` is checked against:
//  - terminals with a card reader that reads twice, a printer that keeps failing, or old software
//    that sends sales again under their trace number (a retry bug);
//  - operators who key sales twice;
//  - one 4G carrier that loses requests and answers;
//  - one provider (the issuer route, or a wallet) that times out, or (the issuer) posts twice.
// Everything is drawn from the fleet's own schedule (its own seed), never from the day's: a day
// without culprits is the very day it was, and the culprits do not move the customers. A planted
// subject meets its fault at the culprit rate below (or the day's rate, if that is higher);
// healthy subjects meet the day's rates, except providers: a provider that is not the planted
// one is healthy, has no outage and meets a tenth of the day's other third-party rates
// (docs/diagnostics.md says why).
import type { Cause } from '../reconciliation/index.js';
import { faultSpecs, type FaultName } from './faults.js';
import { dayLengthMs, type PaymentMethod } from './intents.js';
import { Schedule } from './schedule.js';

export const fleetCarriers = ['China Mobile', 'China Unicom', 'China Telecom'] as const;
export type FleetNetworkType = '4g' | 'wifi' | 'ethernet';

/** A fleet with culprits has at least this many terminals (a culprit needs healthy peers), at most this many (3-digit operator ids). */
export const fleetTerminalLimits = { min: 8, max: 499 } as const;

export const newestSoftware = '3.2.1';
const previousSoftware = '3.2.0';
export const oldSoftware = '2.9.4';
const firmware = 'FW-1.8.2';

/** What a planted subject meets. Rates are probabilities per occasion, as in faults.ts. */
export const culpritRates = {
  /** A worn card reader: one read in three delivered twice; one in seven fails. */
  reader: { card_double_read: 0.3 },
  readerErrors: 0.15,
  /** A failing printer: three prints in ten fail (the SDK reprints from its journal). */
  printer: { printer_failure: 0.3 },
  /** Old software: three sales in ten sent again, same trace number, 0.5 to 3 s later. */
  softwareRetransmit: 0.3,
  /** An operator who keys three card sales in five a second time, after the approval. */
  operator: { double_keyed: 0.6 },
  /** A carrier that loses requests and answers, late or never. */
  network: { request_lost: 0.06, answer_lost: 0.1, answer_late: 0.06, connection_reset: 0.04 },
  issuerTimeouts: { issuer_no_answer: 0.03, issuer_late: 0.03 },
  issuerDoublePostings: { issuer_double_post: 0.05 },
  /** A wallet that loses two answers in three, queries included: some sales end unknown (98). */
  walletTimeouts: { wallet_answer_lost: 0.65 },
} as const;

/** Reader errors a healthy card reader has (per card sale): one read in 200. */
export const healthyReaderErrors = 0.005;
/** The share of the day's third-party rates a healthy provider meets. */
export const healthyProviderShare = 0.1;

export type SubjectKind = 'terminal' | 'operator' | 'network' | 'provider';
export type TerminalCulprit = 'reader' | 'printer' | 'software';
export type ProviderId = 'issuer' | 'alipay' | 'wechat';

export interface FleetTerminal {
  readonly index: number;
  readonly terminalId: string;
  readonly networkType: FleetNetworkType;
  /** The 4G carrier; null on Wi-Fi and Ethernet. */
  readonly carrier: string | null;
  /** The network as the diagnosis names it: `4g:China Mobile`, or `wifi:MERCHANT` for the shop's own. */
  readonly networkId: string;
  readonly softwareVersion: string;
  readonly firmwareVersion: string;
  /** A handheld on battery (Wi-Fi, 4G); a countertop on Ethernet has none. */
  readonly battery: boolean;
  /** The morning operator (first half of the day) and the afternoon one. */
  readonly operators: readonly [string, string];
  readonly culprit: TerminalCulprit | null;
}

/** A subject of the fleet as the diagnosis names it: `terminal` `MERCHANT/T0000003`. */
export interface FleetSubject {
  readonly subjectKind: SubjectKind;
  readonly subjectId: string;
}

/** One planted culprit, in the diagnosis's names: what `--truth` writes. */
export interface Culprit extends FleetSubject {
  readonly cause: Cause;
  /** What was planted, e.g. `reader_double_reads`. */
  readonly fault: string;
}

export interface FleetPlan {
  readonly merchantId: string;
  readonly terminals: ReadonlyMap<number, FleetTerminal>;
  readonly badOperators: ReadonlySet<string>;
  readonly lossyNetworkId: string;
  readonly provider: { readonly id: ProviderId; readonly fault: 'timeouts' | 'double_postings' };
  readonly culprits: readonly Culprit[];
  /** Every subject of the fleet, culprit or healthy: its terminals, operators, networks and providers. */
  readonly subjects: readonly FleetSubject[];
  /** The fleet's own draws (telemetry values, reader errors, retransmissions). */
  readonly schedule: Schedule;
}

/** Who meets a fault: the terminal (and through it its network), the operator, the provider. */
export interface FaultSubjects {
  readonly terminal?: number;
  readonly operator?: string;
  readonly provider?: string;
}

export const terminalIdOf = (index: number): string => `T${String(index).padStart(7, '0')}`;
const operatorIdOf = (n: number): string => String(n).padStart(3, '0');

/** Shares of the fleet on each network, in this order: three carriers, then the shop's Wi-Fi and Ethernet. */
const networkShares: ReadonlyArray<{ type: FleetNetworkType; carrier: string | null; share: number }> = [
  { type: '4g', carrier: 'China Mobile', share: 0.3 },
  { type: '4g', carrier: 'China Unicom', share: 0.25 },
  { type: '4g', carrier: 'China Telecom', share: 0.2 },
  { type: 'wifi', carrier: null, share: 0.15 },
  { type: 'ethernet', carrier: null, share: 0.1 },
];

/** The terminal indexes in an order drawn from the fleet's schedule under `label`. */
function shuffled(schedule: Schedule, count: number, label: string): number[] {
  return Array.from({ length: count }, (_, i) => i).sort(
    (a, b) => schedule.uniform(label, a) - schedule.uniform(label, b) || a - b,
  );
}

/** Each terminal's network: the shares above, over the terminals in a drawn order. */
function networksOf(schedule: Schedule, count: number): Map<number, (typeof networkShares)[number]> {
  const order = shuffled(schedule, count, 'network');
  const networks = new Map<number, (typeof networkShares)[number]>();
  let cumulative = 0;
  let start = 0;
  for (const network of networkShares) {
    cumulative += network.share;
    const end = Math.round(cumulative * count);
    for (const index of order.slice(start, end)) networks.set(index, network);
    start = end;
  }
  return networks;
}

function networkIdOf(merchantId: string, type: FleetNetworkType, carrier: string | null): string {
  return carrier === null ? `${type}:${merchantId}` : `${type}:${carrier}`;
}

/** The providers a day's methods call: the issuer route for cards, each wallet for QR codes. */
function providersOf(methods: readonly PaymentMethod[]): ProviderId[] {
  return [
    ...(methods.includes('card') ? (['issuer'] as const) : []),
    ...(methods.includes('qr') ? (['alipay', 'wechat'] as const) : []),
  ];
}

const terminalCulprits: ReadonlyArray<{ culprit: TerminalCulprit; cause: Cause; fault: string }> = [
  { culprit: 'reader', cause: 'hardware', fault: 'reader_double_reads' },
  { culprit: 'printer', cause: 'hardware', fault: 'printer_faults' },
  { culprit: 'software', cause: 'software', fault: 'software_retransmits' },
];

/** The terminals of the fleet, with their networks, versions, operators and planted culprits. */
function terminalsOf(schedule: Schedule, count: number, merchantId: string): Map<number, FleetTerminal> {
  const networks = networksOf(schedule, count);
  const perKind = Math.max(1, Math.round(count / 16));
  const culpritOf = new Map<number, TerminalCulprit>();
  shuffled(schedule, count, 'culprit').forEach((index, position) => {
    const planted = terminalCulprits[Math.floor(position / perKind)];
    if (planted !== undefined) culpritOf.set(index, planted.culprit);
  });
  const terminals = new Map<number, FleetTerminal>();
  for (let index = 0; index < count; index += 1) {
    const network = networks.get(index) ?? { type: 'wifi' as const, carrier: null, share: 0 };
    const culprit = culpritOf.get(index) ?? null;
    const healthySoftware = schedule.uniform('software', index) < 0.25 ? previousSoftware : newestSoftware;
    terminals.set(index, {
      index,
      terminalId: terminalIdOf(index),
      networkType: network.type,
      carrier: network.carrier,
      networkId: networkIdOf(merchantId, network.type, network.carrier),
      softwareVersion: culprit === 'software' ? oldSoftware : healthySoftware,
      firmwareVersion: firmware,
      battery: network.type !== 'ethernet',
      operators: [operatorIdOf(2 * index + 1), operatorIdOf(2 * index + 2)],
      culprit,
    });
  }
  return terminals;
}

/** The truth: every planted culprit, in the diagnosis's names. */
function culpritsOf(plan: Omit<FleetPlan, 'culprits' | 'subjects' | 'schedule'>): Culprit[] {
  const { merchantId } = plan;
  return [
    ...[...plan.terminals.values()].flatMap((t) => {
      const planted = terminalCulprits.find((c) => c.culprit === t.culprit);
      const subjectId = `${merchantId}/${t.terminalId}`;
      return planted === undefined
        ? []
        : [{ subjectKind: 'terminal' as const, subjectId, cause: planted.cause, fault: planted.fault }];
    }),
    ...[...plan.badOperators].sort().map((operator) => ({
      subjectKind: 'operator' as const,
      subjectId: `${merchantId}/${operator}`,
      cause: 'operator' as const,
      fault: 'keys_twice',
    })),
    { subjectKind: 'network', subjectId: plan.lossyNetworkId, cause: 'network', fault: 'high_loss' },
    {
      subjectKind: 'provider',
      subjectId: plan.provider.id,
      cause: 'third_party',
      fault: plan.provider.fault,
    },
  ];
}

/** Every subject of the fleet, in the diagnosis's names. */
function subjectsOf(
  merchantId: string,
  terminals: readonly FleetTerminal[],
  providers: readonly ProviderId[],
): FleetSubject[] {
  const id = (suffix: string): string => `${merchantId}/${suffix}`;
  return [
    ...terminals.map((t) => ({ subjectKind: 'terminal' as const, subjectId: id(t.terminalId) })),
    ...terminals.flatMap((t) =>
      t.operators.map((o) => ({ subjectKind: 'operator' as const, subjectId: id(o) })),
    ),
    ...[...new Set(terminals.map((t) => t.networkId))].map((subjectId) => ({
      subjectKind: 'network' as const,
      subjectId,
    })),
    ...providers.map((subjectId) => ({ subjectKind: 'provider' as const, subjectId })),
  ];
}

/** The fleet of a seed: the same plan for the same seed, terminals and methods, on every machine. */
export function planFleet(options: {
  readonly seed: number;
  readonly terminals: number;
  readonly methods: readonly PaymentMethod[];
  readonly merchantId: string;
}): FleetPlan {
  const { terminals: count, merchantId } = options;
  const schedule = new Schedule(options.seed ^ 0x0bad5eed);
  const terminals = terminalsOf(schedule, count, merchantId);
  const operators = [...terminals.values()].flatMap((t) => [...t.operators]);
  const badOperators = new Set(
    [...operators]
      .sort((a, b) => schedule.uniform('operator', a) - schedule.uniform('operator', b) || (a < b ? -1 : 1))
      .slice(0, Math.max(2, Math.round(count / 8))),
  );
  const carrier =
    fleetCarriers[Math.floor(schedule.uniform('carrier') * fleetCarriers.length)] ?? 'China Mobile';
  const providers = providersOf(options.methods);
  const providerId = providers[Math.floor(schedule.uniform('provider') * providers.length)] ?? 'issuer';
  const doublePosts = providerId === 'issuer' && schedule.uniform('provider-fault') < 0.5;
  const planted = {
    merchantId,
    terminals,
    badOperators,
    lossyNetworkId: networkIdOf(merchantId, '4g', carrier),
    provider: { id: providerId, fault: doublePosts ? ('double_postings' as const) : ('timeouts' as const) },
  };
  return {
    ...planted,
    culprits: culpritsOf(planted),
    subjects: subjectsOf(merchantId, [...terminals.values()], providers),
    schedule,
  };
}

/** The operator at a terminal when a customer arrives: the morning one, then the afternoon one. */
export function operatorAt(plan: FleetPlan, terminal: number, atMs: number): string {
  const operators = plan.terminals.get(terminal)?.operators ?? ['001', '002'];
  return atMs < dayLengthMs / 2 ? operators[0] : operators[1];
}

/** The planted rates that apply to these subjects (none for a healthy one). */
function plantedRates(plan: FleetPlan, who: FaultSubjects): Partial<Record<FaultName, number>> {
  const terminal = who.terminal === undefined ? undefined : plan.terminals.get(who.terminal);
  const provider =
    who.provider !== plan.provider.id
      ? {}
      : plan.provider.id !== 'issuer'
        ? culpritRates.walletTimeouts
        : plan.provider.fault === 'timeouts'
          ? culpritRates.issuerTimeouts
          : culpritRates.issuerDoublePostings;
  return {
    ...(terminal?.culprit === 'reader' ? culpritRates.reader : {}),
    ...(terminal?.culprit === 'printer' ? culpritRates.printer : {}),
    ...(terminal?.networkId === plan.lossyNetworkId ? culpritRates.network : {}),
    ...(who.operator !== undefined && plan.badOperators.has(who.operator) ? culpritRates.operator : {}),
    ...provider,
  };
}

/** The rate of fault `name` for these subjects in this fleet, given the day's rate `base`. */
export function fleetRate(plan: FleetPlan, name: FaultName, who: FaultSubjects, base: number): number {
  const planted = plantedRates(plan, who)[name];
  if (planted !== undefined) return Math.max(base, planted);
  const healthyProvider =
    who.provider !== undefined &&
    who.provider !== plan.provider.id &&
    faultSpecs[name].cause === 'third_party';
  if (!healthyProvider) return base;
  // An outage, however short, is a provider's fault: a healthy one has none.
  return name === 'issuer_outage' ? 0 : base * healthyProviderShare;
}
