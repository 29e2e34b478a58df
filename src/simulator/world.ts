// The settings of a simulated day and the loop that runs it: every terminal serves its customers in
// order, each no earlier than the customer arrives, while virtual time moves from one deadline to
// the next. The day is over when every terminal has served every customer and the world is quiet.
import { PosError } from '../pos-error.js';
import type { Intent } from './intents.js';
import type { SimContext } from './sim-context.js';

export interface WorldSettings {
  /** The terminals of this world, by index (a shard holds every other one). */
  readonly terminals: readonly number[];
  readonly merchantId: string;
  readonly dayStartMs: number;
  /** How long a terminal waits for an answer. */
  readonly terminalTimeoutMs: number;
  /** How long the host waits for the issuer (shorter than the terminal's wait). */
  readonly upstreamTimeoutMs: number;
  /** How long a crashed host process stays down before it restarts. */
  readonly hostRestartMs: number;
}

export const defaultWorld = (terminals: readonly number[]): WorldSettings => ({
  terminals,
  merchantId: '898310048990001',
  dayStartMs: Date.UTC(2026, 10, 25, 0, 0, 0),
  terminalTimeoutMs: 30_000,
  upstreamTimeoutMs: 10_000,
  hostRestartMs: 15_000,
});

/** Serves every intent, each terminal its own in order, none before its customer arrives. */
export async function serveIntents(
  sim: SimContext,
  intents: readonly Intent[],
  world: WorldSettings,
  serve: (intent: Intent) => Promise<void>,
): Promise<void> {
  const queues = new Map<number, Intent[]>(world.terminals.map((t) => [t, []]));
  for (const intent of intents) queues.get(intent.terminal)?.push(intent);
  await Promise.all(
    [...queues.values()].map(async (queue) => {
      queue.sort((a, b) => a.atMs - b.atMs || a.id - b.id);
      for (const intent of queue) {
        const wait = world.dayStartMs + intent.atMs - sim.clock.now();
        if (wait > 0) await sim.clock.sleep(wait);
        await serve(intent);
      }
    }),
  );
}

/** Runs virtual time until `day` is over; a day that stops before (nothing left to wake) is stuck. */
export async function runWorld(
  sim: SimContext,
  day: () => Promise<void>,
  maxSteps = 50_000_000,
): Promise<void> {
  let over = false;
  let failure: { error: unknown } | undefined;
  void day().then(
    () => {
      over = true;
    },
    (error: unknown) => {
      failure = { error };
    },
  );
  const steps = await sim.clock.run(() => over || failure !== undefined, { maxSteps });
  if (failure !== undefined) throw failure.error;
  if (!over) {
    throw new PosError(
      'POS_ERR_SIMULATOR_STUCK',
      `the simulated day stopped after ${steps} steps before it was over`,
    );
  }
}
