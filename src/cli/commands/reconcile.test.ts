import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { exceptionKinds } from '../../reconciliation/match/exception-kinds.js';
import { fakeIo, tempDir, writeDay } from '../../reconciliation/test-support/day-files.js';
import { hostSale, settled, shown, t0 } from '../../reconciliation/test-support/rows.js';
import { main } from '../main.js';

const s = 1000;
const sales = [
  hostSale({ rrn: '100000000001', stan: '000001' }),
  hostSale({ rrn: '100000000002', stan: '000002', status: 'reversed' }),
  hostSale({ rrn: '100000000003', stan: '000003', cardFingerprint: 'same-card', txnTimeMs: t0 + 10 * s }),
  hostSale({ rrn: '100000000004', stan: '000004', cardFingerprint: 'same-card', txnTimeMs: t0 + 18 * s }),
  hostSale({ rrn: '100000000005', stan: '000005', merchantId: '<b>M&M</b>' }),
];
/** One reversed_but_settled, one amount_mismatch, one duplicate_sale_suspect, one terminal_display_duplicate. */
const day = {
  host: sales,
  settlement: sales.map((x, i) => settled(x, i === 4 ? { amountMinor: 1281 } : {})),
  terminal: [...sales.map((x) => shown(x)), shown(sales[0]!)],
};

function dayDir() {
  const dir = tempDir();
  const paths = writeDay(dir, day);
  const out = join(dir, 'out');
  const args = [
    'reconcile',
    '--settlement',
    paths.settlement,
    '--host-journal',
    paths.host,
    '--terminal-journal',
    paths.terminal,
    '--out',
    out,
  ];
  return { dir, paths, out, args };
}

const reportFileNames = ['exceptions.csv', 'report.html', 'summary.json'];
const reportFilesIn = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir).filter((f) => reportFileNames.includes(f)) : [];

