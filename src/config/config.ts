// The only place that reads the environment. Every setting of a host has a flag, an environment
// variable and a default, in one table; flags win over the environment, which wins over the
// default. A bad value is refused naming where it came from, what was expected and what came.
// It only reads: the host keys, the secret file and the store are host-keys/'s business.
import { dirname, resolve } from 'node:path';
import { defaultHttpLimits, type HttpLimits } from '../http/http-server.js';
import { defaultEngineSettings, minKeyRetentionMs, type EngineSettings } from '../payments/engine-context.js';
import { maxPayWindowMs } from '../payments/pending-horizon.js';
import { PosError } from '../pos-error.js';
import type { IssuerFaults } from '../simulated-issuer/simulated-issuer.js';

type Kind =
  | { type: 'string' }
  | { type: 'integer'; min: number; max: number }
  | { type: 'rate' }
  | { type: 'range' }
  | { type: 'httpUrl' }
  | { type: 'enum'; values: readonly string[] };

export interface SettingSpec {
  readonly name: string;
  readonly flag: string;
  readonly env: string;
  readonly kind: Kind;
  readonly fallback?: string;
  readonly help: string;
}

export const hostSettings: readonly SettingSpec[] = [
  {
    name: 'db',
    flag: 'db',
    env: 'POSGUARD_DB',
    kind: { type: 'string' },
    fallback: './data/posguard.db',
    help: 'SQLite database file',
  },
  {
    name: 'databaseUrl',
    flag: 'database-url',
    env: 'POSGUARD_DATABASE_URL',
    kind: { type: 'string' },
    help: 'PostgreSQL URL (postgres://...); when given, used instead of the SQLite file',
  },
  {
    name: 'httpPort',
    flag: 'http-port',
    env: 'POSGUARD_HTTP_PORT',
    kind: { type: 'integer', min: 0, max: 65535 },
    fallback: '8080',
    help: 'HTTP API port (0 picks a free one)',
  },
  {
    name: 'host',
    flag: 'host',
    env: 'POSGUARD_HOST',
    kind: { type: 'string' },
    fallback: '127.0.0.1',
    help: 'address to listen on',
  },
  {
    name: 'httpRequestTimeoutMs',
    flag: 'http-request-timeout-ms',
    env: 'POSGUARD_HTTP_REQUEST_TIMEOUT_MS',
    kind: { type: 'integer', min: 1_000, max: 120_000 },
    fallback: String(defaultHttpLimits.requestTimeoutMs),
    help: 'HTTP: a request (headers and body) must arrive within this; a slower client gets 408',
  },
  {
    name: 'httpIdleTimeoutMs',
    flag: 'http-idle-timeout-ms',
    env: 'POSGUARD_HTTP_IDLE_TIMEOUT_MS',
    kind: { type: 'integer', min: 1_000, max: 600_000 },
    fallback: String(defaultHttpLimits.idleTimeoutMs),
    help: 'HTTP: close a connection silent this long (at least --upstream-timeout-ms + 5 s, and 65 s: a QR sale waits for its customer)',
  },
  {
    name: 'httpMaxConnections',
    flag: 'http-max-connections',
    env: 'POSGUARD_HTTP_MAX_CONNECTIONS',
    kind: { type: 'integer', min: 1, max: 100_000 },
    fallback: String(defaultHttpLimits.maxConnections),
    help: 'HTTP: open connections in all; more are closed at once',
  },
  {
    name: 'httpMaxConnectionsPerAddress',
    flag: 'http-max-connections-per-address',
    env: 'POSGUARD_HTTP_MAX_CONNECTIONS_PER_ADDRESS',
    kind: { type: 'integer', min: 0, max: 100_000 },
    fallback: String(defaultHttpLimits.maxConnectionsPerAddress),
    help: 'HTTP: open connections from one client address (0: no cap, e.g. behind a proxy)',
  },
  {
    name: 'httpAuthFailuresPerMinute',
    flag: 'http-auth-failures-per-minute',
    env: 'POSGUARD_HTTP_AUTH_FAILURES_PER_MINUTE',
    kind: { type: 'integer', min: 0, max: 100_000 },
    fallback: String(defaultHttpLimits.authFailuresPerMinute),
    help: 'HTTP: wrong API keys one address may send per minute before 429 (0: no limit)',
  },
  {
    name: 'isoPort',
    flag: 'iso-port',
    env: 'POSGUARD_ISO_PORT',
    kind: { type: 'integer', min: 0, max: 65535 },
    help: 'CUP ISO 8583 TCP port (off unless given)',
  },
  {
    name: 'isoKeyMaxAgeHours',
    flag: 'iso-key-max-age-hours',
    env: 'POSGUARD_ISO_KEY_MAX_AGE_HOURS',
    kind: { type: 'integer', min: 1, max: 24 * 30 },
    fallback: '24',
    help: 'ISO 8583: session keys older than this are stale; the terminal must sign in again',
  },
  {
    name: 'isoIdleTimeoutS',
    flag: 'iso-idle-timeout-s',
    env: 'POSGUARD_ISO_IDLE_TIMEOUT_S',
    kind: { type: 'integer', min: 1, max: 3600 },
    fallback: '120',
    help: 'ISO 8583: close a terminal connection idle this long',
  },
  {
    name: 'isoFrameDeadlineMs',
    flag: 'iso-frame-deadline-ms',
    env: 'POSGUARD_ISO_FRAME_DEADLINE_MS',
    kind: { type: 'integer', min: 100, max: 120_000 },
    fallback: '10000',
    help: 'ISO 8583: close a connection whose frame is not whole this long after its first byte',
  },
  {
    name: 'isoMaxConnections',
    flag: 'iso-max-connections',
    env: 'POSGUARD_ISO_MAX_CONNECTIONS',
    kind: { type: 'integer', min: 1, max: 100_000 },
    fallback: '1024',
    help: 'ISO 8583: connections at once; when full, one that never sent a MACed request makes room',
  },
  {
    name: 'isoMaxConnectionsPerAddress',
    flag: 'iso-max-connections-per-address',
    env: 'POSGUARD_ISO_MAX_CONNECTIONS_PER_ADDRESS',
    kind: { type: 'integer', min: 1, max: 100_000 },
    fallback: '64',
    help: 'ISO 8583: connections at once from one source address',
  },
  {
    name: 'logLevel',
    flag: 'log-level',
    env: 'POSGUARD_LOG_LEVEL',
    kind: { type: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'silent'] },
    fallback: 'info',
    help: 'log level',
  },
  {
    name: 'upstreamTimeoutMs',
    flag: 'upstream-timeout-ms',
    env: 'POSGUARD_UPSTREAM_TIMEOUT_MS',
    kind: { type: 'integer', min: 50, max: 120_000 },
    fallback: String(defaultEngineSettings.upstreamTimeoutMs),
    help: 'how long to wait for the upstream before answering 98 and reversing',
  },
  {
    name: 'keyRetentionHours',
    flag: 'key-retention-hours',
    env: 'POSGUARD_KEY_RETENTION_HOURS',
    kind: { type: 'integer', min: minKeyRetentionMs / 3_600_000, max: 24 * 365 },
    fallback: String(defaultEngineSettings.keyRetentionMs / 3_600_000),
    help: 'how long idempotency keys are kept (at least 48)',
  },
  {
    name: 'upstreamUrl',
    flag: 'upstream-url',
    env: 'POSGUARD_UPSTREAM_URL',
    kind: { type: 'httpUrl' },
    help: 'an issuer served by `posguard issuer` (http://...); default: the simulated issuer in process',
  },
  {
    name: 'walletsFile',
    flag: 'wallets',
    env: 'POSGUARD_WALLETS_FILE',
    kind: { type: 'string' },
    help: 'QR payments: a JSON file naming each wallet provider (Alipay, WeChat Pay) and its key files; see docs/qr.md. With --demo and no file: a simulated wallet in process',
  },
  {
    name: 'demoWalletPort',
    flag: 'demo-wallet-port',
    env: 'POSGUARD_DEMO_WALLET_PORT',
    kind: { type: 'integer', min: 0, max: 65535 },
    fallback: '8070',
    help: "with --demo and no --wallets: the simulated wallet's HTTP port (taken: a free one; 0 picks a free one)",
  },
  {
    name: 'demoDay',
    flag: 'demo-day',
    env: 'POSGUARD_DEMO_DAY',
    kind: { type: 'enum', values: ['on', 'off'] },
    fallback: 'on',
    help: 'with --demo on a fresh store: fill today with a day of traffic for the dashboard (off: an empty demo)',
  },
  {
    name: 'publicUrl',
    flag: 'public-url',
    env: 'POSGUARD_PUBLIC_URL',
    kind: { type: 'httpUrl' },
    help: 'the URL wallets reach this host at, for their payment notifications (default: http://HOST:HTTP-PORT)',
  },
  {
    name: 'issuerLatencyMs',
    flag: 'issuer-latency-ms',
    env: 'POSGUARD_ISSUER_LATENCY_MS',
    kind: { type: 'range' },
    fallback: '0',
    help: 'simulated issuer: answer latency, N or MIN-MAX ms',
  },
  {
    name: 'issuerDeclineRate',
    flag: 'issuer-decline-rate',
    env: 'POSGUARD_ISSUER_DECLINE_RATE',
    kind: { type: 'rate' },
    fallback: '0',
    help: 'simulated issuer: share of sales declined (0 to 1)',
  },
  {
    name: 'issuerLostAnswerRate',
    flag: 'issuer-lost-answer-rate',
    env: 'POSGUARD_ISSUER_LOST_ANSWER_RATE',
    kind: { type: 'rate' },
    fallback: '0',
    help: 'simulated issuer: share of answers lost after the charge is applied',
  },
  {
    name: 'issuerDoublePostRate',
    flag: 'issuer-double-post-rate',
    env: 'POSGUARD_ISSUER_DOUBLE_POST_RATE',
    kind: { type: 'rate' },
    fallback: '0',
    help: 'simulated issuer: share of sales posted twice',
  },
  {
    name: 'issuerOutageRate',
    flag: 'issuer-outage-rate',
    env: 'POSGUARD_ISSUER_OUTAGE_RATE',
    kind: { type: 'rate' },
    fallback: '0',
    help: 'simulated issuer: share of calls refused as if down',
  },
  {
    name: 'secret',
    flag: 'secret',
    env: 'POSGUARD_SECRET',
    kind: { type: 'string' },
    help: 'host secret, 64 hex characters; default: generated into <data folder>/secret.key',
  },
];

