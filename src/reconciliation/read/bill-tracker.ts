// Keeps a bill's layout while its lines stream past (bill-layout.ts says what the layout is): the
// comment lines before the table that say whose bill it is, the end of the table (without it the
// file was cut short), the totals block or footer lines after it and the counts they state. Each
// check that fails names the file and the line, and nothing of the file is reconciled.
import { describeCell, inputError } from './input-error.js';
import type { SectionHandler } from './csv-table-reader.js';
import type { CsvRecord } from './csv-scanner.js';
import type { MappingProfile } from './mapping-profile.js';
import type { WalletBillExpectations } from './bill-layout.js';

interface FooterState {
  readonly pattern: RegExp;
  readonly source: string;
  readonly typeCodes: readonly string[];
  found: { readonly count: number; readonly line: number } | null;
}

export class BillTracker {
  private headerSeen = false;
  private ended = false;
  private lastLine = 0;
  private dataLines = 0;
  private accountSeen = false;
  private readonly byCode = new Map<string, number>();
  private readonly footer: FooterState[];
  /** The totals block after a first-cell end: its header's width, then its row's line. */
  private totals: { width: number; names: readonly string[]; rowLine: number | null } | null = null;

  constructor(
    private readonly file: string,
    private readonly profile: MappingProfile,
    private readonly expect: WalletBillExpectations,
  ) {
    this.footer = profile.footerCounts.map((f) => ({
      pattern: new RegExp(f.comment, 'u'),
      source: f.comment,
      typeCodes: f.typeCodes,
      found: null,
    }));
  }

  sections(): SectionHandler {
    return {
      comment: (record) => this.comment(record),
      endsData: (record) => this.endsData(record),
      afterData: (record) => this.afterData(record),
    };
  }

  /** The header was read: a bill that says whose it is in a comment must have said it by now. */
  header(): void {
    this.headerSeen = true;
    const account = this.profile.account;
    if (account !== null && 'comment' in account && this.expect.merchant !== undefined && !this.accountSeen) {
      throw inputError(
        'POS_ERR_RECON_WRONG_ACCOUNT',
        { file: this.file, line: Math.max(1, this.lastLine) },
        `the bill does not say whose it is: no comment line before its header matches ${account.comment} (expected merchant ${this.expect.merchant})`,
      );
    }
  }

  /** A data line: counted by its type code, and checked to be of the expected merchant and app. */
  line(record: CsvRecord, cell: (column: string) => string, typeCode: string): void {
    this.lastLine = record.line;
    this.dataLines += 1;
    this.byCode.set(typeCode, (this.byCode.get(typeCode) ?? 0) + 1);
    const { account, app } = this.profile;
    if (account !== null && 'column' in account && this.expect.merchant !== undefined) {
      this.checkAccount(record.line, account.column, cell(account.column), this.expect.merchant, 'merchant');
    }
    if (app !== null && 'column' in app && this.expect.app !== undefined) {
      this.checkAccount(record.line, app.column, cell(app.column), this.expect.app, 'app');
    }
  }

  /** After the last record: the table ended where the profile says, and the footer agrees. */
  finish(): void {
    const end = this.profile.end;
    if (end === null) return;
    if (!this.ended) {
      const expected =
        'comment' in end
          ? `a comment line containing ${JSON.stringify(end.comment)}`
          : `a line starting ${JSON.stringify(end.firstCell)} and the totals after it`;
      throw this.truncated(`before the end of its table (expected ${expected})`);
    }
    if (this.totals !== null && this.totals.rowLine === null) {
      throw this.truncated(`after the totals header of line ${this.lastLine}, without the totals row`);
    }
    for (const footer of this.footer) {
      if (footer.found === null) throw this.truncated(`without its footer line matching ${footer.source}`);
      const counted = footer.typeCodes.reduce((sum, code) => sum + (this.byCode.get(code) ?? 0), 0);
      if (footer.found.count !== counted) {
        throw inputError(
          'POS_ERR_RECON_TOTALS_MISMATCH',
          { file: this.file, line: footer.found.line },
          `the footer states ${footer.found.count} lines of ${footer.typeCodes.join(', ')} but the table holds ${counted}: lines are missing or extra`,
        );
      }
    }
  }

