// QR payments in the fault simulator (issue 20, item 7): the cashier scans the customer's payment
// code, the wallet misbehaves, and posguard still charges once; the naive POS charges twice. And a
// day of cards alone stays the day it was before QR sales were simulated.
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/test-support/run-cli.js';
import { readFeePlanFile } from '../fees/index.js';
import { causes } from '../reconciliation/index.js';
import { faultRates, type FaultSelection } from './faults.js';
import type { PaymentMethod } from './intents.js';
import { formatReport } from './report-text.js';
import { replayCommand, simulate, type SimulationReport } from './simulate.js';

const terminals = 10;

function day(
  intents: number,
  seed: number,
  methods: readonly PaymentMethod[],
  faults: FaultSelection = 'all',
  options: { terminals?: number; fees?: Parameters<typeof simulate>[0]['fees'] } = {},
): Promise<SimulationReport> {
  return simulate(
    {
      intents,
      terminals: options.terminals ?? terminals,
      seed,
      rates: faultRates(faults),
      protocols: ['naive', 'guarded'],
      methods,
      ...(options.fees === undefined ? {} : { fees: options.fees }),
    },
    { workers: 1 },
  );
}

describe('QR sales in the fault simulator', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`with every fault on (seed ${seed}), charges no QR customer twice and loses no QR sale under posguard, while the naive POS charges some twice`, async () => {
      const report = await day(400, seed, ['qr']);
      const command = replayCommand({
        intents: 400,
        terminals,
        seed,
        faults: 'all',
        overrides: [],
        methods: ['qr'],
      });
      const guarded = report.protocols.guarded?.byMethod.qr;
      const naive = report.protocols.naive?.byMethod.qr;
      expect(guarded?.intents, command).toBe(400);
      expect(guarded?.duplicateCharges, command).toBe(0);
      expect(guarded?.lostSales, command).toBe(0);
      expect(guarded?.falseBlocks, command).toBe(0);
      expect(naive?.duplicateCharges, command).toBeGreaterThan(0);
      expect(report.protocols.naive?.byMethod.card).toBeUndefined();
    });
  }

  it('blames the naive QR duplicates on the wallet when only third-party faults are on', async () => {
    const report = await day(400, 6, ['qr'], 'third_party');
    const naive = report.protocols.naive?.byMethod.qr;
    expect(naive?.byCause.third_party).toBeGreaterThan(0);
    expect(naive?.duplicateCharges).toBe(naive?.byCause.third_party);
    expect(report.protocols.guarded?.byMethod.qr?.duplicateCharges).toBe(0);
  });

  it('counts cards and QR codes apart, their sums being the totals', async () => {
    const report = await day(400, 8, ['card', 'qr']);
    for (const protocol of ['naive', 'guarded'] as const) {
      const result = report.protocols[protocol];
      const card = result?.byMethod.card;
      const qr = result?.byMethod.qr;
      expect((card?.intents ?? 0) + (qr?.intents ?? 0), protocol).toBe(400);
      expect(card?.intents, protocol).toBeGreaterThan(100);
      expect(qr?.intents, protocol).toBeGreaterThan(100);
      for (const count of [
        'duplicateCharges',
        'lostSales',
        'falseBlocks',
        'operatorPrompts',
        'reversals',
      ] as const) {
        expect((card?.[count] ?? 0) + (qr?.[count] ?? 0), `${protocol} ${count}`).toBe(result?.[count]);
      }
      for (const cause of causes) {
        expect((card?.byCause[cause] ?? 0) + (qr?.byCause[cause] ?? 0)).toBe(result?.byCause[cause]);
      }
    }
    expect(report.protocols.naive?.byMethod.qr?.duplicateCharges).toBeGreaterThan(0);
    expect(report.protocols.guarded?.duplicateCharges).toBe(0);
  });

  it('prices QR duplicates at the plan’s QR rate', async () => {
    const plan = readFeePlanFile(
      JSON.stringify({
        format: 'posguard-fee-plan/1',
        merchantId: 'ANY',
        currency: 'CNY',
        devicePriceFen: 0,
        activation: { feeFen: 0 },
        versions: [
          {
            version: 1,
            effectiveFrom: '2026-01-01',
            changedBy: 'ops:test',
            changedAt: '2025-12-01T00:00:00+08:00',
            belowCost: true,
            rates: {
              debit: { ratePpm: 0, minimumFen: 500 },
              credit: { ratePpm: 0, minimumFen: 500 },
              qr: { ratePpm: 0, minimumFen: 100 },
              foreign: { ratePpm: 0, minimumFen: 500 },
            },
          },
        ],
      }),
    );
    const report = await day(300, 2, ['qr'], 'all', { fees: { plan, label: 'qr-one-yuan' } });
    const naive = report.protocols.naive;
    expect(naive?.duplicateCharges).toBeGreaterThan(0);
    // Every QR duplicate pays the QR minimum, 1.00 CNY, not the cards' 5.00.
    expect(naive?.fees?.feesChargedFen).toBe(100 * (naive?.duplicateCharges ?? 0));
  });
});

