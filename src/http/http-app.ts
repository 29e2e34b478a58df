// Builds the Fastify application of the HTTP API: authentication by API key (a merchant's, or an
// operations key that reads the fleet and acts for no merchant), the
// Idempotency-Key rule on every POST, validation that reports every problem at once, the routes,
// and the OpenAPI document (/openapi.json, browsable at /docs). No business logic lives here.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import type { Registry } from 'prom-client';
import { luhnValid, maxPanLength, minPanLength } from '../cards/card.js';
import { freeTextProblem, redactUrl } from '../cards/card-in-text.js';
import type { Secret } from '../cards/secret.js';
import { systemClock, type Clock } from '../clock/clock.js';
import { cachedAuthenticator } from '../merchants/merchant-admin.js';
import { authenticateOperationsKey } from '../merchants/operations-keys.js';
import type { PaymentEngine } from '../payments/engine.js';
import type { MerchantRecord } from '../payments/payment.js';
import { PosError } from '../pos-error.js';
import type { Store } from '../payments/ports/store.js';
import { AuthFailureLimit } from './auth-failure-limit.js';
import { registerDashboardAssets } from './dashboard-assets.js';
import {
  csrfTokenMatches,
  DashboardSessions,
  defaultSessionLimits,
  sessionIdOf,
  type DashboardSession,
  type SessionLimits,
} from './dashboard-sessions.js';
import { handleError } from './errors.js';
import { defaultHttpLimits, limitedServer, type HttpLimits } from './http-server.js';
import { parseUtf8Json } from './utf8-json.js';
import { parseIdempotencyKey } from './request-context.js';
import { registerDiagnosisRoutes } from './routes/diagnosis-routes.js';
import { registerFeeRoutes } from './routes/fee-routes.js';
import { registerInsightRoutes } from './routes/insight-routes.js';
import { registerPaymentRoutes } from './routes/payment-routes.js';
import { registerQrOrderRoutes } from './routes/qr-order-routes.js';
import { registerReconciliationRoutes } from './routes/reconciliation-routes.js';
import { ReconciliationRuns, type RunLimits } from './reconciliation-runs/runs.js';
import { registerReportRoutes } from './routes/report-routes.js';
import { registerSessionRoutes } from './routes/session-routes.js';
import { registerTelemetryRoutes } from './routes/telemetry-routes.js';

/** The largest request body accepted; a payment request is well under 1 KiB. */
export const bodyLimitBytes = 16 * 1024;

export interface HttpAppDeps {
  readonly engine: PaymentEngine;
  readonly store: Store;
  readonly registry: Registry;
  readonly fingerprintKey: Secret<Buffer>;
  readonly logger: FastifyBaseLogger;
  readonly version: string;
  /** Timeouts, connection caps and the failed-authentication limit; defaults when not given. */
  readonly limits?: HttpLimits;
  /** The clock of the failed-authentication windows and sessions (tests own it); the system clock otherwise. */
  readonly clock?: Pick<Clock, 'now'>;
  /** Where the built dashboard is (dist/dashboard by default); its limits on sessions. */
  readonly dashboard?: { readonly dir?: string; readonly sessionLimits?: SessionLimits };
  /** Limits on reconciliation runs over HTTP (upload size, runs queued and kept); defaults when not given. */
  readonly reconciliationRuns?: RunLimits;
}

function validPan(value: unknown): boolean {
  return (
    typeof value === 'string' &&
    /^[0-9]+$/.test(value) &&
    value.length >= minPanLength &&
    value.length <= maxPanLength &&
    luhnValid(value)
  );
}

