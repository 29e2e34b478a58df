// The Reconciliation page (loaded on demand): upload a day's files (or take the host journal of a
// day from this host's store), start a run through POST /v1/reconciliation-runs, follow its
// progress, then see the exceptions by kind with what to do about each, a kind's exceptions, and
// download exceptions.csv. The run is named in the URL (#/reconciliation?run=ID), so a reload or a
// shared link finds it again while the host keeps it.
import { useEffect, useState } from 'preact/hooks';
import { apiGet, session } from '../api.js';
import { formatCount, formatFen, formatTime } from '../format.js';
import { go, useLoad, useSignal, type Route } from '../hooks.js';
import { t as common } from '../i18n.js';
import { problemText, Show } from '../show.js';
import { NewRunForm } from './reconciliation-form.js';
import { reconWords, type ReconKey } from './reconciliation-words.js';
// The spec's kinds, with the action and causes of each: the reconciler's own table, shared.
import {
  exceptionKinds,
  kindRules,
  type ExceptionKind,
} from '../../../src/reconciliation/match/kind-rules.js';

const { t } = reconWords;

type Kind = ExceptionKind;

export interface Run {
  readonly id: string;
  readonly state: 'queued' | 'running' | 'succeeded' | 'failed';
  readonly phase: string;
  readonly percent: number;
  readonly createdAt: string;
  readonly owner: { readonly role: string; readonly merchantId: string | null };
  readonly inputs: {
    readonly settlement: { readonly name: string };
    readonly host:
      | { readonly kind: 'upload'; readonly name: string }
      | { readonly kind: 'store'; readonly day: string; readonly merchantId: string | null };
    readonly terminal: { readonly name: string } | null;
  };
  readonly progress: Record<'host' | 'settlement' | 'terminal', { readonly rows: number }>;
  readonly summary: {
    readonly hostRows: number;
    readonly terminalRows: number;
    readonly settlementRows: number;
    readonly matched: number;
    readonly exceptions: Record<Kind, number>;
    readonly amounts: Record<Kind, number>;
    readonly settledAmountMinor: number;
  } | null;
  readonly findings: { readonly stored: number; readonly alreadyStored: number } | null;
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly file: string | null;
    readonly line: number | null;
    readonly column: string | null;
  } | null;
}

interface ExceptionRow {
  readonly kind: Kind;
  readonly cause: string;
  readonly merchantId: string;
  readonly terminalId: string;
  readonly batchNo: string;
  readonly stan: string;
  readonly rrn: string;
  readonly relatedRrn: string;
  readonly hostAmountMinor: number | null;
  readonly settledAmountMinor: number | null;
  readonly detail: string;
}

const causeText = (cause: string): string => common(`diagCause_${cause}` as Parameters<typeof common>[0]);
const kindText = (kind: Kind): string => t(`kind_${kind}` as ReconKey);

export function ReconciliationPage({ route }: { route: Route }) {
  const runId = route.query.get('run');
  const [listVersion, setListVersion] = useState(0);
  return (
    <section aria-labelledby="recon-title">
      <h1 id="recon-title">{t('reconTitle')}</h1>
      <p class="muted">{t('reconIntro')}</p>
      {runId !== null && <RunView key={runId} id={runId} onFinished={() => setListVersion((n) => n + 1)} />}
      <NewRunForm
        onStarted={(run) => {
          started.set(run.id, run);
          go('/reconciliation', { run: run.id });
        }}
      />
      <RunList version={listVersion} selected={runId} />
    </section>
  );
}

