import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../random/random.js';
import { hashPassword, passwordMatches } from './dashboard-users.js';

describe('dashboard passwords', () => {
  it('are kept as salted scrypt hashes that match only the password', async () => {
    const random = new SeededRandom(3);
    const first = await hashPassword('correct horse battery', random);
    const second = await hashPassword('correct horse battery', random);
    expect(first).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(first).not.toBe(second);
    expect(first).not.toContain('horse');
    expect(await passwordMatches('correct horse battery', first)).toBe(true);
    expect(await passwordMatches('correct horse batterY', first)).toBe(false);
    expect(await passwordMatches('correct horse battery', 'md5$abc')).toBe(false);
  });
});
