// Reads the multipart request that starts a reconciliation run (issue 15) into the run's folder:
// each file part streamed to a temporary file (bounded in size, hashed on the way), each field
// checked, and every problem with the request reported at once, naming the part. Whatever goes
// wrong, the folder goes with it: a refused request leaves nothing behind. What the files hold is
// the run's to judge (their errors name file, line and column); this reads only their bytes.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { holdsCardNumber } from '../../cards/card-in-text.js';
import { chinaDayBounds } from '../../insight/day-overview.js';
import { defaultDuplicateWindowS } from '../../merchants/merchant-admin.js';
import { describeValue, PosError, type FieldProblem } from '../../pos-error.js';
import type { RunFile, SettlementFormat } from './run-job.js';
import type { NewRun, ReconciliationRuns } from './runs.js';

/** The file parts a request may carry, by part name: the run's source each one is. */
export const fileParts = {
  settlement: 'settlement',
  hostJournal: 'host',
  terminalJournal: 'terminal',
  profileFile: 'profile',
} as const;
type FilePart = keyof typeof fileParts;

export const fieldParts = [
  'format',
  'walletMerchant',
  'walletApp',
  'day',
  'merchantId',
  'duplicateWindowS',
] as const;
type FieldPart = (typeof fieldParts)[number];

export const settlementFormats = ['v1', 'alipay', 'wechat', 'profile'] as const;

/** The largest mapping profile accepted, as the CLI's. */
const maxProfileBytes = 1024 * 1024;

interface Received {
  readonly files: Partial<Record<FilePart, RunFile & { bytes: number; digest: string }>>;
  readonly fields: Partial<Record<FieldPart, string>>;
  readonly problems: FieldProblem[];
  tooLarge: string | null;
}

