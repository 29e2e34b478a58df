// The telemetry route over HTTP (issue 14): a good report kept and answered 201; a repeat answered
// the same with Idempotent-Replayed, another body under its id refused 409; each kind of bad report
// refused with its code and field and nothing stored; another merchant's terminal refused as for a
// payment; the daily cap answered 429 with Retry-After; and the documented body schema never
// accepting what the model refuses. Every answer is checked against /openapi.json (the harness).
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsPlugin from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { chinaDayOf } from '../../diagnostics/record-telemetry.js';
import { defaultTelemetrySettings, parseTelemetryReport } from '../../diagnostics/telemetry.js';
import { reportJson, t0 } from '../../diagnostics/test-support/reports.js';
import { addMerchant, addTerminal } from '../../merchants/merchant-admin.js';
import { SeededRandom } from '../../random/random.js';
import { makeHttpHarness, type HttpHarness } from '../test-support/http-harness.js';

const post = (
  h: HttpHarness,
  report: Record<string, unknown>,
  options: { terminal?: string; key?: string; auth?: string } = {},
) =>
  h.call({
    method: 'POST',
    url: `/v1/terminals/${options.terminal ?? 'T0001'}/telemetry`,
    headers: {
      'idempotency-key': options.key ?? String(report['reportId']),
      ...(options.auth === undefined ? {} : { authorization: options.auth }),
    },
    payload: report,
  });

const storedReports = (h: HttpHarness) =>
  h.store.read((r) => r.listTelemetryReports({ fromMs: 0, toMs: t0 + 86_400_000, limit: 1000 }));

