// Byte sources over files: the plain one the CSV scanner reads, and the transcoding one that turns
// a GBK (or other iconv-lite encoding) file into UTF-8 as it streams, one bounded chunk at a time.
import { open, type FileHandle } from 'node:fs/promises';
import iconv from 'iconv-lite';
import { PosError } from '../../pos-error.js';
import type { ByteSource } from './csv-scanner.js';

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

/** Wraps a source in `encoding` so its reader sees UTF-8; iconv-lite keeps split characters between reads. */
export function transcodingSource(raw: ByteSource, encoding: string): ByteSource {
  const decoder = iconv.getDecoder(encoding);
  const input = Buffer.allocUnsafe(transcodeChunkBytes);
  let pending: Buffer = Buffer.alloc(0);
  let ended = false;
  return {
    async read(target, offset, length) {
      while (pending.length === 0 && !ended) {
        const read = await raw.read(input, 0, input.length);
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
