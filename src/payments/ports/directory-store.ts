// The directory port: merchants and their terminals, as the store keeps them (terminal keys only
// sealed, never in clear).
import type { DuplicatePolicy, MerchantRecord, TerminalRecord } from '../payment.js';

export interface NewMerchant {
  readonly id: string;
  readonly name: string;
  readonly apiKeyHash: string;
  readonly duplicatePolicy: DuplicatePolicy;
  readonly duplicateWindowS: number;
  readonly createdAt: number;
}

export interface NewTerminal {
  readonly merchantId: string;
  readonly terminalId: string;
  readonly tmkEncrypted: string | null;
  readonly createdAt: number;
}

export interface TerminalPatch {
  readonly tmkEncrypted?: string | null;
  readonly pinKeyEncrypted?: string | null;
  readonly macKeyEncrypted?: string | null;
  readonly keyMode?: string | null;
  readonly keysIssuedAt?: number | null;
  readonly pendingPinKeyEncrypted?: string | null;
  readonly pendingMacKeyEncrypted?: string | null;
  readonly pendingKeyMode?: string | null;
  readonly pendingKeysIssuedAt?: number | null;
  readonly batchNo?: string;
  readonly signedIn?: boolean;
}

export interface DirectoryReader {
  getMerchant(id: string): Promise<MerchantRecord | undefined>;
  findMerchantByApiKeyHash(apiKeyHash: string): Promise<MerchantRecord | undefined>;
  getTerminal(merchantId: string, terminalId: string): Promise<TerminalRecord | undefined>;
}

export interface DirectoryWriter {
  insertMerchant(merchant: NewMerchant): Promise<boolean>;
  insertTerminal(terminal: NewTerminal): Promise<boolean>;
  updateTerminal(merchantId: string, terminalId: string, patch: TerminalPatch): Promise<void>;
  /** Reads a terminal and holds it until commit: serialises sales on one terminal across hosts. */
  lockTerminal(merchantId: string, terminalId: string): Promise<TerminalRecord | undefined>;
}
