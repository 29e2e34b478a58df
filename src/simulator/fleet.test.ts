import { describe, expect, it } from 'vitest';
import { faultRates } from './faults.js';
import { culpritRates, fleetRate, healthyProviderShare, planFleet, type FleetPlan } from './fleet.js';

const merchantId = 'M1';
const plan = (seed: number, terminals = 8): FleetPlan =>
  planFleet({ seed, terminals, methods: ['card', 'qr'], merchantId });

describe('a fleet with planted culprits', () => {
  it('is the same plan for the same seed, and another for another seed', () => {
    const strip = (p: FleetPlan) =>
      JSON.stringify({ ...p, terminals: [...p.terminals.values()], schedule: null });
    expect(strip(plan(3))).toBe(strip(plan(3)));
    expect(strip(plan(3))).not.toBe(strip(plan(4)));
  });

  it('plants a few bad terminals (one fault each), operators, one lossy carrier and one provider', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const p = plan(seed, 50);
      const bad = [...p.terminals.values()].filter((t) => t.culprit !== null);
      expect(bad.map((t) => t.culprit).sort(), `seed ${seed}`).toEqual([
        'printer',
        'printer',
        'printer',
        'reader',
        'reader',
        'reader',
        'software',
        'software',
        'software',
      ]);
      expect(p.badOperators.size).toBe(6);
      // The lossy carrier has terminals of its own to judge it on.
      const onLossy = [...p.terminals.values()].filter((t) => t.networkId === p.lossyNetworkId);
      expect(onLossy.length, `seed ${seed}`).toBeGreaterThanOrEqual(2);
      expect(p.culprits).toHaveLength(9 + 6 + 2);
      expect(p.subjects.filter((s) => s.subjectKind === 'network')).toHaveLength(5);
      // Old software is older than the fleet's; the others run the newest or the one before.
      for (const t of p.terminals.values())
        expect(t.softwareVersion, t.terminalId).toBe(
          t.culprit === 'software' ? '2.9.4' : t.softwareVersion === '3.2.0' ? '3.2.0' : '3.2.1',
        );
    }
    expect(new Set([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => plan(seed).provider.id))).toEqual(
      new Set(['issuer', 'alipay', 'wechat']),
    );
  });

  it('gives a planted subject its culprit rate and a healthy one the day’s, a healthy provider no outage', () => {
    const p = plan(1);
    const day = faultRates('all');
    const reader = [...p.terminals.values()].find((t) => t.culprit === 'reader')?.index ?? -1;
    const healthy =
      [...p.terminals.values()].find((t) => t.culprit === null && t.networkId !== p.lossyNetworkId)?.index ??
      -1;
    expect(fleetRate(p, 'card_double_read', { terminal: reader }, day.card_double_read)).toBe(0.3);
    expect(fleetRate(p, 'card_double_read', { terminal: healthy }, day.card_double_read)).toBe(0.01);
    const [operator = ''] = [...p.badOperators];
    expect(fleetRate(p, 'double_keyed', { operator }, day.double_keyed)).toBe(
      culpritRates.operator.double_keyed,
    );
    const others = ['issuer', 'alipay', 'wechat'].filter((id) => id !== p.provider.id);
    for (const provider of others) {
      expect(fleetRate(p, 'issuer_outage', { provider }, day.issuer_outage)).toBe(0);
      expect(fleetRate(p, 'wallet_late', { provider }, day.wallet_late)).toBeCloseTo(
        day.wallet_late * healthyProviderShare,
        12,
      );
    }
    // A fault no subject is named for meets the day's rate.
    expect(fleetRate(p, 'host_crash_before_commit', {}, day.host_crash_before_commit)).toBe(0.002);
  });
});
