// The directory port over SQL: merchants and terminals.
import type { NewMerchant, NewTerminal, TerminalPatch } from '../../payments/ports/directory-store.js';
import type { MerchantRecord, TerminalRecord } from '../../payments/payment.js';
import { toMerchant, toTerminal, type Row } from './rows.js';
import type { SqlSession, SqlValue } from './sql-driver.js';

export async function getMerchant(s: SqlSession, id: string): Promise<MerchantRecord | undefined> {
  const row = await s.db.get<Row>('SELECT * FROM merchants WHERE id = ?', [id]);
  return row && toMerchant(row);
}

export async function findMerchantByApiKeyHash(
  s: SqlSession,
  apiKeyHash: string,
): Promise<MerchantRecord | undefined> {
  const row = await s.db.get<Row>('SELECT * FROM merchants WHERE api_key_hash = ?', [apiKeyHash]);
  return row && toMerchant(row);
}

export async function getTerminal(
  s: SqlSession,
  merchantId: string,
  terminalId: string,
): Promise<TerminalRecord | undefined> {
  const row = await s.db.get<Row>('SELECT * FROM terminals WHERE merchant_id = ? AND terminal_id = ?', [
    merchantId,
    terminalId,
  ]);
  return row && toTerminal(row);
}

export async function insertMerchant(s: SqlSession, merchant: NewMerchant): Promise<boolean> {
  const result = await s.db.run(
    `INSERT INTO merchants (id, name, api_key_hash, duplicate_policy, duplicate_window_s, created_at)
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    [
      merchant.id,
      merchant.name,
      merchant.apiKeyHash,
      merchant.duplicatePolicy,
      merchant.duplicateWindowS,
      merchant.createdAt,
    ],
  );
  return result.changes === 1;
}

export async function insertTerminal(s: SqlSession, terminal: NewTerminal): Promise<boolean> {
  const result = await s.db.run(
    `INSERT INTO terminals (merchant_id, terminal_id, tmk_encrypted, batch_no, signed_in, created_at)
     VALUES (?, ?, ?, '000001', 0, ?) ON CONFLICT DO NOTHING`,
    [terminal.merchantId, terminal.terminalId, terminal.tmkEncrypted, terminal.createdAt],
  );
  return result.changes === 1;
}

export async function updateTerminal(
  s: SqlSession,
  merchantId: string,
  terminalId: string,
  patch: TerminalPatch,
): Promise<void> {
  const columns: Array<[string, SqlValue]> = [];
  if (patch.tmkEncrypted !== undefined) columns.push(['tmk_encrypted', patch.tmkEncrypted]);
  if (patch.pinKeyEncrypted !== undefined) columns.push(['pin_key_encrypted', patch.pinKeyEncrypted]);
  if (patch.macKeyEncrypted !== undefined) columns.push(['mac_key_encrypted', patch.macKeyEncrypted]);
  if (patch.keyMode !== undefined) columns.push(['key_mode', patch.keyMode]);
  if (patch.keysIssuedAt !== undefined) columns.push(['keys_issued_at', patch.keysIssuedAt]);
  if (patch.pendingPinKeyEncrypted !== undefined)
    columns.push(['pending_pin_key_encrypted', patch.pendingPinKeyEncrypted]);
  if (patch.pendingMacKeyEncrypted !== undefined)
    columns.push(['pending_mac_key_encrypted', patch.pendingMacKeyEncrypted]);
  if (patch.pendingKeyMode !== undefined) columns.push(['pending_key_mode', patch.pendingKeyMode]);
  if (patch.pendingKeysIssuedAt !== undefined)
    columns.push(['pending_keys_issued_at', patch.pendingKeysIssuedAt]);
  if (patch.batchNo !== undefined) columns.push(['batch_no', patch.batchNo]);
  if (patch.signedIn !== undefined) columns.push(['signed_in', patch.signedIn ? 1 : 0]);
  if (columns.length === 0) return;
  await s.db.run(
    `UPDATE terminals SET ${columns.map(([c]) => `${c} = ?`).join(', ')} WHERE merchant_id = ? AND terminal_id = ?`,
    [...columns.map(([, v]) => v), merchantId, terminalId],
  );
}

export async function lockTerminal(
  s: SqlSession,
  merchantId: string,
  terminalId: string,
): Promise<TerminalRecord | undefined> {
  const row = await s.db.get<Row>(
    `SELECT * FROM terminals WHERE merchant_id = ? AND terminal_id = ? ${s.driver.forUpdate}`,
    [merchantId, terminalId],
  );
  return row && toTerminal(row);
}
