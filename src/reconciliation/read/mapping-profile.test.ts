import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PosError } from '../../pos-error.js';
import { compileTimeFormat, parseMappingProfile, profileFormat } from './mapping-profile.js';
import { parseTime } from './profile-reader.js';
import { builtInProfile, builtInProfiles } from './wallet-profiles.js';

const example = JSON.parse(readFileSync('profiles/example-acquirer-gbk.json', 'utf8')) as Record<
  string,
  unknown
>;

function problemsOf(value: unknown): string[] {
  try {
    parseMappingProfile(value, 'p.json');
  } catch (error) {
    if (error instanceof PosError)
      return error.problems.map((p) => `${p.field}: ${p.expected} / ${p.actual}`);
    throw error;
  }
  return [];
}

describe('mapping profiles', () => {
  it('accept the shipped example and read its parts', () => {
    const profile = parseMappingProfile(example, 'example.json');
    expect(profile.encoding).toBe('gbk');
    expect(profile.text.rrn).toEqual({ column: '参考号' });
    expect(profile.text.currency).toEqual({ value: 'CNY' });
    expect(profile.text.card_masked).toBeNull();
    expect(profile.txnTime).toEqual({
      columns: ['交易日期', '交易时间'],
      format: 'yyyyMMdd HHmmss',
      utcOffsetMinutes: 480,
    });
    expect(profile.amount).toEqual({
      column: '交易金额(元)',
      unit: 'yuan',
      rounding: 'reject',
      sign: 'positive',
      columnByCode: {},
    });
    expect(profile.wallet).toBeNull();
    expect(profile.end).toBeNull();
    expect(profile.txnType.map['退货']).toBe('refund');
  });

  it('name every bad key at once', () => {
    const columns = example['columns'] as Record<string, unknown>;
    const problems = problemsOf({
      ...example,
      profile: 'v0',
      encoding: 'klingon',
      delimiter: ',,',
      extra: 1,
      columns: {
        ...columns,
        stan: { col: 'x' },
        fee: { column: 'f', unit: 'fen', rounding: 'sideways' },
        txn_time: { columns: ['d'], format: 'yyyyMMdd', utc_offset: '8' },
        txn_type: { column: 't', map: { 消费: 'purchase' } },
      },
    });
    expect(problems).toEqual([
      'extra: no such key (known: profile, name, encoding, delimiter, wallet, comment_prefix, cell_prefix, end, footer_counts, account, app, columns) / 1',
      `profile: "${profileFormat}" / "v0"`,
      'encoding: an encoding iconv-lite knows, such as utf-8 or gbk / "klingon"',
      'delimiter: one ASCII character other than a quote or a line break / ",,"',
      'columns.stan: { "column": "<header name>" } or { "value": "<fixed text>" } / an object',
      'columns.fee.rounding: "reject" or "half-up" or "half-even" or "down" / "sideways"',
      'columns.txn_time.format: a format with yyyy, MM, dd, HH, mm, ss (missing HH) / "yyyyMMdd"',
      'columns.txn_time.utc_offset: an offset like "+08:00" / "8"',
      'columns.txn_type.map.消费: "sale", "refund" or "skip" / "purchase"',
    ]);
  });

  it("ship the wallets' profiles built in, equal to the files in profiles/", () => {
    for (const [name, file] of [
      ['alipay', 'profiles/alipay-trade-bill.json'],
      ['wechat', 'profiles/wechat-trade-bill.json'],
    ] as const) {
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(builtInProfiles[name]!.json);
      expect(builtInProfile(name)!.wallet).toBe(name);
    }
    const alipay = builtInProfile('alipay')!;
    expect(alipay).toMatchObject({
      encoding: 'gbk',
      commentPrefix: '#',
      cellPrefix: null,
      end: { comment: '业务明细列表结束' },
      account: { comment: '^#账号：\\[(2088\\d{12})\\d*\\]' },
      app: null,
    });
    expect(alipay.footerCounts.map((f) => f.typeCodes)).toEqual([['交易'], ['退款']]);
    const wechat = builtInProfile('wechat')!;
    expect(wechat).toMatchObject({
      encoding: 'utf-8',
      cellPrefix: '`',
      end: { firstCell: '总交易单数', totalsCount: null },
      account: { column: '商户号' },
      app: { column: '公众账号ID' },
    });
    expect(wechat.amount.columnByCode).toEqual({ REFUND: '申请退款金额' });
    expect(builtInProfile('unionpay')).toBeUndefined();
  });

  it("name every bad key of a bill's layout at once", () => {
    const wechat = builtInProfiles['wechat']!.json as Record<string, unknown>;
    const columns = wechat['columns'] as Record<string, unknown>;
    const { order_no: _dropped, ...withoutOrder } = columns;
    void _dropped;
    const problems = problemsOf({
      ...wechat,
      wallet: 'paypal',
      cell_prefix: '``',
      end: { comment_contains: '结束' },
      footer_counts: [{ comment: '(unclosed', type_codes: ['PAID'] }],
      account: { column: '商户号', comment: 'x' },
      columns: {
        ...withoutOrder,
        amount: { column: '订单金额', unit: 'yuan', sign: 'both', column_by_code: { CLOSED: '退款金额' } },
      },
    });
    expect(problems).toEqual([
      'columns.amount.sign: "positive" or "negative_on_refund" or "any" / "both"',
      'wallet: "alipay" or "wechat" or "unionpay" / "paypal"',
      'cell_prefix: one ASCII character other than a quote or a line break / "``"',
      'footer_counts[0].comment: a regular expression (JavaScript syntax) / "(unclosed"',
      'footer_counts[0].type_codes[0]: a code of columns.txn_type.map (SUCCESS, REFUND, REVOKED) / "PAID"',
      'account: { "column": "<header name>" } or { "comment": "<pattern with one group>" } / an object',
      'comment_prefix: the character comment lines start with (end, footer_counts or account read comments) / nothing',
      'columns.amount.column_by_code.CLOSED: a code of columns.txn_type.map / "退款金额"',
    ]);
    // A wallet's profile matches by the order number; an acquirer's has none to read.
    expect(problemsOf({ ...wechat, columns: withoutOrder })).toEqual([
      "columns.order_no: the merchant order number's column (a wallet's bill is matched by it) / nothing",
    ]);
    const { wallet: _w, account: _a, app: _p, ...acquirer } = wechat;
    void [_w, _a, _p];
    expect(problemsOf(acquirer)).toEqual([
      'wallet: the wallet whose bill this is (order_no and trade_no are read from wallet bills) / nothing',
    ]);
  });

  it('read times in the formats acquirers use, at the stated offset', () => {
    const twoColumns = compileTimeFormat('yyyyMMdd HHmmss');
    expect(parseTime('20261125 140307', twoColumns, 480)).toBe(Date.parse('2026-11-25T14:03:07+08:00'));
    const dashed = compileTimeFormat('yyyy-MM-dd HH:mm:ss');
    expect(parseTime('2026-11-25 14:03:07', dashed, 480)).toBe(Date.parse('2026-11-25T14:03:07+08:00'));
    expect(parseTime('2026-11-25 14:03:07', dashed, -300)).toBe(Date.parse('2026-11-25T14:03:07-05:00'));
    expect(parseTime('2026-11-25T14:03:07', dashed, 480)).toBeNaN();
    expect(parseTime('2026-02-30 14:03:07', dashed, 480)).toBeNaN();
    expect(parseTime('2026-11-25 14:03', dashed, 480)).toBeNaN();
  });
});
