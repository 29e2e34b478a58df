// A generated month for bench/fees.bench.ts: transactions laid out directly as the fee core's
// columns (no objects, so ten million fit), in time order, with voids, refunds (some partial,
// some of duplicate charges) and reversals acting on earlier sales of the same merchant, and a
// small set of plans with a mid-month version change. The same seed gives the same month.
import { closeSync, openSync, writeSync } from 'node:fs';
import { SeededRandom } from '../../src/random/random.js';
import {
  allocateColumns,
  compilePlan,
  parseDay,
  validateFeePlan,
  type CompiledPlan,
  type TransactionColumns,
} from '../../src/fees/index.js';

export const benchMonth = '2026-03';
const firstDay = parseDay('2026-03-01')!;
export const monthDays = 31;

export interface GeneratedMonth {
  readonly columns: TransactionColumns;
  readonly merchants: number;
  readonly terminals: number;
  readonly plans: readonly CompiledPlan[];
  /** Plan of merchant m: plans[m % plans.length]. */
  readonly planOfMerchant: readonly CompiledPlan[];
  readonly firstDay: number;
}

const rates = (
  debit: number,
  debitCap: number,
  credit: number,
  qr: number,
  foreign: number,
): Record<string, unknown> => ({
  debit: { ratePpm: debit, capFen: debitCap },
  credit: { ratePpm: credit },
  qr: { ratePpm: qr },
  foreign: { ratePpm: foreign, minimumFen: 100 },
});

function benchPlan(index: number): CompiledPlan {
  const instant = { name: { zh: '秒到', en: 'instant settlement' }, feeFen: 300, instantSettlement: true };
  const plan = validateFeePlan({
    format: 'posguard-fee-plan/1',
    merchantId: `plan-${index}`,
    currency: 'CNY',
    devicePriceFen: 9900,
    activation: { feeFen: 9900 },
    versions: [
      {
        version: 1,
        effectiveFrom: '2026-01-01',
        changedBy: 'bench',
        changedAt: '2025-12-01T00:00:00+08:00',
        rates: rates(3825 + index * 500, 1625 + index * 500, 5000 + index * 300, 3800, 25_000),
        ...(index % 2 === 1 ? { addOn: instant } : {}),
      },
      {
        version: 2,
        effectiveFrom: '2026-03-16',
        changedBy: 'bench',
        changedAt: '2026-03-01T00:00:00+08:00',
        rates: rates(6000, 2000 + index * 100, 6000 + index * 100, 3800 + index * 100, 30_000),
        ...(index % 2 === 0 ? { addOn: { ...instant, feeFen: 200 + index } } : {}),
      },
    ],
  });
  return compilePlan(plan, parseDay);
}

export interface GenerateOptions {
  readonly rows: number;
  readonly seed: number;
  readonly merchants?: number;
  readonly terminalsPerMerchant?: number;
}

