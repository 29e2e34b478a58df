import { describe, expect, it } from 'vitest';
import { VirtualClock } from './virtual-clock.js';

describe('VirtualClock', () => {
  it('wakes sleepers in deadline order, ties in the order they slept, and moves time with them', async () => {
    const clock = new VirtualClock(1_000);
    const woke: string[] = [];
    const at = (name: string, ms: number): Promise<void> =>
      clock.sleep(ms).then((elapsed) => {
        woke.push(`${name}@${clock.now()}:${String(elapsed)}`);
      });
    void at('late', 50);
    void at('first', 10);
    void at('tie-a', 20);
    void at('tie-b', 20);
    await clock.advance(100);
    expect(woke).toEqual(['first@1010:true', 'tie-a@1020:true', 'tie-b@1020:true', 'late@1050:true']);
    expect(clock.now()).toBe(1_100);
  });

  it('settles a sleep false as soon as its signal aborts, and one already aborted at once', async () => {
    const clock = new VirtualClock(0);
    const controller = new AbortController();
    const sleeping = clock.sleep(1_000, controller.signal);
    controller.abort();
    await expect(sleeping).resolves.toBe(false);
    expect(clock.now()).toBe(0);
    await expect(clock.sleep(10, controller.signal)).resolves.toBe(false);
    expect(clock.nextDeadline()).toBeUndefined();
  });

  it('a cancelled timer settles false at once and no longer holds the clock', async () => {
    const clock = new VirtualClock(0);
    const cancelled = clock.timer(500);
    const kept = clock.timer(800);
    cancelled.cancel();
    await expect(cancelled.elapsed).resolves.toBe(false);
    expect(clock.nextDeadline()).toBe(800);
    const steps = await clock.run(() => false, { maxSteps: 10 });
    expect(steps).toBe(1);
    await expect(kept.elapsed).resolves.toBe(true);
    expect(clock.now()).toBe(800);
    // Cancelling after it fired changes nothing.
    kept.cancel();
    await expect(kept.elapsed).resolves.toBe(true);
  });
});
