// The telemetry port over SQL (issue 14). Raw reports are one row each, keyed by the terminal's
// report id; the compaction claims old ones with `FOR UPDATE SKIP LOCKED` (two hosts compacting
// at once never fold a report twice), adds them to their hour with one upsert whose arithmetic is
// `mergeTelemetryHours`'s (sums, minimum and maximum ignoring nulls, the later fold's versions and
// network), and deletes them, all in the caller's transaction.
import type { StoredTelemetryReport, TelemetryHour } from '../../diagnostics/telemetry-hours.js';
import type {
  TelemetryHourPage,
  TelemetryReportKey,
  TelemetryReportPage,
} from '../../diagnostics/ports/telemetry-store.js';
import { integer, type Row } from './rows.js';
import { placeholders, type SqlSession, type SqlValue } from './sql-driver.js';
import {
  hourColumns,
  hourLatest,
  hourSums,
  hourValues,
  reportColumns,
  reportValues,
  toTelemetryHour,
  toTelemetryReport,
} from './telemetry-rows.js';

export async function getTelemetryReport(
  s: SqlSession,
  key: TelemetryReportKey,
): Promise<StoredTelemetryReport | undefined> {
  const row = await s.db.get<Row>(
    'SELECT * FROM telemetry_reports WHERE merchant_id = ? AND terminal_id = ? AND report_id = ?',
    [key.merchantId, key.terminalId, key.reportId],
  );
  return row && toTelemetryReport(row);
}

export async function countTelemetryReceived(
  s: SqlSession,
  merchantId: string,
  terminalId: string,
  fromMs: number,
  toMs: number,
): Promise<number> {
  const row = await s.db.get<Row>(
    `SELECT COUNT(*) AS n FROM telemetry_reports
     WHERE merchant_id = ? AND terminal_id = ? AND received_at >= ? AND received_at < ?`,
    [merchantId, terminalId, fromMs, toMs],
  );
  return row === undefined ? 0 : integer(row, 'n');
}

/** The WHERE clause of a period's page: its scope, its times, and the rows after the last one read. */
function pageWhere(
  page: TelemetryReportPage | TelemetryHourPage,
  time: string,
  after: readonly SqlValue[] | undefined,
): { where: string; params: SqlValue[] } {
  const clauses = [`${time} >= ?`, `${time} < ?`];
  const params: SqlValue[] = [page.fromMs, page.toMs];
  if (page.merchantId !== undefined) {
    clauses.push('merchant_id = ?');
    params.push(page.merchantId);
    if (page.terminalId !== undefined) {
      clauses.push('terminal_id = ?');
      params.push(page.terminalId);
    }
  }
  if (after !== undefined) {
    const key =
      time === 'at' ? '(merchant_id, terminal_id, at, report_id)' : '(merchant_id, terminal_id, hour_start)';
    clauses.push(`${key} > (${placeholders(after.length)})`);
    params.push(...after);
  }
  return { where: clauses.join(' AND '), params };
}

export async function listTelemetryReports(
  s: SqlSession,
  page: TelemetryReportPage,
): Promise<StoredTelemetryReport[]> {
  const a = page.after;
  const { where, params } = pageWhere(
    page,
    'at',
    a === undefined ? undefined : [a.merchantId, a.terminalId, a.at, a.reportId],
  );
  const rows = await s.db.all<Row>(
    `SELECT * FROM telemetry_reports WHERE ${where}
     ORDER BY merchant_id, terminal_id, at, report_id LIMIT ?`,
    [...params, page.limit],
  );
  return rows.map(toTelemetryReport);
}

export async function listTelemetryHours(s: SqlSession, page: TelemetryHourPage): Promise<TelemetryHour[]> {
  const a = page.after;
  const { where, params } = pageWhere(
    page,
    'hour_start',
    a === undefined ? undefined : [a.merchantId, a.terminalId, a.hourStart],
  );
  const rows = await s.db.all<Row>(
    `SELECT * FROM telemetry_hours WHERE ${where} ORDER BY merchant_id, terminal_id, hour_start LIMIT ?`,
    [...params, page.limit],
  );
  return rows.map(toTelemetryHour);
}

