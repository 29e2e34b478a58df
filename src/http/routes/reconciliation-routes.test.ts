// Reconciliation runs over HTTP (issue 15): a day's files uploaded as multipart, worked on a thread
// of their own, with the same result as the CLI's reconcile on the same files; bad files fail the
// run with the file's own name, line and column and keep nothing; bad requests are refused at once
// naming the part; a retry with the same key is the same run; and a merchant reaches only its own
// merchant's runs and store journal, whatever it names.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { testPan } from '../../payments/test-support/engine-harness.js';
import { reconcile, writeReport } from '../../reconciliation/index.js';
import { writeGeneratedDay } from '../../reconciliation/test-support/generated-day-files.js';
import { defaultRunLimits } from '../reconciliation-runs/runs.js';
import {
  addOperationsKey,
  addOtherMerchant,
  makeHttpHarness,
  type HttpHarness,
} from '../test-support/http-harness.js';

type Part = string | { name: string; bytes: Buffer | string };

interface RunJson {
  id: string;
  state: string;
  percent: number;
  owner: { role: string; merchantId: string | null };
  inputs: { host: Record<string, unknown>; settlement: { name: string; bytes: number } };
  progress: Record<string, { rows: number }>;
  summary: { hostRows: number; exceptions: Record<string, number>; matched: number } | null;
  findings: { stored: number; alreadyStored: number } | null;
  error: {
    code: string;
    message: string;
    file: string | null;
    line: number | null;
    column: string | null;
  } | null;
}

let h: HttpHarness;
let opsKey: string;
let day: { dir: string; host: string; terminal: string; settlement: string };

beforeAll(async () => {
  h = await makeHttpHarness();
  await addOtherMerchant(h);
  opsKey = await addOperationsKey(h, 'recon', 9);
  const dir = mkdtempSync(join(tmpdir(), 'posguard-recon-http-'));
  day = { dir, ...writeGeneratedDay(dir, { events: 400, seed: 11 }) };
}, 60_000);

/** A multipart body as a browser's FormData sends it. */
async function form(parts: Record<string, Part>): Promise<{ payload: Buffer; type: string }> {
  const data = new FormData();
  for (const [name, part] of Object.entries(parts)) {
    if (typeof part === 'string') data.append(name, part);
    else data.append(name, new Blob([part.bytes]), part.name);
  }
  const request = new Request('http://localhost/', { method: 'POST', body: data });
  return {
    payload: Buffer.from(await request.arrayBuffer()),
    type: request.headers.get('content-type') ?? '',
  };
}

const file = (path: string, name: string): Part => ({ name, bytes: readFileSync(path) });
const dayParts = (): Record<string, Part> => ({
  settlement: file(day.settlement, 'settlement-20261125.csv'),
  hostJournal: file(day.host, 'host-20261125.csv'),
  terminalJournal: file(day.terminal, 'terminal-20261125.csv'),
});

async function start(parts: Record<string, Part>, key: string, apiKey = 'pgk_test') {
  const { payload, type } = await form(parts);
  return h.app.inject({
    method: 'POST',
    url: '/v1/reconciliation-runs',
    headers: { authorization: `Bearer ${apiKey}`, 'idempotency-key': key, 'content-type': type },
    payload,
  });
}

async function finished(id: string, apiKey = 'pgk_test'): Promise<RunJson> {
  let run: RunJson | undefined;
  await expect
    .poll(
      async () => {
        const answer = await h.call({
          method: 'GET',
          url: `/v1/reconciliation-runs/${id}`,
          headers: { authorization: `Bearer ${apiKey}` },
        });
        run = answer.json<RunJson>();
        return run.state;
      },
      { timeout: 30_000, interval: 100 },
    )
    .toMatch(/^(succeeded|failed)$/);
  return run!;
}

