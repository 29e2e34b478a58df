// The main thread's side of parallel parsing: starts parse-worker on its own thread and turns what
// comes back into tables keyed in this thread's dictionary.
import type { ErrorCode } from '../../error-catalogue.js';
import { InvariantError } from '../../assert.js';
import { PosError } from '../../pos-error.js';
import { startWorker } from '../../start-worker.js';
import type { MappingProfile } from './mapping-profile.js';
import type { WalletBillExpectations } from './profile-reader.js';
import {
  qrSchema,
  settlementSchema,
  Table,
  terminalSchema,
  type SettlementTable,
  type TerminalTable,
  type TransferredTable,
} from '../tables/tables.js';
import type { TextDictionary } from '../tables/text-dictionary.js';

export interface WorkerJob {
  readonly name: 'settlement' | 'terminal';
  readonly path: string;
  /** What errors and reports call the file, when not its path (reconcile.ts, CsvSource). */
  readonly fileName?: string;
  readonly profile?: MappingProfile;
  /** Whose bill a wallet profile's file must be. */
  readonly wallet?: WalletBillExpectations;
  readonly maxRecordBytes?: number;
}

export type WorkerMessage =
  | { type: 'progress'; source: 'settlement' | 'terminal'; rows: number; bytesRead: number }
  | {
      type: 'done';
      tables: {
        name: 'settlement' | 'terminal';
        table: TransferredTable;
        qr?: TransferredTable;
        wallet?: number;
      }[];
      texts: readonly string[];
    }
  | { type: 'error'; code: ErrorCode; message: string; details: Readonly<Record<string, unknown>> }
  | { type: 'crash'; message: string };

export interface ParsedInWorker {
  readonly settlement?: SettlementTable;
  readonly terminal?: TerminalTable;
}

export interface WorkerRun {
  /** Waits for the worker and returns its tables, their keys recoded into `dictionary`. */
  result(dictionary: TextDictionary): Promise<ParsedInWorker>;
  cancel(): Promise<void>;
}

export function parseInWorker(
  jobs: readonly WorkerJob[],
  onProgress: (progress: { source: 'settlement' | 'terminal'; rows: number; bytesRead: number }) => void,
): WorkerRun {
  const worker = startWorker(import.meta.url, 'parse-worker', jobs);
  const done = new Promise<Extract<WorkerMessage, { type: 'done' }>>((resolve, reject) => {
    worker.on('message', (message: WorkerMessage) => {
      switch (message.type) {
        case 'progress':
          onProgress(message);
          return;
        case 'done':
          resolve(message);
          return;
        case 'error':
          reject(new PosError(message.code, message.message, { details: message.details }));
          return;
        case 'crash':
          reject(new InvariantError(`the parse worker failed: ${message.message}`));
          return;
      }
    });
    worker.on('error', (error) =>
      reject(
        new PosError('POS_ERR_RECON_WORKER_FAILED', `the parse worker stopped: ${error.message}`, {
          cause: error,
        }),
      ),
    );
    worker.on('exit', (code) =>
      reject(
        new PosError(
          'POS_ERR_RECON_WORKER_FAILED',
          `the parse worker exited with code ${code} before finishing`,
        ),
      ),
    );
  });
  // The outcome is read by result(); until then a failure must not count as unhandled.
  done.catch(() => undefined);
  return {
    async result(dictionary) {
      const message = await done;
      await worker.terminate();
      const codes = message.texts.map((text) => -(dictionary.idOfText(text) + 1));
      const remap = (code: number): number => codes[-code - 1]!;
      const parsed: { settlement?: SettlementTable; terminal?: TerminalTable } = {};
      for (const { name, table, qr, wallet } of message.tables) {
        if (name === 'settlement') {
          const settlement = Object.assign(Table.fromTransfer(settlementSchema, table), {
            qr: qr === undefined ? new Table(qrSchema, table.source, 16) : Table.fromTransfer(qrSchema, qr),
            wallet: wallet ?? 0,
          });
          settlement.remapKeys(remap);
          settlement.qr.remapKeys(remap);
          parsed.settlement = settlement;
        } else {
          parsed.terminal = Table.fromTransfer(terminalSchema, table);
          parsed.terminal.remapKeys(remap);
        }
      }
      return parsed;
    },
    async cancel() {
      await worker.terminate();
    },
  };
}
