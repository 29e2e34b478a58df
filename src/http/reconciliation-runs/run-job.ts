// What the host hands a run's thread (run-worker.ts) and what the thread posts back: plain data, so
// it crosses between threads as it is.
import type { ErrorCode } from '../../error-catalogue.js';
import type { ReconciliationCounts, ReconException } from '../../reconciliation/index.js';

/** A file of the run: where its bytes are, and the name its sender gave it (errors name that). */
export interface RunFile {
  readonly path: string;
  readonly name: string;
}

/** How the settlement file is read: v1 CSV, a wallet's bill, or an acquirer's layout by a profile. */
export type SettlementFormat =
  | { readonly kind: 'v1' }
  | {
      readonly kind: 'wallet';
      readonly wallet: 'alipay' | 'wechat';
      readonly label: string;
      readonly walletMerchant: string | null;
      readonly walletApp: string | null;
    }
  | { readonly kind: 'profile'; readonly profile: RunFile; readonly label: string };

export interface RunJob {
  readonly outDir: string;
  readonly host: RunFile;
  readonly settlement: RunFile;
  readonly terminal: RunFile | null;
  readonly format: SettlementFormat;
  readonly duplicateWindowS: number;
  /** How many exceptions of each kind come back for the page (exceptions.csv holds them all). */
  readonly keepPerKind: number;
  /** Whether the duplicate findings come back to be kept in the store (a day read from the store). */
  readonly keepFindings: boolean;
}

export interface RunSummary extends ReconciliationCounts {
  readonly settledAmountMinor: number;
  readonly feesMinor: number;
  readonly duplicateWindowS: number;
}

export type RunMessage =
  | { type: 'progress'; source: 'host' | 'settlement' | 'terminal'; rows: number; bytesRead: number }
  | { type: 'phase'; phase: 'writing' }
  | { type: 'done'; summary: RunSummary; exceptions: ReconException[]; findings: ReconException[] }
  | { type: 'error'; code: ErrorCode; message: string; details: Readonly<Record<string, unknown>> }
  | { type: 'crash'; message: string };
