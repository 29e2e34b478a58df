// One day of the naive protocol: naive terminals and operators, a naive host, the same network and
// issuer faults as the guarded run, and no reconciliation at the end.
import { SeededRandom } from '../../random/random.js';
import { MemoryIssuerLedger } from '../../simulated-issuer/issuer-ledger.js';
import { SimulatedIssuer } from '../../simulated-issuer/simulated-issuer.js';
import { chargesByIntent, tally, type ProtocolTally } from '../accounting.js';
import { FaultyIssuer } from '../faulty-issuer.js';
import type { Intent } from '../intents.js';
import { SimNetwork } from '../network.js';
import type { SimContext } from '../sim-context.js';
import { runWorld, serveIntents, type WorldSettings } from '../world.js';
import { NaiveHost } from './naive-host.js';
import { NaiveTerminal } from './naive-terminal.js';

export async function runNaive(
  sim: SimContext,
  intents: readonly Intent[],
  world: WorldSettings,
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
  const naiveHost = new NaiveHost(sim, issuer, {
    upstreamTimeoutMs: world.upstreamTimeoutMs,
    restartAfterMs: world.hostRestartMs,
  });
  const terminals = new Map(
    world.terminals.map((index) => [
      index,
      new NaiveTerminal(sim, new SimNetwork(sim, () => naiveHost), {
        merchantId: world.merchantId,
        terminalIndex: index,
        timeoutMs: world.terminalTimeoutMs,
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
  const charges = chargesByIntent(ledger.entries(), (rrn) => {
    const sent = naiveHost.attemptOfRrn.get(rrn);
    const attempt = sent === undefined ? undefined : sim.attempts.get(sent.key);
    if (sent === undefined || attempt === undefined || !sent.repeat) return attempt;
    // The same attempt charged again: the fault that made the host send it again is to blame.
    return { ...attempt, cause: sim.causeOfFailure(sent.key, 'software') };
  });
  return tally({
    intents,
    traces: sim.traces,
    before: charges,
    after: charges,
    operatorPrompts: 0,
    reversals: 0,
  });
}
