// One day of the guarded protocol: posguard as built. The real engine and store (SQLite in memory),
// the real ISO 8583 door and codec on every message, the real terminal SDK, and the real
// reconciliation at day end, whose refunds (for what the acquirer settled twice, or settled though
// the host had reversed it) reach the cardholders before the count. QR sales go through the same
// engine to the faulty wallets; what the wallet's books hold at day end (its cancels have refunded
// what the host undid) is what their customers paid. Reconciliation here is the card acquirer's:
// the wallets' bills are not read.
import { createHash } from 'node:crypto';
import { renameSync } from 'node:fs';
import { Secret } from '../../cards/secret.js';
import { addMerchant, addTerminal } from '../../merchants/merchant-admin.js';
import { sealKey } from '../../merchants/key-vault.js';
import { keyContext } from '../../iso-host/index.js';
import { SeededRandom } from '../../random/random.js';
import {
  hostRowsFromStore,
  reconcile,
  storeFindings,
  type HostRow,
  type SettlementRow,
  type TerminalRow,
} from '../../reconciliation/index.js';
import { openSqliteStore } from '../../store/sqlite/open-sqlite-store.js';
import { MemoryIssuerLedger, type LedgerEntry } from '../../simulated-issuer/issuer-ledger.js';
import { SimulatedIssuer } from '../../simulated-issuer/simulated-issuer.js';
import type { Store } from '../../payments/ports/store.js';
import type { AuthorizationRequest } from '../../payments/ports/upstream.js';
import {
  chargesByIntent,
  tally,
  walletChargesByIntent,
  type Attempt,
  type ProtocolTally,
} from '../accounting.js';
import { FaultyIssuer } from '../faulty-issuer.js';
import type { Intent, PaymentMethod } from '../intents.js';
import { SimWallets } from '../sim-wallets.js';
import { SimNetwork } from '../network.js';
import { attemptKey, type SimContext } from '../sim-context.js';
import { runWorld, serveIntents, type WorldSettings } from '../world.js';
import { GuardedHost } from './guarded-host.js';
import { GuardedTerminal } from './guarded-terminal.js';

function derivedKey(seed: number, label: string, bytes: number): Buffer {
  return createHash('sha256').update(`${seed}:${label}`).digest().subarray(0, bytes);
}

/** Every posting of the issuer as the acquirer's settlement detail: a double posting is two lines. */
function settlementRows(entries: Iterable<LedgerEntry>, dayStartMs: number): SettlementRow[] {
  const rows: SettlementRow[] = [];
  for (const entry of entries) {
    if (entry.state !== 'posted' || entry.kind === 'void') continue;
    for (let posting = 0; posting < entry.postings; posting += 1) {
      rows.push({
        settlementDate: new Date(dayStartMs).toISOString().slice(0, 10),
        merchantId: entry.merchantId,
        terminalId: entry.terminalId,
        batchNo: '',
        stan: '',
        rrn: entry.rrn,
        authCode: entry.authCode ?? '',
        txnTimeMs: entry.at,
        txnType: entry.kind === 'refund' ? 'refund' : 'sale',
        amountMinor: entry.amount,
        feeMinor: Math.round(entry.amount * 0.006),
        currency: 'CNY',
        cardMasked: '',
      });
    }
  }
  return rows;
}

/** The keys and terminal master keys of one run, all derived from the schedule's seed. */
interface ShopKeys {
  readonly fingerprintKey: Secret<Buffer>;
  readonly terminalKeyKey: Secret<Buffer>;
  readonly tmks: ReadonlyMap<number, Secret<Buffer>>;
}