export async function buildHttpApp(deps: HttpAppDeps): Promise<FastifyInstance> {
  const limits = deps.limits ?? defaultHttpLimits;
  const app = createFastify(limits, deps.logger);
  // Filled in by the hooks below, for the routes to read (request-context.ts).
  app.decorateRequest('merchant', null);
  app.decorateRequest('operations', null);
  app.decorateRequest('idempotencyKey', null);
  app.decorateRequest('dashboardSession', null);
  acceptUtf8JsonOnly(app);
  answerErrorsAsPosErrors(app);
  await registerOpenApi(app, deps.version);
  const clock = deps.clock ?? systemClock;
  const authenticateKey = cachedAuthenticator(deps.store, systemClock);
  const authFailures = new AuthFailureLimit({
    maxFailures: limits.authFailuresPerMinute,
    windowMs: 60_000,
    maxAddresses: 10_000,
    clock,
  });
  const sessions = new DashboardSessions(deps.dashboard?.sessionLimits ?? defaultSessionLimits, clock);
  requireApiKey(app, { store: deps.store, authenticateKey, authFailures, sessions });
  requireIdempotencyKey(app);
  closeConnectionsOnShutdown(app);
  logEachRequest(app);
  registerPaymentRoutes(app, { engine: deps.engine, fingerprintKey: deps.fingerprintKey, store: deps.store });
  registerReportRoutes(app, { engine: deps.engine, store: deps.store, registry: deps.registry });
  registerFeeRoutes(app, { store: deps.store, clock: deps.clock ?? systemClock });
  registerTelemetryRoutes(app, { engine: deps.engine });
  registerQrOrderRoutes(app, { engine: deps.engine, clock: deps.clock ?? systemClock });
  registerDiagnosisRoutes(app, { store: deps.store, clock: deps.clock ?? systemClock });
  registerSessionRoutes(app, { sessions, authFailures, authenticateKey, store: deps.store, clock });
  registerInsightRoutes(app, { store: deps.store, clock });
  const runs = new ReconciliationRuns({
    store: deps.store,
    clock,
    ...(deps.reconciliationRuns === undefined ? {} : { limits: deps.reconciliationRuns }),
  });
  await registerReconciliationRoutes(app, { runs, store: deps.store });
  registerDashboardAssets(app, deps.dashboard?.dir);
  return app;
}

/**
 * The Fastify instance: the limited server, posguard's logger, the body limit, and an Ajv that
 * reports every problem at once and knows posguard's schema keywords (`x-luhn`, `x-free-text`).
 */
function createFastify(limits: HttpLimits, logger: FastifyBaseLogger): FastifyInstance {
  return Fastify({
    serverFactory: (handler) => limitedServer(limits, handler),
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: bodyLimitBytes,
    return503OnClosing: true,
    // A URL the router cannot read (bad percent-encoding): answered in posguard's error format.
    frameworkErrors: (error, request, reply) => {
      // Fastify's message quotes the URL: redacted, as a card number may be in it.
      void handleError(
        new PosError('POS_ERR_HTTP_INVALID_REQUEST', `the URL: ${redactUrl(error.message)}`),
        request,
        reply,
      );
    },
    ajv: {
      customOptions: {
        allErrors: true,
        coerceTypes: false,
        removeAdditional: false,
        useDefaults: false,
        verbose: true,
      },
      onCreate: (ajv) => {
        ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
        ajv.addKeyword({ keyword: 'x-choice', schemaType: 'string' });
        ajv.addKeyword({
          keyword: 'x-free-text',
          schemaType: 'boolean',
          validate: (_schema: boolean, data: unknown) =>
            typeof data !== 'string' || freeTextProblem(data) === undefined,
        });
        ajv.addKeyword({
          keyword: 'x-luhn',
          schemaType: 'boolean',
          validate: (_schema: boolean, data: unknown) => validPan(data),
        });
        return ajv;
      },
    },
  });
}

/** Bodies are JSON only, and read as UTF-8 or refused. */
function acceptUtf8JsonOnly(app: FastifyInstance): void {
  // JSON only: a text/plain body is refused with 415 rather than parsed as a string.
  app.removeContentTypeParser('text/plain');
  // JSON is read as bytes and refused unless it is UTF-8 (RFC 8259 section 8.1), rather than
  // repaired with U+FFFD and accepted: what is stored is what the client sent, or nothing.
  app.removeContentTypeParser('application/json');
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) =>
    parseUtf8Json(
      body as Buffer,
      (text) => {
        void jsonParser(request, text, done);
      },
      done,
    ),
  );
}

