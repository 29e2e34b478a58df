import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reconcile } from '../reconcile.js';
import { renderReportHtml } from './report-html.js';
import { csvCell } from '../read/csv-cell.js';
import { reportCell } from './exceptions-csv.js';
import { writeReport } from './report-writer.js';
import { tempDir } from '../test-support/day-files.js';
import { hostSale } from '../test-support/rows.js';

const inputs = { host: 'host.csv', settlement: 'settlement.csv', terminal: null, profile: null };
const generatedAt = new Date('2026-11-26T02:00:00Z');

async function threeMissing() {
  return reconcile({
    host: {
      kind: 'rows',
      name: 'host.csv',
      rows: ['1', '2', '3'].map((n) =>
        hostSale({ rrn: `10000000000${n}`, stan: `00000${n}`, merchantId: 'A, "B"' }),
      ),
    },
    settlement: { kind: 'rows', name: 'settlement.csv', rows: [] },
  });
}

describe('the report writer', () => {
  it('quotes CSV cells per RFC 4180 only when they need it', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
  });

  it('keeps a spreadsheet from running a formula that came in a third party file', () => {
    expect(reportCell('=1+2')).toBe("'=1+2");
    expect(reportCell('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    for (const risky of ['+1', '-1+2', '@SUM(A1)', '\tx']) expect(reportCell(risky)).toBe(`'${risky}`);
    expect(reportCell('\r=1')).toBe('"\'\r=1"');
    for (const plain of ['100000000001', 'M0001', '1280', 'The host approved this sale.', ''])
      expect(reportCell(plain)).toBe(plain);
  });

  it('writes the three files and no staging folder', async () => {
    const out = join(tempDir(), 'new', 'report');
    const summary = await writeReport({ outDir: out, result: await threeMissing(), inputs, generatedAt });
    expect(summary.exceptions.missing_in_settlement).toBe(3);
    expect(readdirSync(out).sort()).toEqual(['exceptions.csv', 'report.html', 'summary.json']);
    expect(readFileSync(join(out, 'exceptions.csv'), 'utf8')).toContain(
      'missing_in_settlement,third_party,query_acquirer,"A, ""B""",',
    );
  });

  it('leaves neither a partial report nor its staging folder when writing fails', async () => {
    const out = tempDir();
    mkdirSync(join(out, 'summary.json')); // a folder where the last file must go
    const failure = writeReport({ outDir: out, result: await threeMissing(), inputs, generatedAt });
    await expect(failure).rejects.toMatchObject({ code: 'POS_ERR_RECON_REPORT_WRITE' });
    expect(readdirSync(out).filter((f) => f.startsWith('.posguard-partial'))).toEqual([]);
    expect(readdirSync(out)).toEqual(['summary.json']);
  });

  it('caps the rows the page lists and says where the rest are', async () => {
    const html = renderReportHtml({ result: await threeMissing(), inputs, generatedAt, maxListed: 2 });
    expect(html).toContain(
      'Showing the first 2 of 3 exceptions; exceptions.csv beside this page lists them all.',
    );
    expect(html.match(/<tr><td><span class="kind">/g)).toHaveLength(2);
    expect(html).toContain('A, &quot;B&quot;');
  });
});
