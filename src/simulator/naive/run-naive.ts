// One day of the naive protocol: naive terminals and operators, a naive host, the same network,
// issuer and wallet faults as the guarded run, and no reconciliation at the end.
import { SeededRandom } from '../../random/random.js';
import { MemoryIssuerLedger } from '../../simulated-issuer/issuer-ledger.js';
import { SimulatedIssuer } from '../../simulated-issuer/simulated-issuer.js';
import { chargesByIntent, tally, walletChargesByIntent, type ProtocolTally } from '../accounting.js';
import { FaultyIssuer } from '../faulty-issuer.js';
import type { Intent, PaymentMethod } from '../intents.js';
import { SimWallets } from '../sim-wallets.js';
import { NaiveScanDesk } from './naive-scan.js';
import { SimNetwork } from '../network.js';
import type { SimContext } from '../sim-context.js';
import { runWorld, serveIntents, type WorldSettings } from '../world.js';
import { NaiveHost } from './naive-host.js';
import { NaiveTerminal } from './naive-terminal.js';

// Long because: the day in order (issuer, wallets, host, terminals, serve, count), each a call.
export async function runNaive(
  sim: SimContext,
  intents: readonly Intent[],
  world: WorldSettings,
  methods: readonly PaymentMethod[] = ['card'],
): Promise<ProtocolTally> {
  const ledger = new MemoryIssuerLedger();
  const inner = new SimulatedIssuer({
    clock: sim.clock,
    random: new SeededRandom(sim.schedule.seed),
    ledger,
  });
  const issuer = new FaultyIssuer(sim, inner, ledger, {
    dayStartMs: world.dayStartMs,
    lateByMs: world.upstreamTimeoutMs + 5_000,
    attemptOf: (request) => sim.attemptOfRequest(request),
  });
  const wallets = methods.includes('qr')
    ? new SimWallets(sim, {
        lateByMs: world.upstreamTimeoutMs + 5_000,
        attemptOf: (orderNo) => sim.attemptOfOrder(orderNo),
      })
    : undefined;
  const naiveHost = new NaiveHost(sim, issuer, {
    upstreamTimeoutMs: world.upstreamTimeoutMs,
    restartAfterMs: world.hostRestartMs,
    ...(wallets === undefined
      ? {}
      : {
          scans: new NaiveScanDesk(sim, wallets.providers, { upstreamTimeoutMs: world.upstreamTimeoutMs }),
        }),
  });
  const terminals = new Map(
    world.terminals.map((index) => [
      index,
      new NaiveTerminal(sim, new SimNetwork(sim, () => naiveHost, { terminal: index }), {
        merchantId: world.merchantId,
        terminalIndex: index,
        timeoutMs: world.terminalTimeoutMs,
        ...(wallets === undefined ? {} : { wallets }),
      }),
    ]),
  );
  await runWorld(sim, () =>
    serveIntents(
      sim,
      intents,
      world,
      (intent) => terminals.get(intent.terminal)?.serve(intent) ?? Promise.resolve(),
    ),
  );
  wallets?.stop();
  const charges = chargesByIntent(ledger.entries(), (rrn) => {
    const sent = naiveHost.attemptOfRrn.get(rrn);
    const attempt = sent === undefined ? undefined : sim.attempts.get(sent.key);
    if (sent === undefined || attempt === undefined || !sent.repeat) return attempt;
    // The same attempt charged again: the fault that made the host send it again is to blame.
    return { ...attempt, cause: sim.causeOfFailure(sent.key, 'software') };
  });
  if (wallets !== undefined) {
    const qr = walletChargesByIntent(wallets.books, (orderNo) => sim.chargedOrder(orderNo), world.merchantId);
    for (const [intent, list] of qr) charges.set(intent, list);
  }
  const none = { card: 0, qr: 0 };
  return tally(
    { intents, traces: sim.traces, before: charges, after: charges, operatorPrompts: none, reversals: none },
    methods,
  );
}
