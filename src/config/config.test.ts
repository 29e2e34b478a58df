import { describe, expect, it } from 'vitest';
import { defaultHttpLimits } from '../http/http-server.js';
import { loadHostConfig } from './config.js';

describe('HTTP limits in the host configuration', () => {
  it('defaults to the documented limits and takes each from a flag or the environment', () => {
    expect(loadHostConfig({ flags: {}, env: {}, cwd: '/tmp' }).http).toEqual(defaultHttpLimits);
    const config = loadHostConfig({
      flags: { httpRequestTimeoutMs: '5000', httpMaxConnectionsPerAddress: '0' },
      env: { POSGUARD_HTTP_MAX_CONNECTIONS: '64', POSGUARD_HTTP_AUTH_FAILURES_PER_MINUTE: '5' },
      cwd: '/tmp',
    });
    expect(config.http).toMatchObject({
      requestTimeoutMs: 5000,
      maxConnections: 64,
      maxConnectionsPerAddress: 0,
      authFailuresPerMinute: 5,
    });
  });

  it('keeps the idle timeout longer than the upstream timeout and a QR pay window, and refuses a limit out of range', () => {
    const config = loadHostConfig({
      flags: { httpIdleTimeoutMs: '2000', upstreamTimeoutMs: '80000' },
      env: {},
      cwd: '/tmp',
    });
    expect(config.http.idleTimeoutMs).toBe(85_000);
    // A QR sale's answer waits for the customer, up to the longest pay window (60 s).
    const qr = loadHostConfig({ flags: { httpIdleTimeoutMs: '2000' }, env: {}, cwd: '/tmp' });
    expect(qr.http.idleTimeoutMs).toBe(65_000);
    expect(() => loadHostConfig({ flags: { httpMaxConnections: '0' }, env: {}, cwd: '/tmp' })).toThrow(
      /http-max-connections/,
    );
  });
});
