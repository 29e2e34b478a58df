// DES and double-length triple DES in ECB mode, on node:crypto. OpenSSL 3 (Node 20) refuses
// `des-ecb` as a legacy cipher, so single DES with key K runs as `des-ede3-ecb` with K|K|K
// (encrypt-decrypt-encrypt under one key is one DES encryption) and a double-length key K1|K2 as
// K1|K2|K1 (CUP POS spec, security: 3DES with double-length keys). Callers check key lengths and
// turn bad ones into PosErrors; here a wrong length or a partial block is a programmer error.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { assert } from '../assert.js';

export const desBlockBytes = 8;

/** The 24-byte des-ede3 key for a single (8-byte) or double-length (16-byte) DES key. */
export function tripleDesKey(key: Uint8Array): Buffer {
  assert(key.length === 8 || key.length === 16, `a DES key has 8 or 16 bytes, got ${key.length}`);
  const first = key.subarray(0, 8);
  return Buffer.concat([first, key.length === 16 ? key.subarray(8, 16) : first, first]);
}

function run(decrypt: boolean, key: Uint8Array, data: Uint8Array): Buffer {
  assert(data.length % desBlockBytes === 0, `DES data must be whole 8-byte blocks, got ${data.length} bytes`);
  const cipher = decrypt
    ? createDecipheriv('des-ede3-ecb', tripleDesKey(key), null)
    : createCipheriv('des-ede3-ecb', tripleDesKey(key), null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

/** Encrypts whole 8-byte blocks, each on its own (ECB). */
export function desEncrypt(key: Uint8Array, data: Uint8Array): Buffer {
  return run(false, key, data);
}

export function desDecrypt(key: Uint8Array, data: Uint8Array): Buffer {
  return run(true, key, data);
}
