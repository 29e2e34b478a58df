// `npm run bench -- iso-sales`: ISO 8583 sales per second through the ISO door (IsoHost, in
// process, no TCP: decode, MAC, the record of signed folds, engine, answer, sign) beside the same
// run's sales straight into the engine (`authorizeSale`) on the same kind of store, with the same
// number of terminals each running one sale at a time. The ratio is what the door costs on top of
// the engine; it is measured on a SQLite file (WAL, synchronous=FULL) and on a PostgreSQL server
// the bench starts (durable commits), or the one POSGUARD_TEST_DATABASE_URL names.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestPostgres, stopTestPostgres } from '../test/support/postgres-server.js';
import { makeCard } from '../src/cards/card.js';
import { Secret } from '../src/cards/secret.js';
import { systemClock } from '../src/clock/clock.js';
import {
  decodeFrame,
  encodeFrame,
  encodeSignedFrame,
  keyFromHex,
  openSignInKeys,
} from '../src/iso8583/index.js';
import { IsoHost } from '../src/iso-host/index.js';
import { keyContext } from '../src/iso-host/terminal-session.js';
import { sealKey } from '../src/merchants/key-vault.js';
import { addMerchant, addTerminal } from '../src/merchants/merchant-admin.js';
import { defaultEngineSettings, noMetrics, silentLog } from '../src/payments/engine-context.js';
import { PaymentEngine } from '../src/payments/engine.js';
import { randomIdSource } from '../src/payments/id-source.js';
import type { Store } from '../src/payments/ports/store.js';
import { SeededRandom } from '../src/random/random.js';
import { MemoryIssuerLedger } from '../src/simulated-issuer/issuer-ledger.js';
import { SimulatedIssuer } from '../src/simulated-issuer/simulated-issuer.js';
import { openPostgresStore } from '../src/store/postgres/open-postgres-store.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';
import { saleRequest, signInRequest, type TerminalIdentity } from '../src/terminal/terminal-messages.js';
import { line, ratio } from './report.js';

const durationS = Number(process.env['BENCH_DURATION_S'] ?? 5);
const terminals = Number(process.env['BENCH_TERMINALS'] ?? 32);
const tmkHex = '0123456789ABCDEFFEDCBA9876543210';
const fingerprintKey = new Secret(randomBytes(32), 'fingerprint key');
const terminalKeyKey = new Secret(randomBytes(32), 'terminal-key key');
const pan = '6212345678901232';
const merchantId = 'M0001';
const terminalIds = Array.from({ length: terminals }, (_, i) => `T${String(i).padStart(4, '0')}`);

async function engineOn(store: Store): Promise<PaymentEngine> {
  const random = new SeededRandom(1);
  await addMerchant(
    store,
    { id: merchantId, name: 'Bench shop', duplicatePolicy: 'off', duplicateWindowS: 0, apiKey: 'pgk_bench' },
    { random, now: Date.now() },
  );
  for (const terminalId of terminalIds) {
    const tmkEncrypted = sealKey(
      keyFromHex(tmkHex, 'TMK'),
      terminalKeyKey,
      keyContext({ merchantId, terminalId }, 'tmk'),
      (n) => random.bytes(n),
    );
    await addTerminal(store, { merchantId, terminalId, tmkEncrypted }, { now: Date.now() });
  }
  return new PaymentEngine({
    store,
    upstream: new SimulatedIssuer({
      clock: systemClock,
      random: random.fork(1),
      ledger: new MemoryIssuerLedger(),
    }),
    clock: systemClock,
    ids: randomIdSource(systemClock, random.fork(2)),
    metrics: noMetrics,
    log: silentLog,
    settings: defaultEngineSettings,
    instanceId: 'bench',
  });
}

/** What one run measured: sales per second, and this process's CPU time per sale. */
interface Rate {
  readonly perSecond: number;
  readonly cpuMsPerSale: number;
}

