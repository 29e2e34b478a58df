import { describe, expect, it } from 'vitest';
import { PosError } from '../../pos-error.js';
import { readChunkBytes, scanCsv } from './csv-scanner.js';
import { endlessSource, textSource } from '../test-support/sources.js';

async function records(
  text: string | Buffer,
  options: { readSize?: number; delimiter?: string; commentPrefix?: string } = {},
) {
  const out: { line: number; fields: string[]; comment?: true }[] = [];
  await scanCsv({
    file: 'test.csv',
    source: textSource(text, options.readSize),
    ...(options.delimiter === undefined ? {} : { delimiter: options.delimiter }),
    ...(options.commentPrefix === undefined ? {} : { commentPrefix: options.commentPrefix }),
    onRecord: (r) =>
      out.push({
        line: r.line,
        fields: Array.from({ length: r.count }, (_, i) => r.text(i)),
        ...(r.isComment ? { comment: true as const } : {}),
      }),
  });
  return out;
}

async function scanError(
  text: string | Buffer,
  maxRecordBytes?: number,
  more: Partial<Parameters<typeof scanCsv>[0]> & { readSize?: number } = {},
): Promise<PosError> {
  const { readSize, ...options } = more;
  try {
    await scanCsv({
      file: 'bad.csv',
      source: textSource(text, readSize),
      ...(maxRecordBytes === undefined ? {} : { maxRecordBytes }),
      onRecord: () => undefined,
      ...options,
    });
  } catch (error) {
    if (error instanceof PosError) return error;
    throw error;
  }
  throw new Error('expected the scan to fail');
}

