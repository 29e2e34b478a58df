// The simulated issuer as a service of its own (`posguard issuer`), so that several host processes
// share one issuer, as they share one real one. JSON over HTTP: POST /authorize and POST /reverse
// take the upstream port's requests; GET /calls says how often each RRN was sent, so tests can
// prove no host ever sent one operation twice. The card number travels to the issuer in the
// request body, as it must; in production that link is TLS.
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { Secret } from '../cards/secret.js';
import type { SimulatedIssuer } from './simulated-issuer.js';
import type { AuthorizationRequest, ReversalRequest } from '../payments/ports/upstream.js';

export interface WireAuthorization extends Omit<AuthorizationRequest, 'pan'> {
  readonly pan: string | null;
}

export async function buildIssuerService(issuer: SimulatedIssuer): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 });
  const callsByRrn = new Map<string, { authorize: number; reverse: number }>();
  const count = (rrn: string, kind: 'authorize' | 'reverse'): void => {
    const calls = callsByRrn.get(rrn) ?? { authorize: 0, reverse: 0 };
    calls[kind] += 1;
    callsByRrn.set(rrn, calls);
  };
  // The caller gave up (its connection closed before the answer was written): stop waiting.
  const callerGone = (reply: FastifyReply): AbortSignal => {
    const controller = new AbortController();
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) controller.abort();
    });
    return controller.signal;
  };
  app.post<{ Body: WireAuthorization }>('/authorize', async (request, reply) => {
    const body = request.body;
    count(body.rrn, 'authorize');
    return issuer.authorize(
      { ...body, pan: body.pan === null ? null : new Secret(body.pan, 'card number') },
      callerGone(reply),
    );
  });
  app.post<{ Body: ReversalRequest }>('/reverse', async (request, reply) => {
    count(request.body.rrn, 'reverse');
    return issuer.reverse(request.body, callerGone(reply));
  });
  app.get('/calls', () => Object.fromEntries(callsByRrn));
  app.get('/healthz', () => ({ status: 'ok' }));
  return app;
}
