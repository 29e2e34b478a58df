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

/**
 * A DES-ECB encryptor to use block after block: ECB never chains, so one cipher object serves
 * several dependent encryptions (the CUP MAC's two) without paying for a new one each time.
 */
export function desEncryptor(key: Uint8Array): (block: Uint8Array) => Buffer {
  // ECB keeps no state between whole blocks, so one cipher per key serves every MAC made with it:
  // a host checks and signs thousands of messages a minute with the same few session keys.
  const cacheKey = Buffer.from(key).toString('latin1');
  let encrypt = encryptors.get(cacheKey);
  if (encrypt === undefined) {
    const cipher = createCipheriv('des-ede3-ecb', tripleDesKey(key), null);
    cipher.setAutoPadding(false);
    encrypt = (block) => {
      assert(
        block.length % desBlockBytes === 0,
        `DES data must be whole 8-byte blocks, got ${block.length} bytes`,
      );
      return cipher.update(block);
    };
    if (encryptors.size >= maxEncryptors) encryptors.clear();
    encryptors.set(cacheKey, encrypt);
  }
  return encrypt;
}

/** Encryptors by key; bounded, and cleared when full (keys change only at sign-in). */
const encryptors = new Map<string, (block: Uint8Array) => Buffer>();
const maxEncryptors = 4096;

/** Encrypts whole 8-byte blocks, each on its own (ECB). */
export function desEncrypt(key: Uint8Array, data: Uint8Array): Buffer {
  return run(false, key, data);
}

export function desDecrypt(key: Uint8Array, data: Uint8Array): Buffer {
  return run(true, key, data);
}
