import { describe, expect, it } from 'vitest';
import { formatFen, parseYuan } from './format.js';
import { messageTables, translate } from './i18n.js';
import { reconWords } from './pages/reconciliation-words.js';
import { usersWords } from './pages/users.js';

describe('the dashboard words', () => {
  it.each([
    ['the main table', messageTables],
    ['the Reconciliation page', reconWords.tables],
    ['the Users page', usersWords.tables],
  ] as const)('has every message of %s in both languages, with the same placeholders', (_name, tables) => {
    const zh: Readonly<Record<string, string>> = tables['zh-CN'];
    const en: Readonly<Record<string, string>> = tables.en;
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
    for (const [key, text] of Object.entries(zh)) {
      const english = en[key] ?? '';
      expect(english.trim(), key).not.toBe('');
      expect(text.trim(), key).not.toBe('');
      const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(names(english), key).toEqual(names(text));
    }
  });

  it('fills placeholders', () => {
    expect(translate('en', 'reversalsFailed', { count: 2 })).toBe('2 failed');
    expect(translate('zh-CN', 'reversalsFailed', { count: 2 })).toBe('失败 2');
  });

  it('writes fen as yuan with two decimals in each language, and reads typed yuan back exactly', () => {
    expect(formatFen(128_050, 'zh-CN')).toBe('¥1,280.50');
    expect(formatFen(128_050, 'en')).toBe('CN¥1,280.50');
    expect(parseYuan('12.8')).toBe(1280);
    expect(parseYuan('1,280.05')).toBe(128_005);
    expect(parseYuan('0.1')).toBe(10);
    expect(parseYuan('12.345')).toBeUndefined();
    expect(parseYuan('-1')).toBeUndefined();
  });
});
