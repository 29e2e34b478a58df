// The virtual POS against a real `posguard serve --demo --iso-port 0`: the README's commands (the
// real CLI code, run in process for speed, and once as its own process), through sign-in, sales,
// a retransmission, a lost answer, a void, a refund and two day ends, one balanced at once and one
// balanced after a batch upload. The simulated issuer's ledger is the ground truth of every charge.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Secret } from '../src/cards/secret.js';
import { systemClock } from '../src/clock/clock.js';
import { decodeFrame, encodeSignedFrame } from '../src/iso8583/index.js';
import { runCli } from '../src/cli/test-support/run-cli.js';
import { demo } from '../src/main.js';
import { TcpTransport } from '../src/terminal/tcp-transport.js';
import { saleRequest } from '../src/terminal/terminal-messages.js';
import { netChargeOfSale } from '../src/simulated-issuer/issuer-ledger.js';
import { SqliteIssuerLedger } from '../src/simulated-issuer/sqlite-issuer-ledger.js';
import { cliPath, eventually, startHostProcess, tempDataDir } from './support/host-process.js';

const card = '6212345678901232';
const otherCard = '4111111111111111';

function charged(dir: string, rrn: string): number {
  const ledger = new SqliteIssuerLedger(join(dir, 'issuer-ledger.db'), { readonly: true });
  try {
    return netChargeOfSale(ledger, rrn);
  } finally {
    ledger.close();
  }
}

interface Outcome {
  readonly kind: string;
  readonly record: { readonly rrn: string | null; readonly authCode: string | null; readonly stan: string };
}

