// The merchant's page: one self-contained HTML file (inline CSS and SVG, no script, no external
// asset) that opens offline. Totals, exceptions by kind and by cause with amounts, a bar chart of
// exceptions by cause, and the list with what to do, capped so a bad day still opens quickly.
// Every piece of text from the input files is escaped.
import { formatMajorUnits } from '../../money/money.js';
import { causes, exceptionKinds, kindInfo, type Cause } from '../match/exception-kinds.js';
import type { ReconciliationResult } from '../match/reconciliation-result.js';
import type { ReportInputs } from './report-summary.js';

/** Rows listed on the page; the rest are in exceptions.csv. */
export const maxListedExceptions = 2000;

const causeTitles: Readonly<Record<Cause, string>> = {
  software: 'Software',
  hardware: 'Hardware',
  operator: 'Operator',
  network: 'Network',
  third_party: 'Third party (acquirer or wallet)',
};

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** ¥ with thousands grouped: 569623999 fen gives ¥5,696,239.99. */
const yuan = (fen: number): string =>
  `¥${formatMajorUnits(fen, 'CNY').replace(/\B(?=(\d{3})+(?!\d))(?=\d*\.)/g, ',')}`;
const count = (n: number): string => n.toLocaleString('en-US');

/** The page's head: its title and its whole style sheet, inline so the file opens offline. */
const pageHead = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>posguard reconciliation report</title>
<style>
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:2rem;color:#1d2433;max-width:80rem}
h1{font-size:1.5rem;margin-bottom:.25rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border-bottom:1px solid #dde2ea;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f5f8}.num{text-align:right;white-space:nowrap}.zero{color:#8a93a3}.kind{font-family:ui-monospace,monospace;font-size:.85rem}
.totals{display:flex;flex-wrap:wrap;gap:1rem}.totals div{background:#f3f5f8;border-radius:.5rem;padding:.75rem 1rem;min-width:9rem}
.totals b{display:block;font-size:1.3rem}td.detail{min-width:16rem}.note{background:#fff6da;padding:.5rem .75rem;border-radius:.4rem}small{color:#5b6475}
</style>
</head>`;

type CauseFigures = ReadonlyMap<Cause, { count: number; amount: number }>;

/** The page, section by section as it shows them. */
export function renderReportHtml(options: {
  readonly result: ReconciliationResult;
  readonly inputs: ReportInputs;
  readonly generatedAt: Date;
  /** Rows listed on the page (default maxListedExceptions). */
  readonly maxListed?: number;
}): string {
  const { result } = options;
  const total = exceptionKinds.reduce((sum, k) => sum + result.exceptionCounts[k], 0);
  const totals = result.exceptions.totals();
  const byCause: CauseFigures = new Map(
    causes.map((c) => [c, { count: totals.causeCounts[c], amount: totals.causeAmounts[c] }]),
  );
  return `${pageHead}
<body>
<h1>Reconciliation report</h1>
${madeFrom(options.inputs, options.generatedAt, result)}
${totalsBoxes(result, total)}
<h2>Exceptions by cause</h2>
${causeChart(byCause)}
${causeTable(byCause)}
<h2>Exceptions by kind</h2>
${kindTable(result)}
<h2>Exceptions</h2>
${exceptionList(result, total, options.maxListed ?? maxListedExceptions)}
</body>
</html>
`;
}

/** When the page was made, from which files, and the duplicate window the run used. */
function madeFrom(inputs: ReportInputs, generatedAt: Date, result: ReconciliationResult): string {
  return `<p>Made ${escapeHtml(generatedAt.toISOString())} from host journal <code>${escapeHtml(inputs.host)}</code>, settlement file <code>${escapeHtml(inputs.settlement)}</code>${inputs.profile === null ? '' : ` (profile <code>${escapeHtml(inputs.profile)}</code>)`}${inputs.terminal === null ? ', no terminal journal' : `, terminal journal <code>${escapeHtml(inputs.terminal)}</code>`}. Duplicate window ${result.duplicateWindowS} s.</p>`;
}

/** The day's figures in boxes: rows read, lines matched, money settled, exceptions found. */
function totalsBoxes(result: ReconciliationResult, total: number): string {
  return `<div class="totals">
<div>Host rows<b>${count(result.hostRows)}</b></div>
<div>Terminal rows<b>${count(result.terminalRows)}</b></div>
<div>Settlement lines<b>${count(result.settlementRows)}</b></div>
<div>Matched lines<b>${count(result.matched)}</b></div>
<div>Settled<b>${yuan(result.settledAmountMinor)}</b></div>
<div>Fees<b>${yuan(result.feesMinor)}</b></div>
<div>Exceptions<b>${count(total)}</b></div>
</div>`;
}

function causeTable(byCause: CauseFigures): string {
  const rows = causes
    .map((c) => {
      const entry = byCause.get(c)!;
      return `<tr><td>${escapeHtml(causeTitles[c])}</td><td class="num">${count(entry.count)}</td><td class="num">${yuan(entry.amount)}</td></tr>`;
    })
    .join('\n');
  return `<table><thead><tr><th>Cause</th><th class="num">Exceptions</th><th class="num">Amount</th></tr></thead><tbody>
${rows}
</tbody></table>`;
}

/** Every kind, found or not, with its count, amount, causes and what to do about it. */
function kindTable(result: ReconciliationResult): string {
  const rows = exceptionKinds
    .map((k) => {
      const info = kindInfo[k];
      return (
        `<tr${result.exceptionCounts[k] === 0 ? ' class="zero"' : ''}><td><b>${escapeHtml(info.title)}</b> <small>${escapeHtml(info.titleZh)}</small><br><code>${k}</code></td>` +
        `<td class="num">${count(result.exceptionCounts[k])}</td><td class="num">${yuan(result.amounts[k])}</td>` +
        `<td>${escapeHtml(info.causes.join(' / '))}</td><td><b>${escapeHtml(info.action)}</b>: ${escapeHtml(info.whatToDo)}<br><small>${escapeHtml(info.why)} Amount: ${escapeHtml(info.amountMeaning)}.</small></td></tr>`
      );
    })
    .join('\n');
  return `<table><thead><tr><th>Kind</th><th class="num">Exceptions</th><th class="num">Amount</th><th>Cause</th><th>What to do</th></tr></thead><tbody>
${rows}
</tbody></table>`;
}

/** The exceptions one by one, the first `maxListed` of them; a note says when there are more. */
function exceptionList(result: ReconciliationResult, total: number, maxListed: number): string {
  const listed: string[] = [];
  for (let index = 0; index < Math.min(total, maxListed); index += 1) {
    const e = result.exceptions.at(index);
    listed.push(
      `<tr><td><span class="kind">${escapeHtml(e.kind)}</span></td><td>${escapeHtml(e.cause)}</td><td><b>${escapeHtml(e.action)}</b></td>` +
        `<td>${escapeHtml(e.merchantId)}<br><small>${escapeHtml(e.terminalId)}</small></td><td>${escapeHtml(e.batchNo)}/${escapeHtml(e.stan)}</td>` +
        `<td>${escapeHtml(e.rrn)}${e.relatedRrn === '' ? '' : `<br><small>↔ ${escapeHtml(e.relatedRrn)}</small>`}</td>` +
        `<td class="num">${e.hostAmountMinor === null ? '' : yuan(e.hostAmountMinor)}</td>` +
        `<td class="num">${e.settledAmountMinor === null ? '' : yuan(e.settledAmountMinor)}</td><td class="detail">${escapeHtml(e.detail)}</td></tr>`,
    );
  }
  const more =
    total > maxListed
      ? `<p class="note">Showing the first ${count(maxListed)} of ${count(total)} exceptions; exceptions.csv beside this page lists them all.</p>`
      : '';
  return `${total === 0 ? '<p>None: the three views of the day agree.</p>' : ''}${more}
${
  total === 0
    ? ''
    : `<table><thead><tr><th>Kind</th><th>Cause</th><th>Action</th><th>Merchant / terminal</th><th>Batch/STAN</th><th>RRN</th><th class="num">Host</th><th class="num">Settled</th><th>Detail</th></tr></thead><tbody>
${listed.join('\n')}
</tbody></table>`
}`;
}

/** A bar per cause, as inline SVG. */
function causeChart(byCause: CauseFigures): string {
  const rowHeight = 34;
  const labelWidth = 190;
  const barWidth = 420;
  const max = Math.max(1, ...[...byCause.values()].map((e) => e.count));
  const bars = causes.map((c, i) => {
    const entry = byCause.get(c)!;
    const width = Math.round((entry.count / max) * barWidth);
    const y = i * rowHeight;
    return (
      `<text x="${labelWidth - 8}" y="${y + 21}" text-anchor="end">${escapeHtml(causeTitles[c])}</text>` +
      `<rect x="${labelWidth}" y="${y + 6}" width="${width}" height="${rowHeight - 12}" fill="#3f6fd8" rx="3"></rect>` +
      `<text x="${labelWidth + width + 8}" y="${y + 21}">${count(entry.count)} · ${escapeHtml(yuan(entry.amount))}</text>`
    );
  });
  const height = causes.length * rowHeight;
  return `<svg role="img" aria-label="Exceptions by cause" width="100%" viewBox="0 0 ${labelWidth + barWidth + 200} ${height}" font-size="13" font-family="system-ui,sans-serif" xmlns="http://www.w3.org/2000/svg">
${bars.join('\n')}
</svg>`;
}
