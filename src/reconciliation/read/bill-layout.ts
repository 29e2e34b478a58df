// The parts of a mapping profile that describe a file beyond its table: the wallet whose bill it
// is, `#` comment lines around the table, a prefix every cell carries (WeChat Pay's backtick), how
// the data lines end (a comment line, or a totals block), counts the footer states, and where the
// bill says whose it is. An acquirer's plain settlement file needs none of them. Checked here with
// every problem named by its key; profile-reader.ts applies them.
import { wallets, type Wallet } from '../../payments/ports/wallet.js';
import { isRecord, type ProfileProblems } from './profile-problems.js';

/** Where a bill says whose it is: a column of every line, or a comment line (the capture group). */
export type AccountSource = { readonly column: string } | { readonly comment: string };

/**
 * How the data lines end, so a file cut short is refused: a comment line containing `comment`, or a
 * record whose first cell is `firstCell` (a totals header) followed by exactly one totals row, in
 * which `totalsCount`, when given, names the column holding the number of data lines.
 */
export type DataEnd =
  { readonly comment: string } | { readonly firstCell: string; readonly totalsCount: string | null };

/** A footer comment stating how many data lines carry one of `typeCodes` (capture group 1). */
export interface FooterCount {
  readonly comment: string;
  readonly typeCodes: readonly string[];
}

export interface BillLayout {
  /** The wallet whose bill the profile reads; null for an acquirer's settlement file. */
  readonly wallet: Wallet | null;
  readonly commentPrefix: string | null;
  /** One character every data cell may start with, dropped before the cell is read. */
  readonly cellPrefix: string | null;
  readonly end: DataEnd | null;
  readonly footerCounts: readonly FooterCount[];
  /** The merchant the bill belongs to (checked against the run's --wallet-merchant). */
  readonly account: AccountSource | null;
  /** The app the bill's lines were paid through (checked against --wallet-app). */
  readonly app: AccountSource | null;
}

/** Whose bill a wallet profile's file must be (the run's flags); unchecked where not given. */
export interface WalletBillExpectations {
  /** The merchant: Alipay's partner id (2088 and 12 digits), WeChat Pay's merchant number (mch_id). */
  readonly merchant?: string;
  /** The app the lines were paid through: WeChat Pay's appid. */
  readonly app?: string;
}

export const billLayoutKeys = [
  'wallet',
  'comment_prefix',
  'cell_prefix',
  'end',
  'footer_counts',
  'account',
  'app',
] as const;

/** Reads the layout keys of a profile; `typeCodes` are the codes its txn_type map knows. */
export function parseBillLayout(
  value: Record<string, unknown>,
  typeCodes: readonly string[],
  problems: ProfileProblems,
): BillLayout {
  let wallet: Wallet | null = null;
  if (value['wallet'] !== undefined) {
    if (wallets.includes(value['wallet'] as Wallet)) wallet = value['wallet'] as Wallet;
    else problems.add('wallet', wallets.map((w) => JSON.stringify(w)).join(' or '), value['wallet']);
  }
  const commentPrefix = oneCharacter('comment_prefix', value['comment_prefix'], problems);
  const cellPrefix = oneCharacter('cell_prefix', value['cell_prefix'], problems);
  const end = dataEnd(value['end'], problems);
  const footerCounts = footerCountsOf(value['footer_counts'], typeCodes, problems);
  const account = accountSource('account', value['account'], problems);
  const app = accountSource('app', value['app'], problems);
  const usesComments =
    (end !== null && 'comment' in end) ||
    footerCounts.length > 0 ||
    [account, app].some((source) => source !== null && 'comment' in source);
  if (usesComments && commentPrefix === null) {
    problems.add(
      'comment_prefix',
      'the character comment lines start with (end, footer_counts or account read comments)',
      undefined,
    );
  }
  if (footerCounts.length > 0 && end === null) {
    problems.add('end', 'where the data lines end (footer_counts are read after it)', undefined);
  }
  return { wallet, commentPrefix, cellPrefix, end, footerCounts, account, app };
}

function oneCharacter(key: string, v: unknown, problems: ProfileProblems): string | null {
  if (v === undefined) return null;
  if (typeof v === 'string' && v.length === 1 && v.charCodeAt(0) < 0x80 && !'"\r\n'.includes(v)) return v;
  problems.add(key, 'one ASCII character other than a quote or a line break', v);
  return null;
}

function dataEnd(v: unknown, problems: ProfileProblems): DataEnd | null {
  if (v === undefined) return null;
  const expected =
    '{ "comment_contains": "<text>" } or { "first_cell": "<text>", "totals_count": "<column>" }';
  if (isRecord(v) && v['comment_contains'] !== undefined) {
    problems.unknownKeys('end.', v, ['comment_contains']);
    return { comment: problems.string('end.comment_contains', v['comment_contains']) };
  }
  if (isRecord(v) && v['first_cell'] !== undefined) {
    problems.unknownKeys('end.', v, ['first_cell', 'totals_count']);
    const totalsCount =
      v['totals_count'] === undefined ? null : problems.string('end.totals_count', v['totals_count']);
    return { firstCell: problems.string('end.first_cell', v['first_cell']), totalsCount };
  }
  problems.add('end', expected, v);
  return null;
}

function footerCountsOf(v: unknown, typeCodes: readonly string[], problems: ProfileProblems): FooterCount[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    problems.add('footer_counts', 'a list of { "comment": "<pattern>", "type_codes": [...] }', v);
    return [];
  }
  return v.map((entry: unknown, i) => {
    const path = `footer_counts[${i}]`;
    if (!isRecord(entry)) {
      problems.add(path, '{ "comment": "<pattern with one group>", "type_codes": ["<code>", ...] }', entry);
      return { comment: '', typeCodes: [] };
    }
    problems.unknownKeys(`${path}.`, entry, ['comment', 'type_codes']);
    const comment = problems.pattern(`${path}.comment`, entry['comment'], 1);
    const codes = Array.isArray(entry['type_codes']) ? (entry['type_codes'] as unknown[]) : [];
    if (codes.length === 0)
      problems.add(`${path}.type_codes`, 'a list of one or more type codes', entry['type_codes']);
    for (const [k, code] of codes.entries()) {
      if (typeof code !== 'string' || !typeCodes.includes(code)) {
        problems.add(
          `${path}.type_codes[${k}]`,
          `a code of columns.txn_type.map (${typeCodes.join(', ')})`,
          code,
        );
      }
    }
    return { comment, typeCodes: codes.filter((c): c is string => typeof c === 'string') };
  });
}

function accountSource(key: string, v: unknown, problems: ProfileProblems): AccountSource | null {
  if (v === undefined) return null;
  if (isRecord(v) && Object.keys(v).length === 1 && v['column'] !== undefined) {
    return { column: problems.string(`${key}.column`, v['column']) };
  }
  if (isRecord(v) && Object.keys(v).length === 1 && v['comment'] !== undefined) {
    return { comment: problems.pattern(`${key}.comment`, v['comment'], 1) };
  }
  problems.add(key, '{ "column": "<header name>" } or { "comment": "<pattern with one group>" }', v);
  return null;
}
