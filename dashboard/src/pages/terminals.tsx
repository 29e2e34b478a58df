// Each terminal's state: signed in, last seen (its last payment or status report), software and
// firmware versions and its latest telemetry (issue 14's status reports). Reads GET /v1/terminals.
import { apiGet, session, type TerminalView } from '../api.js';
import { formatCount, formatTime } from '../format.js';
import { useLoad, useSignal } from '../hooks.js';
import { t } from '../i18n.js';
import { chosenMerchant, FleetFilter } from '../merchant-picker.js';
import { Show } from '../show.js';

export function TerminalsPage() {
  const operations = useSignal(session)?.role === 'operations';
  const merchantId = useSignal(chosenMerchant);
  const scope = operations && merchantId !== '' ? merchantId : undefined;
  const [loaded, retry] = useLoad(
    () => apiGet<{ data: TerminalView[] }>('/v1/terminals', { merchantId: scope }),
    [scope],
  );
  return (
    <section aria-labelledby="terminals-title">
      <h1 id="terminals-title">{t('terminalsTitle')}</h1>
      {operations && <FleetFilter />}
      <Show loaded={loaded} retry={retry}>
        {({ data }) =>
          data.length === 0 ? (
            <p>{t('noTerminals')}</p>
          ) : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    {operations && <th scope="col">{t('merchantColumn')}</th>}
                    <th scope="col">{t('terminal')}</th>
                    <th scope="col">{t('signedIn')}</th>
                    <th scope="col">{t('lastSeen')}</th>
                    <th scope="col">{t('lastPayment')}</th>
                    <th scope="col">{t('softwareVersion')}</th>
                    <th scope="col">{t('firmwareVersion')}</th>
                    <th scope="col">{t('network')}</th>
                    <th scope="col">{t('battery')}</th>
                    <th scope="col" class="num">
                      {t('readerFaults')}
                    </th>
                    <th scope="col" class="num">
                      {t('printerFaults')}
                    </th>
                    <th scope="col" class="num">
                      {t('restarts')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.map((terminal) => (
                    <TerminalRow
                      key={`${terminal.merchantId}/${terminal.terminalId}`}
                      terminal={terminal}
                      operations={operations}
                    />
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Show>
    </section>
  );
}

function TerminalRow({ terminal: tm, operations }: { terminal: TerminalView; operations: boolean }) {
  const tel = tm.telemetry;
  const dash = '—';
  return (
    <tr data-terminal-id={tm.terminalId} data-merchant-id={tm.merchantId}>
      {operations && <td>{tm.merchantId}</td>}
      <th scope="row">{tm.terminalId}</th>
      <td>{t(tm.signedIn ? 'yes' : 'no')}</td>
      <td>{tm.lastSeenAt === null ? dash : formatTime(tm.lastSeenAt)}</td>
      <td>{tm.lastPaymentAt === null ? dash : formatTime(tm.lastPaymentAt)}</td>
      <td>{tel?.softwareVersion ?? dash}</td>
      <td>{tel?.firmwareVersion ?? dash}</td>
      <td>
        {tel === null
          ? t('noTelemetry')
          : `${tel.networkType}${tel.carrier === null ? '' : ` ${tel.carrier}`}${tel.signalDbm === null ? '' : ` ${tel.signalDbm} dBm`}`}
      </td>
      <td>{tel === null || tel.batteryMin === null ? dash : `${tel.batteryMin}%`}</td>
      <td class="num">{tel === null ? dash : formatCount(tel.readerErrors)}</td>
      <td class="num">{tel === null ? dash : formatCount(tel.paperOut + tel.printerHeadErrors)}</td>
      <td class="num">{tel === null ? dash : formatCount(tel.reboots + tel.crashes)}</td>
    </tr>
  );
}