describe('a day of cards alone', () => {
  it('reports exactly the counts it reported before QR sales were simulated (seed 11)', async () => {
    // Recorded from main before QR sales: posguard simulate --intents 600 --terminals 20 --seed 11 --json,
    // with one change since, a bug fixed: 8 operator prompts, not 11. The SDK's double-read filter
    // took three confirmed re-runs for bounces of the card and dropped them, and the cashier was
    // asked again; a confirmed re-run now goes out however soon it follows the first read.
    const report = await day(600, 11, ['card'], 'all', { terminals: 20 });
    const before = {
      naive: {
        duplicateCharges: 33,
        duplicateChargesBeforeReconciliation: 33,
        lostSales: 1,
        falseBlocks: 0,
        operatorPrompts: 0,
        reversals: 0,
        byCause: { software: 1, hardware: 12, operator: 3, network: 13, third_party: 4 },
      },
      guarded: {
        duplicateCharges: 0,
        duplicateChargesBeforeReconciliation: 1,
        lostSales: 0,
        falseBlocks: 0,
        operatorPrompts: 8,
        reversals: 15,
        byCause: { software: 0, hardware: 0, operator: 0, network: 0, third_party: 0 },
      },
    };
    for (const protocol of ['naive', 'guarded'] as const) {
      const { byMethod, ...totals } = report.protocols[protocol] ?? { byMethod: {} };
      expect(totals, protocol).toEqual(before[protocol]);
      expect(byMethod, protocol).toEqual({ card: { ...before[protocol], intents: 600 } });
    }
  });
});

describe('posguard simulate --methods', () => {
  // The CLI runs its shards on worker threads: allow for a busy machine.
  const cliTimeoutMs = 120_000;

  it(
    'runs QR sales alone and shows them per method in the table, in en and zh-CN',
    async () => {
      const args = ['simulate', '--intents', '80', '--terminals', '4', '--seed', '3', '--methods', 'qr'];
      const en = await runCli(args);
      expect(en.code, en.stderr).toBe(0);
      expect(en.stdout).toContain('by payment method: QR code');
      expect(en.stdout).toMatch(/purchases +80 +80\n/);
      expect(en.stdout).not.toContain('by payment method: card');
      const report = await day(80, 3, ['qr'], 'all', { terminals: 4 });
      const zh = formatReport(report, faultRates('all'), 'zh-CN');
      expect(zh).toContain('按支付方式：二维码 qr');
      expect(zh).toMatch(/购买笔数 +80 +80\n/);
      expect(zh).toMatch(/重复扣款 +\d+ +0\n/);
    },
    cliTimeoutMs,
  );

  it(
    'puts byMethod in the JSON report for the methods simulated',
    async () => {
      const run = await runCli(['simulate', '--intents', '80', '--terminals', '4', '--seed', '4', '--json']);
      expect(run.code, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout) as SimulationReport;
      expect(Object.keys(report.protocols.guarded?.byMethod ?? {})).toEqual(['card', 'qr']);
      expect(Object.keys(report.protocols.guarded?.byMethod.qr ?? {}).sort()).toEqual([
        'byCause',
        'duplicateCharges',
        'duplicateChargesBeforeReconciliation',
        'falseBlocks',
        'intents',
        'lostSales',
        'operatorPrompts',
        'reversals',
      ]);
    },
    cliTimeoutMs,
  );

  it('refuses a method it does not know, or one named twice, by name', async () => {
    for (const bad of ['cash', 'qr,qr', '', 'card,,qr']) {
      const run = await runCli(['simulate', '--methods', bad]);
      expect(run.code, bad).toBe(2);
      expect(run.stderr, bad).toContain(
        `POS_ERR_CLI_BAD_FLAG: simulate: --methods expected card, qr or card,qr (each once), got ${JSON.stringify(bad)}`,
      );
    }
  });

  it('names the methods in the replay command when they were given', () => {
    expect(
      replayCommand({ intents: 5, terminals: 2, seed: 1, faults: 'all', overrides: [], methods: ['qr'] }),
    ).toBe(
      'npx posguard simulate --intents 5 --terminals 2 --seed 1 --faults all --methods qr --protocol guarded --json',
    );
  });
});
