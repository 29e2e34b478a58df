import { describe, expect, it } from 'vitest';
import { csrfTokenMatches, DashboardSessions, sessionIdOf } from './dashboard-sessions.js';

const limits = { maxSessions: 3, idleMs: 1000, maxAgeMs: 5000 };

function clockAt(start = 0): { now: () => number; at: number } {
  const clock = { at: start, now: () => clock.at };
  return clock;
}

describe('dashboard sessions', () => {
  it('finds a session by its id, never by a guess, and ends it on sign-out', () => {
    const sessions = new DashboardSessions(limits, clockAt());
    const { id, session } = sessions.create('merchant', null);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sessions.find(id)).toBe(session);
    // One character off (the guess must differ: an id ends in 'A' one time in 64).
    expect(sessions.find(`${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
    sessions.end(id);
    expect(sessions.find(id)).toBeUndefined();
  });

  it('ends a session left idle, and one past its absolute age however used', () => {
    const clock = clockAt();
    const sessions = new DashboardSessions(limits, clock);
    const idle = sessions.create('merchant', null).id;
    const busy = sessions.create('merchant', null).id;
    for (let at = 900; at < 5000; at += 900) {
      clock.at = at;
      expect(sessions.find(busy)).toBeDefined();
    }
    expect(sessions.find(idle)).toBeUndefined();
    clock.at = 5000;
    expect(sessions.find(busy)).toBeUndefined();
  });

  it('keeps at most maxSessions, making room by the least recently used', () => {
    const clock = clockAt();
    const sessions = new DashboardSessions(limits, clock);
    const ids = [0, 1, 2].map(() => sessions.create('merchant', null).id);
    sessions.find(ids[0] ?? '');
    sessions.create('merchant', null);
    expect(sessions.size).toBe(3);
    expect(sessions.find(ids[1] ?? '')).toBeUndefined();
    expect(sessions.find(ids[0] ?? '')).toBeDefined();
  });

  it('reads only a well-formed session cookie and checks the CSRF token exactly', () => {
    const sessions = new DashboardSessions(limits, clockAt());
    const { id, session } = sessions.create('merchant', null);
    expect(sessionIdOf(`theme=dark; posguard_session=${id}`)).toBe(id);
    expect(sessionIdOf('posguard_session=short')).toBeUndefined();
    expect(sessionIdOf(undefined)).toBeUndefined();
    expect(csrfTokenMatches(session, session.csrfToken)).toBe(true);
    expect(csrfTokenMatches(session, `${session.csrfToken}x`)).toBe(false);
    expect(csrfTokenMatches(session, [session.csrfToken])).toBe(false);
    expect(csrfTokenMatches(session, undefined)).toBe(false);
  });
});
