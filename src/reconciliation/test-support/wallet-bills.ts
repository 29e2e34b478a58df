// Builders of the wallets' daily bills in their own layouts, for tests and the sample day: Alipay's
// trade bill (业务明细: GBK, `#` lines before and after the table, text cells padded with a tab,
// refunds negative) and WeChat Pay's trade bill (交易账单, ALL: UTF-8, a backtick before every data
// cell, a totals block at the end). Constructed from the layouts the wallets document (docs/qr.md
// names the sources); no real bill was copied. Each builder can leave out a part, so tests can
// make the bills that must be refused.
import iconv from 'iconv-lite';
import { formatMajorUnits } from '../../money/money.js';

/** One line of a wallet's bill, in posguard's words; each builder writes it in its wallet's. */
export interface BillLine {
  readonly type: 'sale' | 'refund' | 'revoked';
  readonly orderNo: string;
  readonly tradeNo: string;
  readonly terminalId: string;
  /** The sale's amount (the order's, for a refund line), fen. */
  readonly orderAmount: number;
  /** For a refund line, what it gives back, fen; for WeChat's revoked line, the whole order. */
  readonly refundAmount?: number;
  readonly refundNo?: string;
  /** Epoch ms: when the payment (or refund) was done. */
  readonly timeMs: number;
  /** Fee in fen (the bill writes it as a cost). */
  readonly fee?: number;
  readonly payer?: string;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** China time `yyyy-MM-dd HH:mm:ss`, as both bills write times. */
export function chinaTime(epochMs: number): string {
  const d = new Date(epochMs + 8 * 3_600_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

const yuan = (fen: number): string => formatMajorUnits(fen, 'CNY');

export const alipayColumns = [
  '支付宝交易号',
  '商户订单号',
  '业务类型',
  '商品名称',
  '创建时间',
  '完成时间',
  '门店编号',
  '门店名称',
  '操作员',
  '终端号',
  '对方账户',
  '订单金额（元）',
  '商家实收（元）',
  '支付宝红包（元）',
  '集分宝（元）',
  '支付宝优惠（元）',
  '商家优惠（元）',
  '券核销金额（元）',
  '券名称',
  '商家红包消费金额（元）',
  '卡消费金额（元）',
  '退款批次号/请求号',
  '服务费（元）',
  '分润（元）',
  '备注',
] as const;

export interface AlipayBillOptions {
  /** The account line's number: the partner id and Alipay's 4-digit suffix. */
  readonly account?: string;
  readonly day?: string;
  /** Leave out the line that ends the table, the footer counts, or the account line. */
  readonly omit?: readonly ('end' | 'sale_count' | 'refund_count' | 'account')[];
  /** Counts the footer states instead of the true ones. */
  readonly counts?: { readonly sales: number; readonly refunds: number };
  /** Cells to write instead of the builder's, by line index and column name. */
  readonly override?: Readonly<Record<number, Partial<Record<(typeof alipayColumns)[number], string>>>>;
}

/** An Alipay trade bill as its text (encode it with `alipayBillBytes`). */
export function alipayBillText(lines: readonly BillLine[], options: AlipayBillOptions = {}): string {
  const omit = new Set(options.omit ?? []);
  const day = options.day ?? '2026-11-25';
  const [y, m, d] = day.split('-');
  const out: string[] = ['#支付宝业务明细查询'];
  if (!omit.has('account')) out.push(`#账号：[${options.account ?? '20880000000000010156'}]`);
  out.push(
    `#起始日期：[${y}年${m}月${d}日 00:00:00]   终止日期：[${y}年${m}月${pad(Number(d) + 1)}日 00:00:00]`,
  );
  out.push(`#-----------------------------------------业务明细列表----------------------------------------`);
  out.push(alipayColumns.join(','));
  lines.forEach((line, i) => {
    const refund = line.type !== 'sale';
    const amount = refund ? `-${yuan(line.refundAmount ?? line.orderAmount)}` : yuan(line.orderAmount);
    const cells: Record<(typeof alipayColumns)[number], string> = {
      支付宝交易号: `${line.tradeNo}\t`,
      商户订单号: `${line.orderNo}\t`,
      业务类型: `${refund ? '退款' : '交易'}\t`,
      商品名称: 'posguard 收银',
      创建时间: chinaTime(line.timeMs - 3_000),
      完成时间: chinaTime(line.timeMs),
      门店编号: '\t',
      门店名称: '\t',
      操作员: '\t',
      终端号: `${line.terminalId}\t`,
      对方账户: `${line.payer ?? '*明(138****0000)'}\t`,
      '订单金额（元）': amount,
      '商家实收（元）': amount,
      '支付宝红包（元）': '0.00',
      '集分宝（元）': '0.00',
      '支付宝优惠（元）': '0.00',
      '商家优惠（元）': '0.00',
      '券核销金额（元）': '0.00',
      券名称: '',
      '商家红包消费金额（元）': '0.00\t',
      '卡消费金额（元）': '0.00',
      '退款批次号/请求号': `${refund ? (line.refundNo ?? `${line.orderNo}R1`) : ''}\t`,
      '服务费（元）': `${refund ? '' : '-'}${yuan(line.fee ?? 0)}`,
      '分润（元）': '0.00',
      备注: '',
      ...options.override?.[i],
    };
    out.push(alipayColumns.map((c) => cells[c]).join(','));
  });
  const sales = lines.filter((l) => l.type === 'sale');
  const refunds = lines.filter((l) => l.type !== 'sale');
  const counts = options.counts ?? { sales: sales.length, refunds: refunds.length };
  const received = sales.reduce((sum, l) => sum + l.orderAmount, 0);
  const returned = refunds.reduce((sum, l) => sum + (l.refundAmount ?? l.orderAmount), 0);
  if (!omit.has('end')) {
    out.push(
      '#-----------------------------------------业务明细列表结束------------------------------------',
    );
  }
  if (!omit.has('sale_count'))
    out.push(`#交易合计：${counts.sales}笔，商家实收共${yuan(received)}元，商家优惠共0.00元`);
  if (!omit.has('refund_count')) {
    out.push(`#退款合计：${counts.refunds}笔，商家实收退款共-${yuan(returned)}元，商家优惠退款共0.00元`);
  }
  out.push(`#导出时间：[${y}年${m}月${pad(Number(d) + 1)}日 06:27:10]`);
  return `${out.join('\r\n')}\r\n`;
}

/** The bill as Alipay gives it: GBK. */
export function alipayBillBytes(lines: readonly BillLine[], options: AlipayBillOptions = {}): Buffer {
  return iconv.encode(alipayBillText(lines, options), 'gbk');
}

export const wechatColumns = [
  '交易时间',
  '公众账号ID',
  '商户号',
  '特约商户号',
  '设备号',
  '微信订单号',
  '商户订单号',
  '用户标识',
  '交易类型',
  '交易状态',
  '付款银行',
  '货币种类',
  '应结订单金额',
  '代金券金额',
  '微信退款单号',
  '商户退款单号',
  '退款金额',
  '充值券退款金额',
  '退款类型',
  '退款状态',
  '商品名称',
  '商户数据包',
  '手续费',
  '费率',
  '订单金额',
  '申请退款金额',
  '费率备注',
] as const;

const wechatTotals = [
  '总交易单数',
  '应结订单总金额',
  '退款总金额',
  '充值券退款总金额',
  '手续费总金额',
  '订单总金额',
  '申请退款总金额',
] as const;

export interface WechatBillOptions {
  readonly appId?: string;
  readonly mchId?: string;
  /** Leave out the totals block, or only its row. */
  readonly omit?: readonly ('totals' | 'totals_row')[];
  readonly override?: Readonly<Record<number, Partial<Record<(typeof wechatColumns)[number], string>>>>;
}

/** A WeChat Pay trade bill (ALL) as its text; WeChat gives it in UTF-8. */
export function wechatBillText(lines: readonly BillLine[], options: WechatBillOptions = {}): string {
  const omit = new Set(options.omit ?? []);
  const out: string[] = [wechatColumns.join(',')];
  const fee = (fen: number): string => `${yuan(fen)}000`;
  lines.forEach((line, i) => {
    const refund = line.type !== 'sale';
    const back = line.type === 'refund' ? (line.refundAmount ?? line.orderAmount) : 0;
    const status = line.type === 'sale' ? 'SUCCESS' : line.type === 'refund' ? 'REFUND' : 'REVOKED';
    const cells: Record<(typeof wechatColumns)[number], string> = {
      交易时间: chinaTime(line.timeMs),
      公众账号ID: options.appId ?? 'wx2421b1c4370ec43b',
      商户号: options.mchId ?? '1900000109',
      特约商户号: '0',
      设备号: line.terminalId,
      微信订单号: line.tradeNo,
      商户订单号: line.orderNo,
      用户标识: line.payer ?? 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
      交易类型: 'MICROPAY',
      交易状态: status,
      付款银行: 'OTHERS',
      货币种类: 'CNY',
      应结订单金额: yuan(line.orderAmount),
      代金券金额: '0.00',
      微信退款单号: line.type === 'refund' ? `50000${line.tradeNo.slice(5)}` : '0',
      商户退款单号: line.type === 'refund' ? (line.refundNo ?? `${line.orderNo}R1`) : '0',
      退款金额: yuan(back),
      充值券退款金额: '0.00',
      退款类型: line.type === 'refund' ? 'ORIGINAL' : '',
      退款状态: line.type === 'refund' ? 'SUCCESS' : '',
      商品名称: 'posguard 收银',
      商户数据包: '',
      手续费: refund ? `-${fee(line.fee ?? 0)}` : fee(line.fee ?? 0),
      费率: '0.60%',
      订单金额: yuan(line.orderAmount),
      申请退款金额: yuan(back),
      费率备注: '',
      ...options.override?.[i],
    };
    out.push(wechatColumns.map((c) => `\`${cells[c]}`).join(','));
  });
  if (!omit.has('totals')) {
    out.push(wechatTotals.join(','));
    const sales = lines.filter((l) => l.type === 'sale');
    const settled = sales.reduce((sum, l) => sum + l.orderAmount, 0);
    const refunded = lines.reduce(
      (sum, l) => sum + (l.type === 'refund' ? (l.refundAmount ?? l.orderAmount) : 0),
      0,
    );
    const fees = lines.reduce((sum, l) => sum + (l.type === 'sale' ? 1 : -1) * (l.fee ?? 0), 0);
    const row = [
      String(lines.length),
      yuan(settled),
      yuan(refunded),
      '0.00',
      fee(fees),
      yuan(settled),
      yuan(refunded),
    ];
    if (!omit.has('totals_row')) out.push(row.map((c) => `\`${c}`).join(','));
  }
  return `${out.join('\r\n')}\r\n`;
}
