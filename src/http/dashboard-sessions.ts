// Dashboard sessions (issue 15): a signed-in browser holds a random session id in a cookie
// (HttpOnly, Secure, SameSite=Strict), and the host keeps the session in memory, bounded in number
// (the oldest idle one makes room) and in time (an idle limit and an absolute one). Each session
// has its own CSRF token, which every state-changing request must carry in X-CSRF-Token: the cookie
// alone never changes anything. The map is keyed by a hash of the id, so what the process holds is
// not itself a usable cookie. A session carries a role: 'merchant' (scoped to one merchant, as its
// API key is) or 'operations' (signed in with an operations key: the fleet, on the routes an
// operations key reads, and nothing that acts for a merchant).
// Memory, not the store: sessions end with the process (a restart signs everyone out), and several
// hosts behind one address need sticky sessions for the dashboard (docs/decisions.md).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock/clock.js';
import type { MerchantRecord } from '../payments/payment.js';
import type { OperationsKeyRecord } from '../payments/ports/operations-key-store.js';

export type SessionRole = 'merchant' | 'operations';

export interface DashboardSession {
  readonly role: SessionRole;
  /** The merchant a merchant session is scoped to; null for operations. */
  readonly merchant: MerchantRecord | null;
  /** The operations key an operations session signed in with (checked again on each request); null for a merchant. */
  readonly operations: OperationsKeyRecord | null;
  /** The merchant's dashboard user it signed in as (checked again on each request); null for a key. */
  readonly user: string | null;
  readonly csrfToken: string;
  readonly createdAt: number;
  lastUsedAt: number;
}

export interface SessionLimits {
  readonly maxSessions: number;
  /** A session unused this long ends. */
  readonly idleMs: number;
  /** A session ends this long after sign-in, used or not. */
  readonly maxAgeMs: number;
}

export const defaultSessionLimits: SessionLimits = {
  maxSessions: 10_000,
  idleMs: 30 * 60_000,
  maxAgeMs: 12 * 3_600_000,
};

export const sessionCookieName = 'posguard_session';

/** The session id in a Cookie header, if it holds a well-formed one. */
export function sessionIdOf(cookieHeader: string | undefined): string | undefined {
  if (cookieHeader === undefined) return undefined;
  for (const part of cookieHeader.split(';')) {
    const [name, value] = part.trim().split('=', 2);
    if (name === sessionCookieName && value !== undefined && /^[A-Za-z0-9_-]{43}$/.test(value)) return value;
  }
  return undefined;
}

/** The Set-Cookie value that gives the browser its session, or (with no id) takes it away. */
export function sessionCookie(id: string | null, maxAgeMs: number): string {
  const attributes = 'Path=/; HttpOnly; Secure; SameSite=Strict';
  return id === null
    ? `${sessionCookieName}=; ${attributes}; Max-Age=0`
    : `${sessionCookieName}=${id}; ${attributes}; Max-Age=${Math.floor(maxAgeMs / 1000)}`;
}

const keyOf = (id: string): string => createHash('sha256').update(id).digest('base64url');

export class DashboardSessions {
  readonly #limits: SessionLimits;
  readonly #clock: Pick<Clock, 'now'>;
  /** By the hash of the id, least recently used first (Map order: a use moves it to the end). */
  readonly #sessions = new Map<string, DashboardSession>();

  constructor(limits: SessionLimits, clock: Pick<Clock, 'now'>) {
    this.#limits = limits;
    this.#clock = clock;
  }

  get limits(): SessionLimits {
    return this.#limits;
  }

  /** Starts a session; returns its id (for the cookie, never kept here) and the session. */
  create(
    role: SessionRole,
    merchant: MerchantRecord | null,
    operations: OperationsKeyRecord | null = null,
    user: string | null = null,
  ): { id: string; session: DashboardSession } {
    const now = this.#clock.now();
    if (this.#sessions.size >= this.#limits.maxSessions) this.#makeRoom(now);
    const id = randomBytes(32).toString('base64url');
    const session: DashboardSession = {
      role,
      merchant,
      operations,
      user,
      csrfToken: randomBytes(32).toString('base64url'),
      createdAt: now,
      lastUsedAt: now,
    };
    this.#sessions.set(keyOf(id), session);
    return { id, session };
  }

  /** The live session of an id, marked used; undefined when there is none or it has ended. */
  find(id: string): DashboardSession | undefined {
    const key = keyOf(id);
    const session = this.#sessions.get(key);
    if (session === undefined) return undefined;
    const now = this.#clock.now();
    if (this.#ended(session, now)) {
      this.#sessions.delete(key);
      return undefined;
    }
    session.lastUsedAt = now;
    this.#sessions.delete(key);
    this.#sessions.set(key, session);
    return session;
  }

  end(id: string): void {
    this.#sessions.delete(keyOf(id));
  }

  /** When the session ends if it stays unused. */
  expiresAt(session: DashboardSession): number {
    return Math.min(session.lastUsedAt + this.#limits.idleMs, session.createdAt + this.#limits.maxAgeMs);
  }

  get size(): number {
    return this.#sessions.size;
  }

  #ended(session: DashboardSession, now: number): boolean {
    return now >= this.expiresAt(session);
  }

  #makeRoom(now: number): void {
    for (const [key, session] of this.#sessions) if (this.#ended(session, now)) this.#sessions.delete(key);
    // Still full: the least recently used session goes.
    if (this.#sessions.size >= this.#limits.maxSessions) {
      const oldest = this.#sessions.keys().next();
      if (oldest.done !== true) this.#sessions.delete(oldest.value);
    }
  }
}

/** Whether the header holds the session's CSRF token (compared in constant time). */
export function csrfTokenMatches(session: DashboardSession, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(session.csrfToken);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The dashboard session the request came with (cookie), or null for an API key's request. */
    dashboardSession: DashboardSession | null;
  }
}