/** Runs `sale(terminal, n)` on every terminal, one at a time each, for the duration. */
async function rate(sale: (terminal: number, n: number) => Promise<void>): Promise<Rate> {
  const end = performance.now() + durationS * 1000;
  const started = performance.now();
  const cpu = process.cpuUsage();
  let done = 0;
  await Promise.all(
    terminalIds.map(async (_, terminal) => {
      for (let n = 1; performance.now() < end; n += 1) {
        await sale(terminal, n);
        done += 1;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  return {
    perSecond: (done * 1000) / (performance.now() - started),
    cpuMsPerSale: (used.user + used.system) / 1000 / done,
  };
}

/** The figures of one store: the ratio, and CPU per sale (steadier than rates on a busy machine). */
function report(store: string, iso: Rate, engine: Rate): void {
  ratio(`${store}: sales/s, ISO door vs engine`, iso.perSecond, engine.perSecond, 'sales/s');
  line(
    `${store}: CPU ms per sale, ISO door / engine`,
    `${iso.cpuMsPerSale.toFixed(3)} / ${engine.cpuMsPerSale.toFixed(3)}`,
  );
}

async function isoRate(store: Store): Promise<Rate> {
  try {
    return await isoSales(store);
  } finally {
    await store.close();
  }
}

async function isoSales(store: Store): Promise<Rate> {
  const engine = await engineOn(store);
  const host = new IsoHost({
    engine,
    random: new SeededRandom(3),
    fingerprintKey,
    terminalKeyKey,
    log: silentLog,
  });
  const connection = { id: 'bench', remote: 'bench' };
  const identities: TerminalIdentity[] = terminalIds.map((terminalId) => ({
    merchantId,
    terminalId,
    tpdu: '6000030000',
    header: '603100000000',
  }));
  const keys = await Promise.all(
    identities.map(async (identity) => {
      // A sign-in carries no MAC; the keys it offers are adopted by the first sale.
      const signIn = signInRequest({ identity, stan: 1, batchNo: '000001', mode: '003', operatorId: '01' });
      const reply = await host.handle(encodeFrame(signIn), connection);
      if (reply.kind !== 'answer') throw new Error('sign-in not answered');
      const answer = decodeFrame(reply.frame);
      return openSignInKeys({
        mode: '003',
        tmk: keyFromHex(tmkHex, 'TMK'),
        field62: answer.fields['62'] ?? '',
      }).macKey;
    }),
  );
  const card = { pan, expiry: '2812', entryMode: 'chip' as const };
  return rate(async (terminal, n) => {
    const identity = identities[terminal]!;
    const message = saleRequest({
      identity,
      stan: 10 + n,
      batchNo: '000001',
      amount: 100 + n,
      card,
      operatorId: '01',
      confirmDuplicate: false,
    });
    const reply = await host.handle(encodeSignedFrame(message, keys[terminal]!), connection);
    if (reply.kind !== 'answer' || decodeFrame(reply.frame).fields['39'] !== '00') {
      throw new Error(`sale not approved: ${reply.kind}`);
    }
  });
}

async function engineRate(store: Store): Promise<Rate> {
  try {
    return await engineSales(store);
  } finally {
    await store.close();
  }
}

async function engineSales(store: Store): Promise<Rate> {
  const engine = await engineOn(store);
  const card = makeCard({ pan, expiry: '2812', fingerprintKey });
  return rate(async (terminal, n) => {
    const result = await engine.authorizeSale({
      merchantId,
      terminalId: terminalIds[terminal]!,
      idempotencyKey: `bench-${terminal}-${n}`,
      amount: 100 + n,
      currency: 'CNY',
      card,
      entryMode: 'chip',
      operatorId: '01',
      confirmDuplicate: false,
      reference: null,
      channel: 'http',
      stan: null,
      batchNo: null,
    });
    if (result.kind !== 'answered') throw new Error(`sale not answered: ${result.kind}`);
  });
}

const sqlitePath = (): string => join(mkdtempSync(join(tmpdir(), 'posguard-bench-')), 'iso.db');

console.log(`ISO 8583 sales: ${terminals} terminals, one sale at a time each, ${durationS} s per run`);
const isoSqlite = await isoRate(await openSqliteStore(sqlitePath()));
const engineSqlite = await engineRate(await openSqliteStore(sqlitePath()));
report('SQLite file', isoSqlite, engineSqlite);

const givenUrl = process.env['POSGUARD_TEST_DATABASE_URL'] ?? '';
const server = givenUrl === '' ? await startTestPostgres({ durable: true }) : undefined;
const baseUrl = server?.url ?? givenUrl;
const schemaUrl = (): string => `${baseUrl}?schema=bench_${randomBytes(4).toString('hex')}`;
try {
  const isoPostgres = await isoRate(await openPostgresStore(schemaUrl()));
  const enginePostgres = await engineRate(await openPostgresStore(schemaUrl()));
  report('PostgreSQL', isoPostgres, enginePostgres);
} finally {
  if (server !== undefined) await stopTestPostgres(server);
}
