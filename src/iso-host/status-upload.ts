// The status upload (issue 14): a terminal's telemetry over ISO 8583, an 0820 with 60.3 = 362 and
// the report in field 62 as TLV (iso8583/status-report.ts; docs/iso8583.md), MACed like every
// terminal message (iso-host.ts refuses it with A0 before this runs when the MAC is missing or
// wrong, and nothing is stored). This only translates: the TLV into the report's JSON form, handed
// to the engine's `recordTelemetry`, the use case the HTTP route reaches too, and its refusals into
// field 39 through the error catalogue (30 a bad report, 94 another report under a used id, 65 the
// day's cap reached). The answer is an 0830 with 39 = 00, signed.
import { readStatusReport } from '../iso8583/index.js';
import { answerCodes } from './answer-codes.js';
import { formatError } from './financial-requests.js';
import type { HandlerAnswer, HostContext, TerminalRequest } from './host-context.js';

export async function handleStatusUpload(ctx: HostContext, request: TerminalRequest): Promise<HandlerAnswer> {
  const field62 = request.message.fields['62'];
  if (field62 === undefined) {
    return formatError([{ field: 'field 62', expected: 'the status report (TLV)', actual: 'nothing' }]);
  }
  const read = readStatusReport(field62);
  if (read.problems.length > 0) return formatError(read.problems);
  const receipt = await ctx.engine.recordTelemetry({
    merchantId: request.merchantId,
    terminalId: request.terminalId,
    report: read.report,
    channel: 'iso',
  });
  return {
    code: answerCodes.approved,
    log: { reportId: receipt.stored.report.reportId, replayed: receipt.replayed },
  };
}
