// Status reports (issue 14): the terminal tells the host what it met since its last report, over
// ISO 8583 (the status upload, 0820 with 60.3 = 362, MACed). The safe protocol again, for counts:
//  - the report is journaled (as pending, its counts taken out of the tally) before it is sent;
//  - no answer, or one that cannot be trusted: the same report (same id, same content) goes again
//    before any new one, and the host, which knows its id, keeps it once;
//  - refused (30, 94, 65): its counts go back into the tally, for the next report under a new id;
//  - A0 or a sign-in request: the report stays pending, and the next call signs in first.
// The counts the SDK sees itself (double reads, printer faults, offline periods, crashes after an
// approval) are added to those the device gives (reader errors, reboots).
import {
  chinaIsoTime,
  parseTelemetryReport,
  type NetworkType,
  type TelemetryReportJson,
} from '../../diagnostics/telemetry.js';
import { interpretResponseCode } from '../../iso8583/index.js';
import type { StatusOutcome } from '../outcomes.js';
import { statusUploadRequest } from '../terminal-messages.js';
import { ensureSession } from './session.js';
import { addCounts, type TelemetryCounts } from './telemetry-tally.js';
import type { TerminalCore } from './terminal-core.js';

export interface StatusInput {
  readonly softwareVersion: string;
  readonly firmwareVersion: string;
  readonly network: { readonly type: NetworkType; readonly carrier?: string; readonly signalDbm?: number };
  /** Absent on mains power. */
  readonly batteryPercent?: number;
  /** What the device counted itself since the last report (reader errors, reboots...). */
  readonly counts?: Partial<TelemetryCounts>;
}

/** Sends a pending report if there is one, then a new one with what was met since. */
export async function sendStatus(core: TerminalCore, input: StatusInput): Promise<StatusOutcome> {
  const noSession = await ensureSession(core);
  if (noSession !== undefined) return { kind: 'not-sent', detail: noSession };
  let resent = false;
  const pending = core.telemetry.value.pending;
  if (pending !== null) {
    const earlier = await send(core, pending);
    // Still no answer, or refused for a reason that keeps it pending: the new one waits.
    if (earlier.kind === 'no-answer' || core.telemetry.value.pending !== null) return earlier;
    resent = earlier.kind === 'accepted';
  }
  const report = newReport(core, input);
  const outcome = await send(core, report);
  return outcome.kind === 'accepted' ? { ...outcome, resent } : outcome;
}

/** The next report: checked as the host will check it before its counts leave the tally. */
function newReport(core: TerminalCore, input: StatusInput): TelemetryReportJson {
  const now = core.clock.now();
  // Whole seconds: the status upload carries the time to the second, so both doors see one time.
  const at = Math.floor(now / 1000) * 1000;
  const { counts, reportsMade } = core.telemetry.value;
  const number = reportsMade + 1;
  const total = addCounts(counts, input.counts ?? {});
  const report: TelemetryReportJson = {
    // The time in the id keeps ids apart even when a lost journal starts the numbers again.
    reportId: `${core.identity.terminalId}-${number}-${at.toString(36)}`,
    at: chinaIsoTime(at),
    softwareVersion: input.softwareVersion,
    firmwareVersion: input.firmwareVersion,
    cardReader: { errors: total.readerErrors, doubleReadsSuppressed: total.doubleReadsSuppressed },
    printer: { paperOut: total.paperOut, headErrors: total.printerHeadErrors },
    reboots: total.reboots,
    crashes: total.crashes,
    network: input.network,
    offline: { periods: total.offlinePeriods, seconds: total.offlineSeconds },
    ...(input.batteryPercent === undefined ? {} : { batteryPercent: input.batteryPercent }),
  };
  // Throws POS_ERR_TELEMETRY_INVALID, naming the field, for input the host would refuse.
  parseTelemetryReport(report, now);
  // The device's counts are in the report now: they travel with it, and come back if it is refused.
  core.telemetry.take();
  core.telemetry.setPending(report);
  return report;
}

async function send(core: TerminalCore, report: TelemetryReportJson): Promise<StatusOutcome> {
  // Journals the pending report (and the tally without its counts) with the STAN, before it leaves.
  const stan = await core.nextStan();
  const answer = await core.exchange(
    statusUploadRequest({ identity: core.identity, stan, batchNo: core.state.batchNo, report }),
    true,
  );
  if (answer.kind !== 'answer') return { kind: 'no-answer', report, detail: answer.detail };
  const message = interpretResponseCode({ code: answer.code, mti: answer.message.mti }).message;
  if (answer.signInRequired) return { kind: 'refused', report, code: answer.code, message };
  if (answer.macOk !== true) {
    // Believed only when signed: a forged refusal would have the counts sent twice, a forged
    // approval lose them. Sent again, the host answers what it really did with this report id.
    return {
      kind: 'no-answer',
      report,
      detail: "the host's answer carried no valid MAC: sent again next time",
    };
  }
  if (answer.code === '00') {
    core.telemetry.setPending(null);
    await core.save({});
    return { kind: 'accepted', report, resent: false };
  }
  core.telemetry.giveBack(report);
  await core.save({});
  return { kind: 'refused', report, code: answer.code, message };
}
