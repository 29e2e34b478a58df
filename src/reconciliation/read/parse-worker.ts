// The worker thread's side of parallel parsing: reads the settlement file and/or the terminal
// journal it is given into tables with its own dictionary, and posts them back without copying
// (transferred ArrayBuffers) along with the dictionary's texts, which the main thread remaps.
import { parentPort, workerData } from 'node:worker_threads';
import { assert } from '../../assert.js';
import { isPosError } from '../../pos-error.js';
import type { WorkerJob, WorkerMessage } from './parse-worker-client.js';
import { readWithProfile } from './profile-reader.js';
import { readSettlementFile } from './settlement-file-reader.js';
import type { TransferredTable } from '../tables/tables.js';
import { readTerminalJournal } from './terminal-journal-reader.js';
import { TextDictionary } from '../tables/text-dictionary.js';

const port = parentPort;
assert(port !== null, 'parse-worker.ts runs as a worker thread');
const jobs = workerData as WorkerJob[];

async function run(): Promise<void> {
  const dictionary = new TextDictionary();
  const tables: {
    name: WorkerJob['name'];
    table: TransferredTable;
    qr?: TransferredTable;
    wallet?: number;
  }[] = [];
  const transfer: ArrayBuffer[] = [];
  for (const job of jobs) {
    const onProgress = (p: { rows: number; bytesRead: number }): void => {
      port!.postMessage({ type: 'progress', source: job.name, ...p } satisfies WorkerMessage);
    };
    const common = {
      dictionary,
      ...(job.fileName === undefined ? { file: job.path } : { file: job.fileName, path: job.path }),
      onProgress,
      ...(job.maxRecordBytes === undefined ? {} : { maxRecordBytes: job.maxRecordBytes }),
    };
    if (job.name === 'terminal') {
      const moved = (await readTerminalJournal(common)).toTransfer();
      tables.push({ name: job.name, table: moved.table });
      transfer.push(...moved.transfer);
      continue;
    }
    const table =
      job.profile === undefined
        ? await readSettlementFile(common)
        : await readWithProfile({
            ...common,
            profile: job.profile,
            ...(job.wallet === undefined ? {} : { expect: job.wallet }),
          });
    const moved = table.toTransfer();
    // A wallet bill's order and trade numbers travel in their side table.
    const qr = table.qr.toTransfer();
    tables.push({ name: job.name, table: moved.table, qr: qr.table, wallet: table.wallet });
    transfer.push(...moved.transfer, ...qr.transfer);
  }
  port!.postMessage({ type: 'done', tables, texts: dictionary.allTexts() } satisfies WorkerMessage, transfer);
}

run().catch((error: unknown) => {
  const message: WorkerMessage = isPosError(error)
    ? { type: 'error', code: error.code, message: error.message, details: error.details }
    : { type: 'crash', message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  port.postMessage(message);
});
