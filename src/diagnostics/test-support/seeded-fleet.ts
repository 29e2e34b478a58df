// A small fleet with planted culprits, built through the engine (sales, retransmissions, voids,
// reversals, telemetry) on a virtual clock: what the diagnosis tests, the CLI and HTTP tests and
// the README's example read. Two merchants: M0001 (guard `confirm`, a fee plan) with twelve
// terminals on China Mobile 4G and operators 01 to 06, and M0002 (guard off) with six terminals on
// a carrier that keeps dropping. Six rounds, an hour apart: each terminal makes ten sales and
// sends a status report. The culprits:
//  - T0003 of M0001: a card reader that double-reads (hardware);
//  - T0004 of M0001: a printer out of paper every hour (hardware);
//  - T0005 of M0001: answers that never reach it, so it reverses sales the host approved (network);
//  - T0006 of M0001: retransmits sales, on old software 3.1.0 (software);
//  - T0007 of M0001: MAC failures, reversed with mac_error (software);
//  - operator 99 of M0001: keys sales twice; operator 98 of M0001: voids just after the sale;
//  - 4G network "DropNet" (M0002's terminals): offline several times an hour (network);
//  - the issuer: in the last round it loses a fifth of its answers, so sales time out (third party).
import { makeCard } from '../../cards/card.js';
import { luhnValid } from '../../cards/card.js';
import { setFeePlan } from '../../billing/fee-plan-admin.js';
import type { FeePlan } from '../../fees/index.js';
import { addMerchant, addTerminal } from '../../merchants/merchant-admin.js';
import { makeHarness, fingerprintKey, type Harness } from '../../payments/test-support/engine-harness.js';
import type { Store } from '../../payments/ports/store.js';
import { SeededRandom } from '../../random/random.js';
import { noFaults } from '../../simulated-issuer/simulated-issuer.js';
import { chinaIsoTime } from '../telemetry.js';

/** M0001's plan: 0.6% on debit, 0.63% on credit, 0.38% on QR codes. */
const shopPlan: FeePlan = {
  merchantId: 'M0001',
  devicePriceFen: 9_900,
  activation: { feeFen: 0 },
  versions: [
    {
      version: 1,
      effectiveFrom: '2026-10-01',
      changedBy: 'ops:test',
      changedAt: '2026-10-01T00:00:00+08:00',
      rates: {
        debit: { ratePpm: 6_000, capFen: 2_000 },
        credit: { ratePpm: 6_300 },
        qr: { ratePpm: 3_800 },
        foreign: { ratePpm: 6_300 },
      },
      belowCost: true,
    },
  ],
};

export const fleetMerchants = { shop: 'M0001', kiosk: 'M0002' } as const;
const hourMs = 3_600_000;
const rounds = 6;
const salesPerRound = 10;

/** A Luhn-valid card number of 16 digits ending in the number `n`. */
function panOf(n: number): string {
  const body = `621700${String(n).padStart(9, '0')}`;
  for (let check = 0; check < 10; check += 1) if (luhnValid(`${body}${check}`)) return `${body}${check}`;
  return `${body}0`;
}

interface FleetTerminal {
  readonly merchantId: string;
  readonly terminalId: string;
  readonly carrier: string;
  readonly software: string;
}

function terminalsOf(): FleetTerminal[] {
  const shop = Array.from({ length: 12 }, (_, i) => ({
    merchantId: fleetMerchants.shop,
    terminalId: `T${String(i + 1).padStart(4, '0')}`,
    carrier: 'China Mobile',
    software: i + 1 === 6 ? '3.1.0' : '3.2.1',
  }));
  const kiosk = Array.from({ length: 6 }, (_, i) => ({
    merchantId: fleetMerchants.kiosk,
    terminalId: `K${String(i + 1).padStart(4, '0')}`,
    carrier: 'DropNet',
    software: '3.2.1',
  }));
  return [...shop, ...kiosk];
}

export interface SeededFleet {
  readonly harness: Harness;
  readonly store: Store;
  /** The period the fleet's activity falls in. */
  readonly fromMs: number;
  readonly toMs: number;
}

async function addFleet(h: Harness): Promise<void> {
  const random = new SeededRandom(7);
  await addMerchant(
    h.store,
    { id: fleetMerchants.kiosk, name: 'Kiosk', duplicatePolicy: 'off', apiKey: 'pgk_kiosk' },
    { random, now: h.clock.now() },
  );
  for (const t of terminalsOf()) {
    if (t.merchantId === fleetMerchants.shop && t.terminalId === 'T0001') continue;
    await addTerminal(h.store, { ...t, tmkEncrypted: null }, { now: h.clock.now() });
  }
}

/** The operator a terminal's sale is keyed by: 99 keys twice on T0008, 98 voids on T0009. */
function operatorOf(t: FleetTerminal, sale: number): string {
  if (t.merchantId === fleetMerchants.kiosk) return `0${1 + (sale % 2)}`;
  if (t.terminalId === 'T0008') return '99';
  if (t.terminalId === 'T0009') return '98';
  return `0${1 + (sale % 6)}`;
}

