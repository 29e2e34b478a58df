// Dashboard sign-in and sign-out (issue 15): POST /v1/session takes a merchant's API key (or a
// dashboard user and password), or an operations key (a session with role 'operations': the fleet's
// diagnosis, nothing that acts for a merchant), once, and answers with a session cookie and the
// session's CSRF token; GET /v1/session says who the cookie
// stands for (and gives the token again, after a reload); DELETE /v1/session signs out. Wrong keys
// count against the same per-address limit as wrong API keys in the Authorization header.
import type { FastifyInstance } from 'fastify';
import { isoTime, type Clock } from '../../clock/clock.js';
import { authenticateUser } from '../../merchants/dashboard-users.js';
import { authenticateOperationsKey } from '../../merchants/operations-keys.js';
import type { OperationsKeyRecord } from '../../payments/ports/operations-key-store.js';
import type { Store } from '../../payments/ports/store.js';
import { PosError } from '../../pos-error.js';
import type { MerchantRecord } from '../../payments/payment.js';
import type { AuthFailureLimit } from '../auth-failure-limit.js';
import {
  sessionCookie,
  sessionIdOf,
  type DashboardSession,
  type DashboardSessions,
} from '../dashboard-sessions.js';
import { errorResponses, errorView } from '../schemas.js';
import { registerDashboardUserRoutes } from './dashboard-user-routes.js';

const sessionView = {
  type: 'object',
  additionalProperties: false,
  required: ['role', 'merchantId', 'merchantName', 'username', 'csrfToken', 'expiresAt'],
  properties: {
    role: { type: 'string', enum: ['merchant', 'operations'] },
    username: {
      type: ['string', 'null'],
      description: 'The dashboard user signed in; null for a session signed in with a key.',
    },
    merchantId: { type: ['string', 'null'] },
    merchantName: { type: ['string', 'null'] },
    csrfToken: {
      type: 'string',
      description: 'Send it as X-CSRF-Token on every POST, PUT and DELETE made with the session cookie.',
    },
    expiresAt: { type: 'string', format: 'date-time', description: 'When the session ends if left unused.' },
  },
} as const;

const signInBody = {
  type: 'object',
  additionalProperties: false,
  description:
    "Either the merchant's API key (or an operations key, pgo_...), or the merchant id with one of its dashboard users and password.",
  properties: {
    apiKey: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      'x-expected': "the merchant's API key or an operations key",
    },
    merchantId: { type: 'string', minLength: 1, maxLength: 15, 'x-expected': 'the merchant id' },
    username: {
      type: 'string',
      minLength: 1,
      maxLength: 32,
      'x-expected': 'a dashboard user of the merchant',
    },
    password: { type: 'string', minLength: 1, maxLength: 128, 'x-expected': "the user's password" },
  },
  oneOf: [{ required: ['apiKey'] }, { required: ['merchantId', 'username', 'password'] }],
} as const;

interface SignInBody {
  apiKey?: string;
  merchantId?: string;
  username?: string;
  password?: string;
}

export interface SessionRouteDeps {
  readonly sessions: DashboardSessions;
  readonly authFailures: AuthFailureLimit;
  readonly authenticateKey: (apiKey: string) => Promise<MerchantRecord | undefined>;
  readonly store: Store;
  readonly clock: Pick<Clock, 'now'>;
}

function view(sessions: DashboardSessions, session: DashboardSession) {
  return {
    role: session.role,
    merchantId: session.merchant?.id ?? null,
    merchantName: session.merchant?.name ?? null,
    username: session.user,
    csrfToken: session.csrfToken,
    expiresAt: isoTime(sessions.expiresAt(session)),
  };
}

export function registerSessionRoutes(app: FastifyInstance, deps: SessionRouteDeps): void {
  registerSignIn(app, deps);
  registerSessionReadAndSignOut(app, deps.sessions);
  registerDashboardUserRoutes(app, deps);
}

type SignedIn =
  | { readonly role: 'merchant'; readonly merchant: MerchantRecord; readonly user: string | null }
  | { readonly role: 'operations'; readonly key: OperationsKeyRecord };

