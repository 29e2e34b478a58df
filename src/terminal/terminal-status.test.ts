// The terminal SDK's status reports (issue 14): sent to a real host over TCP and kept; the counts the
// SDK takes from the faults it meets (a double read, a printer out of paper, the host unreachable
// for a while, a crash after an approval, counted once however often the terminal is opened); a
// report without an answer sent again with its id before a new one, so the host counts it once;
// and a refused report's counts carried into the next.
import { describe, expect, it } from 'vitest';
import { keyFromHex } from '../iso8583/index.js';
import { startIsoServer } from '../iso-host/iso-tcp-server.js';
import {
  HostTransport,
  makeIsoHarness,
  tmkHex,
  type IsoHarness,
} from '../iso-host/test-support/iso-harness.js';
import { merchantId, terminalId, testPan } from '../payments/test-support/engine-harness.js';
import { stored } from '../diagnostics/test-support/reports.js';
import { MemoryJournal } from './memory-journal.js';
import { PrinterFault, type Printer } from './receipt.js';
import type { StatusInput } from './client/status.js';
import { CrashingJournal, SimulatedCrash } from './simulated-faults.js';
import { TcpTransport } from './tcp-transport.js';
import { TerminalClient } from './terminal-client.js';
import type { Journal } from './journal.js';
import type { Transport } from './transport.js';

const device: StatusInput = {
  softwareVersion: '3.2.1',
  firmwareVersion: 'FW-1.0.7',
  network: { type: '4g', carrier: 'China Unicom', signalDbm: -97 },
  batteryPercent: 55,
  counts: { readerErrors: 2, reboots: 1 },
};

const chip = { pan: testPan, expiry: '2812', entryMode: 'chip' } as const;

async function open(
  h: IsoHarness,
  transport: Transport,
  journal: Journal = new MemoryJournal(),
  printer?: Printer,
) {
  const client = await TerminalClient.open({
    merchantId,
    terminalId,
    transport,
    journal,
    clock: h.clock,
    answerTimeoutMs: 5_000,
    ...(printer === undefined ? {} : { printer }),
  });
  await client.setMasterKey(keyFromHex(tmkHex, 'TMK'));
  return client;
}

const kept = (h: IsoHarness) =>
  h.store.read((r) => r.listTelemetryReports({ fromMs: 0, toMs: h.clock.now() + 1, limit: 100 }));