/** Every error, a route that does not exist included, answered in posguard's error format. */
function answerErrorsAsPosErrors(app: FastifyInstance): void {
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    handleError(
      new PosError(
        'POS_ERR_HTTP_ROUTE_NOT_FOUND',
        `no route ${request.method} ${redactUrl(request.url.split('?')[0] ?? '')}`,
      ),
      request,
      reply,
    ),
  );
}

/** The OpenAPI document at /openapi.json, browsable at /docs. */
async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'posguard',
        version,
        description:
          'An acquiring host that charges each sale exactly once. Every POST needs an Idempotency-Key header; errors carry stable codes listed in docs/errors.md.',
      },
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description:
              "A merchant's API key (pgk_...), or an operations key (pgo_...) on the fleet's reads (diagnostics, overview, payments, terminals, merchants) and reconciliation runs; docs/security.md",
          },
        },
      },
    },
    transform: ({ schema, url }) => {
      // `x-luhn` and `x-expected` are validation annotations; OpenAPI allows x- extensions as they are.
      // A multipart body is read as streams by its route, not validated: it goes in the document only.
      const multipartBody = (schema as { 'x-multipart-body'?: unknown } | undefined)?.['x-multipart-body'];
      if (multipartBody === undefined) return { schema, url };
      const { 'x-multipart-body': _body, ...rest } = schema as Record<string, unknown>;
      return { schema: { ...rest, body: multipartBody }, url };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, () => app.swagger());
}

interface Authentication {
  readonly store: Store;
  readonly authenticateKey: (apiKey: string) => Promise<MerchantRecord | undefined>;
  readonly authFailures: AuthFailureLimit;
  readonly sessions: DashboardSessions;
}

/**
 * Every route but the public ones (health, metrics, the API's document, the dashboard's page and
 * sign-in) needs an API key: a merchant's, or an operations key (which only the routes reading
 * `callerOf` accept); or a dashboard session cookie (with its CSRF token on a state change). An
 * address that keeps sending wrong keys is held off for a while.
 */
function requireApiKey(app: FastifyInstance, auth: Authentication): void {
  const { store, authenticateKey, authFailures } = auth;
  app.addHook('onRequest', async (request) => {
    // The path without its query: a load balancer's /healthz?probe=1 is as public as /healthz.
    const path = request.url.split('?', 1)[0] ?? '';
    if (path === '/healthz' || path === '/metrics' || path === '/openapi.json' || path.startsWith('/docs'))
      return;
    if (isPublicRoute(request)) return;
    const header = request.headers.authorization;
    // A browser signed in to the dashboard: its session stands in for the key, with the same scope.
    if (header === undefined && request.headers.cookie !== undefined) {
      if (await useSession(request, auth)) return;
    }
    // Checked before the key: from an address over its limit, no key is tried at all.
    const retryAfterS = authFailures.retryAfterS(request.ip);
    if (retryAfterS !== undefined) {
      throw new PosError(
        'POS_ERR_AUTH_RATE_LIMITED',
        `Authorization: too many wrong API keys from this address; retry after ${retryAfterS} s`,
        { details: { retryAfterS } },
      );
    }
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match === null) {
      throw new PosError(
        'POS_ERR_AUTH_MISSING_API_KEY',
        `Authorization: expected "Bearer <merchant API key>", got ${header === undefined ? 'no header' : 'another scheme'}`,
      );
    }
    const key = match[1] ?? '';
    // An operations key (pgo_...) is looked up each time, so a revoked one stops at once.
    const operations = await authenticateOperationsKey(store, key);
    if (operations !== undefined) {
      request.operations = operations;
      return;
    }
    const merchant = await authenticateKey(key);
    if (merchant === undefined) {
      authFailures.recordFailure(request.ip);
      throw new PosError(
        'POS_ERR_AUTH_INVALID_API_KEY',
        'Authorization: the API key matches no merchant and no operations key',
      );
    }
    request.merchant = merchant;
  });
}

