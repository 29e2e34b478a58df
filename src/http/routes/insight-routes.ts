// What the dashboard reads beyond the payment routes (issue 15), each scoped to the merchant of the
// API key or session like every route: the day's overview, a payment's history (journal, children,
// reversals, duplicate records), the answer to "is this duplicate real?" with its evidence pack,
// and the merchant's terminals. Handlers only translate; the work is in src/insight/.
import type { FastifyInstance } from 'fastify';
import { isoTime, type Clock } from '../../clock/clock.js';
import { dayOverview } from '../../insight/day-overview.js';
import { duplicateVerdict } from '../../insight/duplicate-verdict.js';
import { paymentHistory, type PaymentHistory } from '../../insight/payment-history.js';
import { terminalStates } from '../../insight/terminal-states.js';
import type { JournalRow } from '../../payments/ports/journal-store.js';
import type { Store } from '../../payments/ports/store.js';
import { toPaymentView } from '../../payments/payment-view.js';
import { paymentJson } from '../../payments/ports/answer-json.js';
import { readScope } from '../merchant-scope.js';
import { callerOf, merchantOf } from '../request-context.js';
import { errorResponses, paymentIdParams } from '../schemas.js';
import { toDuplicateView } from './report-routes.js';
import {
  duplicateAnswerView,
  duplicateCheckQuery,
  merchantListView,
  merchantScopeQuery,
  overviewQuery,
  overviewView,
  paymentHistoryView,
  terminalListView,
} from './insight-schemas.js';

interface InsightRouteDeps {
  readonly store: Store;
  readonly clock: Pick<Clock, 'now'>;
}

const security = [{ apiKey: [] }];

/** A journal row's facts: the JSON the engine wrote (never card data); an unreadable one as text. */
function journalData(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : { value };
  } catch {
    return { text };
  }
}

function journalJson(row: JournalRow) {
  return {
    paymentId: row.paymentId,
    at: isoTime(row.at),
    event: row.event,
    fromStatus: row.fromStatus,
    toStatus: row.toStatus,
    data: journalData(row.data),
  };
}

export function historyJson(history: PaymentHistory) {
  return {
    merchantId: history.payment.merchantId,
    payment: paymentJson(toPaymentView(history.payment)),
    children: history.children.map((c) => paymentJson(toPaymentView(c))),
    journal: history.journal.map(journalJson),
    reversals: history.reversals.map((r) => ({
      paymentId: r.paymentId,
      state: r.state,
      reason: r.reason,
      attempts: r.attempts,
      createdAt: isoTime(r.createdAt),
      updatedAt: isoTime(r.updatedAt),
    })),
    duplicates: history.duplicates.map(toDuplicateView),
  };
}

export function registerInsightRoutes(app: FastifyInstance, deps: InsightRouteDeps): void {
  registerOverviewRoutes(app, deps);
  registerDuplicateCheckRoute(app, deps);
  registerTerminalListRoute(app, deps);
  registerMerchantListRoute(app, deps);
}

/** The most merchants the operations views' filter lists. */
const maxMerchants = 1000;