export type RawSettings = Readonly<Record<string, string | undefined>>;

function fromWhere(spec: SettingSpec, source: 'flag' | 'env'): string {
  return source === 'flag' ? `--${spec.flag}` : spec.env;
}

function check(spec: SettingSpec, value: string, source: 'flag' | 'env' | 'default'): string {
  const where = source === 'default' ? `default ${spec.name}` : fromWhere(spec, source);
  const refuse = (expected: string): never => {
    throw new PosError(
      'POS_ERR_CONFIG_INVALID',
      `${where}: expected ${expected}, got ${JSON.stringify(value)}`,
      {
        details: { setting: spec.name, source },
      },
    );
  };
  const kind = spec.kind;
  switch (kind.type) {
    case 'string':
      if (value.trim() === '') refuse('a value');
      return value;
    case 'integer': {
      const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
      if (!Number.isSafeInteger(n) || n < kind.min || n > kind.max)
        refuse(`a whole number from ${kind.min} to ${kind.max}`);
      return value;
    }
    case 'rate': {
      const n = /^(0(\.\d+)?|1(\.0+)?)$/.test(value) ? Number(value) : Number.NaN;
      if (Number.isNaN(n)) refuse('a share from 0 to 1, such as 0.05');
      return value;
    }
    case 'range':
      if (!/^\d{1,7}(-\d{1,7})?$/.test(value)) refuse('milliseconds as N or MIN-MAX');
      return value;
    case 'enum':
      if (!kind.values.includes(value)) refuse(`one of ${kind.values.join(', ')}`);
      return value;
    case 'httpUrl': {
      let protocol = '';
      try {
        protocol = new URL(value).protocol;
      } catch {
        // refused below
      }
      if (protocol !== 'http:' && protocol !== 'https:') refuse('an http:// or https:// URL');
      return value;
    }
  }
}