/**
 * Authenticates a request by its dashboard session cookie; false when it carries none (then the
 * API key is asked for). A state change must carry the session's CSRF token in X-CSRF-Token.
 */
async function useSession(request: FastifyRequest, auth: Authentication): Promise<boolean> {
  const id = sessionIdOf(request.headers.cookie);
  if (id === undefined) return false;
  const session = auth.sessions.find(id);
  // An operations session stands only while its key does, a user's while the user is not
  // disabled: revoking the key or disabling the user ends it at once, on every host.
  if (session !== undefined && !(await sessionStands(auth.store, session))) {
    auth.sessions.end(id);
  } else if (session !== undefined) {
    return sessionRequest(request, session);
  }
  throw new PosError(
    'POS_ERR_AUTH_SESSION_INVALID',
    'Cookie: the dashboard session has ended (signed out, expired, its key revoked or the host restarted); sign in again',
  );
}

async function sessionStands(store: Store, session: DashboardSession): Promise<boolean> {
  if (session.operations !== null) {
    const key = session.operations;
    const found = await store.read((r) => r.findOperationsKeyByHash(key.keyHash));
    return found !== undefined && found.revokedAt === null;
  }
  if (session.user !== null && session.merchant !== null) {
    const { merchant, user } = session;
    const found = await store.read((r) => r.getDashboardUser(merchant.id, user));
    return found !== undefined && found.disabledAt === null;
  }
  return true;
}

/** Lets a request through on its session, with the session's scope; a state change needs the CSRF token. */
function sessionRequest(request: FastifyRequest, session: DashboardSession): boolean {
  const safe = request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS';
  if (!safe && !csrfTokenMatches(session, request.headers['x-csrf-token'])) {
    throw new PosError(
      'POS_ERR_AUTH_CSRF_TOKEN',
      `X-CSRF-Token: expected the session's token on a ${request.method}, got ${request.headers['x-csrf-token'] === undefined ? 'none' : 'another value'}`,
    );
  }
  request.dashboardSession = session;
  // An operations session has no merchant: merchant-scoped routes then refuse it (403).
  request.merchant = session.merchant;
  request.operations = session.operations;
  return true;
}

/**
 * A route that takes neither an API key nor an Idempotency-Key (`config: { public: true }`): its
 * caller proves itself another way, as a wallet's notification does by its signature.
 */
function isPublicRoute(request: FastifyRequest): boolean {
  const config = request.routeOptions.config as { public?: unknown } | undefined;
  return config?.public === true;
}

/** Every POST to a route carries an Idempotency-Key, checked before its body. */
function requireIdempotencyKey(app: FastifyInstance): void {
  app.addHook('preValidation', (request, _reply, done) => {
    try {
      // A POST to no route is answered 404, not asked for a key it could never use.
      if (request.method === 'POST' && !request.is404 && !isPublicRoute(request))
        request.idempotencyKey = parseIdempotencyKey(request.headers['idempotency-key']);
      done();
    } catch (error) {
      done(error as Error);
    }
  });
}

/**
 * Graceful shutdown: once close() is called, answers to requests still in flight tell the client
 * to close its keep-alive connection, so the server can finish without cutting anyone off.
 */
function closeConnectionsOnShutdown(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
}

/** The pino levels at which a request's info line is written. */
const infoLevels = new Set(['trace', 'debug', 'info']);

/** One log line per request, its URL redacted (a card number may be in it). */
function logEachRequest(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    // Below the level (a host run with --log-level warn), not even the line's fields are made.
    if (!infoLevels.has(request.log.level)) return;
    request.log.info(
      {
        method: request.method,
        url: redactUrl(request.url),
        statusCode: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });
}
