// Byte sources for tests: a fixed text delivered in small reads (to cross every buffer boundary),
// and an endless one that counts what was read (to prove a long line is refused early).
import type { ByteSource } from '../read/csv-scanner.js';

export function textSource(text: string | Buffer, readSize = 7): ByteSource {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  let at = 0;
  return {
    read: (target, offset, length) => {
      const count = Math.min(length, readSize, bytes.length - at);
      bytes.copy(target, offset, at, at + count);
      at += count;
      return Promise.resolve(count);
    },
    close: () => Promise.resolve(),
  };
}

/** An endless source of one repeated byte; `bytesRead()` tells how much was taken from it. */
export function endlessSource(byte = 0x61): ByteSource & { bytesRead(): number } {
  let total = 0;
  return {
    read: (target, offset, length) => {
      target.fill(byte, offset, offset + length);
      total += length;
      return Promise.resolve(length);
    },
    close: () => Promise.resolve(),
    bytesRead: () => total,
  };
}
