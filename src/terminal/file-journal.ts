// A terminal journal in a folder, for the virtual POS (`./data/terminals/<TID>`):
//   state.json                       batch, last STAN, keys
//   records/<batch>-<stan>.json      one file per transaction
//   reversals/<batch>-<stan>.json    one file per reversal owed
// Each file is written whole to a temporary name, flushed to disk, renamed into place and the
// folder flushed, so a crash leaves either the old file or the new one, never half of one. Files
// are created with mode 0600: the state holds the terminal's keys. Reads are bounded: at most
// `maxJournalRecords` records, each file at most 64 KiB.
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PosError } from '../pos-error.js';
import {
  maxJournalRecords,
  recordKey,
  type Journal,
  type JournalContents,
  type ReversalRecord,
  type TerminalState,
  type TransactionRecord,
} from './journal.js';
import { journalFull } from './memory-journal.js';

const maxFileBytes = 64 * 1024;
const jsonFile = /^\d{6}-\d{6}\.json$/;

function unreadable(path: string, why: string, cause?: unknown): PosError {
  return new PosError('POS_ERR_TERMINAL_JOURNAL_UNREADABLE', `terminal journal ${path}: ${why}`, {
    details: { path },
    ...(cause === undefined ? {} : { cause }),
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks that a parsed file has the fields the journal wrote, with their types. */
function shaped<T>(path: string, value: unknown, strings: readonly string[], numbers: readonly string[]): T {
  if (!isObject(value)) throw unreadable(path, 'expected a JSON object');
  const wrong = [
    ...strings.filter((k) => typeof value[k] !== 'string'),
    ...numbers.filter((k) => typeof value[k] !== 'number'),
  ];
  if (wrong.length > 0) throw unreadable(path, `missing or mistyped ${wrong.join(', ')}`);
  return value as T;
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    const info = await stat(path);
    if (info.size > maxFileBytes)
      throw unreadable(path, `${info.size} bytes, at most ${maxFileBytes} allowed`);
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof PosError) throw error;
    throw unreadable(path, 'cannot be read', error);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw unreadable(path, 'not valid JSON', error);
  }
}

async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class FileJournal implements Journal {
  readonly #folder: string;
  #recordCount: number | undefined;

  constructor(folder: string) {
    this.#folder = folder;
  }

  get folder(): string {
    return this.#folder;
  }

  async #write(folder: string, name: string, value: unknown): Promise<void> {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const temporary = join(folder, `.${name}.tmp`);
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, join(folder, name));
    await syncFolder(folder);
  }

  async #list(folder: string): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(folder);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') return [];
      throw unreadable(folder, 'cannot be listed', error);
    }
    const files = names.filter((n) => jsonFile.test(n)).sort();
    if (files.length > maxJournalRecords) {
      throw unreadable(folder, `${files.length} files, at most ${maxJournalRecords} allowed`);
    }
    return files;
  }

  async load(): Promise<JournalContents> {
    const statePath = join(this.#folder, 'state.json');
    let state: TerminalState | null = null;
    try {
      await stat(statePath);
      state = shaped<TerminalState>(
        statePath,
        await readJson(statePath),
        ['merchantId', 'terminalId', 'batchNo'],
        ['lastStan'],
      );
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
    }
    const recordsFolder = join(this.#folder, 'records');
    const records: TransactionRecord[] = [];
    const recordFiles = await this.#list(recordsFolder);
    for (const name of recordFiles) {
      const path = join(recordsFolder, name);
      records.push(
        shaped<TransactionRecord>(
          path,
          await readJson(path),
          ['batchNo', 'stan', 'kind', 'state'],
          ['amount', 'createdAt'],
        ),
      );
    }
    this.#recordCount = recordFiles.length;
    const reversalsFolder = join(this.#folder, 'reversals');
    const reversals: ReversalRecord[] = [];
    for (const name of await this.#list(reversalsFolder)) {
      const path = join(reversalsFolder, name);
      const reversal = shaped<ReversalRecord>(
        path,
        await readJson(path),
        ['batchNo', 'stan', 'reason'],
        ['attempts', 'createdAt'],
      );
      if (!isObject(reversal.message)) throw unreadable(path, 'missing its message');
      reversals.push(reversal);
    }
    return { state, records, reversals };
  }

  saveState(state: TerminalState): Promise<void> {
    return this.#write(this.#folder, 'state.json', state);
  }

  async putRecord(record: TransactionRecord): Promise<void> {
    const folder = join(this.#folder, 'records');
    const name = `${recordKey(record)}.json`;
    this.#recordCount ??= (await this.#list(folder)).length;
    const exists = await stat(join(folder, name)).then(
      () => true,
      () => false,
    );
    if (!exists && this.#recordCount >= maxJournalRecords) throw journalFull();
    await this.#write(folder, name, record);
    if (!exists) this.#recordCount += 1;
  }

  putReversal(reversal: ReversalRecord): Promise<void> {
    return this.#write(join(this.#folder, 'reversals'), `${recordKey(reversal)}.json`, reversal);
  }

  async deleteReversal(ref: { batchNo: string; stan: string }): Promise<void> {
    const folder = join(this.#folder, 'reversals');
    await rm(join(folder, `${recordKey(ref)}.json`), { force: true });
    await syncFolder(folder).catch(() => undefined);
  }

  async pruneRecords(keep: readonly string[]): Promise<void> {
    const folder = join(this.#folder, 'records');
    for (const name of await this.#list(folder)) {
      if (!keep.includes(name.slice(0, 6))) await rm(join(folder, name), { force: true });
    }
    this.#recordCount = undefined;
    await syncFolder(folder).catch(() => undefined);
  }
}