// Long because: the day in order (open, serve, close, count), each step a call; split, it would
// only hand the same dozen values from one function to the next.
export async function runGuarded(
  sim: SimContext,
  intents: readonly Intent[],
  world: WorldSettings,
  methods: readonly PaymentMethod[] = ['card'],
  /** A new file the host's store is written to at day end (`--db`); the day runs in memory. */
  storeFile?: string,
): Promise<ProtocolTally> {
  const random = new SeededRandom(sim.schedule.seed);
  // Written beside the file and renamed once complete: a failed run leaves no half-written store.
  const writing = storeFile === undefined ? undefined : `${storeFile}.writing`;
  const store = await openSqliteStore(':memory:', {
    now: sim.clock.now(),
    groupOnNextTurn: false,
    ...(writing === undefined ? {} : { copyOnClose: writing }),
  });
  const keys = await openShop(sim, world, store, random);
  const ledger = new MemoryIssuerLedger();
  const wallets = methods.includes('qr')
    ? new SimWallets(sim, {
        lateByMs: world.upstreamTimeoutMs + 5_000,
        attemptOf: (orderNo) => sim.attemptOfOrder(orderNo),
      })
    : undefined;
  const { host, byIndex } = startHostAndTerminals(sim, world, { store, ledger, random, keys, wallets });
  const terminals = [...byIndex.values()];

  await runWorld(sim, async () => {
    await Promise.all(terminals.map((t) => t.open()));
    await serveIntents(
      sim,
      intents,
      world,
      (intent) => byIndex.get(intent.terminal)?.serve(intent) ?? Promise.resolve(),
    );
    await closeTheDay(sim, world, store, terminals, wallets !== undefined);
    await host.stop();
  });
  wallets?.stop();

  // The host's card records as its export gives them: read once, for the count and reconciliation.
  const hostRows: HostRow[] = [];
  for await (const row of hostRowsFromStore(store))
    if (row.qr === undefined || row.qr === null) hostRows.push(row);
  const attemptByRrn = new Map<string, Attempt>();
  for (const row of hostRows) {
    const attempt = sim.attempts.get(attemptKey(row.terminalId, row.batchNo, row.stan));
    if (attempt !== undefined && row.rrn !== '') attemptByRrn.set(row.rrn, attempt);
  }
  const attemptOfLedgerRrn = (rrn: string): Attempt | undefined => attemptByRrn.get(rrn);
  const before = chargesByIntent(ledger.entries(), attemptOfLedgerRrn);
  await refundReconciliationFindings(sim, world, { hostRows, terminals, ledger, store });
  const after = chargesByIntent(ledger.entries(), attemptOfLedgerRrn);
  const reversals = await reversalsByMethod(store, wallets !== undefined);
  await store.close();
  if (storeFile !== undefined && writing !== undefined) renameSync(writing, storeFile);
  if (wallets !== undefined) {
    // No reconciliation undoes a QR charge here: before it and after it are the wallet's books.
    const qr = walletChargesByIntent(wallets.books, (orderNo) => sim.chargedOrder(orderNo), world.merchantId);
    for (const [intent, charges] of qr) {
      before.set(intent, charges);
      after.set(intent, charges);
    }
  }
  return tally(
    { intents, traces: sim.traces, before, after, operatorPrompts: sim.operatorPrompts, reversals },
    methods,
  );
}

/** Sales the host reversed, by method (a QR sale's reversal is its wallet's cancel). */
async function reversalsByMethod(store: Store, withQr: boolean): Promise<Record<PaymentMethod, number>> {
  const reversed =
    (await store.read((reader) => reader.countPaymentsByStatus())).find((r) => r.status === 'reversed')
      ?.count ?? 0;
  if (!withQr) return { card: reversed, qr: 0 };
  let qr = 0;
  let afterId = '';
  // Bounded: a day holds at most a few times its intents in payments, read 2000 at a time.
  for (let page = 0; page < 100_000; page += 1) {
    const payments = await store.read((reader) => reader.scanPayments(afterId, 2000));
    for (const payment of payments) {
      afterId = payment.id;
      if (payment.status === 'reversed' && payment.qr !== null) qr += 1;
    }
    if (payments.length < 2000) break;
  }
  return { card: reversed - qr, qr };
}

/** The shop in the store: its merchant, and each terminal with its master key sealed. */
async function openShop(
  sim: SimContext,
  world: WorldSettings,
  store: Store,
  random: SeededRandom,
): Promise<ShopKeys> {
  const fingerprintKey = new Secret(derivedKey(sim.schedule.seed, 'fingerprint', 32), 'fingerprint key');
  const terminalKeyKey = new Secret(derivedKey(sim.schedule.seed, 'terminal keys', 32), 'terminal-key key');
  const ivs = random.fork(7);
  await addMerchant(
    store,
    { id: world.merchantId, name: 'Simulated shop', duplicatePolicy: 'confirm' },
    { random, now: sim.clock.now() },
  );
  const tmks = new Map<number, Secret<Buffer>>();
  for (const index of world.terminals) {
    const terminalId = `T${String(index).padStart(7, '0')}`;
    const tmk = new Secret(derivedKey(sim.schedule.seed, `tmk ${index}`, 16), 'terminal master key');
    tmks.set(index, tmk);
    const tmkEncrypted = sealKey(
      tmk,
      terminalKeyKey,
      keyContext({ merchantId: world.merchantId, terminalId }, 'tmk'),
      (n) => ivs.bytes(n),
    );
    await addTerminal(
      store,
      { merchantId: world.merchantId, terminalId, tmkEncrypted },
      { now: sim.clock.now() },
    );
  }
  return { fingerprintKey, terminalKeyKey, tmks };
}