describe('the virtual POS against posguard serve --iso-port', () => {
  it('signs in, sells, survives a retransmission and a lost answer, voids, refunds and settles', async () => {
    const dir = tempDataDir();
    const host = await startHostProcess(['--db', join(dir, 'posguard.db'), '--demo', '--iso-port', '0']);
    try {
      expect(host.isoPort).toEqual(expect.any(Number));
      const where = [
        '--host',
        `127.0.0.1:${host.isoPort}`,
        '--merchant',
        demo.merchantId,
        '--terminal',
        demo.terminalId,
      ];
      const pos = async (sub: string, ...args: string[]) => {
        const run = await runCli(['pos', sub, ...where, ...args], { cwd: dir });
        return { ...run, json: () => JSON.parse(run.stdout) as Outcome };
      };

      // Sign-in with the demo TMK the banner prints.
      const signin = await pos('signin', '--tmk', demo.tmk);
      expect(signin.stdout).toContain('Signed in: batch 000001');
      expect(signin.code).toBe(0);

      // Batch 1: a sale, a sale whose answer is lost, another sale; a void, a refund; day end.
      const a = await pos('sale', '--amount', '12.80', '--card', card, '--json');
      expect(a.json().kind).toBe('approved');
      const rrnA = a.json().record.rrn ?? '';
      expect(charged(dir, rrnA)).toBe(1280);

      const lost = await pos('sale', '--amount', '3.00', '--card', otherCard, '--simulate', 'lost-answer');
      expect(lost.stdout).toContain('reversed, the card is not charged');
      expect(lost.code).toBe(1);
      const lostRrn = await eventually(async () => {
        const list = (await (
          await fetch(`${host.url}/v1/payments?terminalId=${demo.terminalId}&status=reversed`, {
            headers: { authorization: `Bearer ${demo.apiKey}` },
          })
        ).json()) as { data: Array<{ rrn: string; amount: number }> };
        return list.data.find((p) => p.amount === 300)?.rrn;
      }, 'the sale with the lost answer to be reversed');
      expect(charged(dir, lostRrn)).toBe(0);

      const d = await pos('sale', '--amount', '8.00', '--card', otherCard, '--json');
      expect(d.json().kind).toBe('approved');
      const voided = await pos('void', '--stan', String(Number(a.json().record.stan)));
      expect(voided.stdout).toContain('APPROVED void');
      expect(charged(dir, rrnA)).toBe(0);
      const refund = await pos('refund', '--stan', String(Number(d.json().record.stan)), '--amount', '3.00');
      expect(refund.stdout).toContain('APPROVED refund');
      expect(charged(dir, d.json().record.rrn ?? '')).toBe(500);

      const settle = await pos('settle');
      expect(settle.stdout).toContain(
        'BALANCED: batch 000001 settled (sales 1 for CNY 8.00, refunds 1 for CNY 3.00)',
      );
      expect(settle.code).toBe(0);

      // Batch 2: a sale; then the same request sent twice, as a terminal that lost the first answer
      // retransmits it: one charge, the same RRN and auth code.
      const e = await pos('sale', '--amount', '20.00', '--card', card, '--json');
      expect(e.json().kind).toBe('approved');
      const state = JSON.parse(
        readFileSync(join(dir, 'data', 'terminals', demo.terminalId, 'state.json'), 'utf8'),
      ) as {
        keys: { macKeyHex: string };
      };
      const macKey = new Secret(Buffer.from(state.keys.macKeyHex, 'hex'), 'MAC key');
      const request = saleRequest({
        identity: {
          merchantId: demo.merchantId,
          terminalId: demo.terminalId,
          tpdu: '6000030000',
          header: '603100000000',
        },
        stan: 900_001,
        batchNo: '000002',
        amount: 990,
        card: { pan: otherCard, expiry: '3012', entryMode: 'swipe' },
        operatorId: '02',
        confirmDuplicate: false,
      });
      const answers = [];
      for (let i = 0; i < 2; i += 1) {
        const transport = new TcpTransport({
          host: '127.0.0.1',
          port: host.isoPort ?? 0,
          clock: systemClock,
        });
        const result = await transport.exchange(encodeSignedFrame(request, macKey), { timeoutMs: 10_000 });
        await transport.close();
        if (result.kind !== 'answer') throw new Error(`no answer: ${result.detail}`);
        answers.push(decodeFrame(result.frame).fields);
      }
      expect(answers[0]?.['39']).toBe('00');
      expect(answers[1]).toMatchObject({ '39': '00', '37': answers[0]?.['37'], '38': answers[0]?.['38'] });
      expect(charged(dir, answers[0]?.['37'] ?? '')).toBe(990);

      // That sale is the host's but not in this terminal's journal: the totals differ, the batch is
      // uploaded, and the second settlement balances on the uploaded records.
      const second = await pos('settle');
      expect(second.stdout).toContain(
        'BALANCED: batch 000002 settled (sales 1 for CNY 20.00, refunds 0 for CNY 0.00), after uploading 1 record(s)',
      );
      expect(host.output()).toContain('batch settled on the uploaded records');

      // Batch 3: a card reader that reports the card twice starts one sale; a terminal that dies
      // after the approval arrives reverses it (96) before anything else once it is back.
      const double = await pos('sale', '--amount', '6.60', '--card', card, '--simulate', 'double-read');
      expect(double.stdout).toContain('APPROVED sale');
      expect(double.stdout).toContain('read again within 2 s: one read, no second sale');
      const crash = await pos(
        'sale',
        '--amount',
        '7.70',
        '--card',
        otherCard,
        '--simulate',
        'crash-after-answer',
        '--json',
      );
      expect(crash.code).toBe(1);
      expect(crash.stdout).toContain('"kind":"crashed"');
      const owed = await pos('reversal-status');
      expect(owed.stdout).toMatch(
        /1 reversal\(s\) owed:\n {2}0400 for STAN \d{6} batch 000003, reason 96 \(terminal-failed\)/,
      );
      expect(owed.stdout).toContain('Sent: 1 reversal(s) acknowledged by the host.');
      const crashedRrn = await eventually(async () => {
        const list = (await (
          await fetch(`${host.url}/v1/payments?terminalId=${demo.terminalId}&status=reversed`, {
            headers: { authorization: `Bearer ${demo.apiKey}` },
          })
        ).json()) as { data: Array<{ rrn: string; amount: number }> };
        return list.data.find((p) => p.amount === 770)?.rrn;
      }, 'the sale of the crashed terminal to be reversed');
      expect(charged(dir, crashedRrn)).toBe(0);

      // The ISO channel's traffic is on the host's Prometheus endpoint.
      const metrics = await (await fetch(`${host.url}/metrics`)).text();
      expect(metrics).toMatch(/^posguard_iso_requests_total\{type="sign-in",response_code="00"\} 1$/m);
      expect(metrics).toMatch(/^posguard_iso_requests_total\{type="sale",response_code="00"\} \d+$/m);
      expect(metrics).toMatch(/^posguard_iso_requests_total\{type="reversal",response_code="00"\} \d+$/m);
      expect(metrics).toMatch(/^posguard_iso_request_duration_seconds_count\{type="sale"\} \d+$/m);
      expect(metrics).toMatch(/^posguard_iso_connections \d+$/m);

      // The real binary, as a user runs it.
      const binary = spawnSync(process.execPath, [cliPath, 'pos', 'reversal-status', ...where], {
        cwd: dir,
        encoding: 'utf8',
      });
      expect(binary.stdout).toContain('No reversal owed.');
      expect(binary.status).toBe(0);

      // Journals hold masked card numbers only; the host's logs too.
      for (const folder of ['records', 'reversals']) {
        const path = join(dir, 'data', 'terminals', demo.terminalId, folder);
        for (const name of readdirSync(path)) {
          const text = readFileSync(join(path, name), 'utf8');
          expect(text).not.toContain(card);
          expect(text).not.toContain(otherCard);
        }
      }
      expect(host.output()).not.toContain(card);
      expect(host.output()).not.toContain(otherCard);
    } finally {
      expect(await host.stop()).toBe(0);
    }
    const verify = spawnSync(
      process.execPath,
      [cliPath, 'verify', '--json', '--db', join(dir, 'posguard.db')],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, breaches: [] });
  });
});