/** Resolves every setting from flags, then environment, then defaults, checking each value. */
export function resolveSettings(
  specs: readonly SettingSpec[],
  flags: RawSettings,
  env: RawSettings,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const spec of specs) {
    const flag = flags[spec.name];
    const fromEnv = env[spec.env];
    if (flag !== undefined) out[spec.name] = check(spec, flag, 'flag');
    else if (fromEnv !== undefined && fromEnv !== '') out[spec.name] = check(spec, fromEnv, 'env');
    else if (spec.fallback !== undefined) out[spec.name] = check(spec, spec.fallback, 'default');
  }
  return out;
}

export interface HostConfig {
  readonly dbPath: string;
  readonly dataDir: string;
  readonly databaseUrl: string | null;
  readonly httpPort: number;
  readonly host: string;
  /** The HTTP API's timeouts, connection caps and failed-authentication limit. */
  readonly http: HttpLimits;
  readonly isoPort: number | null;
  /** The ISO 8583 channel's settings (used when isoPort is given). */
  readonly iso: {
    readonly keyMaxAgeMs: number;
    readonly idleTimeoutMs: number;
    readonly frameDeadlineMs: number;
    readonly maxConnections: number;
    readonly maxConnectionsPerAddress: number;
  };
  readonly logLevel: string;
  readonly upstreamUrl: string | null;
  /** The wallet providers' settings file (QR payments), resolved against the working folder. */
  readonly walletsFile: string | null;
  /** The demo's simulated wallet port (serve --demo without a wallets file). */
  readonly demoWalletPort: number;
  /** serve --demo on a fresh store fills today with traffic (src/demo-day.ts). */
  readonly demoDay: boolean;
  /** Where wallets post notifications to; null: this host's own address. */
  readonly publicUrl: string | null;
  readonly issuerFaults: IssuerFaults;
  readonly engine: EngineSettings;
  readonly secretHex: string | null;
  readonly demo: boolean;
}