function RunList({ version, selected }: { version: number; selected: string | null }) {
  const operations = useSignal(session)?.role === 'operations';
  const [loaded, retry] = useLoad(
    () => apiGet<{ data: Run[] }>('/v1/reconciliation-runs'),
    [version, selected],
  );
  return (
    <section aria-labelledby="runs-title">
      <h2 id="runs-title">{t('runsTitle')}</h2>
      <Show loaded={loaded} retry={retry}>
        {({ data }) =>
          data.length === 0 ? (
            <p>{t('noRuns')}</p>
          ) : (
            <div class="table-wrap">
              <table class="runs">
                <thead>
                  <tr>
                    <th scope="col">{t('runCreated')}</th>
                    {operations && <th scope="col">{common('merchantColumn')}</th>}
                    <th scope="col">{t('runFiles')}</th>
                    <th scope="col">{t('runState')}</th>
                    <th scope="col">{common('details')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.map((run) => (
                    <tr
                      key={run.id}
                      data-run-id={run.id}
                      aria-current={run.id === selected ? 'true' : undefined}
                    >
                      <td>{formatTime(run.createdAt)}</td>
                      {operations && <td>{run.owner.merchantId ?? common('roleOperations')}</td>}
                      <td>{filesOf(run)}</td>
                      <td>{t(`state_${run.state}` as ReconKey)}</td>
                      <td>
                        <a href={`#/reconciliation?run=${encodeURIComponent(run.id)}`}>{t('open')}</a>
                      </td>
                    </tr>
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

function filesOf(run: Run): string {
  const host =
    run.inputs.host.kind === 'upload' ? run.inputs.host.name : `${t('hostFromStore')} ${run.inputs.host.day}`;
  return [run.inputs.settlement.name, host, run.inputs.terminal?.name]
    .filter((n) => n !== undefined)
    .join(' · ');
}

/** Runs this page just started, as the host answered: shown at once, before the first read. */
const started = new Map<string, Run>();

/** Reads the run again every half second until it has finished. */
function useRun(id: string): { run: Run | null; problem: Error | null } {
  const [run, setRun] = useState<Run | null>(started.get(id) ?? null);
  const [problem, setProblem] = useState<Error | null>(null);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = (): void => {
      apiGet<Run>(`/v1/reconciliation-runs/${encodeURIComponent(id)}`).then(
        (next) => {
          if (!live) return;
          setRun(next);
          if (next.state === 'queued' || next.state === 'running') timer = setTimeout(poll, 500);
        },
        (error: unknown) => live && setProblem(error instanceof Error ? error : new Error(String(error))),
      );
    };
    poll();
    return () => {
      live = false;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [id]);
  return { run, problem };
}

function RunView({ id, onFinished }: { id: string; onFinished: () => void }) {
  const { run, problem } = useRun(id);
  const finished = run !== null && (run.state === 'succeeded' || run.state === 'failed');
  useEffect(() => {
    if (finished) onFinished();
  }, [finished]);
  if (problem !== null)
    return (
      <p class="error" role="alert">
        {problemText(problem)}
      </p>
    );
  if (run === null)
    return (
      <p class="loading" role="status">
        {common('loading')}
      </p>
    );
  return (
    <section class="panel run" aria-labelledby="run-title" data-run-state={run.state}>
      <h2 id="run-title">
        {t('runTitle')} <span class="chip">{run.id}</span>
      </h2>
      <p class="muted">{filesOf(run)}</p>
      {!finished && <RunProgress run={run} />}
      {run.state === 'failed' && run.error !== null && <RunFailure error={run.error} />}
      {run.state === 'succeeded' && run.summary !== null && <RunResult run={run} summary={run.summary} />}
    </section>
  );
}

function RunProgress({ run }: { run: Run }) {
  const sources = (['host', 'settlement', 'terminal'] as const).filter((s) => run.progress[s].rows > 0);
  return (
    <div role="status" aria-live="polite">
      <p>{t(`phase_${run.phase}` as ReconKey)}</p>
      <progress max={100} value={run.percent} aria-label={t('progressLabel')}>
        {run.percent}%
      </progress>
      <ul class="plain">
        {sources.map((s) => (
          <li key={s}>
            {t('rowsRead', { source: t(`source_${s}`), rows: formatCount(run.progress[s].rows) })}
          </li>
        ))}
      </ul>
    </div>
  );
}

function RunFailure({ error }: { error: NonNullable<Run['error']> }) {
  return (
    <div class="error" role="alert" data-error-code={error.code}>
      <h3>{t('runFailed')}</h3>
      {error.file !== null && error.line !== null && (
        <p class="error-place">
          {t('errorWhere', { file: error.file, line: error.line })}
          {error.column === null ? '' : t('errorColumn', { column: error.column })}
        </p>
      )}
      <p>
        <span class="chip">{error.code}</span> {error.message}
      </p>
    </div>
  );
}

function RunResult({ run, summary }: { run: Run; summary: NonNullable<Run['summary']> }) {
  const [shown, setShown] = useState<Kind | null>(null);
  const total = exceptionKinds.reduce((n, k) => n + summary.exceptions[k], 0);
  const tiles: Array<[string, string]> = [
    [t('hostRows'), formatCount(summary.hostRows)],
    [t('settlementRows'), formatCount(summary.settlementRows)],
    [t('terminalRows'), formatCount(summary.terminalRows)],
    [t('matched'), formatCount(summary.matched)],
    [t('exceptionsTotal'), formatCount(total)],
    [t('settledAmount'), formatFen(summary.settledAmountMinor)],
  ];
  return (
    <>
      <dl class="tiles">
        {tiles.map(([label, figure]) => (
          <div class="tile" key={label}>
            <dt>{label}</dt>
            <dd>
              <span class="figure">{figure}</span>
            </dd>
          </div>
        ))}
      </dl>
      {run.findings !== null && (
        <p class="notice">
          {t('findingsKept', { stored: run.findings.stored, already: run.findings.alreadyStored })}
        </p>
      )}
      <div class="buttons">
        <a
          class="button"
          href={`/v1/reconciliation-runs/${encodeURIComponent(run.id)}/exceptions.csv`}
          download
        >
          {t('downloadCsv')}
        </a>
      </div>
      {total === 0 ? <p>{t('noExceptions')}</p> : <KindTable summary={summary} onShow={setShown} />}
      {shown !== null && (
        <KindExceptions key={shown} runId={run.id} kind={shown} total={summary.exceptions[shown]} />
      )}
    </>
  );
}

function KindTable({
  summary,
  onShow,
}: {
  summary: NonNullable<Run['summary']>;
  onShow: (kind: Kind) => void;
}) {
  return (
    <div class="table-wrap">
      <h3 id="kinds-title">{t('byKind')}</h3>
      <table class="kinds" aria-labelledby="kinds-title">
        <thead>
          <tr>
            <th scope="col">{t('exceptionKind')}</th>
            <th scope="col" class="num">
              {t('exceptionCount')}
            </th>
            <th scope="col" class="num">
              {t('exceptionAmount')}
            </th>
            <th scope="col">{t('exceptionCause')}</th>
            <th scope="col">{t('exceptionAction')}</th>
            <th scope="col">{common('details')}</th>
          </tr>
        </thead>
        <tbody>
          {exceptionKinds
            .filter((k) => summary.exceptions[k] > 0)
            .map((k) => (
              <tr key={k} data-kind={k}>
                <th scope="row">
                  {kindText(k)}
                  <br />
                  <span class="chip">{k}</span>
                </th>
                <td class="num">{formatCount(summary.exceptions[k])}</td>
                <td class="num">{formatFen(summary.amounts[k])}</td>
                <td>{kindRules[k].causes.map(causeText).join(' / ')}</td>
                <td>
                  <strong>{t(`action_${kindRules[k].action}` as ReconKey)}</strong>:{' '}
                  {t(`todo_${k}` as ReconKey)}
                </td>
                <td>
                  <button type="button" class="secondary" onClick={() => onShow(k)}>
                    {t('showExceptions')}
                  </button>
                </td>
              </tr>
            ))}
        </tbody>
      </table>
    </div>
  );
}

function KindExceptions({ runId, kind, total }: { runId: string; kind: Kind; total: number }) {
  const [loaded, retry] = useLoad(
    () =>
      apiGet<{ data: ExceptionRow[]; held: number }>(
        `/v1/reconciliation-runs/${encodeURIComponent(runId)}/exceptions`,
        {
          kind,
          limit: '100',
        },
      ),
    [runId, kind],
  );
  return (
    <section aria-labelledby="exceptions-title" class="exceptions" data-kind={kind}>
      <Show loaded={loaded} retry={retry}>
        {({ data, held }) => (
          <>
            <h3 id="exceptions-title">
              {t('exceptionsOf', { kind: kindText(kind), shown: data.length, total })}
            </h3>
            {held < total || data.length < held ? (
              <p class="muted">{t('moreInCsv', { held: data.length })}</p>
            ) : null}
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{common('terminal')}</th>
                    <th scope="col">{t('batchStan')}</th>
                    <th scope="col">{common('rrn')}</th>
                    <th scope="col">{t('relatedRrn')}</th>
                    <th scope="col" class="num">
                      {t('hostAmount')}
                    </th>
                    <th scope="col" class="num">
                      {t('settledAmountCol')}
                    </th>
                    <th scope="col">{t('exceptionCause')}</th>
                    <th scope="col">{t('detailOriginal')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.map((e, i) => (
                    <tr key={`${e.rrn}-${i}`} data-rrn={e.rrn}>
                      <td>{e.terminalId}</td>
                      <td>{`${e.batchNo}/${e.stan}`}</td>
                      <td>{e.rrn || '—'}</td>
                      <td>{e.relatedRrn || '—'}</td>
                      <td class="num">{e.hostAmountMinor === null ? '—' : formatFen(e.hostAmountMinor)}</td>
                      <td class="num">
                        {e.settledAmountMinor === null ? '—' : formatFen(e.settledAmountMinor)}
                      </td>
                      <td>{causeText(e.cause)}</td>
                      <td lang="en">{e.detail}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </Show>
    </section>
  );
}
