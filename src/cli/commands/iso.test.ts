import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadVectors, readHexFile, vectorsDir } from '../../iso8583/test-support/vectors.js';
import { main } from '../main.js';
import type { IsoCliIo } from './iso.js';

interface Captured {
  readonly io: IsoCliIo;
  readonly stdout: () => string;
  readonly stderr: () => string;
}

function fakeIo(options: { stdin?: string; cwd?: string } = {}): Captured {
  let out = '';
  let err = '';
  const base: IsoCliIo = {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    env: {},
    cwd: options.cwd ?? process.cwd(),
    stopSignal: new Promise<string>(() => {}),
  };
  const io: IsoCliIo = options.stdin === undefined ? base : { ...base, stdin: [Buffer.from(options.stdin)] };
  return { io, stdout: () => out, stderr: () => err };
}

const vectors = loadVectors();
const jspos = vectors.find((v) => v.file === 'signin_0800_jspos_readme_body_only.hex');
const jsposHex = jspos?.bytes.toString('hex').toUpperCase() ?? '';

describe('posguard iso', () => {
  it('decodes hex to the canonical JSON', async () => {
    const run = fakeIo();
    expect(await main(['iso', 'decode', '--framing', 'body', jsposHex], run.io)).toBe(0);
    expect(JSON.parse(run.stdout())).toEqual(jspos?.decode);
    expect(run.stdout()).toContain('\n  "mti": "0800",\n');
  });

  it('reads hex from stdin, ignoring white space and line breaks', async () => {
    const published = readHexFile(`${vectorsDir}sale_0210_response_wearapay.hex`);
    const spaced = published
      .toString('hex')
      .replace(/(..)/g, '$1 ')
      .replace(/(.{48})/g, '$1\n');
    const run = fakeIo({ stdin: spaced });
    expect(await main(['iso', 'decode', '-'], run.io)).toBe(0);
    expect((JSON.parse(run.stdout()) as { fields: Record<string, string> }).fields['39']).toBe('A0');
  });

  it('decodes with a dialect file given by a relative path', async () => {
    const vfwz = vectors.find((v) => v.file === 'vfwz_signin_request_nolen.hex');
    const run = fakeIo();
    const args = [
      'iso',
      'decode',
      '--framing',
      'no-length',
      '--dialect',
      'src/iso8583/dialects/acquirer-extra-fields.json',
    ];
    expect(await main([...args, vfwz?.bytes.toString('hex') ?? ''], run.io)).toBe(0);
    expect(JSON.parse(run.stdout())).toEqual(vfwz?.decode);
  });

  it('encodes JSON from a file and from stdin back to the same hex', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'posguard-iso-'));
    writeFileSync(join(dir, 'message.json'), JSON.stringify(jspos?.decode));
    const fromFile = fakeIo({ cwd: dir });
    expect(await main(['iso', 'encode', '--framing', 'body', 'message.json'], fromFile.io)).toBe(0);
    expect(fromFile.stdout()).toBe(`${jsposHex}\n`);
    const fromStdin = fakeIo({ stdin: JSON.stringify(jspos?.decode) });
    expect(await main(['iso', 'encode', '--framing', 'body', '-'], fromStdin.io)).toBe(0);
    expect(fromStdin.stdout()).toBe(`${jsposHex}\n`);
  });

  it('exits non-zero with the code and message of a malformed frame', async () => {
    const reversal = vectors.find((v) => v.file.startsWith('reversal'));
    const run = fakeIo();
    expect(
      await main(['iso', 'decode', '--framing', 'body', reversal?.bytes.toString('hex') ?? ''], run.io),
    ).toBe(1);
    expect(run.stderr()).toBe(
      'posguard iso: POS_ERR_ISO_TRUNCATED: field 64: truncated at byte 97: needs 8 bytes, 0 left\n',
    );
    expect(run.stdout()).toBe('');
  });

  it('refuses hex that is not hex, and JSON that is not a message', async () => {
    const badHex = fakeIo();
    expect(await main(['iso', 'decode', '08 00 2G'], badHex.io)).toBe(1);
    expect(badHex.stderr()).toContain(
      'POS_ERR_ISO_BAD_HEX: HEX: expected hex digits (white space ignored), got a character that is not one at position 6',
    );
    const badJson = fakeIo({ stdin: '{"mti": 800, "fields": {"3": 1}}' });
    expect(await main(['iso', 'encode', '-'], badJson.io)).toBe(1);
    expect(badJson.stderr()).toContain(
      'POS_ERR_ISO_BAD_VALUE: invalid ISO 8583 message: mti: expected 4 digits, got 800; fields.3: expected text, got 1',
    );
    const notJson = fakeIo({ stdin: 'mti=0800' });
    expect(await main(['iso', 'encode', '-'], notJson.io)).toBe(1);
    expect(notJson.stderr()).toContain('invalid ISO 8583 message: not JSON');
  });

  it('explains usage mistakes with exit code 2', async () => {
    const framing = fakeIo();
    expect(await main(['iso', 'decode', '--framing', 'tcp', jsposHex], framing.io)).toBe(2);
    expect(framing.stderr()).toContain('iso decode: --framing expected full, no-length, body, got "tcp"');
    const missing = fakeIo();
    expect(await main(['iso', 'encode'], missing.io)).toBe(2);
    expect(missing.stderr()).toContain('iso encode: the FILE argument is required (- reads stdin)');
    const action = fakeIo();
    expect(await main(['iso', 'pack', jsposHex], action.io)).toBe(2);
    const dialect = fakeIo();
    expect(await main(['iso', 'decode', '--dialect', 'visa', jsposHex], dialect.io)).toBe(2);
    expect(dialect.stderr()).toContain('POS_ERR_ISO_UNKNOWN_DIALECT');
  });

  it('prints help with an example', async () => {
    const run = fakeIo();
    expect(await main(['iso', 'decode', '--help'], run.io)).toBe(0);
    expect(run.stdout()).toContain('posguard iso decode --framing body 0800');
    const top = fakeIo();
    expect(await main(['--help'], top.io)).toBe(0);
    expect(top.stdout()).toMatch(/iso +decode an ISO 8583 frame to JSON/);
  });

  it('refuses input over the size limit', async () => {
    const run = fakeIo({ stdin: '0'.repeat(1024 * 1024 + 2) });
    expect(await main(['iso', 'decode', '-'], run.io)).toBe(1);
    expect(run.stderr()).toContain('POS_ERR_ISO_INPUT_TOO_LARGE');
    const missingFile = fakeIo();
    expect(await main(['iso', 'encode', 'no-such-message.json'], missingFile.io)).toBe(1);
    expect(missingFile.stderr()).toContain('POS_ERR_ISO_INPUT_UNREADABLE: cannot read');
  });
});
