// The fleet diagnosis of a period (issue 14): reads what the store holds for it through the
// diagnosis port, a page per read (no long transaction), folds it (fleet-tally.ts) and tests it
// (diagnose.ts). The whole fleet for an operations key or the CLI; one merchant's own traffic for
// a merchant's key. Every read is bounded: pages of `pageSize` rows, at most `maxRowsRead` rows in
// all (past it the run is refused, naming a shorter period), periods of at most `maxPeriodDays`.
import { PosError } from '../pos-error.js';
import type { FeePlan } from '../fees/index.js';
import { readTelemetryHours } from './compact-telemetry.js';
import { defaultDiagnosisSettings, diagnose, type Diagnosis, type DiagnosisSettings } from './diagnose.js';
import { FleetTally } from './fleet-tally.js';
import type {
  DiagnosisDuplicate,
  DiagnosisEvent,
  DiagnosisMerchant,
  DiagnosisPayment,
  DiagnosisReader,
} from './ports/diagnosis-source.js';
import type { TelemetryReader } from './ports/telemetry-store.js';

/**
 * The reads a diagnosis makes: the diagnosis port, telemetry, and two reads of the store port
 * (payments/ports/fee-store.ts and directory-store.ts) named here by the slice of their records
 * the diagnosis uses, so this core imports nothing from payments/.
 */
export type DiagnosisSource = DiagnosisReader &
  Pick<TelemetryReader, 'listTelemetryHours' | 'listTelemetryReports'> & {
    /** The merchant's fee plan as of its last version. */
    getFeePlan(merchantId: string): Promise<{ readonly plan: FeePlan } | undefined>;
    getMerchant(id: string): Promise<DiagnosisMerchant | undefined>;
  };

export interface DiagnosisStore {
  read<T>(fn: (reader: DiagnosisSource) => Promise<T>): Promise<T>;
}

export interface DiagnosisProgress {
  readonly merchantsDone: number;
  readonly rowsRead: number;
}

export interface DiagnosisRequest {
  readonly fromMs: number;
  readonly toMs: number;
  /** One merchant's own traffic; the whole fleet when absent. */
  readonly merchantId?: string;
  readonly settings?: DiagnosisSettings;
  /** Called after each merchant (and at the end): for a progress line on long runs. */
  readonly onProgress?: (progress: DiagnosisProgress) => void;
}

export const maxPeriodDays = 92;
export const maxRowsRead = 20_000_000;
const pageSize = 5_000;
const merchantPageSize = 500;
const dayMs = 86_400_000;

/** Refuses a period that is empty, reversed or longer than `maxPeriodDays`. */
export function checkDiagnosisPeriod(fromMs: number, toMs: number): void {
  if (!Number.isSafeInteger(fromMs) || !Number.isSafeInteger(toMs) || fromMs >= toMs) {
    throw new PosError(
      'POS_ERR_DIAGNOSIS_INVALID_PERIOD',
      `from, to: expected a start before the end, got ${new Date(fromMs).toISOString()} and ${new Date(toMs).toISOString()}`,
      { details: { fromMs, toMs } },
    );
  }
  if (toMs - fromMs > maxPeriodDays * dayMs) {
    throw new PosError(
      'POS_ERR_DIAGNOSIS_INVALID_PERIOD',
      `from, to: expected a period of at most ${maxPeriodDays} days, got ${Math.ceil((toMs - fromMs) / dayMs)} days`,
      { details: { fromMs, toMs, maxPeriodDays } },
    );
  }
}

function checkRows(tally: FleetTally): void {
  if (tally.rowsRead <= maxRowsRead) return;
  throw new PosError(
    'POS_ERR_DIAGNOSIS_TOO_MANY_ROWS',
    `the period holds more than ${formatRows(maxRowsRead)} rows to read, the most one diagnosis reads: ask for a shorter period, or one merchant`,
    { details: { maxRowsRead } },
  );
}

const formatRows = (n: number): string => n.toLocaleString('en-US');