function rate(value: string | undefined): number {
  return value === undefined ? 0 : Number(value);
}

export function loadHostConfig(input: {
  flags: RawSettings;
  env: RawSettings;
  cwd: string;
  demo?: boolean;
}): HostConfig {
  const s = resolveSettings(hostSettings, input.flags, input.env);
  // A flag names the store more surely than the environment: --db on the command line means this
  // SQLite file even where POSGUARD_DATABASE_URL is exported. With --database-url as well, the
  // store is PostgreSQL and --db only names the data folder (secret.key, the issuer ledger).
  const databaseUrl =
    input.flags['db'] !== undefined && input.flags['databaseUrl'] === undefined
      ? null
      : (s['databaseUrl'] ?? null);
  const dbPath = resolve(input.cwd, s['db'] ?? './data/posguard.db');
  const issuerFaults = issuerFaultsOf(s);
  const secretHex = secretHexOf(s);
  return {
    dbPath,
    dataDir: dirname(dbPath),
    databaseUrl,
    httpPort: Number(s['httpPort']),
    host: s['host'] ?? '127.0.0.1',
    http: httpLimitsOf(s),
    isoPort: s['isoPort'] === undefined ? null : Number(s['isoPort']),
    iso: {
      keyMaxAgeMs: Number(s['isoKeyMaxAgeHours']) * 3_600_000,
      idleTimeoutMs: Number(s['isoIdleTimeoutS']) * 1000,
      frameDeadlineMs: Number(s['isoFrameDeadlineMs']),
      maxConnections: Number(s['isoMaxConnections']),
      maxConnectionsPerAddress: Number(s['isoMaxConnectionsPerAddress']),
    },
    logLevel: s['logLevel'] ?? 'info',
    upstreamUrl: s['upstreamUrl'] ?? null,
    walletsFile: s['walletsFile'] === undefined ? null : resolve(input.cwd, s['walletsFile']),
    demoWalletPort: Number(s['demoWalletPort']),
    demoDay: s['demoDay'] !== 'off',
    publicUrl: s['publicUrl'] ?? null,
    issuerFaults,
    engine: {
      ...defaultEngineSettings,
      upstreamTimeoutMs: Number(s['upstreamTimeoutMs']),
      // A reversal call lasts at most the upstream timeout; a lease three times that long is never
      // lost by a live host, and frees a dead host's reversals soon.
      reversalLeaseMs: 3 * Number(s['upstreamTimeoutMs']),
      keyRetentionMs: Number(s['keyRetentionHours']) * 3_600_000,
    },
    secretHex,
    demo: input.demo ?? false,
  };
}

