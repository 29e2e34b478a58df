// The SQLite driver's own flush: on a file, a transaction's promise settles only once an fdatasync
// of the WAL that began after its COMMIT has returned; a read waits for the commits it could see;
// a failed flush refuses all further work. fdatasync is held here until the test lets it finish.
import type * as Fs from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SqliteDriver } from './sqlite-driver.js';

type Done = (error: NodeJS.ErrnoException | null) => void;
const held: Done[] = [];

vi.mock('node:fs', async (original) => {
  const fs = await original<typeof Fs>();
  return { ...fs, fdatasync: (_fd: number, done: Done) => held.push(done) };
});

/** Lets every fdatasync asked for so far return (with `error`, if given) and the callbacks run. */
async function finishFlushes(error: NodeJS.ErrnoException | null = null): Promise<number> {
  const now = held.splice(0, held.length);
  for (const done of now) done(error);
  await new Promise((resolve) => setImmediate(resolve));
  return now.length;
}

/** Waits until the driver has asked for a flush (it opens the WAL and syncs the folder first). */
async function flushAsked(): Promise<void> {
  await vi.waitFor(() => expect(held.length).toBeGreaterThan(0));
}

async function fileDriver(): Promise<SqliteDriver> {
  const driver = new SqliteDriver(join(mkdtempSync(join(tmpdir(), 'pg-flush-')), 'db.sqlite'));
  const created = driver.transaction('write', (c) => c.run('CREATE TABLE t (n INTEGER PRIMARY KEY)'));
  await flushAsked();
  await finishFlushes();
  await created;
  return driver;
}

function settledFlag(promise: Promise<unknown>): () => boolean {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return () => settled;
}

afterEach(async () => {
  await finishFlushes();
});

describe('the SQLite driver on a file', () => {
  it('answers a write only after the WAL is flushed, one flush for the group', async () => {
    const driver = await fileDriver();
    const first = driver.transaction('write', (c) => c.run('INSERT INTO t VALUES (1)'));
    const second = driver.transaction('write', (c) => c.run('INSERT INTO t VALUES (2)'));
    const settled = [settledFlag(first), settledFlag(second)];
    await flushAsked();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled.map((s) => s())).toEqual([false, false]);
    expect(await finishFlushes()).toBe(1);
    await expect(first).resolves.toEqual({ changes: 1 });
    await expect(second).resolves.toEqual({ changes: 1 });
    await driver.close();
  });

  it('holds a read that saw an unflushed commit until that commit is flushed', async () => {
    const driver = await fileDriver();
    const write = driver.transaction('write', (c) => c.run('INSERT INTO t VALUES (1)'));
    await flushAsked();
    const read = driver.transaction('read', (c) => c.get<{ n: number }>('SELECT n FROM t'));
    const readSettled = settledFlag(read);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(readSettled()).toBe(false);
    await finishFlushes();
    await write;
    await expect(read).resolves.toEqual({ n: 1 });
    // Nothing on its way to the disk: a read is answered at once.
    await expect(driver.transaction('read', (c) => c.get('SELECT COUNT(*) AS k FROM t'))).resolves.toEqual({
      k: 1,
    });
    await driver.close();
  });

  it('makes a commit that arrives during a flush wait for the next one', async () => {
    const driver = await fileDriver();
    const first = driver.transaction('write', (c) => c.run('INSERT INTO t VALUES (1)'));
    await flushAsked();
    const second = driver.transaction('write', (c) => c.run('INSERT INTO t VALUES (2)'));
    const secondSettled = settledFlag(second);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await finishFlushes()).toBe(1);
    await first;
    expect(secondSettled()).toBe(false);
    await flushAsked();
    await finishFlushes();
    await expect(second).resolves.toEqual({ changes: 1 });
    await driver.close();
  });

  it('refuses every later transaction once a flush has failed', async () => {
    const driver = await fileDriver();
    const write = driver
      .transaction('write', (c) => c.run('INSERT INTO t VALUES (1)'))
      .catch((error: unknown) => error);
    await flushAsked();
    await finishFlushes(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    expect(await write).toMatchObject({ code: 'POS_ERR_STORE_NOT_DURABLE' });
    await expect(driver.transaction('read', (c) => c.get('SELECT 1 AS one'))).rejects.toMatchObject({
      code: 'POS_ERR_STORE_NOT_DURABLE',
      message: expect.stringContaining('restart the host') as unknown,
    });
    await driver.close();
  });
});

describe('the SQLite driver in memory', () => {
  it('has no disk to wait for: a write is answered without any flush', async () => {
    const driver = new SqliteDriver(':memory:');
    await driver.transaction('write', (c) => c.run('CREATE TABLE t (n INTEGER)'));
    await expect(driver.transaction('write', (c) => c.run('INSERT INTO t VALUES (1)'))).resolves.toEqual({
      changes: 1,
    });
    expect(held).toHaveLength(0);
    await driver.close();
  });
});
