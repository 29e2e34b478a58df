// `posguard serve`: runs a host until SIGTERM or SIGINT, then stops gracefully: no new requests,
// those in flight finish, background work ends, the store is closed.
import { hostSettings, type HostConfig } from '../../config/config.js';
import { demo, startHost, version } from '../../main.js';
import { booleanFlag, exitCodes, parseFlags, wantsHelp, type Command, type FlagSpec } from '../command.js';
import { configFromFlags } from '../store-flags.js';

const flagSpec: FlagSpec = {
  ...Object.fromEntries(hostSettings.map((s): [string, { type: 'string' }] => [s.flag, { type: 'string' }])),
  demo: { type: 'boolean' },
  json: { type: 'boolean' },
};

/** What a flag's value looks like in --help, by the kind of setting. */
const valueLabel = {
  string: 'VALUE',
  integer: 'N',
  rate: 'RATE',
  range: 'N|MIN-MAX',
  httpUrl: 'URL',
  enum: 'NAME',
} as const;
const help = [
  'Usage: posguard serve [flags]',
  '',
  'Runs the acquiring host: the HTTP API (and, with --iso-port, the CUP ISO 8583 TCP channel), the',
  'reversal queue, crash recovery and key expiry. Stops gracefully on SIGTERM or Ctrl-C.',
  '',
  'Flags (each also read from the environment variable shown):',
  ...hostSettings.map(
    (s) =>
      `  --${`${s.flag} ${valueLabel[s.kind.type]}`.padEnd(30)} ${s.help} [${s.env}${s.fallback === undefined ? '' : `, default ${s.fallback}`}]`,
  ),
  `  --${'demo'.padEnd(30)} seed the demo merchant ${demo.merchantId} and terminal ${demo.terminalId} (a fresh store gets a day of traffic)`,
  `  --${'json'.padEnd(30)} print no banner: logs only (JSON lines), for scripts`,
  '',
  'Examples:',
  '  posguard serve --db ./data/posguard.db --http-port 8080 --issuer-lost-answer-rate 0.05',
  '  posguard serve --demo --iso-port 5000      # also take CUP POS terminals over TCP on port 5000',
  '',
].join('\n');

/** Where QR payments go: the wallets file's providers, the demo's simulated wallet, or nowhere. */
function walletsLine(config: HostConfig, demoWalletUrl: string | null): string {
  if (config.walletsFile !== null) return `  Wallets      ${config.walletsFile}   (QR payments)`;
  if (demoWalletUrl !== null)
    return `  Wallets      simulated Alipay, WeChat Pay and UnionPay QR at ${demoWalletUrl}   (QR payments)`;
  return '  Wallets      none (--wallets FILE for QR payments; docs/qr.md)';
}

/** The banner's QR try-out: a demo payer's code from the simulated wallet, then a sale with it. */
function demoQrLines(base: string, walletUrl: string): string[] {
  return [
    '',
    "Try a QR payment (a demo payer's WeChat Pay code, then the sale):",
    `  CODE=$(curl -s -X POST ${walletUrl}/_sim/codes -H 'Content-Type: application/json' \\`,
    `    -d '{"wallet":"wechat","payerId":"demo-payer-1"}' | sed -E 's/.*"code":"([0-9]+)".*/\\1/')`,
    `  curl -s -X POST ${base}/v1/payments -H 'Authorization: Bearer ${demo.apiKey}' \\`,
    `    -H 'Idempotency-Key: first-qr-sale' -H 'Content-Type: application/json' \\`,
    `    -d '{"terminalId":"${demo.terminalId}","amount":1280,"currency":"CNY","paymentCode":"'$CODE'"}'`,
  ];
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the host (HTTP API, reversal queue, recovery)',
  help,
  async run(args, io) {
    const flags = parseFlags('serve', args, flagSpec);
    if (wantsHelp(flags)) {
      io.stdout.write(help);
      return exitCodes.ok;
    }
    const config = configFromFlags(flags, io, booleanFlag(flags, 'demo'));
    const host = await startHost(config);
    if (booleanFlag(flags, 'json')) {
      // One machine-readable line, whatever the log level, for scripts that wait for the host.
      io.stdout.write(
        `${JSON.stringify({ event: 'ready', httpUrl: host.httpUrl, isoPort: host.isoPort, demoWalletUrl: host.demoWalletUrl })}\n`,
      );
    } else {
      const base = host.httpUrl;
      const lines = [
        '',
        `posguard ${version} is running`,
        `  HTTP API     ${base}   (OpenAPI: ${base}/docs)`,
        `  Dashboard    ${base}/dashboard   (zh-CN / English; sign in with a merchant API key)`,
        `  Health       ${base}/healthz   Metrics: ${base}/metrics`,
        `  Store        ${config.databaseUrl === null ? `SQLite ${config.dbPath}` : 'PostgreSQL'}`,
        host.isoPort === null
          ? '  ISO 8583     off (--iso-port N to take CUP POS terminals over TCP)'
          : `  ISO 8583     tcp://${config.host}:${host.isoPort}   (CUP POS terminals)`,
        config.upstreamUrl === null
          ? `  Upstream     simulated issuer (ledger ${config.dataDir}/issuer-ledger.db)`
          : `  Upstream     ${config.upstreamUrl}`,
        walletsLine(config, host.demoWalletUrl),
      ];
      if (config.demo) {
        lines.push(
          `  Demo         merchant ${demo.merchantId}, terminal ${demo.terminalId}`,
          `  Demo API key ${demo.apiKey}   (also the dashboard's demo sign-in)`,
          `  Demo TMK     ${demo.tmk}   (terminal ${demo.terminalId}'s master key, for ISO 8583 sign-in)`,
          '',
          'Try a payment:',
          `  curl -s -X POST ${base}/v1/payments -H 'Authorization: Bearer ${demo.apiKey}' \\`,
          `    -H 'Idempotency-Key: first-sale' -H 'Content-Type: application/json' \\`,
          `    -d '{"terminalId":"${demo.terminalId}","amount":1280,"currency":"CNY","card":{"pan":"6212345678901232","expiry":"2812"},"entryMode":"chip"}'`,
        );
        if (host.demoWalletUrl !== null) lines.push(...demoQrLines(base, host.demoWalletUrl));
        if (host.isoPort !== null) {
          const pos = `posguard pos --host ${config.host}:${host.isoPort} --merchant ${demo.merchantId} --terminal ${demo.terminalId}`;
          lines.push(
            '',
            'Or as a POS terminal over ISO 8583:',
            `  ${pos.replace('posguard pos', 'posguard pos signin')} --tmk ${demo.tmk}`,
            `  ${pos.replace('posguard pos', 'posguard pos sale')} --amount 12.80 --card 6212345678901232`,
          );
        }
      }
      io.stdout.write(`${lines.join('\n')}\n\n`);
    }
    host.logger.info({ httpUrl: host.httpUrl, isoPort: host.isoPort }, 'posguard ready');
    const signal = await io.stopSignal;
    host.logger.info({ signal }, 'stopping: finishing requests in flight');
    await host.stop();
    host.logger.info('stopped');
    return exitCodes.ok;
  },
};