describe('a reconciliation run over HTTP', { timeout: 60_000 }, () => {
  it('reconciles an uploaded day as the CLI does, and serves its exceptions by kind and its exceptions.csv', async () => {
    const answer = await start(dayParts(), 'run-1');
    expect(answer.statusCode).toBe(202);
    const created = answer.json<RunJson>();
    expect(answer.headers['location']).toBe(`/v1/reconciliation-runs/${created.id}`);
    expect(created.owner).toEqual({ role: 'merchant', merchantId: 'M0001' });
    expect(created.inputs.settlement.name).toBe('settlement-20261125.csv');
    const run = await finished(created.id);
    expect(run.state).toBe('succeeded');
    expect(run.percent).toBe(100);

    const cli = await reconcile({
      host: { kind: 'csv', path: day.host, name: 'host-20261125.csv' },
      settlement: { kind: 'csv', path: day.settlement, name: 'settlement-20261125.csv' },
      terminal: { kind: 'csv', path: day.terminal, name: 'terminal-20261125.csv' },
      duplicateWindowS: 120,
    });
    expect(run.summary?.exceptions).toEqual(cli.exceptionCounts);
    expect(run.summary?.matched).toBe(cli.matched);
    expect(Object.values(cli.exceptionCounts).filter((n) => n > 0).length).toBeGreaterThan(3);

    const kind = 'missing_in_settlement';
    const page = await h.call({
      method: 'GET',
      url: `/v1/reconciliation-runs/${run.id}/exceptions?kind=${kind}`,
    });
    const body = page.json<{ data: Array<{ kind: string; action: string }>; total: number; held: number }>();
    expect(body.total).toBe(cli.exceptionCounts[kind]);
    expect(body.data.length).toBe(Math.min(100, cli.exceptionCounts[kind]));
    expect(body.data.every((e) => e.kind === kind && e.action === 'query_acquirer')).toBe(true);

    const csv = await h.call({ method: 'GET', url: `/v1/reconciliation-runs/${run.id}/exceptions.csv` });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toContain('attachment');
    const out = mkdtempSync(join(tmpdir(), 'posguard-recon-cli-'));
    await writeReport({
      outDir: out,
      result: cli,
      inputs: { host: 'h', settlement: 's', terminal: 't', profile: null },
      generatedAt: new Date(),
    });
    expect(csv.body).toBe(readFileSync(join(out, 'exceptions.csv'), 'utf8'));
  });

  it('fails a run on a bad line, naming the uploaded file, line and column, and keeps no report', async () => {
    const lines = readFileSync(day.settlement, 'utf8').split('\n');
    const header = lines[0]!.split(',');
    const cells = lines[2]!.split(',');
    cells[header.indexOf('amount')] = '12.50';
    lines[2] = cells.join(',');
    const answer = await start(
      { ...dayParts(), settlement: { name: 'acquirer 25 Nov.csv', bytes: lines.join('\n') } },
      'run-bad',
    );
    const run = await finished(answer.json<RunJson>().id);
    expect(run.state).toBe('failed');
    expect(run.error).toMatchObject({
      code: 'POS_ERR_RECON_BAD_AMOUNT',
      file: 'acquirer 25 Nov.csv',
      line: 3,
      column: 'amount',
    });
    expect(run.error?.message).toMatch(/^acquirer 25 Nov\.csv line 3, column "amount"/);
    expect(run.summary).toBeNull();
    for (const path of ['exceptions', 'exceptions.csv']) {
      const refused = await h.call({ method: 'GET', url: `/v1/reconciliation-runs/${run.id}/${path}` });
      expect(refused.statusCode).toBe(409);
      expect(refused.json<{ code: string }>().code).toBe('POS_ERR_RECON_RUN_NOT_READY');
    }
  });

  it("reads a wallet bill with its built-in profile, and refuses another merchant's bill by its line", async () => {
    const fixtures = 'test/fixtures/wallet-bills';
    const parts = {
      settlement: file(join(fixtures, 'alipay-trade-bill-20261125.csv'), 'alipay-20261125.csv'),
      hostJournal: file(join(fixtures, 'host-journal-20261125.csv'), 'host-20261125.csv'),
      format: 'alipay',
    };
    const good = await finished(
      (await start({ ...parts, walletMerchant: '2088102146225135' }, 'alipay-1')).json<RunJson>().id,
    );
    expect(good.state).toBe('succeeded');
    expect(Object.values(good.summary?.exceptions ?? {}).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    const wrong = await finished(
      (await start({ ...parts, walletMerchant: '2088000000000001' }, 'alipay-2')).json<RunJson>().id,
    );
    expect(wrong.error).toMatchObject({ code: 'POS_ERR_RECON_WRONG_ACCOUNT', file: 'alipay-20261125.csv' });
  });
});

describe('what a run request may be', { timeout: 60_000 }, () => {
  it('refuses a request missing its settlement, with both a journal and a day, or with unknown parts, naming each', async () => {
    const answer = await start(
      { hostJournal: file(day.host, 'h.csv'), day: '2026-11-25', extra: 'x', format: 'xml' },
      'bad-parts',
    );
    expect(answer.statusCode).toBe(400);
    const body = answer.json<{ code: string; problems: Array<{ field: string }> }>();
    expect(body.code).toBe('POS_ERR_RECON_UPLOAD_INVALID');
    expect(body.problems.map((p) => p.field).sort()).toEqual([
      'extra',
      'format',
      'hostJournal',
      'settlement',
    ]);
  });

  it('refuses a body that is not multipart (415) and a file past the size limit (413), naming the file', async () => {
    const json = await h.call({
      method: 'POST',
      url: '/v1/reconciliation-runs',
      headers: { 'idempotency-key': 'json' },
      payload: { settlement: 'x' },
    });
    expect(json.statusCode).toBe(415);
    const small = await makeHttpHarness({ reconciliationRuns: { ...defaultRunLimits, maxFileBytes: 4096 } });
    const { payload, type } = await form({
      settlement: { name: 's.csv', bytes: 'settlement_date\n' },
      hostJournal: { name: 'h.csv', bytes: 'merchant_id\n' },
      terminalJournal: { name: 'huge.csv', bytes: 'x'.repeat(4097) },
    });
    const answer = await small.call({
      method: 'POST',
      url: '/v1/reconciliation-runs',
      headers: { 'idempotency-key': 'too-big', 'content-type': type },
      payload,
    });
    await small.app.close();
    expect(answer.statusCode).toBe(413);
    expect(answer.json<{ code: string; message: string }>()).toMatchObject({
      code: 'POS_ERR_RECON_UPLOAD_TOO_LARGE',
      message: expect.stringMatching(/^huge\.csv: /) as unknown,
    });
  });

  it('refuses a run past the runs one caller may have queued or running (429, with Retry-After)', async () => {
    const busy = await makeHttpHarness({
      reconciliationRuns: { ...defaultRunLimits, maxPendingPerOwner: 1 },
    });
    const post = async (key: string) => {
      const { payload, type } = await form(dayParts());
      return busy.call({
        method: 'POST',
        url: '/v1/reconciliation-runs',
        headers: { 'idempotency-key': key, 'content-type': type },
        payload,
      });
    };
    expect((await post('busy-1')).statusCode).toBe(202);
    const refused = await post('busy-2');
    await busy.app.close();
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('30');
    expect(refused.json()).toMatchObject({ code: 'POS_ERR_RECON_RUNS_BUSY' });
  });

  it('answers a retry with the same key and files with the same run, and refuses the key for other files', async () => {
    const first = await start(dayParts(), 'retry-1');
    const again = await start(dayParts(), 'retry-1');
    expect(again.statusCode).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json<RunJson>().id).toBe(first.json<RunJson>().id);
    const other = await start({ ...dayParts(), duplicateWindowS: '60' }, 'retry-1');
    expect(other.statusCode).toBe(422);
    expect(other.json<{ code: string }>().code).toBe('POS_ERR_IDEMPOTENCY_KEY_REUSED');
    await finished(first.json<RunJson>().id);
  });
});