/** Over 70 lines: one generating loop whose branches share the per-sale state arrays. */
export function generateMonth(options: GenerateOptions): GeneratedMonth {
  const { rows, seed } = options;
  const merchants = options.merchants ?? 2000;
  const terminalsPerMerchant = options.terminalsPerMerchant ?? 4;
  const random = new SeededRandom(seed);
  const columns = allocateColumns(rows);
  const refunded = new Float64Array(rows);
  const closed = new Uint8Array(rows);
  // Recent sales to act on: a bounded ring, so voids and refunds follow their sales closely.
  const ringSize = 65_536;
  const ring = new Int32Array(ringSize);
  let ringCount = 0;
  for (let row = 0; row < rows; row += 1) {
    columns.day[row] = firstDay + Math.floor((row * monthDays) / rows);
    const roll = random.next();
    let acted = false;
    if (roll < 0.15 && ringCount > 0) {
      const sale = ring[random.int(Math.min(ringCount, ringSize))]!;
      const left = columns.amountFen[sale]! - refunded[sale]!;
      if (closed[sale] === 0 && left > 0) {
        acted = true;
        columns.original[row] = sale;
        columns.merchant[row] = columns.merchant[sale]!;
        columns.terminal[row] = columns.terminal[sale]!;
        columns.channel[row] = columns.channel[sale]!;
        columns.cardKind[row] = columns.cardKind[sale]!;
        columns.duplicateRefunded[row] = 0;
        if (roll < 0.03 && refunded[sale] === 0) {
          columns.kind[row] = 1; // void
          columns.amountFen[row] = columns.amountFen[sale]!;
          closed[sale] = 1;
        } else if (roll < 0.05 && refunded[sale] === 0) {
          columns.kind[row] = 3; // reversal
          columns.amountFen[row] = columns.amountFen[sale]!;
          closed[sale] = 1;
        } else if (roll < 0.065 && refunded[sale] === 0) {
          columns.kind[row] = 2; // a duplicate charge refunded in full by reconciliation
          columns.duplicateRefunded[row] = 1;
          columns.amountFen[row] = left;
          refunded[sale] = left;
        } else {
          columns.kind[row] = 2; // refund: half in full, half in part
          const amount = random.next() < 0.5 ? left : 1 + random.int(left);
          columns.amountFen[row] = amount;
          refunded[sale]! += amount;
        }
      }
    }
    if (acted) continue;
    const merchant = random.int(merchants);
    columns.kind[row] = 0;
    columns.original[row] = -1;
    columns.duplicateRefunded[row] = 0;
    columns.merchant[row] = merchant;
    columns.terminal[row] = merchant * terminalsPerMerchant + random.int(terminalsPerMerchant);
    // Amounts from 1.00 to about 50,000 CNY, most of them small: caps and minimums are both met.
    columns.amountFen[row] = 100 + Math.floor(Math.exp(random.next() * Math.log(5_000_000)));
    const card = random.next();
    columns.channel[row] = card < 0.1 ? 1 : 0;
    columns.cardKind[row] = card < 0.55 ? 0 : card < 0.9 ? 1 : card < 0.97 ? 2 : 3;
    ring[ringCount % ringSize] = row;
    ringCount += 1;
  }
  const plans = [0, 1, 2, 3].map(benchPlan);
  const planOfMerchant = Array.from({ length: merchants }, (_, m) => plans[m % plans.length]!);
  return { columns, merchants, terminals: merchants * terminalsPerMerchant, plans, planOfMerchant, firstDay };
}

/** Writes the month as CSV for the DuckDB peer, through one 4 MiB buffer (no string per cell). */
export function writeMonthCsv(month: GeneratedMonth, file: string): number {
  const c = month.columns;
  const fd = openSync(file, 'w');
  const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
  let bytes = 0;
  let at = 0;
  // Every value here is a whole number from -1 to below 2^31 (amounts are at most 5,000,100 fen).
  const put = (value: number, end: number): void => {
    let v = value;
    if (v < 0) {
      buffer[at++] = 45;
      v = -v;
    }
    const start = at;
    do {
      buffer[at++] = 48 + (v % 10);
      v = (v / 10) | 0;
    } while (v > 0);
    buffer.subarray(start, at).reverse();
    buffer[at++] = end;
  };
  try {
    bytes += writeSync(fd, 'row,merchant,terminal,kind,amount,channel,card_kind,day,original,dup\n');
    for (let row = 0; row < c.count; row += 1) {
      if (at > buffer.length - 256) {
        bytes += writeSync(fd, buffer, 0, at);
        at = 0;
      }
      put(row, 44);
      put(c.merchant[row]!, 44);
      put(c.terminal[row]!, 44);
      put(c.kind[row]!, 44);
      put(c.amountFen[row]!, 44);
      put(c.channel[row]!, 44);
      put(c.cardKind[row]!, 44);
      put(c.day[row]!, 44);
      put(c.original[row]!, 44);
      put(c.duplicateRefunded[row]!, 10);
    }
    bytes += writeSync(fd, buffer, 0, at);
  } finally {
    closeSync(fd);
  }
  return bytes;
}

/** The plans' versions, one line per version and rate key, for the SQL side. */
export function writeVersionsCsv(month: GeneratedMonth, file: string): void {
  const lines = ['plan,version,from_day,to_day,rate_key,ppm,cap,minimum,add_on,highest_key'];
  month.plans.forEach((plan, p) => {
    plan.versions.forEach((v, index) => {
      const toDay = plan.versions[index + 1]?.fromDay ?? 2 ** 31 - 1;
      for (let key = 0; key < 4; key += 1) {
        const cap = v.capFen[key]!;
        lines.push(
          `${p},${index},${v.fromDay},${toDay},${key},${v.ratePpm[key]},${cap === Infinity ? '' : cap},${v.minimumFen[key]},${v.addOnFen},${v.highestKey}`,
        );
      }
    });
  });
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, `${lines.join('\n')}\n`);
  } finally {
    closeSync(fd);
  }
}
