// Byte sources over files: the plain one the CSV scanner reads, and the transcoding one that turns
// a GBK (or other iconv-lite encoding) file into UTF-8 as it streams, one bounded chunk at a time.
import { isUtf8 } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';
import iconv from 'iconv-lite';
import { PosError } from '../../pos-error.js';
import type { ByteSource } from './csv-scanner.js';
import { inputError } from './input-error.js';

export async function openFileSource(path: string): Promise<ByteSource & { readonly sizeBytes: number }> {
  let handle: FileHandle;
  let sizeBytes: number;
  try {
    handle = await open(path, 'r');
    const stats = await handle.stat();
    if (!stats.isFile()) {
      await handle.close();
      throw new PosError('POS_ERR_RECON_FILE_UNREADABLE', `cannot read ${path}: it is not a file`, {
        details: { file: path },
      });
    }
    sizeBytes = stats.size;
  } catch (error) {
    if (error instanceof PosError) throw error;
    throw new PosError('POS_ERR_RECON_FILE_UNREADABLE', `cannot read ${path}: ${(error as Error).message}`, {
      details: { file: path },
      cause: error,
    });
  }
  return {
    sizeBytes,
    read: async (target, offset, length) => (await handle.read(target, offset, length, null)).bytesRead,
    close: () => handle.close(),
  };
}

/** The most UTF-8 bytes one decoded chunk may grow to: GBK's 2 bytes become at most 3, ASCII stays 1. */
const transcodeChunkBytes = 256 * 1024;

/**
 * Non-ASCII bytes a first chunk must hold, all of them valid UTF-8, before it is judged a UTF-8
 * file: a few Chinese characters. GBK text is valid UTF-8 only by chance, and never for long.
 */
const utf8Evidence = 8;

/**
 * Refuses a first chunk that reads as UTF-8 (Chinese text in it, every byte valid UTF-8): decoded
 * as GBK it would give wrong text without one invalid byte, so the file's encoding is not the
 * profile's. Names the first line holding text outside ASCII.
 */
function refuseUtf8(chunk: Buffer, encoding: string, file: string): void {
  const upTo = chunk.lastIndexOf(0x0a) + 1;
  const lines = chunk.subarray(0, upTo === 0 ? chunk.length : upTo);
  let nonAscii = 0;
  for (const byte of lines) if (byte >= 0x80) nonAscii += 1;
  if (nonAscii < utf8Evidence || !isUtf8(lines)) return;
  const firstWide = lines.findIndex((byte) => byte >= 0x80);
  let line = 1;
  for (let i = 0; i < firstWide; i += 1) if (lines[i] === 0x0a) line += 1;
  throw inputError(
    'POS_ERR_RECON_BAD_ENCODING',
    { file, line },
    `the file reads as UTF-8, but its profile says ${encoding}: decoded as ${encoding} its text would be wrong (use a profile that names utf-8, or the file as the wallet or acquirer gave it)`,
  );
}

/**
 * Wraps a source in `encoding` so its reader sees UTF-8; iconv-lite keeps split characters between
 * reads. A file that reads as UTF-8 instead is refused (refuseUtf8), naming `file`.
 */
export function transcodingSource(raw: ByteSource, encoding: string, file: string): ByteSource {
  const decoder = iconv.getDecoder(encoding);
  const input = Buffer.allocUnsafe(transcodeChunkBytes);
  let pending: Buffer = Buffer.alloc(0);
  let ended = false;
  let first = true;
  return {
    async read(target, offset, length) {
      while (pending.length === 0 && !ended) {
        const read = await raw.read(input, 0, input.length);
        if (first) refuseUtf8(input.subarray(0, read), encoding, file);
        first = false;
        const text = read === 0 ? (decoder.end() ?? '') : decoder.write(input.subarray(0, read));
        if (read === 0) ended = true;
        pending = Buffer.from(text, 'utf8');
      }
      const count = Math.min(length, pending.length);
      pending.copy(target, offset, 0, count);
      pending = pending.subarray(count);
      return count;
    },
    close: () => raw.close(),
  };
}
