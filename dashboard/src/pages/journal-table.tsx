// A journal as a table: when, which payment, what happened, the status change and its facts (the
// journal's data: RRN, operator, reason; never card data, which the journal does not hold).
import type { JournalEntry } from '../api.js';
import { formatTime } from '../format.js';
import { statusText, t } from '../i18n.js';

export function JournalTable({ entries }: { entries: readonly JournalEntry[] }) {
  if (entries.length === 0) return <p>{t('none')}</p>;
  return (
    <div class="table-wrap">
      <table class="journal">
        <thead>
          <tr>
            <th scope="col">{t('time')}</th>
            <th scope="col">{t('details')}</th>
            <th scope="col">{t('event')}</th>
            <th scope="col">{t('change')}</th>
            <th scope="col">{t('facts')}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e, i) => (
            <tr key={i}>
              <td>{formatTime(e.at)}</td>
              <td>{e.paymentId ?? '—'}</td>
              <td>
                <code>{e.event}</code>
              </td>
              <td>
                {e.fromStatus === null ? '' : `${statusText(e.fromStatus)} → `}
                {e.toStatus === null ? '' : statusText(e.toStatus)}
              </td>
              <td>
                <code class="facts-text">{factsText(e.data)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function factsText(data: Record<string, unknown>): string {
  return Object.entries(data)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}
