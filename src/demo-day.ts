// The demo's day of traffic (issue 15): `serve --demo` on a fresh store fills today (China time)
// with sales through the real engine, so the dashboard is not empty: approvals and declines over
// three terminals since the morning, a retransmission, held duplicates and one confirmed by operator
// 01 as a genuine second purchase, voids, refunds, a reversal, and the terminals' status reports.
// It runs the engine on a clock of its own that walks through the day (ids and times as they would
// have been), against the host's store and issuer. Seeded: the same seed makes the same day.
import type { Secret } from './cards/secret.js';
import { makeCard } from './cards/card.js';
import type { Clock } from './clock/clock.js';
import { systemClock } from './clock/clock.js';
import { setFeePlan } from './billing/fee-plan-admin.js';
import { validateFeePlan } from './fees/index.js';
import { addTerminal } from './merchants/merchant-admin.js';
import { PaymentEngine } from './payments/engine.js';
import { noMetrics, silentLog, type EngineSettings } from './payments/engine-context.js';
import { randomIdSource } from './payments/id-source.js';
import type { Store } from './payments/ports/store.js';
import type { Upstream } from './payments/ports/upstream.js';
import { SeededRandom, type Random } from './random/random.js';

export interface DemoDayDeps {
  readonly store: Store;
  readonly upstream: Upstream;
  readonly fingerprintKey: Secret<Buffer>;
  readonly settings: EngineSettings;
  readonly merchantId: string;
  /** The demo's first terminal (already registered); two more are added beside it. */
  readonly terminalId: string;
  readonly now: number;
}

/** How many sales the day has at most: enough for the pages, few enough to seed in about a second. */
export const demoSales = 160;