describe('who reaches a run', { timeout: 60_000 }, () => {
  it("keeps a merchant's runs from another merchant, and shows every run to operations", async () => {
    const mine = (await start(dayParts(), 'scope-1')).json<RunJson>();
    await finished(mine.id);
    for (const url of [
      `/v1/reconciliation-runs/${mine.id}`,
      `/v1/reconciliation-runs/${mine.id}/exceptions.csv`,
    ]) {
      const refused = await h.call({ method: 'GET', url, headers: { authorization: 'Bearer pgk_other' } });
      expect(refused.statusCode).toBe(404);
      expect(refused.json<{ code: string }>().code).toBe('POS_ERR_RECON_RUN_NOT_FOUND');
    }
    const theirs = await h.call({
      method: 'GET',
      url: '/v1/reconciliation-runs',
      headers: { authorization: 'Bearer pgk_other' },
    });
    expect(theirs.json<{ data: RunJson[] }>().data).toEqual([]);
    const peek = await h.call({
      method: 'GET',
      url: '/v1/reconciliation-runs?merchantId=M0001',
      headers: { authorization: 'Bearer pgk_other' },
    });
    expect(peek.statusCode).toBe(404);
    expect(peek.json<{ code: string }>().code).toBe('POS_ERR_HTTP_MERCHANT_NOT_FOUND');
    const ops = await h.call({
      method: 'GET',
      url: '/v1/reconciliation-runs?merchantId=M0001',
      headers: { authorization: `Bearer ${opsKey}` },
    });
    expect(ops.json<{ data: RunJson[] }>().data.map((r) => r.id)).toContain(mine.id);
  });

  it("reads a merchant's own day from the store, keeps its duplicate findings once, and never another merchant's day", async () => {
    const sale = {
      terminalId: 'T0001',
      amount: 1880,
      currency: 'CNY',
      card: { pan: testPan, expiry: '2812' },
      entryMode: 'chip',
      operatorId: '01',
    };
    const paid = await h.call({
      method: 'POST',
      url: '/v1/payments',
      headers: { 'idempotency-key': 'store-sale' },
      payload: sale,
    });
    const payment = paid.json<{ rrn: string; createdAt: string }>();
    const dayText = new Date(Date.parse(payment.createdAt) + 8 * 3_600_000).toISOString().slice(0, 10);
    const export1 = await import('../../reconciliation/index.js');
    const settled = mkdtempSync(join(tmpdir(), 'posguard-recon-store-'));
    const rows = [];
    for await (const row of export1.hostRowsFromStore(h.store)) rows.push(row);
    const own = rows.filter((r) => r.merchantId === 'M0001' && r.status === 'approved');
    // Every approved sale settled, the new one twice: a duplicate settlement to keep.
    const line = (r: (typeof own)[number]) =>
      export1.settlementFileLine({
        settlementDate: dayText,
        merchantId: r.merchantId,
        terminalId: r.terminalId,
        batchNo: r.batchNo,
        stan: r.stan,
        rrn: r.rrn,
        authCode: r.authCode,
        txnTimeMs: r.txnTimeMs,
        txnType: 'sale',
        amountMinor: r.amountMinor,
        feeMinor: 0,
        currency: r.currency,
        cardMasked: r.cardMasked,
      });
    const header =
      'settlement_date,merchant_id,terminal_id,batch_no,stan,rrn,auth_code,txn_time,txn_type,amount,fee,currency,card_masked';
    const twice = own.filter((r) => r.rrn === payment.rrn).map(line);
    writeFileSync(join(settled, 's.csv'), [header, ...own.map(line), ...twice, ''].join('\n'));
    const parts = { settlement: file(join(settled, 's.csv'), 'settlement.csv'), day: dayText };
    const run = await finished((await start(parts, 'store-1')).json<RunJson>().id);
    expect(run.state).toBe('succeeded');
    expect(run.inputs.host).toEqual({ kind: 'store', day: dayText, merchantId: 'M0001' });
    expect(run.summary?.hostRows).toBeGreaterThan(0);
    expect(run.summary?.exceptions['duplicate_settlement']).toBe(1);
    expect(run.findings).toEqual({ stored: 1, alreadyStored: 0 });
    const again = await finished((await start(parts, 'store-2')).json<RunJson>().id);
    expect(again.findings).toEqual({ stored: 0, alreadyStored: 1 });
    const found = await h.call({ method: 'GET', url: '/v1/duplicates?source=reconciliation' });
    expect(found.json<{ data: unknown[] }>().data).toHaveLength(1);

    const other = await start({ ...parts, merchantId: 'M0002' }, 'store-3');
    expect(other.statusCode).toBe(404);
    expect(other.json<{ code: string }>().code).toBe('POS_ERR_HTTP_MERCHANT_NOT_FOUND');
    const theirs = await finished(
      (await start(parts, 'store-4', 'pgk_other')).json<RunJson>().id,
      'pgk_other',
    );
    expect(theirs.summary?.hostRows).toBe(0);
  });
});