export async function insertTelemetryReport(s: SqlSession, record: StoredTelemetryReport): Promise<boolean> {
  const inserted = await s.db.run(
    `INSERT INTO telemetry_reports (${reportColumns.join(', ')}) VALUES (${placeholders(reportColumns.length)})
     ON CONFLICT DO NOTHING`,
    reportValues(record),
  );
  return inserted.changes === 1;
}

export async function claimTelemetryReportsBefore(
  s: SqlSession,
  beforeMs: number,
  limit: number,
): Promise<StoredTelemetryReport[]> {
  const rows = await s.db.all<Row>(
    `SELECT * FROM telemetry_reports WHERE at < ?
     ORDER BY at, merchant_id, terminal_id, report_id LIMIT ? ${s.driver.forUpdateSkipLocked}`,
    [beforeMs, limit],
  );
  return rows.map(toTelemetryReport);
}

export async function deleteTelemetryReports(
  s: SqlSession,
  keys: readonly TelemetryReportKey[],
): Promise<number> {
  // One statement per terminal, naming its reports.
  const byTerminal = new Map<string, { merchantId: string; terminalId: string; ids: string[] }>();
  for (const key of keys) {
    const name = `${key.merchantId}\u0000${key.terminalId}`;
    const group = byTerminal.get(name) ?? { merchantId: key.merchantId, terminalId: key.terminalId, ids: [] };
    group.ids.push(key.reportId);
    byTerminal.set(name, group);
  }
  let deleted = 0;
  for (const group of byTerminal.values()) {
    const done = await s.db.run(
      `DELETE FROM telemetry_reports WHERE merchant_id = ? AND terminal_id = ?
       AND report_id IN (${placeholders(group.ids.length)})`,
      [group.merchantId, group.terminalId, ...group.ids],
    );
    deleted += done.changes;
  }
  return deleted;
}

const held = 'telemetry_hours';
const newer = `excluded.last_at >= ${held}.last_at`;
/** The smaller (or larger) of the held and incoming values, a null standing for "none given". */
const extreme = (column: string, op: '<' | '>') =>
  `${column} = CASE WHEN excluded.${column} IS NULL THEN ${held}.${column}
    WHEN ${held}.${column} IS NULL OR excluded.${column} ${op} ${held}.${column} THEN excluded.${column}
    ELSE ${held}.${column} END`;

/** The upsert: every SET reads the held row as it was, so their order does not matter. */
const addHourSql = `INSERT INTO telemetry_hours (${hourColumns.join(', ')}) VALUES (${placeholders(hourColumns.length)})
  ON CONFLICT (merchant_id, terminal_id, hour_start) DO UPDATE SET
  ${[
    ...hourSums.map((c) => `${c} = ${held}.${c} + excluded.${c}`),
    ...hourLatest.map((c) => `${c} = CASE WHEN ${newer} THEN excluded.${c} ELSE ${held}.${c} END`),
    `last_at = CASE WHEN ${newer} THEN excluded.last_at ELSE ${held}.last_at END`,
    `first_at = CASE WHEN excluded.first_at < ${held}.first_at THEN excluded.first_at ELSE ${held}.first_at END`,
    extreme('signal_dbm_min', '<'),
    extreme('signal_dbm_max', '>'),
    extreme('battery_min', '<'),
    extreme('battery_max', '>'),
  ].join(',\n  ')}`;

export async function addTelemetryHour(s: SqlSession, hour: TelemetryHour): Promise<void> {
  await s.db.run(addHourSql, hourValues(hour));
}

export async function deleteTelemetryHoursBefore(s: SqlSession, beforeMs: number): Promise<number> {
  const deleted = await s.db.run('DELETE FROM telemetry_hours WHERE hour_start < ?', [beforeMs]);
  return deleted.changes;
}