/** Reads every page of a keyset-paged query, handing each row to `add`. */
async function eachPage<R, A>(
  store: DiagnosisStore,
  tally: FleetTally,
  list: (reader: DiagnosisSource, after: A | undefined) => Promise<R[]>,
  keyOf: (row: R) => A,
  add: (row: R) => void,
): Promise<void> {
  for (let after: A | undefined; ;) {
    const page = await store.read((reader) => list(reader, after));
    for (const row of page) add(row);
    checkRows(tally);
    const last = page.at(-1);
    if (last === undefined || page.length < pageSize) return;
    after = keyOf(last);
  }
}

/** One merchant's telemetry, payments and duplicates, in that order (fleet-tally.ts says why). */
async function readMerchant(
  store: DiagnosisStore,
  tally: FleetTally,
  merchant: DiagnosisMerchant,
  period: { fromMs: number; toMs: number },
): Promise<void> {
  const plan = await store.read((r) => r.getFeePlan(merchant.id));
  tally.beginMerchant(merchant, plan?.plan);
  const scope = { merchantId: merchant.id, ...period };
  const hours = await store.read((r) => readTelemetryHours(r, scope));
  for (const hour of hours) tally.addTelemetryHour(hour);
  checkRows(tally);
  await eachPage<DiagnosisPayment, { createdAt: number; id: string }>(
    store,
    tally,
    (r, after) => r.listDiagnosisPayments({ ...scope, limit: pageSize, ...(after ? { after } : {}) }),
    (p) => ({ createdAt: p.createdAt, id: p.id }),
    (p) => tally.addPayment(p),
  );
  await eachPage<DiagnosisDuplicate, { detectedAt: number; id: string }>(
    store,
    tally,
    (r, after) => r.listDiagnosisDuplicates({ ...scope, limit: pageSize, ...(after ? { after } : {}) }),
    (d) => ({ detectedAt: d.detectedAt, id: d.id }),
    (d) => tally.addDuplicate(d),
  );
}

/** The merchants in scope: the one asked for (refused when unknown), or all of them, in pages. */
async function* merchantsInScope(store: DiagnosisStore, merchantId: string | undefined) {
  if (merchantId !== undefined) {
    const merchant = await store.read((r) => r.getMerchant(merchantId));
    if (merchant === undefined) {
      throw new PosError(
        'POS_ERR_MERCHANT_NOT_FOUND',
        `no merchant ${JSON.stringify(merchantId)} is registered`,
        {
          details: { merchantId },
        },
      );
    }
    yield merchant;
    return;
  }
  for (let afterId = ''; ;) {
    const page = await store.read((r) => r.listDiagnosisMerchants(afterId, merchantPageSize));
    yield* page;
    const last = page.at(-1);
    if (last === undefined || page.length < merchantPageSize) return;
    afterId = last.id;
  }
}

export async function readDiagnosis(store: DiagnosisStore, request: DiagnosisRequest): Promise<Diagnosis> {
  checkDiagnosisPeriod(request.fromMs, request.toMs);
  const settings = request.settings ?? defaultDiagnosisSettings;
  const period = { fromMs: request.fromMs, toMs: request.toMs };
  const tally = new FleetTally(settings.maxEvidence);
  let merchantsDone = 0;
  for await (const merchant of merchantsInScope(store, request.merchantId)) {
    await readMerchant(store, tally, merchant, period);
    merchantsDone += 1;
    request.onProgress?.({ merchantsDone, rowsRead: tally.rowsRead });
  }
  const merchantScope = request.merchantId === undefined ? {} : { merchantId: request.merchantId };
  await eachPage<DiagnosisEvent, { at: number; chain: number; seq: number }>(
    store,
    tally,
    (r, after) =>
      r.listDiagnosisEvents({ ...period, ...merchantScope, limit: pageSize, ...(after ? { after } : {}) }),
    (e) => ({ at: e.at, chain: e.chain, seq: e.seq }),
    (e) => tally.addEvent(e),
  );
  request.onProgress?.({ merchantsDone, rowsRead: tally.rowsRead });
  return diagnose(tally, { ...period, merchantId: request.merchantId ?? null, settings });
}
