// A client that behaves like a careful terminal fleet: each sale is sent with its key to one or
// more hosts, and retried (same key, same body) on a timeout, a dropped connection, a 409 or a 503,
// until a final answer comes. Records what the client last saw for each key.
import type { Answer } from './host-process.js';
import { call } from './host-process.js';

export interface Seen {
  readonly key: string;
  readonly amount: number;
  /** The last payment body a host answered with, if any answer came. */
  last: Record<string, unknown> | undefined;
  attempts: number;
  unavailable: number;
  /** Error codes of the 503 answers seen. */
  unavailableCodes?: string[];
}

export function saleBody(amount: number): Record<string, unknown> {
  return {
    terminalId: 'DEMO0001',
    amount,
    currency: 'CNY',
    card: { pan: '6212345678901232', expiry: '2812' },
    entryMode: 'chip',
  };
}

/** Sends one key until some host gives a final answer; `hosts()` says which hosts are up. */
let fanOutTurn = 0;

export async function sendUntilAnswered(
  seen: Seen,
  hosts: () => ReadonlyArray<{ url: string }>,
  options: { fanOut: boolean; maxAttempts: number },
): Promise<void> {
  for (let attempt = 0; attempt < options.maxAttempts; attempt += 1) {
    const live = hosts();
    // Fan-out sends to every host, starting with a different one each time: the host that gets a
    // request first nearly always takes its key, so a fixed order would leave one host idle.
    fanOutTurn += 1;
    const targets = options.fanOut
      ? [...live.slice(fanOutTurn % live.length), ...live.slice(0, fanOutTurn % live.length)]
      : [live[attempt % live.length]].filter((h) => h !== undefined);
    const answers = await Promise.all(
      targets.map((host) =>
        call(host, 'POST', '/v1/payments', { key: seen.key, body: saleBody(seen.amount) }).catch(
          () => undefined,
        ),
      ),
    );
    seen.attempts += 1;
    const final = answers.find((a): a is Answer => a !== undefined && a.status === 201);
    for (const answer of answers) {
      if (answer?.status === 503) {
        seen.unavailable += 1;
        (seen.unavailableCodes ??= []).push(String(answer.body['code']));
      }
    }
    if (final !== undefined) {
      seen.last = final.body;
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs `work` over `items` with at most `concurrency` at a time. */
export async function inPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next];
        next += 1;
        if (item !== undefined) await work(item);
      }
    }),
  );
}
