// The dashboard's only way to the host: the public HTTP API, signed in by the session cookie
// (HttpOnly, so this code never sees it) and, on every state change, the session's CSRF token in
// the X-CSRF-Token header. No card data ever goes into a URL here: payments are named by id.
import { signal } from './signal.js';

export interface SessionInfo {
  readonly role: 'merchant' | 'operations';
  /** Null for an operations session (signed in with an operations key: the whole fleet). */
  readonly merchantId: string | null;
  readonly merchantName: string | null;
  /** The dashboard user signed in; null for a session signed in with a key. */
  readonly username: string | null;
  readonly csrfToken: string;
  readonly expiresAt: string;
}

/** Who is signed in; null on the sign-in page. */
export const session = signal<SessionInfo | null>(null);

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterS: number | null,
  ) {
    super(message);
  }
}

/**
 * A fresh Idempotency-Key of letters only: the host refuses a key holding anything that reads as a
 * card number, and a UUID's digit groups, dashes between, sometimes did (a sale's void failed).
 */
export function newIdempotencyKey(): string {
  const letters = Array.from(crypto.getRandomValues(new Uint8Array(24)), (b) =>
    String.fromCharCode(97 + (b % 26)),
  );
  return `dashboard-${letters.join('')}`;
}

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const current = session.get();
  if (method !== 'GET' && current !== null) headers['x-csrf-token'] = current.csrfToken;
  if (method === 'POST' && path !== '/v1/session') headers['idempotency-key'] = newIdempotencyKey();
  // A form (files) goes as multipart/form-data, its boundary set by the browser; anything else as JSON.
  const isForm = body instanceof FormData;
  if (body !== undefined && !isForm) headers['content-type'] = 'application/json';
  return fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: isForm ? body : JSON.stringify(body) }),
  });
}

async function readAnswer<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const parsed: unknown = text === '' ? {} : JSON.parse(text);
  if (response.ok) return parsed as T;
  const error = parsed as { code?: string; message?: string };
  const retryAfter = response.headers.get('retry-after');
  if (response.status === 401 && session.get() !== null) session.set(null);
  throw new ApiError(
    response.status,
    error.code ?? `HTTP_${response.status}`,
    error.message ?? response.statusText,
    retryAfter === null ? null : Number(retryAfter),
  );
}

export async function apiGet<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T> {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query))
    if (value !== undefined && value !== '') params.set(name, value);
  const search = params.toString();
  return readAnswer<T>(await send('GET', search === '' ? path : `${path}?${search}`));
}

export async function apiPost<T>(path: string, body: unknown): Promise<T> {
  return readAnswer<T>(await send('POST', path, body));
}

export async function apiDelete<T>(path: string): Promise<T> {
  return readAnswer<T>(await send('DELETE', path));
}

export type Credentials = { apiKey: string } | { merchantId: string; username: string; password: string };

export async function signIn(credentials: Credentials): Promise<SessionInfo> {
  const info = await readAnswer<SessionInfo>(await send('POST', '/v1/session', credentials));
  session.set(info);
  return info;
}

/** The session the cookie stands for, if any (after a reload). */
export async function resumeSession(): Promise<SessionInfo | null> {
  const response = await send('GET', '/v1/session');
  if (response.status === 401) return null;
  const info = await readAnswer<SessionInfo>(response);
  session.set(info);
  return info;
}

export async function signOut(): Promise<void> {
  await readAnswer<undefined>(await send('DELETE', '/v1/session'));
  session.set(null);
}

// What the API answers (the subset of fields the pages read).
export interface Payment {
  readonly id: string;
  readonly kind: string;
  readonly status: string;
  readonly responseCode: string | null;
  readonly message: string;
  readonly rrn: string | null;
  readonly authCode: string | null;
  readonly amount: number;
  readonly currency: string;
  readonly cardMasked: string | null;
  readonly terminalId: string;
  readonly duplicateOf: string | null;
  readonly duplicateConfirmed: boolean;
  readonly flaggedForReview: boolean;
  readonly originalId: string | null;
  readonly operatorId: string | null;
  readonly reference: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly wallet?: string;
  readonly paymentCodeMasked?: string | null;
}

