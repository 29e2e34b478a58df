// DES and double-length triple DES in ECB mode, on node:crypto. OpenSSL 3 (Node 20) refuses
// `des-ecb` as a legacy cipher, so single DES with key K runs as `des-ede3-ecb` with K|K|K
// (encrypt-decrypt-encrypt under one key is one DES encryption) and a double-length key K1|K2 as
// K1|K2|K1 (CUP POS spec, security: 3DES with double-length keys). Callers check key lengths and
// turn bad ones into PosErrors; here a wrong length or a partial block is a programmer error.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { assert } from '../assert.js';
import { desRoundKeys, edeBlock } from './des-rounds.js';

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
 * A DES-ECB encryptor to use block after block: ECB never chains, so one set of round keys serves
 * several dependent encryptions (the CUP MAC's two) without paying for a new cipher each time. It
 * runs in JavaScript (des-rounds.ts): for one block, node:crypto's binding costs more than DES.
 */
export function desEncryptor(key: Uint8Array): (block: Uint8Array) => Buffer {
  // One set of round keys per key serves every MAC made with it: a host checks and signs thousands
  // of messages a minute with the same few session keys.
  // By the key's own bytes object first (a Secret reveals the same Buffer every time), checked
  // against a copy in case its owner wrote to it; by its value otherwise.
  const seen = byKeyObject.get(key);
  if (seen !== undefined && seen.bytes.equals(key)) return seen.encrypt;
  const cacheKey = Buffer.from(key).toString('latin1');
  let encrypt = encryptors.get(cacheKey);
  if (encrypt === undefined) {
    assert(key.length === 8 || key.length === 16, `a DES key has 8 or 16 bytes, got ${key.length}`);
    const k1 = desRoundKeys(key.subarray(0, 8));
    const k2 = key.length === 16 ? desRoundKeys(key.subarray(8, 16)) : k1;
    encrypt = (block) => {
      assert(
        block.length % desBlockBytes === 0,
        `DES data must be whole 8-byte blocks, got ${block.length} bytes`,
      );
      const out = Buffer.allocUnsafe(block.length);
      for (let at = 0; at < block.length; at += desBlockBytes) edeBlock(k1, k2, k1, block, at, out);
      return out;
    };
    if (encryptors.size >= maxEncryptors) encryptors.clear();
    encryptors.set(cacheKey, encrypt);
  }
  byKeyObject.set(key, { bytes: Buffer.from(key), encrypt });
  return encrypt;
}

const byKeyObject = new WeakMap<Uint8Array, { bytes: Buffer; encrypt: (block: Uint8Array) => Buffer }>();

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