type Resolved = Record<string, string | undefined>;

/** The simulated issuer's faults: its latency range (MIN-MAX, or one figure) and its fault rates. */
function issuerFaultsOf(s: Resolved): IssuerFaults {
  const [minLatency = 0, maxLatency = minLatency] = (s['issuerLatencyMs'] ?? '0').split('-').map(Number);
  if (maxLatency < minLatency) {
    throw new PosError(
      'POS_ERR_CONFIG_INVALID',
      `--issuer-latency-ms: expected MIN-MAX with MIN <= MAX, got ${s['issuerLatencyMs']}`,
    );
  }
  return {
    latencyMs: { min: minLatency, max: maxLatency },
    declineRate: rate(s['issuerDeclineRate']),
    lostAnswerRate: rate(s['issuerLostAnswerRate']),
    doublePostRate: rate(s['issuerDoublePostRate']),
    outageRate: rate(s['issuerOutageRate']),
    outages: [],
  };
}

/** The host secret given as a setting, checked for length and hex; null when not given. */
function secretHexOf(s: Resolved): string | null {
  const secretHex = s['secret'] ?? null;
  if (secretHex !== null && !/^(?:[0-9a-fA-F]{2}){32,}$/.test(secretHex)) {
    throw new PosError(
      'POS_ERR_CONFIG_INVALID',
      'secret: expected at least 64 hex characters (32 bytes, an even count), got something else',
      {
        details: { setting: 'secret' },
      },
    );
  }
  return secretHex;
}

function httpLimitsOf(s: Resolved): HttpLimits {
  return {
    ...defaultHttpLimits,
    requestTimeoutMs: Number(s['httpRequestTimeoutMs']),
    // A connection is silent while its request waits for the upstream, or for a wallet's customer
    // to confirm a QR sale: the idle timeout always outlasts the upstream timeout and the longest
    // pay window, so it never cuts off an answer the host is about to give.
    idleTimeoutMs: Math.max(
      Number(s['httpIdleTimeoutMs']),
      Number(s['upstreamTimeoutMs']) + 5_000,
      maxPayWindowMs + 5_000,
    ),
    maxConnections: Number(s['httpMaxConnections']),
    maxConnectionsPerAddress: Number(s['httpMaxConnectionsPerAddress']),
    authFailuresPerMinute: Number(s['httpAuthFailuresPerMinute']),
  };
}