/** The merchants the caller may look at: every one for operations, itself for a merchant. */
function registerMerchantListRoute(app: FastifyInstance, { store }: InsightRouteDeps): void {
  app.get(
    '/v1/merchants',
    {
      schema: {
        summary: 'The merchants the caller may look at: every one for operations, its own for a merchant',
        description: `By id, at most ${maxMerchants}; for the operations views' merchant filter.`,
        tags: ['dashboard'],
        security,
        response: { 200: merchantListView, ...errorResponses.read },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const merchants =
        caller.role === 'merchant'
          ? [caller.merchant]
          : await store.read((reader) => reader.listMerchants(maxMerchants));
      return { data: merchants.map((m) => ({ id: m.id, name: m.name })) };
    },
  );
}

/** The day's overview and a payment's history. */
function registerOverviewRoutes(app: FastifyInstance, { store }: InsightRouteDeps): void {
  app.get<{ Querystring: { day: string; merchantId?: string } }>(
    '/v1/overview',
    {
      schema: {
        summary:
          'A day at a glance: sales, approvals, declines, duplicates prevented, open reversals, alerts',
        description:
          "The day is a calendar day in China time (UTC+8); byHour has its 24 hours, hour 0 first. Operations see the whole fleet's day, or one merchant's with merchantId.",
        tags: ['dashboard'],
        security,
        querystring: overviewQuery,
        response: { 200: overviewView, ...errorResponses.read },
      },
    },
    async (request) =>
      dayOverview(store, await readScope(request, request.query.merchantId, store), request.query.day),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/payments/:id/history',
    {
      schema: {
        summary: "A payment's whole story: its voids and refunds, reversals, journal and duplicate records",
        description:
          "The id may also be the payment's 12-digit RRN. Operations read any merchant's payment; a merchant its own only.",
        tags: ['payments'],
        security,
        params: paymentIdParams,
        response: { 200: paymentHistoryView, ...errorResponses.read },
      },
    },
    async (request) =>
      historyJson(await paymentHistory(store, await readScope(request, undefined, store), request.params.id)),
  );
}

/** "Is this duplicate real?": the verdict on two payments, with both histories (the evidence pack). */
function registerDuplicateCheckRoute(app: FastifyInstance, { store, clock }: InsightRouteDeps): void {
  app.get<{ Querystring: { first: string; second: string } }>(
    '/v1/duplicate-check',
    {
      schema: {
        summary:
          'Is this duplicate real? Whether the card was charged once or twice for two payments, and why',
        description:
          'Each of first and second is a payment id or a 12-digit RRN. The answer is also the evidence pack: both histories, the verdict and its evidence in zh and en.',
        tags: ['duplicates'],
        security,
        querystring: duplicateCheckQuery,
        response: { 200: duplicateAnswerView, ...errorResponses.read },
      },
    },
    async (request) => {
      const merchantId = merchantOf(request).id;
      const first = await paymentHistory(store, merchantId, request.query.first);
      const second = await paymentHistory(store, merchantId, request.query.second);
      const duplicates = [...first.duplicates, ...second.duplicates].filter(
        (d, i, all) => all.findIndex((e) => e.id === d.id) === i,
      );
      const verdict = duplicateVerdict({
        first: { payment: first.payment, children: first.children, reversal: first.reversals[0] },
        second: { payment: second.payment, children: second.children, reversal: second.reversals[0] },
        duplicates: duplicates.filter(
          (d) =>
            [first.payment.id, second.payment.id].every(
              (id) => d.paymentId === id || d.duplicateOf === id || d.confirmedPaymentId === id,
            ) || first.payment.id === second.payment.id,
        ),
      });
      return {
        ...verdict,
        merchantId,
        generatedAt: isoTime(clock.now()),
        first: historyJson(first),
        second: historyJson(second),
      };
    },
  );
}

/** The merchant's terminals and their state. */
function registerTerminalListRoute(app: FastifyInstance, { store, clock }: InsightRouteDeps): void {
  app.get<{ Querystring: { merchantId?: string } }>(
    '/v1/terminals',
    {
      schema: {
        summary: "The merchant's terminals: signed in, last seen, versions and the last day's telemetry",
        description:
          "Operations see every merchant's terminals (at most 500), or one merchant's with merchantId.",
        tags: ['terminals'],
        security,
        querystring: merchantScopeQuery,
        response: { 200: terminalListView, ...errorResponses.read },
      },
    },
    async (request) => {
      const scope = await readScope(request, request.query.merchantId, store);
      const states = await terminalStates(store, scope, clock.now());
      return {
        data: states.map((s) => ({
          merchantId: s.terminal.merchantId,
          terminalId: s.terminal.terminalId,
          signedIn: s.terminal.signedIn,
          createdAt: isoTime(s.terminal.createdAt),
          lastPaymentAt: s.lastPaymentAt === null ? null : isoTime(s.lastPaymentAt),
          lastSeenAt: s.lastSeenAt === null ? null : isoTime(s.lastSeenAt),
          telemetry:
            s.telemetry === null ? null : { ...s.telemetry, lastReportAt: isoTime(s.telemetry.lastReportAt) },
        })),
      };
    },
  );
}