describe('the terminal SDK: status reports', () => {
  it('sends a status report to a real host over TCP, which keeps it MAC-checked', async () => {
    const h = await makeIsoHarness();
    const server = await startIsoServer({
      host: h.host,
      log: h.engine.context.log,
      port: 0,
      address: '127.0.0.1',
    });
    const transport = new TcpTransport({ host: '127.0.0.1', port: server.port, clock: h.clock });
    const client = await open(h, transport);
    try {
      expect((await client.signIn()).kind).toBe('signed-in');
      const outcome = await client.sendStatus(device);
      expect(outcome).toMatchObject({ kind: 'accepted', resent: false });
      const [report] = await kept(h);
      expect(report).toMatchObject({ merchantId, terminalId, channel: 'iso' });
      expect(report?.report).toMatchObject({
        reportId: outcome.kind === 'accepted' ? outcome.report.reportId : '',
        at: h.clock.now(),
        softwareVersion: '3.2.1',
        readerErrors: 2,
        reboots: 1,
        networkType: '4g',
        carrier: 'China Unicom',
        signalDbm: -97,
        batteryPercent: 55,
      });
      // Counts start again from zero once a report is accepted.
      const next = await client.sendStatus({ ...device, counts: {} });
      expect(next.kind === 'accepted' && next.report.cardReader.errors).toBe(0);
      expect(await kept(h)).toHaveLength(2);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('counts the faults it meets: a double read, a printer out of paper, the host unreachable, a crash', async () => {
    const h = await makeIsoHarness();
    const transport = new HostTransport((frame) => h.handle(frame));
    const journal = new MemoryJournal();
    const paperOut: Printer = { print: () => Promise.reject(new PrinterFault('paper-out', 'no paper')) };
    let client = await open(h, transport, journal, paperOut);
    await client.signIn();
    const [first, second] = await Promise.all([
      client.sale({ amount: 1200, card: chip }),
      client.sale({ amount: 1200, card: chip }),
    ]);
    expect([first.kind, second.kind]).toEqual(['approved', 'ignored-double-read']);
    // The host cannot be reached for 42 seconds, then can.
    transport.fault = () => 'not-sent';
    expect(await client.echo()).toMatchObject({ kind: 'no-answer' });
    await h.clock.advance(42_000);
    transport.fault = () => undefined;
    expect(await client.echo()).toEqual({ code: '00' });
    await client.close();
    // A crash after the next approval, and the terminal opened twice before the reversal goes.
    const crashing = new CrashingJournal(journal);
    client = await open(h, transport, crashing);
    await expect(
      client.sale({ amount: 990, card: { ...chip, pan: '4111111111111111' } }),
    ).rejects.toBeInstanceOf(SimulatedCrash);
    // Opened once and closed (the crash counted and written), then opened again: counted once.
    await (await open(h, transport, journal)).close();
    client = await open(h, transport, journal);
    expect(client.telemetry.counts).toMatchObject({
      doubleReadsSuppressed: 1,
      paperOut: 1,
      printerHeadErrors: 0,
      offlinePeriods: 1,
      offlineSeconds: 42,
      crashes: 1,
    });
    const outcome = await client.sendStatus({ ...device, counts: {} });
    expect(outcome.kind).toBe('accepted');
    const [report] = await kept(h);
    expect(report?.report).toMatchObject({
      doubleReadsSuppressed: 1,
      paperOut: 1,
      offlinePeriods: 1,
      offlineSeconds: 42,
      crashes: 1,
    });
  });

  it('counts an offline period with its seconds in one report, even when the report itself ends it', async () => {
    const h = await makeIsoHarness();
    const transport = new HostTransport((frame) => h.handle(frame));
    const client = await open(h, transport);
    await client.signIn();
    transport.fault = () => 'not-sent';
    expect(await client.echo()).toMatchObject({ kind: 'no-answer' });
    await h.clock.advance(30_000);
    transport.fault = () => undefined;
    // This report's own exchange reaches the host: the period ends after its counts were taken.
    expect((await client.sendStatus(device)).kind).toBe('accepted');
    await h.clock.advance(60_000);
    expect((await client.sendStatus(device)).kind).toBe('accepted');
    const reports = await kept(h);
    expect(reports.map((r) => [r.report.offlinePeriods, r.report.offlineSeconds])).toEqual([
      [0, 0],
      [1, 30],
    ]);
  });

  it('sends a report that got no answer again, same id, before a new one: the host keeps it once', async () => {
    const h = await makeIsoHarness();
    const transport = new HostTransport((frame) => h.handle(frame));
    const client = await open(h, transport);
    await client.signIn();
    transport.fault = (request) => (request.fields['62'] !== undefined ? 'lose-answer' : undefined);
    const lost = await client.sendStatus(device);
    expect(lost.kind).toBe('no-answer');
    expect(client.telemetry.pending?.reportId).toBe(lost.kind === 'no-answer' ? lost.report.reportId : '');
    transport.fault = () => undefined;
    await h.clock.advance(60_000);
    const next = await client.sendStatus({ ...device, counts: { reboots: 4 } });
    expect(next).toMatchObject({ kind: 'accepted', resent: true });
    const reports = await kept(h);
    expect(reports.map((r) => [r.report.reportId, r.report.reboots])).toEqual([
      [lost.kind === 'no-answer' ? lost.report.reportId : '', 1],
      [next.kind === 'accepted' ? next.report.reportId : '', 4],
    ]);
    expect(client.telemetry.pending).toBeNull();
  });

  it("carries a refused report's counts into the next report, under a new id", async () => {
    const h = await makeIsoHarness();
    const transport = new HostTransport((frame) => h.handle(frame));
    const client = await open(h, transport);
    await client.signIn();
    // The host already holds another report under the id the terminal will use: it answers 94.
    const at = Math.floor(h.clock.now() / 1000) * 1000;
    const reportId = `${terminalId}-1-${at.toString(36)}`;
    await h.store.transaction((tx) =>
      tx.insertTelemetryReport(stored({ reportId, at }, { merchantId, terminalId })),
    );
    const refused = await client.sendStatus(device);
    expect(refused).toMatchObject({ kind: 'refused', code: '94' });
    expect(client.telemetry.counts).toMatchObject({ readerErrors: 2, reboots: 1 });
    const next = await client.sendStatus({ ...device, counts: { reboots: 1 } });
    expect(next.kind).toBe('accepted');
    expect(
      next.kind === 'accepted' && [next.report.reportId, next.report.reboots, next.report.cardReader.errors],
    ).toEqual([`${terminalId}-2-${at.toString(36)}`, 2, 2]);
  });

  it('refuses to make a report the host would refuse, and keeps its counts', async () => {
    const h = await makeIsoHarness();
    const transport = new HostTransport((frame) => h.handle(frame));
    const client = await open(h, transport);
    await client.signIn();
    await expect(client.sendStatus({ ...device, batteryPercent: 101 })).rejects.toMatchObject({
      code: 'POS_ERR_TELEMETRY_INVALID',
    });
    expect(client.telemetry.reportsMade).toBe(0);
    expect(transport.sent.map((m) => m.mti)).toEqual(['0800']);
  });
});