describe('posguard reconcile', () => {
  it('writes the three reports and prints the summary as JSON with every kind', async () => {
    const { dir, out, args } = dayDir();
    const io = fakeIo(dir);
    expect(await main([...args, '--json', '--threads', '1'], io)).toBe(0);
    const summary = JSON.parse(io.out()) as Record<string, unknown>;
    expect(summary).toEqual({
      hostRows: 5,
      terminalRows: 6,
      settlementRows: 5,
      matched: 5,
      exceptions: {
        ...Object.fromEntries(exceptionKinds.map((k) => [k, 0])),
        reversed_but_settled: 1,
        amount_mismatch: 1,
        duplicate_sale_suspect: 1,
        terminal_display_duplicate: 1,
      },
      amounts: {
        ...Object.fromEntries(exceptionKinds.map((k) => [k, 0])),
        reversed_but_settled: 1280,
        amount_mismatch: 1,
        duplicate_sale_suspect: 1280,
      },
      outDir: out,
    });
    expect(io.err()).toBe('');
    expect(readdirSync(out).sort()).toEqual(reportFileNames);
    const csv = readFileSync(join(out, 'exceptions.csv'), 'utf8').split('\r\n');
    expect(csv[0]).toBe(
      'kind,cause,action,merchant_id,terminal_id,batch_no,stan,rrn,related_rrn,host_amount,settled_amount,detail',
    );
    expect(csv[1]).toMatch(
      /^reversed_but_settled,network,refund,898310048160001,10000001,000001,000002,100000000002,,1280,1280,/,
    );
    expect(csv[2]).toMatch(/^amount_mismatch,software,investigate,<b>M&M<\/b>,/);
    expect(csv[3]).toMatch(/^duplicate_sale_suspect,hardware,review,.*,100000000004,100000000003,1280,1280,/);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toMatchObject({
      matched: 5,
      duplicateWindowS: 120,
    });
  });

  it('makes a self-contained page that escapes what the files say', async () => {
    const { dir, out, args } = dayDir();
    expect(await main([...args, '--threads', '1'], fakeIo(dir))).toBe(0);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('Suspected duplicate sale');
    expect(html).not.toMatch(/<script|<link|src=|href=/);
    expect(html).toContain('&lt;b&gt;M&amp;M&lt;/b&gt;');
    expect(html).not.toContain('<b>M&M</b>');
  });

  it('prints a readable table without --json, and the same figures with the parse on a second thread', async () => {
    const { dir, args } = dayDir();
    const io = fakeIo(dir);
    expect(await main([...args, '--threads', '1'], io)).toBe(0);
    expect(io.out()).toMatch(/Host rows 5, terminal rows 6, settlement lines 5, matched 5/);
    expect(io.out()).toMatch(/reversed_but_settled\s+1\s+12\.80\s+network\|third_party\s+refund/);
    expect(io.out()).toMatch(/amount_mismatch\s+1\s+0\.01\s+software\s+investigate/);
    const threaded = fakeIo(dir);
    expect(await main([...args, '--threads', '2'], threaded)).toBe(0);
    expect(threaded.out()).toBe(io.out());
  });

  it('shows progress on stderr only when stderr is a terminal', async () => {
    const { dir, args } = dayDir();
    const tty = fakeIo(dir, { tty: true });
    expect(await main([...args, '--threads', '1'], tty)).toBe(0);
    expect(tty.err()).toMatch(/reading: host 5 rows [\d.]+ MB\/s/);
    const pipe = fakeIo(dir);
    expect(await main([...args, '--threads', '1'], pipe)).toBe(0);
    expect(pipe.err()).toBe('');
  });

  it('asks for --host-journal by name and explains itself with --help', async () => {
    const { dir, paths } = dayDir();
    const io = fakeIo(dir);
    expect(await main(['reconcile', '--settlement', paths.settlement, '--out', 'x'], io)).toBe(2);
    expect(io.err()).toMatch(
      /POS_ERR_CLI_MISSING_FLAG: reconcile: --host-journal FILE or --db PATH is required/,
    );
    const help = fakeIo(dir);
    expect(await main(['reconcile', '--help'], help)).toBe(0);
    expect(help.out()).toMatch(/--duplicate-window-s N/);
    expect(help.out()).toMatch(/Examples:\n {2}posguard reconcile --settlement/);
  });

  describe('refuses bad input with file, line and column, and leaves no report', () => {
    const cases: {
      name: string;
      file: 'host' | 'settlement' | 'terminal';
      edit: (text: string) => string;
      error: RegExp;
    }[] = [
      {
        name: 'a missing column',
        file: 'settlement',
        edit: (text) => text.replace('settlement_date,', 'date,'),
        error: /POS_ERR_RECON_MISSING_COLUMN: .*settlement.csv line 1, column "settlement_date"/,
      },
      {
        name: 'a non-integer amount',
        file: 'host',
        edit: (text) => text.replace(',1280,CNY', ',12.5,CNY'),
        error:
          /POS_ERR_RECON_BAD_AMOUNT: .*host.csv line 2, column "amount": expected a whole number of fen .*got "12.5"/,
      },
      {
        name: 'broken quoting',
        file: 'terminal',
        edit: (text) => text.replace(',approved,', ',app"roved,'),
        error: /POS_ERR_RECON_BAD_QUOTING: .*terminal.csv line 2, column "result"/,
      },
      {
        name: 'an empty file',
        file: 'settlement',
        edit: () => '',
        error: /POS_ERR_RECON_EMPTY_FILE: .*settlement.csv line 1: the file is empty/,
      },
      {
        name: 'a line over the maximum',
        file: 'host',
        edit: (text) => text.replace('op1', 'o'.repeat(600)),
        error:
          /POS_ERR_RECON_LINE_TOO_LONG: .*host.csv line 2: a record is longer than the maximum of 512 bytes/,
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const { dir, paths, out, args } = dayDir();
        writeFileSync(paths[c.file], c.edit(readFileSync(paths[c.file], 'utf8')));
        mkdirSync(out);
        const io = fakeIo(dir);
        expect(await main([...args, '--max-line-bytes', '512', '--threads', '1'], io)).toBe(1);
        expect(io.err()).toMatch(c.error);
        expect(io.out()).toBe('');
        expect(readdirSync(out)).toEqual([]);
      });
    }
  });

  describe('through a mapping profile', () => {
    const profile = resolve('profiles/example-acquirer-gbk.json');
    const header =
      '交易日期,商户号,终端号,批次号,凭证号,参考号,授权码,交易时间,交易类型,交易金额(元),手续费(元)';
    const host = [
      hostSale({ rrn: '100000000001', stan: '000001', amountMinor: 1280 }),
      hostSale({ rrn: '100000000002', stan: '000002', amountMinor: 9990 }),
      hostSale({ rrn: '100000000003', stan: '000003', amountMinor: 2000 }),
      hostSale({ rrn: '100000000005', stan: '000005', amountMinor: 3000, status: 'partially_refunded' }),
      hostSale({
        rrn: '100000000004',
        stan: '000004',
        amountMinor: 500,
        txnType: 'refund',
        originalRrn: '100000000005',
      }),
    ];
    const line = (stan: string, rrn: string, type: string, yuan: string, fee: string): string =>
      `20261125,898310048160001,10000001,000001,${stan},${rrn},A00001,100000,${type},${yuan},${fee}`;
    const gbkDay = (lines: string[]) => {
      const dir = tempDir();
      const paths = writeDay(dir, { host, settlement: [] });
      const acquirerFile = join(dir, 'acquirer-gbk.csv');
      writeFileSync(acquirerFile, iconv.encode(`${[header, ...lines].join('\r\n')}\r\n`, 'gbk'));
      const out = join(dir, 'out');
      const args = [
        'reconcile',
        '--settlement',
        acquirerFile,
        '--profile',
        profile,
        '--host-journal',
        paths.host,
        '--out',
        out,
      ];
      return { dir, out, args };
    };

    it('reads a GBK file with Chinese headers, yuan amounts and type codes end to end', async () => {
      const { dir, out, args } = gbkDay([
        line('000001', '100000000001', '消费', '12.80', '0.07'),
        line('000002', '100000000002', '消费', '99.99', '0.55'),
        line('000003', '', '消费', '20.00', '0.11'),
        line('000005', '100000000005', '消费', '30.00', '0.165'),
        line('000004', '100000000004', '退货', '5.00', ''),
        line('000009', '100000000009', '撤销', '1.00', ''),
      ]);
      const io = fakeIo(dir);
      expect(await main([...args, '--json'], io)).toBe(0);
      expect(JSON.parse(io.out())).toMatchObject({
        hostRows: 5,
        settlementRows: 5,
        matched: 5,
        exceptions: { amount_mismatch: 1, unknown_in_settlement: 0, missing_in_settlement: 0 },
        amounts: { amount_mismatch: 9 },
      });
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { feesMinor: number };
      expect(summary.feesMinor).toBe(7 + 55 + 11 + 17);
      expect(readFileSync(join(out, 'exceptions.csv'), 'utf8')).toMatch(
        /amount_mismatch,.*,100000000002,,9990,9999,/,
      );
    });

    it('names the acquirer column of a bad cell', async () => {
      const { dir, out, args } = gbkDay([line('000001', '100000000001', '消费', '12.805', '0.07')]);
      const io = fakeIo(dir);
      expect(await main(args, io)).toBe(1);
      expect(io.err()).toMatch(
        /POS_ERR_RECON_BAD_AMOUNT: .*acquirer-gbk.csv line 2, column "交易金额\(元\)": expected an amount in yuan/,
      );
      expect(reportFilesIn(out)).toEqual([]);
      const badType = gbkDay([line('000001', '100000000001', '预授权', '12.80', '0.07')]);
      const typeIo = fakeIo(badType.dir);
      expect(await main(badType.args, typeIo)).toBe(1);
      expect(typeIo.err()).toMatch(
        /POS_ERR_RECON_BAD_VALUE: .*column "交易类型": expected a type code the profile maps \(消费, 退货, 撤销\), got "预授权"/,
      );
    });

    it('refuses bytes that are not GBK, naming the line and column, rather than reading them as \ufffd', async () => {
      const { dir, out, args } = gbkDay([line('000001', '100000000001', '消费', '12.80', '0.07')]);
      const file = args[args.indexOf('--settlement') + 1] as string;
      const bytes = readFileSync(file);
      const at = bytes.indexOf('100000000001');
      writeFileSync(
        file,
        Buffer.concat([bytes.subarray(0, at), Buffer.from([0x81, 0x20]), bytes.subarray(at)]),
      );
      const io = fakeIo(dir);
      expect(await main(args, io)).toBe(1);
      expect(io.err()).toMatch(
        /POS_ERR_RECON_BAD_ENCODING: .*acquirer-gbk.csv line 2, column "参考号": the cell holds bytes that are not valid gbk/,
      );
      expect(reportFilesIn(out)).toEqual([]);
    });

    it('refuses a profile with a bad key, naming it', async () => {
      const { dir, args } = gbkDay([]);
      const badProfile = join(dir, 'bad-profile.json');
      const json = JSON.parse(readFileSync(profile, 'utf8')) as { columns: Record<string, unknown> };
      json.columns['amount'] = { column: '交易金额(元)', unit: 'cents' };
      json.columns['amout'] = {};
      writeFileSync(badProfile, JSON.stringify(json));
      const io = fakeIo(dir);
      expect(
        await main(
          args.map((a) => (a === profile ? badProfile : a)),
          io,
        ),
      ).toBe(1);
      expect(io.err()).toMatch(
        /POS_ERR_RECON_BAD_PROFILE: invalid mapping profile .*columns.amout: expected no such key/,
      );
      expect(io.err()).toMatch(/columns.amount.unit: expected "yuan" or "fen", got "cents"/);
    });
  });

  it('reconciles the shipped GBK example as the README shows', async () => {
    const dir = tempDir();
    const io = fakeIo(dir);
    const args = [
      'reconcile',
      '--settlement',
      resolve('profiles/example-acquirer-gbk.csv'),
      '--profile',
      resolve('profiles/example-acquirer-gbk.json'),
      '--host-journal',
      resolve('profiles/example-host-journal.csv'),
      '--out',
      join(dir, 'report'),
      '--json',
    ];
    expect(await main(args, io)).toBe(0);
    expect(JSON.parse(io.out())).toMatchObject({
      hostRows: 7,
      settlementRows: 7,
      exceptions: {
        duplicate_settlement: 1,
        reversed_but_settled: 1,
        missing_in_settlement: 1,
        amount_mismatch: 1,
        duplicate_sale_suspect: 1,
      },
    });
  });

  it('runs from the compiled CLI (dist), parse worker included', () => {
    const { dir, out, args } = dayDir();
    const run = spawnSync(process.execPath, [resolve('bin/posguard.js'), ...args, '--json'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      hostRows: 5,
      terminalRows: 6,
      settlementRows: 5,
      outDir: out,
    });
  });
});