describe('POST /v1/terminals/{terminalId}/telemetry', () => {
  it('keeps a report, answers a repeat the same, and refuses another report under its id', async () => {
    const h = await makeHttpHarness();
    const first = await post(h, reportJson());
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual({
      reportId: 'T0001-0001',
      terminalId: 'T0001',
      at: '2026-11-25T06:00:00.000Z',
      receivedAt: '2026-11-25T06:00:00.000Z',
    });
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    await h.clock.advance(30_000);
    const again = await post(h, reportJson());
    expect([again.statusCode, again.body, again.headers['idempotent-replayed']]).toEqual([
      201,
      first.body,
      'true',
    ]);
    const other = await post(h, reportJson({ printer: { paperOut: 9, headErrors: 0 } }));
    expect([other.statusCode, other.json<{ code: string }>().code]).toEqual([
      409,
      'POS_ERR_TELEMETRY_REPORT_CONFLICT',
    ]);
    const reports = await storedReports(h);
    expect(reports.map((r) => [r.terminalId, r.channel, r.report.paperOut])).toEqual([['T0001', 'http', 1]]);
    // The engine reads it back per hour, as the diagnosis will.
    const hours = await h.engine.telemetryHours({ merchantId: 'M0001', fromMs: t0, toMs: t0 + 3_600_000 });
    expect(hours.map((x) => [x.terminalId, x.reports, x.readerErrors, x.signalDbmMin])).toEqual([
      ['T0001', 1, 1, -85],
    ]);
  });

  it.each([
    ['an unknown field', { colour: 'red' }, 400, 'POS_ERR_TELEMETRY_INVALID', 'colour'],
    [
      'an unknown nested field',
      { network: { type: 'wifi', ssid: 'shop' } },
      400,
      'POS_ERR_TELEMETRY_INVALID',
      'network.ssid',
    ],
    ['a value out of range', { batteryPercent: 140 }, 400, 'POS_ERR_TELEMETRY_INVALID', 'batteryPercent'],
    [
      'a signal out of range',
      { network: { type: 'wifi', signalDbm: 3 } },
      400,
      'POS_ERR_TELEMETRY_INVALID',
      'network.signalDbm',
    ],
    ['a wrong type', { reboots: 'twice' }, 400, 'POS_ERR_TELEMETRY_INVALID', 'reboots'],
    ['a missing field', { softwareVersion: undefined }, 400, 'POS_ERR_TELEMETRY_INVALID', 'softwareVersion'],
    [
      'a carrier on Ethernet',
      { network: { type: 'ethernet', carrier: 'CT' } },
      400,
      'POS_ERR_TELEMETRY_INVALID',
      'network.carrier',
    ],
    ['a time in the future', { at: '2026-11-25T14:10:00+08:00' }, 422, 'POS_ERR_TELEMETRY_BAD_TIME', 'at'],
    ['a time a week old', { at: '2026-11-18T14:00:00+08:00' }, 422, 'POS_ERR_TELEMETRY_BAD_TIME', 'at'],
  ])(
    'refuses a report with %s, naming the field, and stores nothing',
    async (_what, overrides, status, code, field) => {
      const h = await makeHttpHarness();
      const answer = await post(h, reportJson(overrides));
      const body = answer.json<{ code: string; problems: { field: string }[] }>();
      expect([answer.statusCode, body.code]).toEqual([status, code]);
      expect(body.problems.map((p) => p.field)).toContain(field);
      expect(await storedReports(h)).toEqual([]);
    },
  );

  it('refuses a body that is no object, and one that is not JSON', async () => {
    const h = await makeHttpHarness();
    const list = await h.call({
      method: 'POST',
      url: '/v1/terminals/T0001/telemetry',
      headers: { 'idempotency-key': 'r-1' },
      payload: [1, 2],
    });
    expect([list.statusCode, list.json<{ code: string }>().code]).toEqual([400, 'POS_ERR_TELEMETRY_INVALID']);
    const text = await h.call({
      method: 'POST',
      url: '/v1/terminals/T0001/telemetry',
      headers: { 'idempotency-key': 'r-1', 'content-type': 'application/json' },
      payload: '{"reportId":',
    });
    expect([text.statusCode, text.json<{ code: string }>().code]).toEqual([
      400,
      'POS_ERR_HTTP_MALFORMED_JSON',
    ]);
    expect(await storedReports(h)).toEqual([]);
  });

  it("refuses another merchant's terminal as a payment would, and an Idempotency-Key that is not the report id", async () => {
    const h = await makeHttpHarness();
    await addMerchant(
      h.store,
      { id: 'M0002', name: 'Other shop', apiKey: 'pgk_other' },
      { random: new SeededRandom(7), now: t0 },
    );
    await addTerminal(h.store, { merchantId: 'M0002', terminalId: 'T0002', tmkEncrypted: null }, { now: t0 });
    const theirs = await post(h, reportJson(), { terminal: 'T0002' });
    expect([theirs.statusCode, theirs.json<{ code: string }>().code]).toEqual([
      422,
      'POS_ERR_PAYMENT_UNKNOWN_TERMINAL',
    ]);
    // Their own key reaches their terminal, not ours.
    const ours = await post(h, reportJson(), { auth: 'Bearer pgk_other' });
    expect(ours.json<{ code: string }>().code).toBe('POS_ERR_PAYMENT_UNKNOWN_TERMINAL');
    const renamed = await post(h, reportJson(), { key: 'another-name' });
    expect([
      renamed.statusCode,
      renamed.json<{ problems: { field: string }[] }>().problems[0]?.field,
    ]).toEqual([400, 'idempotency-key']);
    const badPath = await post(h, reportJson(), { terminal: 'T-0001' });
    expect([badPath.statusCode, badPath.json<{ code: string }>().code]).toEqual([
      400,
      'POS_ERR_HTTP_INVALID_REQUEST',
    ]);
    expect(await storedReports(h)).toEqual([]);
    const theirOwn = await post(h, reportJson(), { terminal: 'T0002', auth: 'Bearer pgk_other' });
    expect(theirOwn.statusCode).toBe(201);
  });

  it('keeps 288 reports per terminal and day, then answers 429 with Retry-After until midnight', async () => {
    const h = await makeHttpHarness();
    const cap = defaultTelemetrySettings.maxReportsPerDay;
    for (let n = 1; n <= cap; n += 1) {
      const answer = await post(h, reportJson({ reportId: `r-${n}` }));
      if (answer.statusCode !== 201) throw new Error(`report ${n}: ${answer.body}`);
    }
    const over = await post(h, reportJson({ reportId: `r-${cap + 1}` }));
    expect([over.statusCode, over.json<{ code: string }>().code]).toEqual([
      429,
      'POS_ERR_TELEMETRY_DAILY_LIMIT',
    ]);
    expect(over.headers['retry-after']).toBe(String((chinaDayOf(t0).end - t0) / 1000));
    // A repeat of a kept report is still answered as kept.
    expect((await post(h, reportJson({ reportId: 'r-1' }))).statusCode).toBe(201);
    expect(await storedReports(h)).toHaveLength(cap);
  });

  it('documents a body schema that accepts the good report and refuses nothing the model takes', async () => {
    const h = await makeHttpHarness();
    const document = h.app.swagger() as unknown as {
      paths: Record<
        string,
        { post: { requestBody: { content: { 'application/json': { schema: object } } } } }
      >;
    };
    const schema =
      document.paths['/v1/terminals/{terminalId}/telemetry']?.post.requestBody.content['application/json']
        .schema;
    if (schema === undefined) throw new Error('no documented body');
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    (formatsPlugin as unknown as (ajv: Ajv2020) => void)(ajv);
    const valid = ajv.compile(schema);
    const modelTakes = (input: unknown) => {
      try {
        parseTelemetryReport(input, t0);
        return true;
      } catch {
        return false;
      }
    };
    const inputs = [
      reportJson(),
      reportJson({ network: { type: 'ethernet' }, batteryPercent: undefined }),
      reportJson({ network: { type: 'wifi', signalDbm: -40 } }),
      reportJson({ colour: 'red' }),
      reportJson({ batteryPercent: 101 }),
      reportJson({ reboots: -1 }),
      reportJson({ reportId: 'has space' }),
      reportJson({ softwareVersion: ' 3.2' }),
      reportJson({ offline: { periods: 1 } }),
      reportJson({ network: { type: 'lora' } }),
      reportJson({ at: 'yesterday' }),
    ];
    let agreeing = 0;
    for (const input of inputs) {
      const clean = JSON.parse(JSON.stringify(input)) as unknown;
      if (modelTakes(clean)) expect(valid(clean)).toBe(true);
      else if (!valid(clean)) agreeing += 1;
    }
    expect(agreeing).toBe(8);
  });
});
