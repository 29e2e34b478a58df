// The wallets' own bill layouts as built-in mapping profiles, chosen with `--profile alipay` or
// `--profile wechat` (profiles/alipay-trade-bill.json and profiles/wechat-trade-bill.json are the
// same profiles as files, to read or copy; a test keeps them equal). Where each column and rule
// comes from is in docs/qr.md, "Reconciliation with the wallets' bills".
import type { Wallet } from '../../payments/ports/wallet.js';
import { parseMappingProfile, type MappingProfile } from './mapping-profile.js';

/** Alipay's trade bill (业务明细): GBK, `#` lines around the table, refunds negative. */
export const alipayTradeBillProfile = {
  profile: 'posguard/settlement-mapping/v1',
  name: 'Alipay trade bill (业务明细), as alipay.data.dataservice.bill.downloadurl.query (bill_type trade) gives it',
  encoding: 'gbk',
  delimiter: ',',
  wallet: 'alipay',
  comment_prefix: '#',
  end: {
    comment_contains: '业务明细列表结束',
  },
  footer_counts: [
    {
      comment: '^#交易合计：(\\d+)笔',
      type_codes: ['交易'],
    },
    {
      comment: '^#退款合计：(\\d+)笔',
      type_codes: ['退款'],
    },
  ],
  account: {
    comment: '^#账号：\\[(2088\\d{12})\\d*\\]',
  },
  columns: {
    merchant_id: {
      value: '',
    },
    terminal_id: {
      column: '终端号',
    },
    batch_no: {
      value: '',
    },
    stan: {
      value: '',
    },
    rrn: {
      value: '',
    },
    currency: {
      value: 'CNY',
    },
    order_no: {
      column: '商户订单号',
    },
    trade_no: {
      column: '支付宝交易号',
    },
    txn_time: {
      columns: ['完成时间'],
      format: 'yyyy-MM-dd HH:mm:ss',
      utc_offset: '+08:00',
    },
    txn_type: {
      column: '业务类型',
      map: {
        交易: 'sale',
        退款: 'refund',
      },
    },
    amount: {
      column: '订单金额（元）',
      unit: 'yuan',
      rounding: 'reject',
      sign: 'negative_on_refund',
    },
    fee: {
      column: '服务费（元）',
      unit: 'yuan',
      rounding: 'half-up',
      sign: 'any',
    },
  },
};

/** WeChat Pay's trade bill (交易账单, ALL): UTF-8, a backtick before every cell, a totals block. */
export const wechatTradeBillProfile = {
  profile: 'posguard/settlement-mapping/v1',
  name: 'WeChat Pay trade bill (交易账单, bill_type ALL), as /pay/downloadbill gives it',
  encoding: 'utf-8',
  delimiter: ',',
  wallet: 'wechat',
  cell_prefix: '`',
  end: {
    first_cell: '总交易单数',
  },
  account: {
    column: '商户号',
  },
  app: {
    column: '公众账号ID',
  },
  columns: {
    merchant_id: {
      column: '商户号',
    },
    terminal_id: {
      column: '设备号',
    },
    batch_no: {
      value: '',
    },
    stan: {
      value: '',
    },
    rrn: {
      value: '',
    },
    currency: {
      column: '货币种类',
    },
    order_no: {
      column: '商户订单号',
    },
    trade_no: {
      column: '微信订单号',
    },
    txn_time: {
      columns: ['交易时间'],
      format: 'yyyy-MM-dd HH:mm:ss',
      utc_offset: '+08:00',
    },
    txn_type: {
      column: '交易状态',
      map: {
        SUCCESS: 'sale',
        REFUND: 'refund',
        REVOKED: 'refund',
      },
    },
    amount: {
      column: '订单金额',
      unit: 'yuan',
      rounding: 'reject',
      column_by_code: {
        REFUND: '申请退款金额',
      },
    },
    fee: {
      column: '手续费',
      unit: 'yuan',
      rounding: 'half-up',
      sign: 'any',
    },
  },
};

export const builtInProfiles: Readonly<Record<string, { readonly json: unknown; readonly wallet: Wallet }>> =
  {
    alipay: { json: alipayTradeBillProfile, wallet: 'alipay' },
    wechat: { json: wechatTradeBillProfile, wallet: 'wechat' },
  };

/** The built-in profile of this name (`alipay`, `wechat`), parsed; undefined for another name. */
export function builtInProfile(name: string): MappingProfile | undefined {
  const entry = Object.hasOwn(builtInProfiles, name) ? builtInProfiles[name] : undefined;
  return entry === undefined ? undefined : parseMappingProfile(entry.json, `built-in profile ${name}`);
}