/** Who a sign-in names: a merchant by its key or a user and password, or an operations key; undefined when none matches. */
async function signInCaller(deps: SessionRouteDeps, body: SignInBody): Promise<SignedIn | undefined> {
  if (body.apiKey !== undefined) {
    const key = await authenticateOperationsKey(deps.store, body.apiKey);
    if (key !== undefined) return { role: 'operations', key };
  }
  const merchant =
    body.apiKey !== undefined
      ? await deps.authenticateKey(body.apiKey)
      : await authenticateUser(deps.store, {
          merchantId: body.merchantId ?? '',
          username: body.username ?? '',
          password: body.password ?? '',
        });
  const user = body.apiKey === undefined ? (body.username ?? null) : null;
  return merchant === undefined ? undefined : { role: 'merchant', merchant, user };
}

/** `POST /v1/session`: an API key in, a session cookie and its CSRF token out. */
function registerSignIn(app: FastifyInstance, deps: SessionRouteDeps): void {
  const { sessions, authFailures } = deps;
  app.post<{ Body: SignInBody }>(
    '/v1/session',
    {
      config: { public: true },
      schema: {
        summary:
          'Sign in to the dashboard with a merchant API key, a dashboard user and password, or an operations key',
        description:
          'Answers with a session cookie (HttpOnly, Secure, SameSite=Strict) and the CSRF token that every state change made with it must carry in X-CSRF-Token. The API accepts the cookie in place of the Authorization header, with the same scope: the data of its own merchant, or, signed in with an operations key (role operations), what an operations key reads (GET /v1/diagnostics for the fleet). No Idempotency-Key: a sign-in changes no payment.',
        tags: ['dashboard'],
        body: signInBody,
        response: {
          201: sessionView,
          400: errorResponses.read[400],
          401: { ...errorView, description: 'The API key, or the user and password, match no merchant.' },
          429: { ...errorView, description: 'Too many wrong API keys from this address; see Retry-After.' },
          500: errorResponses.public[500],
        },
      },
    },
    async (request, reply) => {
      const retryAfterS = authFailures.retryAfterS(request.ip);
      if (retryAfterS !== undefined) {
        throw new PosError(
          'POS_ERR_AUTH_RATE_LIMITED',
          `apiKey: too many wrong API keys from this address; retry after ${retryAfterS} s`,
          { details: { retryAfterS } },
        );
      }
      const caller = await signInCaller(deps, request.body);
      if (caller === undefined) {
        authFailures.recordFailure(request.ip);
        throw request.body.apiKey !== undefined
          ? new PosError('POS_ERR_AUTH_INVALID_API_KEY', 'apiKey: the API key matches no merchant')
          : new PosError(
              'POS_ERR_AUTH_INVALID_PASSWORD',
              'password: the merchant, username and password match no dashboard user',
            );
      }
      const { id, session } =
        caller.role === 'merchant'
          ? sessions.create('merchant', caller.merchant, null, caller.user)
          : sessions.create('operations', null, caller.key);
      return reply
        .status(201)
        .header('set-cookie', sessionCookie(id, sessions.limits.maxAgeMs))
        .header('cache-control', 'no-store')
        .send(view(sessions, session));
    },
  );
}

/** `GET /v1/session` (who is signed in, the CSRF token again) and `DELETE /v1/session` (sign-out). */
function registerSessionReadAndSignOut(app: FastifyInstance, sessions: DashboardSessions): void {
  app.get(
    '/v1/session',
    {
      schema: {
        summary: 'The dashboard session the cookie stands for',
        tags: ['dashboard'],
        response: { 200: sessionView, ...errorResponses.read },
      },
    },
    async (request, reply) => {
      const session = request.dashboardSession;
      if (session === null) {
        throw new PosError(
          'POS_ERR_AUTH_SESSION_INVALID',
          'Cookie: this request came with no dashboard session',
        );
      }
      return reply.header('cache-control', 'no-store').send(view(sessions, session));
    },
  );

  app.delete(
    '/v1/session',
    {
      schema: {
        summary: 'Sign out of the dashboard',
        description:
          'Ends the session and clears its cookie. Needs X-CSRF-Token, as every state change does.',
        tags: ['dashboard'],
        response: { 204: { type: 'null', description: 'Signed out.' }, ...errorResponses.read },
      },
    },
    async (request, reply) => {
      const id = sessionIdOf(request.headers.cookie);
      if (id !== undefined) sessions.end(id);
      return reply.status(204).header('set-cookie', sessionCookie(null, 0)).send();
    },
  );
}
