// What the diagnosis compares a subject with (issue 14, docs/diagnostics.md, "The test"): the
// typical members of its group, those that do not stand out on their own.
//  - In the fleet, each subject is compared with the typical subjects of its kind, itself left out:
//    two operators who key twice must not hide each other by raising the rest's rate. Only in a
//    group of three or more: of two, neither is the typical one.
// A network's terminals need the same answer for two questions:
//  - is the network bad? It is judged on its typical terminals only: one terminal that stands out
//    on its own (its router, its SIM card, its software) must not make its carrier look bad. A
//    network is judged only with two typical terminals or more: a network of one terminal is that
//    terminal's own connection, judged as the terminal;
//  - is a terminal's connection bad? A terminal is judged against its network too: on a carrier
//    that loses answers every terminal loses answers, and the remedy is the carrier's, not each
//    one's. A typical terminal's baseline is never below its network's typical rate (itself
//    included: of two terminals on a carrier, the luckier one is not the measure of the other);
//    one that stands out is compared with the typical ones.
// A terminal stands out when the exact conditional test of its rate against the others' (both
// uncertain, rate-tests.ts) gives a p-value below `outlierPValue`: first against the network's
// lower half by rate, which several bad terminals cannot raise, then against every terminal that
// did not stand out against that, which the lower half being the lower half cannot bias. Never
// more than half of a network is set aside: if most of it stands out, that is what it is like.
import type { SubjectTally } from './fleet-tally.js';
import type { Exposure } from './measures.js';
import { rateAboveOtherPValue } from './rate-tests.js';

/** A terminal whose rate is above its network's with a p-value below this stands out. */
export const outlierPValue = 0.001;

/** What is counted on the terminals (`lost_answers`), per what. */
export interface PeerCount {
  readonly name: string;
  readonly exposure: Exposure;
}

export interface Share {
  readonly events: number;
  readonly exposure: number;
}

/** The typical members' events and exposure, without `subject` when it is one of them. */
export function restOf(typical: readonly SubjectTally[], subject: SubjectTally, count: PeerCount): Share {
  return sum(
    typical.filter((t) => t !== subject),
    count,
  );
}

const eventsOf = (t: SubjectTally, name: string): number => t.counts.get(name)?.events ?? 0;

function sum(terminals: readonly SubjectTally[], count: PeerCount): Share {
  let events = 0;
  let exposure = 0;
  for (const t of terminals) {
    events += eventsOf(t, count.name);
    exposure += t.exposure[count.exposure];
  }
  return { events, exposure };
}

/**
 * The typical members of a group for one count (a network's terminals, the fleet's subjects of a
 * kind): those that do not stand out on their own. A group smaller than `smallest` sets none aside.
 */
export function typicalMembers(
  members: readonly SubjectTally[],
  count: PeerCount,
  smallest: number,
): SubjectTally[] {
  const group = members.filter((t) => t.exposure[count.exposure] > 0);
  if (group.length < smallest) return group;
  const rate = (t: SubjectTally): number => eventsOf(t, count.name) / t.exposure[count.exposure];
  const pAgainst = (t: SubjectTally, others: readonly SubjectTally[]): number =>
    rateAboveOtherPValue(
      eventsOf(t, count.name),
      t.exposure[count.exposure],
      sum(
        others.filter((o) => o !== t),
        count,
      ),
    );
  const byRate = [...group].sort((a, b) => rate(a) - rate(b));
  const core = byRate.slice(0, Math.ceil(group.length / 2));
  const suspects = byRate.filter((t) => !core.includes(t) && pAgainst(t, core) < outlierPValue);
  const rest = group.filter((t) => !suspects.includes(t));
  const outliers = suspects
    .map((t) => ({ t, p: pAgainst(t, rest) }))
    .filter(({ p }) => p < outlierPValue)
    .sort((a, b) => a.p - b.p)
    .slice(0, Math.floor(group.length / 2))
    .map(({ t }) => t);
  return group.filter((t) => !outliers.includes(t));
}

/** The typical terminals of every network, per count, worked out once each. */
export class NetworkPeers {
  readonly #members = new Map<string, SubjectTally[]>();
  readonly #typical = new Map<string, SubjectTally[]>();

  constructor(tallies: readonly SubjectTally[]) {
    for (const t of tallies) {
      if (t.ref.kind !== 'terminal' || t.networkId === null) continue;
      const members = this.#members.get(t.networkId);
      if (members === undefined) this.#members.set(t.networkId, [t]);
      else members.push(t);
    }
  }

  #typicalOf(networkId: string, count: PeerCount): SubjectTally[] {
    const key = `${networkId}\u0000${count.name}\u0000${count.exposure}`;
    let typical = this.#typical.get(key);
    if (typical === undefined) {
      typical = typicalMembers(this.#members.get(networkId) ?? [], count, 2);
      this.#typical.set(key, typical);
    }
    return typical;
  }

  /** A network's events and exposure over its typical terminals; none (not tested) with fewer than two. */
  network(networkId: string, count: PeerCount): Share {
    const typical = this.#typicalOf(networkId, count);
    return typical.length < 2 ? { events: 0, exposure: 0 } : sum(typical, count);
  }

  /**
   * What a terminal's rate is held against within its network: the typical terminals, itself
   * included when it is one of them; none without a network or with no other terminal on it.
   */
  baselineOf(terminal: SubjectTally, count: PeerCount): Share {
    const members = terminal.networkId === null ? [] : (this.#members.get(terminal.networkId) ?? []);
    if (members.length < 2) return { events: 0, exposure: 0 };
    return sum(this.#typicalOf(terminal.networkId ?? '', count), count);
  }
}