/** The faulty issuer, the host (started) in front of it, and one terminal per index, each on its own link. */
function startHostAndTerminals(
  sim: SimContext,
  world: WorldSettings,
  deps: {
    store: Store;
    ledger: MemoryIssuerLedger;
    random: SeededRandom;
    keys: ShopKeys;
    wallets: SimWallets | undefined;
  },
): { host: GuardedHost; byIndex: Map<number, GuardedTerminal> } {
  const { store, ledger, random, keys, wallets } = deps;
  const inner = new SimulatedIssuer({ clock: sim.clock, random: random.fork(3), ledger });
  const attemptOf = (request: AuthorizationRequest): { key: string; attempt: Attempt } | undefined =>
    sim.attemptOfRequest(request);
  const issuer = new FaultyIssuer(sim, inner, ledger, {
    dayStartMs: world.dayStartMs,
    lateByMs: world.upstreamTimeoutMs + 5_000,
    attemptOf,
  });
  const host = new GuardedHost(sim, {
    store,
    issuer,
    random,
    fingerprintKey: keys.fingerprintKey,
    terminalKeyKey: keys.terminalKeyKey,
    upstreamTimeoutMs: world.upstreamTimeoutMs,
    restartAfterMs: world.hostRestartMs,
    attemptOf,
    ...(wallets === undefined ? {} : { wallets: wallets.providers }),
  });
  host.start();
  const byIndex = new Map(
    world.terminals.map((index) => [
      index,
      new GuardedTerminal(sim, new SimNetwork(sim, () => host, { terminal: index }), {
        merchantId: world.merchantId,
        terminalIndex: index,
        tmk: keys.tmks.get(index) as Secret<Buffer>,
        timeoutMs: world.terminalTimeoutMs,
        dayStartMs: world.dayStartMs,
        ...(wallets === undefined ? {} : { wallets }),
      }),
    ]),
  );
  return { host, byIndex };
}

/** Day end: every owed reversal delivered, every batch settled, the host's queue drained. */
async function closeTheDay(
  sim: SimContext,
  world: WorldSettings,
  store: Store,
  terminals: readonly GuardedTerminal[],
  withQr: boolean,
): Promise<void> {
  await Promise.all(
    terminals.map(async (terminal) => {
      for (let round = 0; round < 200 && terminal.client.pendingReversals().length > 0; round += 1) {
        await terminal.client.sendReversals();
        if (terminal.client.pendingReversals().length > 0) await sim.clock.sleep(30_000);
      }
      await terminal.settle();
      // A fleet terminal's last report of the day (the counts since its last hourly one).
      await terminal.reportStatus();
    }),
  );
  for (let round = 0; round < 2_000; round += 1) {
    const open = await store.read(async (reader) => {
      const [pending, reversing, queued] = await Promise.all([
        reader.findPendingCreatedBefore(Number.MAX_SAFE_INTEGER, 1),
        reader.listPayments({ merchantId: world.merchantId, status: 'reversal_pending', limit: 1 }),
        // A QR sale held as a duplicate keeps its status while its wallet cancel waits in the
        // queue (WeChat Pay takes none in the first 15 s): the day is not over before it is done.
        withQr ? reader.countReversals('queued') : 0,
      ]);
      return pending.length + reversing.length + queued;
    });
    if (open === 0) break;
    await sim.clock.sleep(10_000);
  }
}

/** The card sales each terminal showed today, as its journal export gives them. */
function terminalRowsOf(terminals: readonly GuardedTerminal[], merchantId: string): TerminalRow[] {
  return terminals.flatMap((t) =>
    t
      .shownToday()
      .filter((r) => r.qr === undefined || r.qr === null)
      .map((r) => ({
        merchantId,
        terminalId: t.terminalId,
        batchNo: r.batchNo,
        stan: r.stan,
        rrn: r.rrn ?? '',
        authCode: r.authCode ?? '',
        txnTimeMs: r.createdAt,
        txnType: r.kind,
        result:
          r.state === 'approved'
            ? 'approved'
            : r.state === 'declined'
              ? 'declined'
              : r.state === 'reversed' || r.state === 'not-sent'
                ? 'reversed'
                : 'unknown',
        amountMinor: r.amount,
        cardMasked: r.cardMasked ?? '',
      })),
  );
}

/**
 * Reconciliation, its duplicates kept in the store (as `posguard reconcile --db` keeps them: the
 * double postings the diagnosis reads), and the refunds its findings call for, posted to the
 * issuer's ledger.
 */
async function refundReconciliationFindings(
  sim: SimContext,
  world: WorldSettings,
  day: {
    hostRows: HostRow[];
    terminals: readonly GuardedTerminal[];
    ledger: MemoryIssuerLedger;
    store: Store;
  },
): Promise<void> {
  const { ledger } = day;
  const result = await reconcile({
    host: { kind: 'rows', name: 'store', rows: day.hostRows },
    settlement: { kind: 'rows', name: 'issuer', rows: settlementRows(ledger.entries(), world.dayStartMs) },
    terminal: { kind: 'rows', name: 'terminals', rows: terminalRowsOf(day.terminals, world.merchantId) },
    threads: 1,
  });
  await storeFindings(day.store, result.exceptions, { now: sim.clock.now() });
  let refunds = 0;
  for (const exception of result.exceptions) {
    if (exception.action !== 'refund' || exception.rrn === '') continue;
    refunds += 1;
    const sale = ledger.get(exception.rrn);
    ledger.put({
      rrn: `RF${String(refunds).padStart(10, '0')}`,
      kind: 'refund',
      cardId: sale?.cardId ?? null,
      originalRrn: exception.rrn,
      amount: exception.settledAmountMinor ?? 0,
      state: 'posted',
      postings: 1,
      authCode: null,
      responseCode: '00',
      merchantId: exception.merchantId,
      terminalId: exception.terminalId,
      at: sim.clock.now(),
    });
  }
}
