import { beforeAll, describe, expect, it } from 'vitest';
import { seedFleet, type SeededFleet } from '../diagnostics/test-support/seeded-fleet.js';
import { createPrometheusMetrics, type HostMetrics } from './prometheus-metrics.js';

let fleet: SeededFleet;
let metrics: HostMetrics;

beforeAll(async () => {
  fleet = await seedFleet();
  metrics = createPrometheusMetrics(fleet.store, {
    diagnosis: { clock: fleet.harness.clock, periodMs: 7 * 86_400_000, refreshMs: 600_000 },
  });
}, 120_000);

const line = (text: string, name: string, labels: string): number | undefined => {
  const found = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return found === undefined ? undefined : Number(found.split(' ').at(-1));
};

describe('the diagnosis gauges', () => {
  it('say nothing before the first diagnosis, then count findings per subject kind and cause', async () => {
    const before = await metrics.registry.metrics();
    expect(before).toContain('posguard_diagnosis_age_seconds -1');
    // That scrape started the first diagnosis; it is awaited here.
    await metrics.diagnosis.refresh();
    const text = await metrics.registry.metrics();
    expect(line(text, 'posguard_diagnosis_findings', 'subject_kind="terminal",cause="hardware"')).toBe(2);
    expect(line(text, 'posguard_diagnosis_findings', 'subject_kind="operator",cause="operator"')).toBe(2);
    expect(line(text, 'posguard_diagnosis_findings', 'subject_kind="provider",cause="third_party"')).toBe(1);
    expect(line(text, 'posguard_diagnosis_findings', 'subject_kind="operator",cause="hardware"')).toBe(0);
    expect(
      line(text, 'posguard_diagnosis_worst_excess', 'subject_kind="terminal",cause="software"'),
    ).toBeGreaterThan(10);
    expect(text).toContain('posguard_diagnosis_age_seconds 0');
  });

  it('keep their labels bounded: kinds and causes only, no terminal, operator or merchant id', async () => {
    const text = await metrics.registry.metrics();
    const series = text.split('\n').filter((l) => l.startsWith('posguard_diagnosis_'));
    expect(series.length).toBe(2 * 4 * 5 + 1);
    expect(text).not.toMatch(/M000[12]|T000\d|DropNet/);
  });

  it('start a new diagnosis on a scrape once the last is older than the refresh interval', async () => {
    await fleet.harness.clock.advanceTo(fleet.harness.clock.now() + 601_000);
    expect(await metrics.registry.metrics()).toContain('posguard_diagnosis_age_seconds 601');
    await metrics.diagnosis.refresh();
    expect(await metrics.registry.metrics()).toContain('posguard_diagnosis_age_seconds 0');
  });
});