// Long because: one terminal's round reads as the list of what its culprit does.
async function terminalRound(
  h: Harness,
  t: FleetTerminal,
  round: number,
  cards: { next: number },
): Promise<void> {
  for (let sale = 0; sale < salesPerRound; sale += 1) {
    const card = makeCard({ pan: panOf((cards.next += 1)), expiry: '2812', fingerprintKey });
    const command = h.sale({
      merchantId: t.merchantId,
      terminalId: t.terminalId,
      idempotencyKey: `${t.merchantId}-${t.terminalId}-${round}-${sale}`,
      amount: 1_000 + 37 * sale,
      card,
      operatorId: operatorOf(t, sale),
    });
    const result = await h.drive(h.engine.authorizeSale(command));
    const approved =
      result.kind === 'answered' &&
      result.answer.kind === 'payment' &&
      result.answer.view.status === 'approved';
    const paymentId = approved ? result.answer.view.id : null;
    if (t.terminalId === 'T0006' && sale % 2 === 0) await h.drive(h.engine.authorizeSale(command));
    if (t.terminalId === 'T0008' && sale % 2 === 0) {
      // Keyed again at once: same card and amount, a new key; the guard holds it.
      await h.drive(
        h.engine.authorizeSale({ ...command, idempotencyKey: `${command.idempotencyKey}-again` }),
      );
    }
    if (paymentId === null) continue;
    const reverse = (reason: 'timeout' | 'mac_error') =>
      h.drive(
        h.engine.reverse({
          merchantId: t.merchantId,
          idempotencyKey: `${command.idempotencyKey}-rev`,
          target: { paymentId },
          reason,
        }),
      );
    if (t.terminalId === 'T0005' && sale % 3 === 0) await reverse('timeout');
    if (t.terminalId === 'T0007' && sale % 4 === 0) await reverse('mac_error');
    if (t.terminalId === 'T0009' && sale % 3 === 0) {
      await h.drive(
        h.engine.voidSale({
          merchantId: t.merchantId,
          saleId: paymentId,
          idempotencyKey: `${command.idempotencyKey}-void`,
          operatorId: '98',
          channel: 'http',
          terminalId: null,
          stan: null,
          batchNo: null,
        }),
      );
    }
  }
}

/** The terminal's status report at the end of a round: its culprit's counts, or a healthy few. */
function reportOf(t: FleetTerminal, round: number, at: number): Record<string, unknown> {
  const dropping = t.carrier === 'DropNet';
  return {
    reportId: `${t.terminalId}-${round}`,
    at: chinaIsoTime(at),
    softwareVersion: t.software,
    firmwareVersion: 'FW-1.0.7',
    cardReader: { errors: round % 3 === 0 ? 1 : 0, doubleReadsSuppressed: t.terminalId === 'T0003' ? 3 : 0 },
    printer: { paperOut: t.terminalId === 'T0004' ? 2 : 0, headErrors: 0 },
    reboots: 0,
    crashes: 0,
    network: { type: '4g', carrier: t.carrier, signalDbm: dropping ? -110 : -80 },
    offline: dropping
      ? { periods: 3, seconds: 240 }
      : { periods: round === 2 ? 1 : 0, seconds: round === 2 ? 5 : 0 },
    batteryPercent: 80,
  };
}

/**
 * Builds the fleet with `harness` (an HTTP test's), or on `store`, or on an in-memory SQLite store.
 * The harness's own merchant M0001 and terminal T0001 are the shop's.
 */
export async function seedFleet(options: { store?: Store; harness?: Harness } = {}): Promise<SeededFleet> {
  const h = options.harness ?? (await makeHarness({ ...(options.store ? { store: options.store } : {}) }));
  await addFleet(h);
  await setFeePlan(h.store, {
    merchantId: fleetMerchants.shop,
    plan: shopPlan,
    changedBy: 'ops:test',
    belowCost: true,
    nowMs: Date.UTC(2026, 9, 1),
  });
  const fromMs = h.clock.now();
  const cards = { next: 0 };
  for (let round = 0; round < rounds; round += 1) {
    const faults = { ...noFaults, latencyMs: { min: 80, max: 400 } };
    h.issuer.setFaults(round === rounds - 1 ? { ...faults, lostAnswerRate: 0.2 } : faults);
    for (const t of terminalsOf()) {
      await terminalRound(h, t, round, cards);
      await h.engine.recordTelemetry({
        merchantId: t.merchantId,
        terminalId: t.terminalId,
        report: reportOf(t, round, h.clock.now()),
        channel: 'http',
      });
    }
    await h.clock.advanceTo(fromMs + (round + 1) * hourMs);
  }
  h.issuer.setFaults(noFaults);
  return { harness: h, store: h.store, fromMs, toMs: h.clock.now() };
}
