// Serves the dashboard (issue 15), the single-page app `npm run build` puts in dist/dashboard, at
// /dashboard. The files are read once, when the app is built, into memory (a fixed, small set:
// at most `maxFiles` files of at most `maxFileBytes` each), and gzipped there for clients that
// take it. Hashed assets (/dashboard/assets/NAME-HASH.js) are cached for a year as immutable; the
// page itself is revalidated every time, so a new build reaches the next load. Every answer carries
// a strict Content-Security-Policy: scripts and styles from this origin only, no inline script, no
// eval, no framing, and requests only to this origin.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PosError } from '../pos-error.js';

/** Where the build puts the dashboard: the same place from src/http (tests) and dist/http (the package). */
export const defaultDashboardDir = fileURLToPath(new URL('../../dist/dashboard/', import.meta.url));

const maxFiles = 200;
const maxFileBytes = 4 * 1024 * 1024;

export const dashboardCsp = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
};

interface Asset {
  readonly body: Buffer;
  readonly gzipped: Buffer | null;
  readonly contentType: string;
  readonly etag: string;
}

/** The built files by their path under /dashboard/, or null when the dashboard was never built. */
export function loadDashboardAssets(dir: string): Map<string, Asset> | null {
  if (!existsSync(join(dir, 'index.html'))) return null;
  const assets = new Map<string, Asset>();
  const visit = (relative: string): void => {
    for (const name of readdirSync(join(dir, relative))) {
      const path = relative === '' ? name : `${relative}/${name}`;
      const stat = statSync(join(dir, path));
      if (stat.isDirectory()) {
        visit(path);
        continue;
      }
      const contentType = contentTypes[extname(name)];
      if (contentType === undefined) continue;
      if (assets.size >= maxFiles || stat.size > maxFileBytes) {
        throw new Error(`the dashboard build at ${dir} is over ${maxFiles} files or holds a file over 4 MiB`);
      }
      const body = readFileSync(join(dir, path));
      const compressible = !/^(image|font)\//.test(contentType) || contentType === 'image/svg+xml';
      assets.set(path, {
        body,
        gzipped: compressible && body.length > 1024 ? gzipSync(body, { level: 9 }) : null,
        contentType,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      });
    }
  };
  visit('');
  return assets;
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset, immutable: boolean): FastifyReply {
  void reply
    .header('content-type', asset.contentType)
    .header('content-security-policy', dashboardCsp)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .header('etag', asset.etag)
    .header('vary', 'accept-encoding');
  if (request.headers['if-none-match'] === asset.etag) return reply.status(304).send();
  const acceptsGzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  if (asset.gzipped !== null && acceptsGzip) {
    return reply.header('content-encoding', 'gzip').send(asset.gzipped);
  }
  return reply.send(asset.body);
}

/**
 * The dashboard's routes: the page at /dashboard (and /dashboard/), its assets under
 * /dashboard/assets/. Public: the page signs in itself (POST /v1/session).
 */
export function registerDashboardAssets(app: FastifyInstance, dir: string = defaultDashboardDir): void {
  const assets = loadDashboardAssets(dir);
  const notBuilt = (): PosError =>
    new PosError(
      'POS_ERR_DASHBOARD_NOT_BUILT',
      'the dashboard is not built in this installation: run `npm run build` (npm ci does it)',
    );
  const page = (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const index = assets?.get('index.html');
    if (index === undefined) throw notBuilt();
    return send(request, reply, index, false);
  };
  const options = { config: { public: true }, schema: { hide: true } } as const;
  app.get('/dashboard', options, page);
  app.get('/dashboard/', options, page);
  app.get<{ Params: { '*': string } }>('/dashboard/assets/*', options, (request, reply) => {
    if (assets === null) throw notBuilt();
    const asset = assets.get(`assets/${request.params['*']}`);
    if (asset === undefined) {
      throw new PosError(
        'POS_ERR_HTTP_ROUTE_NOT_FOUND',
        'no such dashboard asset (a newer build renamed it?)',
      );
    }
    return send(request, reply, asset, true);
  });
}