/** A card number of the simulated issuer's BIN with its Luhn check digit (card `n` of the demo's pool). */
export function demoPan(n: number): string {
  const body = `621234${String(100_000_000 + n * 7919).slice(-9)}`;
  let sum = 0;
  for (let i = 0; i < body.length; i += 1) {
    let digit = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return `${body}${(10 - (sum % 10)) % 10}`;
}

/** The moments of the day's sales: from 08:00 China time (or midnight, early in the day) until now. */
export function demoSaleTimes(now: number, count: number, random: Random): number[] {
  const dayStart = Math.floor((now + 8 * 3_600_000) / 86_400_000) * 86_400_000 - 8 * 3_600_000;
  const opening = dayStart + 8 * 3_600_000;
  const from = now - opening > 3_600_000 ? opening : dayStart;
  const span = Math.max(60_000, now - 120_000 - from);
  return Array.from({ length: count }, () => from + Math.floor(random.next() * span)).sort((a, b) => a - b);
}

interface SeedContext {
  readonly engine: PaymentEngine;
  readonly clock: { at: number };
  readonly random: Random;
  readonly deps: DemoDayDeps;
}

async function sale(
  ctx: SeedContext,
  input: {
    terminalId: string;
    key: string;
    amount: number;
    card: number;
    expiry?: string;
    confirm?: boolean;
  },
): Promise<string | undefined> {
  const result = await ctx.engine.authorizeSale({
    merchantId: ctx.deps.merchantId,
    terminalId: input.terminalId,
    idempotencyKey: input.key,
    amount: input.amount,
    currency: 'CNY',
    card: makeCard({
      pan: demoPan(input.card),
      expiry: input.expiry ?? '3012',
      fingerprintKey: ctx.deps.fingerprintKey,
    }),
    entryMode: 'chip',
    operatorId: '01',
    confirmDuplicate: input.confirm ?? false,
    reference: null,
    channel: 'http',
    stan: null,
    batchNo: null,
  });
  return result.kind === 'answered' && result.answer.kind === 'payment' ? result.answer.view.id : undefined;
}

/** Fills the day when the demo merchant has no payment yet; says how many sales it made (0 when not fresh). */
export async function seedDemoDay(deps: DemoDayDeps, seed = 20_261_125): Promise<number> {
  const existing = await deps.store.read((r) => r.listPayments({ merchantId: deps.merchantId, limit: 1 }));
  if (existing.length > 0) return 0;
  const terminals = [deps.terminalId, 'DEMO0002', 'DEMO0003'];
  for (const terminalId of terminals.slice(1)) {
    const known = await deps.store.read((r) => r.getTerminal(deps.merchantId, terminalId));
    if (known === undefined)
      await addTerminal(
        deps.store,
        { merchantId: deps.merchantId, terminalId, tmkEncrypted: null },
        { now: deps.now },
      );
  }
  const random = new SeededRandom(seed);
  const clock = { at: deps.now };
  const seedClock: Clock = { now: () => clock.at, sleep: (ms, signal) => systemClock.sleep(ms, signal) };
  const engine = new PaymentEngine({
    store: deps.store,
    upstream: deps.upstream,
    clock: seedClock,
    ids: randomIdSource(seedClock, new SeededRandom(seed + 1)),
    metrics: noMetrics,
    log: silentLog,
    settings: deps.settings,
    instanceId: 'demo-day',
  });
  const ctx: SeedContext = { engine, clock, random, deps };
  const times = demoSaleTimes(deps.now, demoSales, random);
  let made = 0;
  for (const [i, at] of times.entries()) {
    clock.at = at;
    made += await oneMoment(ctx, i, terminals[i % terminals.length] ?? deps.terminalId);
  }
  await statusReports(ctx, terminals, times[0] ?? deps.now);
  await feePlan(deps);
  return made;
}

/** The demo merchant's fee plan, in force since a month ago, so its statements have fee lines. */
async function feePlan(deps: DemoDayDeps): Promise<void> {
  if ((await deps.store.read((r) => r.getFeePlan(deps.merchantId))) !== undefined) return;
  const monthAgo = new Date(deps.now + 8 * 3_600_000 - 30 * 86_400_000).toISOString().slice(0, 10);
  const plan = validateFeePlan({
    format: 'posguard-fee-plan/1',
    merchantId: deps.merchantId,
    currency: 'CNY',
    devicePriceFen: 0,
    activation: { feeFen: 0 },
    versions: [
      {
        version: 1,
        effectiveFrom: monthAgo,
        changedBy: 'ops:demo',
        changedAt: new Date(deps.now - 31 * 86_400_000).toISOString(),
        rates: {
          debit: { ratePpm: 5500, capFen: 1625 },
          credit: { ratePpm: 6000 },
          qr: { ratePpm: 3800 },
          foreign: { ratePpm: 6000 },
        },
      },
    ],
  });
  await setFeePlan(deps.store, {
    merchantId: deps.merchantId,
    plan,
    changedBy: 'ops:demo',
    belowCost: false,
    nowMs: deps.now,
  });
}

// Long because: the day's script reads best as one list of what happens at each kind of moment.
async function oneMoment(ctx: SeedContext, i: number, terminalId: string): Promise<number> {
  const { random, clock } = ctx;
  const amount =
    [500, 1280, 1800, 2550, 3600, 4999, 8800, 12_800, 26_600][Math.floor(random.next() * 9)] ?? 1280;
  const card = Math.floor(random.next() * 40);
  const key = `demo-${i}`;
  // Every 23rd card has expired: declined 54 by the host without reaching the issuer.
  const expiry = i % 23 === 7 ? '2401' : '3012';
  const id = await sale(ctx, { terminalId, key, amount, card, expiry });
  if (id === undefined) return 0;
  if (i % 29 === 3) {
    // The terminal timed out and sent the same request again: answered from the stored answer.
    await sale(ctx, { terminalId, key, amount, card, expiry });
  }
  if (i % 17 === 5) {
    // The receipt did not print and the operator ran the sale again: held by the duplicate guard.
    clock.at += 25_000;
    await sale(ctx, { terminalId, key: `${key}-again`, amount, card });
    if (i % 34 === 5) {
      // This time the customer really buys twice: operator 01 confirms a second purchase.
      clock.at += 20_000;
      await sale(ctx, { terminalId, key: `${key}-second`, amount, card, confirm: true });
    }
  }
  const follow = {
    merchantId: ctx.deps.merchantId,
    saleId: id,
    operatorId: '01',
    channel: 'http' as const,
    terminalId: null,
    stan: null,
    batchNo: null,
  };
  if (i % 31 === 11) {
    clock.at += 60_000;
    await ctx.engine.voidSale({ ...follow, idempotencyKey: `${key}-void` });
  } else if (i % 37 === 13) {
    clock.at += 3_600_000;
    await ctx.engine.refundSale({
      ...follow,
      idempotencyKey: `${key}-refund`,
      amount: Math.floor(amount / 2),
    });
  } else if (i === 41) {
    // The terminal never saw the answer: it reverses (the host's reversal queue completes it).
    clock.at += 30_000;
    await ctx.engine.reverse({
      merchantId: ctx.deps.merchantId,
      idempotencyKey: `${key}-reverse`,
      target: { paymentId: id },
      reason: 'timeout',
    });
  }
  return 1;
}

/** Each terminal's status report every two hours of the day so far; DEMO0003 runs older software. */
async function statusReports(ctx: SeedContext, terminals: readonly string[], from: number): Promise<void> {
  for (const [n, terminalId] of terminals.entries()) {
    for (let at = from, k = 0; at < ctx.deps.now; at += 2 * 3_600_000, k += 1) {
      ctx.clock.at = at;
      await ctx.engine.recordTelemetry({
        merchantId: ctx.deps.merchantId,
        terminalId,
        channel: 'http',
        report: {
          reportId: `demo-${terminalId}-${k}`,
          at: new Date(at).toISOString(),
          softwareVersion: n === 2 ? '2.3.0' : '2.4.1',
          firmwareVersion: 'FW-1.8',
          cardReader: { errors: Math.floor(ctx.random.next() * (n === 2 ? 6 : 2)), doubleReadsSuppressed: 0 },
          printer: { paperOut: k % 3 === n ? 1 : 0, headErrors: 0 },
          reboots: 0,
          crashes: n === 2 && k % 2 === 1 ? 1 : 0,
          network:
            n === 1
              ? { type: 'wifi' }
              : { type: '4g', carrier: 'CMCC', signalDbm: -70 - Math.floor(ctx.random.next() * 30) },
          offline: { periods: 0, seconds: 0 },
          batteryPercent: 100 - k * 6,
        },
      });
    }
  }
}
