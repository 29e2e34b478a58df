// `posguard pos status`: the virtual POS sends a status report (issue 14) over ISO 8583, the status
// upload. What the terminal counted itself since its last report (double reads ignored, printer
// faults, the host unreachable, a crash after an approval, from `--simulate` runs or real ones)
// goes with what the flags say about the device (versions, network, battery, reader errors,
// reboots). Only flags and printing live here; the protocol is the SDK's (terminal/client/status.ts).
import { networkTypes, type NetworkType } from '../../diagnostics/telemetry.js';
import type { StatusInput, StatusOutcome, TerminalClient } from '../../terminal/index.js';
import { integerFlag, stringFlag, type ParsedFlags } from '../command.js';
import { version } from '../../main.js';
import { PosError } from '../../pos-error.js';

export const statusFlagSpec = {
  software: { type: 'string' },
  firmware: { type: 'string' },
  network: { type: 'string' },
  carrier: { type: 'string' },
  signal: { type: 'string' },
  battery: { type: 'string' },
  'reader-errors': { type: 'string' },
  reboots: { type: 'string' },
} as const;

export const statusHelp = (example: string): string[] => [
  '  status           send a status report (0820, 60.3 = 362): what this terminal met since its last',
  '                   report (double reads ignored, printer faults, offline time, crashes), with',
  '                   [--software V] [--firmware V] [--network wifi|ethernet|3g|4g|5g] [--carrier NAME]',
  '                   [--signal=-DBM] [--battery PERCENT] [--reader-errors N] [--reboots N].',
  '                   A report without an answer is sent again, same id, by the next status.',
  `                     posguard pos status ${example} --network 4g --carrier "China Mobile" --signal=-85`,
];

function statusInput(flags: ParsedFlags): StatusInput {
  const given = stringFlag(flags, 'network') ?? 'ethernet';
  const type = networkTypes.find((t) => t === given);
  if (type === undefined) {
    throw new PosError(
      'POS_ERR_CLI_BAD_FLAG',
      `pos: --network expected one of ${networkTypes.join(', ')}, got ${JSON.stringify(given)}`,
    );
  }
  const carrier = stringFlag(flags, 'carrier');
  const signalDbm = integerFlag('pos', flags, 'signal', { min: -140, max: -10 });
  const batteryPercent = integerFlag('pos', flags, 'battery', { min: 0, max: 100 });
  const count = (name: string) => integerFlag('pos', flags, name, { min: 0, max: 1_000_000 }) ?? 0;
  const network: { type: NetworkType; carrier?: string; signalDbm?: number } = {
    type,
    ...(carrier === undefined ? {} : { carrier }),
    ...(signalDbm === undefined ? {} : { signalDbm }),
  };
  return {
    softwareVersion: stringFlag(flags, 'software') ?? `posguard-pos-${version}`,
    firmwareVersion: stringFlag(flags, 'firmware') ?? 'virtual',
    network,
    ...(batteryPercent === undefined ? {} : { batteryPercent }),
    counts: { readerErrors: count('reader-errors'), reboots: count('reboots') },
  };
}

function describeStatus(outcome: StatusOutcome): string {
  if (outcome.kind === 'not-sent') return `STATUS REPORT NOT SENT: ${outcome.detail}`;
  const r = outcome.report;
  const summary = `double reads ignored ${r.cardReader.doubleReadsSuppressed}, reader errors ${r.cardReader.errors}, printer out of paper ${r.printer.paperOut} / head faults ${r.printer.headErrors}, offline ${r.offline.periods} time(s) for ${r.offline.seconds} s, crashes ${r.crashes}, reboots ${r.reboots}`;
  switch (outcome.kind) {
    case 'accepted':
      return `${outcome.resent ? 'The report that had no answer was delivered first. ' : ''}STATUS REPORT ACCEPTED ${r.reportId}: ${summary}.`;
    case 'refused':
      return `STATUS REPORT REFUSED ${outcome.code} (${outcome.message}): ${r.reportId}; its counts go into the next report.`;
    case 'no-answer':
      return `STATUS REPORT GOT NO ANSWER (${outcome.detail}): ${r.reportId} is sent again, same id, by the next \`posguard pos status\`.`;
  }
}

/** Sends the report; ok when the host accepted it. */
export async function sendStatusReport(
  client: TerminalClient,
  flags: ParsedFlags,
): Promise<{ ok: boolean; text: string; json: unknown }> {
  const outcome = await client.sendStatus(statusInput(flags));
  return { ok: outcome.kind === 'accepted', text: describeStatus(outcome), json: outcome };
}