  private comment(record: CsvRecord): void {
    this.lastLine = record.line;
    const text = record.text(0).trim();
    if (!this.headerSeen) {
      this.preamble(record.line, text);
      return;
    }
    const end = this.profile.end;
    if (!this.ended && end !== null && 'comment' in end && text.includes(end.comment)) {
      this.ended = true;
      return;
    }
    if (!this.ended) return;
    for (const footer of this.footer) {
      const match = footer.pattern.exec(text);
      if (match === null) continue;
      const count = Number(match[1]);
      if (!Number.isSafeInteger(count)) {
        throw inputError(
          'POS_ERR_RECON_BAD_VALUE',
          { file: this.file, line: record.line },
          `expected a count of lines in the footer, got ${describeCell(match[1] ?? '')}`,
        );
      }
      footer.found = { count, line: record.line };
    }
  }

  /** A comment before the header: whose bill it is, when the profile reads that from a comment. */
  private preamble(line: number, text: string): void {
    const account = this.profile.account;
    if (account === null || !('comment' in account)) return;
    const match = new RegExp(account.comment, 'u').exec(text);
    if (match === null) return;
    this.accountSeen = true;
    if (this.expect.merchant !== undefined) {
      this.checkAccount(line, '(comment)', match[1] ?? '', this.expect.merchant, 'merchant');
    }
  }

  private endsData(record: CsvRecord): boolean {
    if (this.ended) return true;
    const end = this.profile.end;
    if (end === null || !('firstCell' in end)) return false;
    const first = record.text(0).trim();
    const prefix = this.profile.cellPrefix;
    const text = prefix !== null && first.startsWith(prefix) ? first.slice(prefix.length) : first;
    this.ended = text === end.firstCell;
    return this.ended;
  }

  private afterData(record: CsvRecord): void {
    this.lastLine = record.line;
    const end = this.profile.end!;
    if ('comment' in end) {
      throw inputError(
        'POS_ERR_RECON_BAD_VALUE',
        { file: this.file, line: record.line },
        `a table line after the line that ends the bill's table (${JSON.stringify(end.comment)})`,
      );
    }
    if (this.totals === null) {
      const names = Array.from({ length: record.count }, (_, i) => record.text(i).trim());
      this.totals = { width: record.count, names, rowLine: null };
      return;
    }
    if (this.totals.rowLine !== null) {
      throw inputError(
        'POS_ERR_RECON_BAD_VALUE',
        { file: this.file, line: record.line },
        `a line after the bill's totals (line ${this.totals.rowLine}); expected the end of the file`,
      );
    }
    if (record.count !== this.totals.width) {
      throw inputError(
        'POS_ERR_RECON_FIELD_COUNT',
        { file: this.file, line: record.line },
        `expected ${this.totals.width} fields as in the totals header, got ${record.count}`,
      );
    }
    this.totals.rowLine = record.line;
    if (end.totalsCount !== null) this.checkTotalsCount(record, end.totalsCount);
  }

  private checkTotalsCount(record: CsvRecord, column: string): void {
    const at = this.totals!.names.indexOf(column);
    const raw = at === -1 ? '' : record.text(at).trim();
    const prefix = this.profile.cellPrefix;
    const text = prefix !== null && raw.startsWith(prefix) ? raw.slice(prefix.length) : raw;
    if (!/^\d{1,12}$/.test(text)) {
      throw inputError(
        'POS_ERR_RECON_BAD_VALUE',
        { file: this.file, line: record.line, column },
        `expected the number of lines in the bill's totals, got ${describeCell(text)}`,
      );
    }
    if (Number(text) !== this.dataLines) {
      throw inputError(
        'POS_ERR_RECON_TOTALS_MISMATCH',
        { file: this.file, line: record.line, column },
        `the totals state ${text} lines but the table holds ${this.dataLines}: lines are missing or extra`,
      );
    }
  }

  private checkAccount(
    line: number,
    column: string,
    found: string,
    expected: string,
    what: 'merchant' | 'app',
  ): void {
    if (found === expected) return;
    throw inputError(
      'POS_ERR_RECON_WRONG_ACCOUNT',
      { file: this.file, line, column },
      `the bill is of ${what} ${describeCell(found)}, not ${JSON.stringify(expected)} (--wallet-${what}): it belongs to another ${what === 'merchant' ? 'merchant account' : 'app'}`,
    );
  }

  private truncated(where: string): Error {
    return inputError(
      'POS_ERR_RECON_TRUNCATED',
      { file: this.file, line: this.lastLine },
      `the file ends at line ${this.lastLine} ${where}: it looks cut short (download it again)`,
    );
  }
}
