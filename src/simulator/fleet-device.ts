// What a terminal of a fleet with culprits (fleet.ts) adds to the simulated day: what its device
// says about itself in its hourly status reports (software and firmware, network and signal,
// battery, the card reads that failed), and, on old software, a retry bug that sends a sale
// again under its trace number while the terminal waits. Its draws come from the fleet's schedule,
// never from the day's, so the customers and the day's faults stay where they were.
import type { StatusInput } from '../terminal/index.js';
import { culpritRates, healthyReaderErrors, type FleetPlan, type FleetTerminal } from './fleet.js';

const hourMs = 3_600_000;

export class FleetDevice {
  /** Card reads that failed since the last report: the device's own count, not the SDK's. */
  #readerErrors = 0;
  #reports = 0;
  #nextReportAt: number;

  constructor(
    private readonly plan: FleetPlan,
    readonly terminal: FleetTerminal,
    private readonly dayStartMs: number,
  ) {
    this.#nextReportAt = dayStartMs + hourMs;
  }

  /** A card read for this purchase: a worn reader fails more reads (the customer inserts again). */
  cardRead(intent: number): void {
    const rate = this.terminal.culprit === 'reader' ? culpritRates.readerErrors : healthyReaderErrors;
    if (this.plan.schedule.strikes(rate, 'reader-error', this.terminal.index, intent))
      this.#readerErrors += 1;
  }

  /** Whether an hourly report is due at `now`; the next one is due at the next full hour. */
  reportDue(now: number): boolean {
    if (now < this.#nextReportAt) return false;
    this.#nextReportAt = (Math.floor(now / hourMs) + 1) * hourMs;
    return true;
  }

  /** The device's part of a status report at `now`; its reader errors go with it. */
  status(now: number): StatusInput {
    const report = (this.#reports += 1);
    const draw = (label: string, min: number, max: number): number =>
      this.plan.schedule.between(min, max, label, this.terminal.index, report);
    const { networkType, carrier, networkId } = this.terminal;
    const signalDbm =
      networkType === 'ethernet'
        ? undefined
        : networkType === 'wifi'
          ? draw('wifi-signal', -70, -50)
          : networkId === this.plan.lossyNetworkId
            ? draw('weak-signal', -114, -102)
            : draw('signal', -92, -78);
    const hoursOpen = Math.max(0, (now - this.dayStartMs) / hourMs);
    const counts = { readerErrors: this.#readerErrors };
    this.#readerErrors = 0;
    return {
      softwareVersion: this.terminal.softwareVersion,
      firmwareVersion: this.terminal.firmwareVersion,
      network: {
        type: networkType,
        ...(carrier === null ? {} : { carrier }),
        ...(signalDbm === undefined ? {} : { signalDbm }),
      },
      ...(this.terminal.battery ? { batteryPercent: Math.max(5, Math.round(100 - 7 * hoursOpen)) } : {}),
      counts,
    };
  }
}

/**
 * Old software's retry bug, in either protocol's terminal: the delay after which this sale (its
 * intent and attempt ordinal) goes out again under the same trace number, or null when it does not.
 */
export function retransmitAfterMs(
  plan: FleetPlan | undefined,
  terminal: number,
  attempt: { readonly intent: number; readonly ordinal: number },
): number | null {
  if (plan === undefined || plan.terminals.get(terminal)?.culprit !== 'software') return null;
  const occasion = [terminal, attempt.intent, attempt.ordinal];
  if (!plan.schedule.strikes(culpritRates.softwareRetransmit, 'retransmit', ...occasion)) return null;
  return plan.schedule.between(500, 3_000, 'retransmit-wait', ...occasion);
}
