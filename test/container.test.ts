// The container image cannot be built here (no Docker engine), so this checks what can be checked
// from the repository: the Dockerfile's entry point, environment and health check run as they are,
// and the runtime stage, which keeps only the production dependencies, needs nothing else.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDataDir } from './support/host-process.js';

const dockerfile = readFileSync('Dockerfile', 'utf8').replace(/\\\n\s*/g, ' ');

/** The JSON array after an instruction (`ENTRYPOINT [...]`, `HEALTHCHECK ... CMD [...]`). */
function execForm(pattern: RegExp): string[] {
  const match = pattern.exec(dockerfile);
  if (match?.[1] === undefined) throw new Error(`Dockerfile: ${String(pattern)} not found`);
  return JSON.parse(match[1]) as string[];
}

/** The run stage's ENV (the last FROM onwards), as NAME=value pairs. */
function runStageEnv(): Record<string, string> {
  const runStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const line of runStage.split('\n').filter((l) => l.startsWith('ENV '))) {
    for (const pair of line.slice(4).trim().split(/\s+/)) {
      const [name, value] = pair.split('=');
      if (name !== undefined && value !== undefined) env[name] = value;
    }
  }
  return env;
}

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function healthCheck(command: string[], env: NodeJS.ProcessEnv): number | null {
  const [program, ...args] = command;
  return spawnSync(program === 'node' ? process.execPath : (program ?? ''), args, { env, timeout: 10_000 })
    .status;
}

describe('the container image, from the repository', () => {
  it('serves with the entry point and environment of the Dockerfile, and its health check follows the host', async () => {
    const entrypoint = execForm(/^ENTRYPOINT (\[.*\])$/m);
    const check = execForm(/^HEALTHCHECK .*? CMD (\[.*\])$/m);
    expect(entrypoint.slice(0, 3)).toEqual(['node', 'bin/posguard.js', 'serve']);
    const env = {
      ...process.env,
      ...runStageEnv(),
      POSGUARD_HTTP_PORT: String(await freePort()),
      POSGUARD_DB: join(tempDataDir(), 'posguard.db'),
    };
    expect(runStageEnv()).toMatchObject({ POSGUARD_HOST: '0.0.0.0', POSGUARD_DB: '/data/posguard.db' });
    const host = spawn(process.execPath, [...entrypoint.slice(1), '--json'], { env, stdio: 'pipe' });
    let output = '';
    host.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    host.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      for (let i = 0; i < 150 && !output.includes('"event":"ready"'); i += 1) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(output).toContain('"event":"ready"');
      expect(healthCheck(check, env)).toBe(0);
    } finally {
      host.kill('SIGTERM');
      await once(host, 'exit');
    }
    expect(healthCheck(check, env)).toBe(1);
  });

  it('needs no development dependency at run time (the run stage prunes them)', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const imported = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.js')) {
          const text = readFileSync(path, 'utf8');
          const statements = /^(?:import|export)\b[^;]*?from '([^']+)'|\bimport\('([^']+)'\)/gm;
          for (const m of text.matchAll(statements)) {
            const spec = m[1] ?? m[2] ?? '';
            if (spec.startsWith('node:') || spec.startsWith('.')) continue;
            const parts = spec.split('/');
            imported.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? spec));
          }
        }
      }
    };
    walk('dist');
    walk('bin');
    expect(imported.size).toBeGreaterThan(3);
    for (const name of imported) expect(Object.keys(pkg.dependencies), name).toContain(name);
  });
});
