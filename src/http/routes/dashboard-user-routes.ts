// A merchant's dashboard users (issue 15): create one (POST /v1/dashboard-users), list them, and
// disable one (it signs in no more, and its sessions end). Each acts for the merchant of the key or
// session, so an operations key is refused (403) and another merchant's users are never reached.
// A retry of a creation with its Idempotency-Key is answered as the first time.
import type { FastifyInstance } from 'fastify';
import { isoTime, type Clock } from '../../clock/clock.js';
import {
  addDashboardUser,
  disableDashboardUser,
  listDashboardUsers,
  type DashboardUserView,
} from '../../merchants/dashboard-users.js';
import type { Store } from '../../payments/ports/store.js';
import { cryptoRandom } from '../../random/random.js';
import { idempotencyKeyOf, merchantOf } from '../request-context.js';
import { errorResponses, errorView, idempotencyKeyHeader } from '../schemas.js';

const userBody = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'password'],
  properties: {
    username: {
      type: 'string',
      maxLength: 64,
      'x-expected': '1 to 32 letters, digits, dots, dashes or underscores',
    },
    password: { type: 'string', maxLength: 512, 'x-expected': '12 to 128 characters' },
  },
} as const;

const userView = {
  type: 'object',
  additionalProperties: false,
  required: ['merchantId', 'username', 'createdAt', 'disabledAt'],
  properties: {
    merchantId: { type: 'string' },
    username: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    disabledAt: {
      type: ['string', 'null'],
      format: 'date-time',
      description: 'When the merchant disabled the user; null while it may sign in.',
    },
  },
} as const;

const usernameParams = {
  type: 'object',
  additionalProperties: false,
  required: ['username'],
  properties: {
    username: {
      type: 'string',
      minLength: 1,
      maxLength: 32,
      pattern: '^[A-Za-z0-9._-]+$',
      'x-expected': 'a dashboard username (1 to 32 letters, digits, dots, dashes or underscores)',
    },
  },
} as const;

const security = [{ apiKey: [] }];

function userJson(user: DashboardUserView) {
  return {
    merchantId: user.merchantId,
    username: user.username,
    createdAt: isoTime(user.createdAt),
    disabledAt: user.disabledAt === null ? null : isoTime(user.disabledAt),
  };
}

interface UserRouteDeps {
  readonly store: Store;
  readonly clock: Pick<Clock, 'now'>;
}

export function registerDashboardUserRoutes(app: FastifyInstance, deps: UserRouteDeps): void {
  registerCreateRoute(app, deps);
  registerListAndDisableRoutes(app, deps);
}

function registerCreateRoute(app: FastifyInstance, deps: UserRouteDeps): void {
  app.post<{ Body: { username: string; password: string } }>(
    '/v1/dashboard-users',
    {
      schema: {
        summary: 'Create a dashboard user and password for the merchant',
        description:
          'The password is kept only as its scrypt hash. A name already taken (a disabled user included) is refused (409). A retry of the same request with its Idempotency-Key is answered 201 with the same user and Idempotent-Replayed: true; the key used for another name or password is refused (422).',
        tags: ['dashboard'],
        security,
        headers: idempotencyKeyHeader,
        body: userBody,
        response: { 201: userView, ...errorResponses.write },
      },
    },
    async (request, reply) => {
      const { user, replayed } = await addDashboardUser(
        deps.store,
        { merchantId: merchantOf(request).id, idempotencyKey: idempotencyKeyOf(request), ...request.body },
        { random: cryptoRandom, now: deps.clock.now() },
      );
      if (replayed) void reply.header('idempotent-replayed', 'true');
      return reply.status(201).send(userJson(user));
    },
  );
}

function registerListAndDisableRoutes(app: FastifyInstance, deps: UserRouteDeps): void {
  app.get(
    '/v1/dashboard-users',
    {
      schema: {
        summary: "The merchant's dashboard users, by name, disabled ones included",
        tags: ['dashboard'],
        security,
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['data'],
            properties: { data: { type: 'array', items: userView } },
          },
          ...errorResponses.read,
        },
      },
    },
    async (request) => ({
      data: (await listDashboardUsers(deps.store, merchantOf(request).id)).map(userJson),
    }),
  );

  app.post<{ Params: { username: string } }>(
    '/v1/dashboard-users/:username/disable',
    {
      schema: {
        summary: "Disable one of the merchant's dashboard users",
        description:
          'The user signs in no more, and its open sessions end at their next request. Disabling it again answers the same. The name stays taken.',
        tags: ['dashboard'],
        security,
        headers: idempotencyKeyHeader,
        params: usernameParams,
        response: {
          200: userView,
          ...errorResponses.write,
          404: {
            ...errorView,
            description: 'The merchant has no user of that name (POS_ERR_DASHBOARD_USER_NOT_FOUND).',
          },
        },
      },
    },
    async (request) =>
      userJson(
        await disableDashboardUser(
          deps.store,
          { merchantId: merchantOf(request).id, username: request.params.username },
          deps.clock.now(),
        ),
      ),
  );
}