export interface PaymentPage {
  readonly data: Payment[];
  readonly nextCursor: string | null;
}

export interface JournalEntry {
  readonly paymentId: string | null;
  readonly at: string;
  readonly event: string;
  readonly fromStatus: string | null;
  readonly toStatus: string | null;
  readonly data: Record<string, unknown>;
}

export interface ReversalEntry {
  readonly paymentId: string;
  readonly state: string;
  readonly reason: string;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface DuplicateEntry {
  readonly id: string;
  readonly source: string;
  readonly resolution: string;
  readonly paymentId: string | null;
  readonly duplicateOf: string | null;
  readonly operatorId: string | null;
  readonly cause: string | null;
  readonly detail: string | null;
  readonly detectedAt: string;
}

export interface PaymentHistory {
  readonly merchantId: string;
  readonly payment: Payment;
  readonly children: Payment[];
  readonly journal: JournalEntry[];
  readonly reversals: ReversalEntry[];
  readonly duplicates: DuplicateEntry[];
}

export interface Bilingual {
  readonly zh: string;
  readonly en: string;
}

export interface DuplicateAnswer {
  readonly charged: 'once' | 'twice' | 'none' | 'unknown';
  readonly cause: string;
  readonly explanation: Bilingual;
  readonly evidence: Bilingual[];
  readonly first: PaymentHistory;
  readonly second: PaymentHistory;
  readonly generatedAt: string;
  readonly merchantId: string;
}

export interface Overview {
  readonly day: string;
  readonly sales: {
    readonly count: number;
    readonly approved: number;
    readonly declined: number;
    readonly amountApproved: number;
  };
  readonly byHour: Array<{ readonly hour: number; readonly count: number; readonly amount: number }>;
  readonly duplicatesPrevented: { readonly total: number; readonly byCause: Record<string, number> };
  readonly openReversals: { readonly pending: number; readonly failed: number };
  readonly alerts: Array<{ readonly kind: string; readonly count: number; readonly paymentIds: string[] }>;
}

export interface TerminalView {
  readonly merchantId: string;
  readonly terminalId: string;
  readonly signedIn: boolean;
  readonly createdAt: string;
  readonly lastPaymentAt: string | null;
  readonly lastSeenAt: string | null;
  readonly telemetry: {
    readonly lastReportAt: string;
    readonly reports: number;
    readonly hours: number;
    readonly softwareVersion: string;
    readonly firmwareVersion: string;
    readonly networkType: string;
    readonly carrier: string | null;
    readonly signalDbm: number | null;
    readonly batteryMin: number | null;
    readonly paperOut: number;
    readonly printerHeadErrors: number;
    readonly readerErrors: number;
    readonly reboots: number;
    readonly crashes: number;
    readonly offlineSeconds: number;
  } | null;
}

export interface Finding {
  readonly subject: {
    readonly kind: string;
    readonly id: string;
    readonly merchantId: string | null;
    readonly terminalId: string | null;
  };
  readonly measure: string;
  readonly cause: string;
  readonly priority: 'high' | 'medium' | 'low';
  readonly remedy: { readonly zh: string; readonly en: string };
  readonly evidence: {
    readonly events: number;
    readonly exposure: number;
    readonly exposureUnit: string;
    readonly rate: number;
    readonly fleetRate: number;
    readonly baselineRate: number;
    readonly pValue: number;
    readonly qValue: number;
    readonly transactionIds: string[];
    readonly from: string;
    readonly to: string;
  };
  readonly cost: {
    readonly duplicatesPrevented: number;
    readonly duplicatesAtRisk: number;
    readonly feesAtRiskFen: number | null;
  };
}

export interface DiagnosisAnswer {
  readonly from: string;
  readonly to: string;
  readonly merchantId: string | null;
  readonly tests: number;
  readonly findings: Finding[];
}
