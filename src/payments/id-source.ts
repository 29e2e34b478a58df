// Ids for payments and duplicate records: a prefix, the creation time (so ids sort roughly by
// time) and random characters. Time and randomness come from ports, so the simulator's ids repeat
// from one run of a seed to the next.
import type { Clock } from '../clock/clock.js';
import type { Random } from '../random/random.js';
import type { IdSource } from './engine-context.js';

const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';

export function randomIdSource(clock: Clock, random: Random): IdSource {
  return {
    next(prefix: string): string {
      let suffix = '';
      for (const byte of random.bytes(12)) suffix += alphabet[byte % 36];
      return `${prefix}_${clock.now().toString(36).padStart(9, '0')}${suffix}`;
    },
  };
}