/** A file's own name as its sender gave it, if it is plain and short; the part's name otherwise. */
function fileName(given: string, part: FilePart): string {
  const base = given.split(/[\\/]/).pop() ?? '';
  const plain = /^[\p{L}\p{N} ._()+,@#~-]{1,120}$/u.test(base) && !holdsCardNumber(base);
  return plain ? base : `${part}.csv`;
}

/** Streams one file part to its temporary file; its size and SHA-256 come back. */
async function keepFile(
  stream: NodeJS.ReadableStream & { truncated?: boolean },
  path: string,
): Promise<{ bytes: number; digest: string; truncated: boolean }> {
  const hash = createHash('sha256');
  let bytes = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(stream, count, createWriteStream(path, { flags: 'wx' }));
  return { bytes, digest: hash.digest('hex'), truncated: stream.truncated === true };
}

/** The multipart body, or a coded refusal when it is broken or has too many parts. */
async function receive(request: FastifyRequest, dir: string, maxFileBytes: number): Promise<Received> {
  try {
    return await receiveParts(request, dir, maxFileBytes);
  } catch (error) {
    if (error instanceof PosError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw PosError.invalidInput('POS_ERR_RECON_UPLOAD_INVALID', 'reconciliation upload', [
      {
        field: '(body)',
        expected: `a whole multipart/form-data body with ${partsExpected}`,
        actual: message,
      },
    ]);
  }
}

async function receiveParts(request: FastifyRequest, dir: string, maxFileBytes: number): Promise<Received> {
  const received: Received = { files: {}, fields: {}, problems: [], tooLarge: null };
  const parts = request.parts({
    limits: { fileSize: maxFileBytes, files: 4, fields: fieldParts.length, fieldSize: 1024, parts: 12 },
  });
  for await (const part of parts) {
    const name = part.fieldname;
    if (part.type === 'file') {
      if (!Object.hasOwn(fileParts, name) || received.files[name as FilePart] !== undefined) {
        part.file.resume();
        received.problems.push({
          field: name,
          expected: partsExpected,
          actual: 'an unexpected or repeated file',
        });
        continue;
      }
      const kept = await keepFile(part.file, join(dir, `${name}.upload`));
      const file = {
        path: join(dir, `${name}.upload`),
        name: fileName(part.filename, name as FilePart),
        ...kept,
      };
      if (kept.truncated || (name === 'profileFile' && kept.bytes > maxProfileBytes))
        received.tooLarge ??= file.name;
      received.files[name as FilePart] = file;
    } else if (
      (fieldParts as readonly string[]).includes(name) &&
      received.fields[name as FieldPart] === undefined
    ) {
      received.fields[name as FieldPart] = typeof part.value === 'string' ? part.value : '';
    } else {
      received.problems.push({
        field: name,
        expected: partsExpected,
        actual: 'an unexpected or repeated field',
      });
    }
  }
  return received;
}

const partsExpected =
  'the file parts settlement, hostJournal, terminalJournal, profileFile and the fields format, walletMerchant, walletApp, day, merchantId, duplicateWindowS, each at most once';

export interface UploadDeps {
  /** The caller's own duplicate window (a merchant's), or null for the default. */
  readonly merchantWindowS: number | null;
  /** Whose store journal a day reads (merchant-scope.ts, readScope): a merchant only its own. */
  readonly scope: (requested: string | undefined) => Promise<string | null>;
}

/**
 * Reads the request into a run for `runs`; refuses (and removes the folder) when a part is missing,
 * unexpected, too large or wrong.
 */
export async function readRunUpload(
  request: FastifyRequest,
  runs: ReconciliationRuns,
  deps: UploadDeps,
): Promise<NewRun> {
  if (!request.isMultipart()) {
    throw new PosError(
      'POS_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE',
      `content-type: expected multipart/form-data with the day's files, got ${JSON.stringify(request.headers['content-type'] ?? '')}`,
    );
  }
  const dir = await runs.newDir();
  try {
    const received = await receive(request, dir, runs.limits.maxFileBytes);
    if (received.tooLarge !== null) {
      throw new PosError(
        'POS_ERR_RECON_UPLOAD_TOO_LARGE',
        `${received.tooLarge}: the file is larger than the ${runs.limits.maxFileBytes} bytes an upload may be (a mapping profile: ${maxProfileBytes})`,
        { details: { file: received.tooLarge, maxBytes: runs.limits.maxFileBytes } },
      );
    }
    const scope = received.fields.day === undefined ? null : await deps.scope(received.fields.merchantId);
    return { dir, ...checked(received, deps.merchantWindowS, scope) };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

// Long because: each field's rule and its problem sit side by side, so every problem is listed
// at once; split, the problems list would travel through every piece.
function checked(
  received: Received,
  merchantWindowS: number | null,
  scope: string | null,
): Omit<NewRun, 'dir'> {
  const { files, fields } = received;
  const problems = [...received.problems];
  const problem = (field: string, expected: string, actual: unknown): void => {
    problems.push({ field, expected, actual: typeof actual === 'string' ? actual : describeValue(actual) });
  };
  if (files.settlement === undefined)
    problem('settlement', "the acquirer's settlement file or a wallet's bill", 'no such part');
  if ((files.hostJournal === undefined) === (fields.day === undefined)) {
    problem(
      'hostJournal',
      'either the host journal file, or a day (the host journal from the store)',
      files.hostJournal === undefined ? 'neither' : 'both',
    );
  }
  let storeDay: NewRun['storeDay'] = null;
  if (fields.day !== undefined) {
    try {
      storeDay = chinaDayBounds(fields.day);
    } catch {
      problem('day', 'a date YYYY-MM-DD (China time)', fields.day);
    }
  }
  if (fields.merchantId !== undefined && fields.day === undefined)
    problem('merchantId', 'a merchant only with a day from the store', fields.merchantId);
  const format = (fields.format ?? 'v1') as (typeof settlementFormats)[number];
  if (!(settlementFormats as readonly string[]).includes(format))
    problem('format', `one of ${settlementFormats.join(', ')}`, fields.format);
  if ((format === 'profile') !== (files.profileFile !== undefined)) {
    problem(
      'profileFile',
      'a mapping profile (JSON) exactly when format is profile',
      files.profileFile === undefined ? 'none' : `format ${format}`,
    );
  }
  const walletId = /^[A-Za-z0-9_-]{1,64}$/;
  const wallet = format === 'alipay' || format === 'wechat';
  if (wallet && (fields.walletMerchant === undefined || !walletId.test(fields.walletMerchant))) {
    problem(
      'walletMerchant',
      "the wallet's merchant id the bill must be of (letters, digits, - and _)",
      fields.walletMerchant,
    );
  }
  if (!wallet && fields.walletMerchant !== undefined)
    problem('walletMerchant', "nothing: it goes with a wallet's bill", fields.walletMerchant);
  if (fields.walletApp !== undefined && (format !== 'wechat' || !walletId.test(fields.walletApp))) {
    problem('walletApp', "WeChat Pay's app id, with format wechat only", fields.walletApp);
  }
  const windowS =
    fields.duplicateWindowS === undefined
      ? (merchantWindowS ?? defaultDuplicateWindowS)
      : Number(fields.duplicateWindowS);
  if (!Number.isInteger(windowS) || windowS < 0 || windowS > 86_400)
    problem('duplicateWindowS', 'whole seconds from 0 to 86400', fields.duplicateWindowS);
  if (problems.length > 0)
    throw PosError.invalidInput('POS_ERR_RECON_UPLOAD_INVALID', 'reconciliation upload', problems);
  return built(received, { format, storeDay, windowS, scope });
}

function built(
  { files, fields }: Received,
  chosen: {
    format: (typeof settlementFormats)[number];
    storeDay: NewRun['storeDay'];
    windowS: number;
    scope: string | null;
  },
): Omit<NewRun, 'dir'> {
  const settlement = files.settlement!;
  const file = (f: RunFile | undefined): RunFile | null =>
    f === undefined ? null : { path: f.path, name: f.name };
  const sized = (f: { name: string; bytes: number } | undefined) =>
    f === undefined ? null : { name: f.name, bytes: f.bytes };
  const { format } = chosen;
  const settlementFormat: SettlementFormat =
    format === 'v1'
      ? { kind: 'v1' }
      : format === 'profile'
        ? { kind: 'profile', profile: file(files.profileFile)!, label: files.profileFile!.name }
        : {
            kind: 'wallet',
            wallet: format,
            label: format,
            walletMerchant: fields.walletMerchant ?? null,
            walletApp: fields.walletApp ?? null,
          };
  const { scope } = chosen;
  const fingerprint = createHash('sha256')
    .update(
      JSON.stringify([
        fields,
        Object.entries(files).map(([part, f]) => [part, f.name, f.digest]),
        chosen.windowS,
        scope,
      ]),
    )
    .digest('hex');
  return {
    inputs: {
      settlement: sized(settlement)!,
      host:
        files.hostJournal === undefined
          ? { kind: 'store', day: fields.day ?? '', merchantId: scope }
          : { kind: 'upload', ...sized(files.hostJournal)! },
      terminal: sized(files.terminalJournal),
      format,
      profileName: files.profileFile?.name ?? null,
    },
    settlement: file(settlement)!,
    host: file(files.hostJournal),
    terminal: file(files.terminalJournal),
    format: settlementFormat,
    duplicateWindowS: chosen.windowS,
    fingerprint,
    storeDay: chosen.storeDay,
  };
}