describe('the CSV scanner', () => {
  it('splits plain records on commas and line ends, LF or CRLF, with or without a final newline', async () => {
    expect(await records('a,b,c\n1,2,3\r\n4,,6')).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', '2', '3'] },
      { line: 3, fields: ['4', '', '6'] },
    ]);
  });

  it('reads quoted fields with commas, doubled quotes and line breaks, counting physical lines', async () => {
    const text = 'name,note\n"Zhang, San","said ""hi"""\n"two\nlines",x\nlast,"Ω 中文"\n';
    expect(await records(text, { readSize: 3 })).toEqual([
      { line: 1, fields: ['name', 'note'] },
      { line: 2, fields: ['Zhang, San', 'said "hi"'] },
      { line: 3, fields: ['two\nlines', 'x'] },
      { line: 5, fields: ['last', 'Ω 中文'] },
    ]);
  });

  it('skips blank lines and a UTF-8 byte order mark, and honours another delimiter', async () => {
    const text = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a;b\n\n1;"2;3"\r\n\r\n')]);
    expect(await records(text, { delimiter: ';' })).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['1', '2;3'] },
    ]);
  });

  it('hands a comment line over whole, quotes and delimiters as text, however the reads split it', async () => {
    const text = '#账号：[2088] "quoted", a,b\r\nh1,h2\n#-----end-----\r1,"x\n#not a comment"\n#last';
    const expected = [
      { line: 1, fields: ['#账号：[2088] "quoted", a,b'], comment: true },
      { line: 2, fields: ['h1', 'h2'] },
      { line: 3, fields: ['#-----end-----'], comment: true },
      { line: 4, fields: ['1', 'x\n#not a comment'] },
      { line: 6, fields: ['#last'], comment: true },
    ];
    for (const readSize of [1, 2, 5, 1 << 20]) {
      expect(await records(text, { commentPrefix: '#', readSize })).toEqual(expected);
    }
    // Without the option a '#' line is a record like any other, and a '#' inside a line is text.
    expect(await records('#a,b\n1,#2\n')).toEqual([
      { line: 1, fields: ['#a', 'b'] },
      { line: 2, fields: ['1', '#2'] },
    ]);
  });

  it('refuses a comment line longer than the maximum, and checks its encoding like any cell', async () => {
    const long = await scanError(`#${'x'.repeat(100)}\na\n`, 64, { commentPrefix: '#' });
    expect(long.code).toBe('POS_ERR_RECON_LINE_TOO_LONG');
    const bytes = Buffer.concat([Buffer.from('a\n#'), Buffer.from([0xff]), Buffer.from('\n1\n')]);
    const bad = await scanError(bytes, undefined, { commentPrefix: '#' });
    expect(bad.code).toBe('POS_ERR_RECON_BAD_ENCODING');
    expect(bad.details).toMatchObject({ line: 2 });
  });

  it('refuses a quote never closed, naming the line the field starts on', async () => {
    const error = await scanError('a,b\n1,"open\n2,3\n');
    expect(error.code).toBe('POS_ERR_RECON_BAD_QUOTING');
    expect(error.details).toEqual({ file: 'bad.csv', line: 2, column: 'field 2' });
    expect(error.message).toMatch(/bad.csv line 2, column "field 2": a quoted field is never closed/);
  });

  it('refuses a quote inside an unquoted field and text after a closing quote', async () => {
    const inside = await scanError('a,b\n1,2\n3,fo"o\n');
    expect(inside.code).toBe('POS_ERR_RECON_BAD_QUOTING');
    expect(inside.details).toEqual({ file: 'bad.csv', line: 3, column: 'field 2' });
    const after = await scanError('a,b\n"x"y,2\n');
    expect(after.message).toMatch(/line 2, column "field 1": a quoted field is followed by "y"/);
  });

  it('refuses a cell that is not valid UTF-8, naming its line and column, however the reads split the file', async () => {
    const bytes = Buffer.concat([
      Buffer.from('a,b\n1,中文\n"2\nx",R0000'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('0001\n3,y\n'),
    ]);
    for (const readSize of [1, 3, 7, 1 << 20]) {
      const error = await scanError(bytes, undefined, { readSize });
      expect(error.code).toBe('POS_ERR_RECON_BAD_ENCODING');
      expect(error.details).toEqual({ file: 'bad.csv', line: 3, column: 'field 2' });
    }
    const named = await scanError(bytes, undefined, { columnName: (field) => ['a', 'b'][field] ?? '?' });
    expect(named.message).toMatch(/bad.csv line 3, column "b": the cell is not valid UTF-8/);
    // Valid text, multi-byte characters split across reads included, passes.
    expect(await records(Buffer.from('a,b\n1,中文\n2,Ω\n'), { readSize: 1 })).toHaveLength(3);
  });

  it('refuses, after transcoding, a cell holding what the encoding could not decode', async () => {
    const text = 'a,b\n1,ok\n2,R\ufffd01\n';
    const error = await scanError(text, undefined, { transcodedFrom: 'gbk' });
    expect(error.code).toBe('POS_ERR_RECON_BAD_ENCODING');
    expect(error.message).toMatch(/line 3, column "field 2": the cell holds bytes that are not valid gbk/);
    // In a UTF-8 file U+FFFD is a character like any other.
    expect(await records(text)).toHaveLength(3);
  });

  it('refuses a record longer than the maximum, even when it is the last one', async () => {
    const error = await scanError(`a,b\n1,${'x'.repeat(100)}`, 64);
    expect(error.code).toBe('POS_ERR_RECON_LINE_TOO_LONG');
    expect(error.details).toEqual({ file: 'bad.csv', line: 2, column: null });
    const fits = scanCsv({
      file: 'ok.csv',
      source: textSource(`a,b\n1,${'x'.repeat(50)}\n`),
      maxRecordBytes: 64,
      onRecord: () => undefined,
    });
    await expect(fits).resolves.toBeUndefined();
  });

  it('refuses an endless line after reading at most the maximum and two chunks', async () => {
    const source = endlessSource();
    const maxRecordBytes = 4096;
    const scan = scanCsv({ file: 'endless.csv', source, maxRecordBytes, onRecord: () => undefined });
    await expect(scan).rejects.toMatchObject({ code: 'POS_ERR_RECON_LINE_TOO_LONG' });
    expect(source.bytesRead()).toBeLessThanOrEqual(maxRecordBytes + 2 * readChunkBytes);
  });
});
