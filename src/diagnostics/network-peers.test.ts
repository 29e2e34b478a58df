import { describe, expect, it } from 'vitest';
import { diagnose } from './diagnose.js';
import { FleetTally, networkRef, operatorRef, terminalRef } from './fleet-tally.js';
import { typicalMembers } from './network-peers.js';
import { rateAboveOtherPValue } from './rate-tests.js';

const period = { fromMs: Date.UTC(2026, 2, 1), toMs: Date.UTC(2026, 2, 8), merchantId: null };
const lostAnswers = { name: 'lost_answers', exposure: 'sales' } as const;

/** Terminals on a 4G carrier, each with `sales` sales and the lost answers given, the carrier summing them. */
function carrier(tally: FleetTally, name: string, sales: number, lost: readonly number[]): void {
  const network = tally.subject(networkRef('M1', '4g', name));
  lost.forEach((events, i) => {
    const t = tally.subject(terminalRef('M1', `${name.slice(0, 2)}${i}`));
    t.hasTelemetry = true;
    t.networkId = network.ref.id;
    t.exposure.sales += sales;
    tally.count(t, 'lost_answers', events);
    network.hasTelemetry = true;
    network.exposure.sales += sales;
    tally.count(network, 'lost_answers', events);
  });
}

const flagged = (tally: FleetTally): string[] =>
  diagnose(tally, period)
    .findings.map((f) => `${f.measure} ${f.subject.id}`)
    .sort();

const terminalsOf = (tally: FleetTally) =>
  [...tally.subjects.values()].filter((t) => t.ref.kind === 'terminal');

describe('the rest of the fleet a subject is compared with', () => {
  it('leaves out the subjects that stand out, so that four operators who key twice do not hide one another', () => {
    const tally = new FleetTally(10);
    const operator = (id: string, sales: number, keyedTwice: number): void => {
      const o = tally.subject(operatorRef('M1', id));
      o.exposure.sales += sales;
      tally.count(o, 'keyed_twice', keyedTwice);
    };
    [0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0].forEach((events, i) => operator(`H${i}`, 40, events));
    for (const id of ['B1', 'B2', 'B3', 'B4']) operator(id, 40, 6);
    // Against every other operator (22 in 600 sales for each bad one) none of the four would be a
    // finding at the default significance; against the typical twelve (4 in 480), each is.
    expect(flagged(tally)).toEqual(['B1', 'B2', 'B3', 'B4'].map((id) => `operator.keyed_twice M1/${id}`));
  });
});

describe("a network's terminals", () => {
  it('on a carrier that loses answers everywhere, the carrier is the finding and none of its terminals', () => {
    const tally = new FleetTally(10);
    carrier(tally, 'Good A', 400, [4, 6, 5, 3]);
    carrier(tally, 'Good B', 400, [5, 4, 6, 4]);
    carrier(tally, 'Lossy', 400, [40, 44, 37]);
    expect(flagged(tally)).toEqual(['network.lost_answers 4g:Lossy']);
  });

  it('on a carrier of two, a luckier terminal does not make the other one a finding, nor hide the carrier', () => {
    const tally = new FleetTally(10);
    carrier(tally, 'Good A', 400, [4, 6, 5, 3]);
    carrier(tally, 'Good B', 400, [5, 4, 6, 4]);
    // 15 in 104 against 3 in 104: an unlucky terminal, not one of its own (both counts are uncertain).
    carrier(tally, 'Lossy', 104, [15, 3]);
    expect(rateAboveOtherPValue(15, 104, { events: 3, exposure: 104 })).toBeGreaterThan(0.0001);
    expect(flagged(tally)).toEqual(['network.lost_answers 4g:Lossy']);
  });

  it('a terminal that stands out on its own is its own finding, and its carrier is judged without it', () => {
    const tally = new FleetTally(10);
    carrier(tally, 'Good A', 400, [4, 6, 5, 3]);
    carrier(tally, 'Good B', 400, [5, 4, 90, 4]);
    expect(flagged(tally)).toEqual(['terminal.lost_answers M1/Go2']);
  });

  it('sets aside the terminals that stand out, two as well as one, and never more than half of them', () => {
    const mixed = new FleetTally(10);
    carrier(mixed, 'Mixed', 400, [4, 80, 70, 5, 3]);
    // The two that lose a fifth of their answers are set aside; the three others are typical.
    expect(typicalMembers(terminalsOf(mixed), lostAnswers, 2).map((t) => t.ref.terminalId)).toEqual([
      'Mi0',
      'Mi3',
      'Mi4',
    ]);
    const most = new FleetTally(10);
    carrier(most, 'Bad', 400, [60, 70, 80, 4]);
    expect(typicalMembers(terminalsOf(most), lostAnswers, 2)).toHaveLength(2);
  });

  it('compares two uncertain rates exactly: 6 in 40 against 4 in 480, and against nothing', () => {
    // Given 10 events in all, at least 6 of them on a twelfth of the exposure.
    expect(rateAboveOtherPValue(6, 40, { events: 4, exposure: 480 })).toBeCloseTo(3.31e-5, 7);
    expect(rateAboveOtherPValue(0, 40, { events: 4, exposure: 480 })).toBe(1);
    expect(rateAboveOtherPValue(3, 40, { events: 0, exposure: 0 })).toBe(0);
  });
});
