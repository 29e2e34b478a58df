// What customers mean to buy: one intent is one purchase a customer wants to pay for once. A day's
// intents are drawn from the seed: spread over the terminals and the opening hours, with cards that
// come back, common prices, and some customers who genuinely buy the same thing twice within a
// minute (those must go through: blocking them is a false block). Each purchase is paid by card or
// with a wallet's payment code (QR): the method and the wallet are drawn from a schedule of their
// own, so a day of cards alone is the very day it was before QR payments were simulated.
import { Schedule } from './schedule.js';

export const paymentMethods = ['card', 'qr'] as const;
export type PaymentMethod = (typeof paymentMethods)[number];

/** The wallets simulated customers pay QR sales with (their payment codes, 付款码). */
export type SimWallet = 'alipay' | 'wechat';

/** With both methods, the share of purchases paid by QR code (most, in China; issue 20). */
export const qrShare = 0.5;

export interface Intent {
  readonly id: number;
  readonly terminal: number;
  /** Earliest start, ms after the day opens; the terminal may still be busy with the one before. */
  readonly atMs: number;
  readonly card: number;
  readonly amount: number;
  /** The intent this one genuinely repeats (same card, amount and terminal, within a minute), if any. */
  readonly repeatOf: number | null;
  readonly method: PaymentMethod;
  /** For a QR sale, the wallet of the customer (`card` names the customer); null for a card sale. */
  readonly wallet: SimWallet | null;
}

export const dayLengthMs = 10 * 3600 * 1000;

/** Prices people pay again and again (fen), so different cards often share an amount. */
const commonPrices = [500, 800, 1200, 1500, 1800, 2500, 3200, 4500, 6800, 9900];

/** The BIN every simulated card number starts with. */
export const simulatedCardBin = '621234';

/** A valid 16-digit test PAN for card number `n` (BIN 621234, Luhn check digit). */
export function panOf(card: number): string {
  const body = `${simulatedCardBin}${String(card).padStart(9, '0')}`;
  let sum = 0;
  for (let i = 0; i < body.length; i += 1) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return `${body}${(10 - (sum % 10)) % 10}`;
}

/** Card or QR for a purchase (a repeat is paid as the purchase it repeats), and the customer's wallet. */
function methodOf(
  methods: readonly PaymentMethod[],
  draw: Schedule,
  purchase: { id: number; card: number },
): Pick<Intent, 'method' | 'wallet'> {
  const qr =
    methods.includes('qr') && (!methods.includes('card') || draw.uniform('qr', purchase.id) < qrShare);
  if (!qr) return { method: 'card', wallet: null };
  // A customer keeps to one wallet all day.
  return { method: 'qr', wallet: draw.uniform('wallet', purchase.card) < 0.5 ? 'alipay' : 'wechat' };
}

export function generateIntents(options: {
  count: number;
  terminals: number;
  seed: number;
  methods?: readonly PaymentMethod[];
}): Intent[] {
  const schedule = new Schedule(options.seed ^ 0x5eed);
  const methods = options.methods ?? ['card'];
  const methodDraw = new Schedule(options.seed ^ 0x9c0de);
  const cards = Math.max(10, Math.floor(options.count / 3));
  const perTerminal = options.count / options.terminals;
  const meanGapMs = dayLengthMs / Math.max(1, perTerminal);
  const intents: Intent[] = [];
  const clocks = Array.from({ length: options.terminals }, () => 0);
  let id = 0;
  while (id < options.count) {
    const terminal = id % options.terminals;
    const gap = Math.floor(-Math.log(1 - schedule.uniform('gap', id)) * meanGapMs);
    const atMs = Math.min(dayLengthMs, (clocks[terminal] ?? 0) + gap);
    clocks[terminal] = atMs;
    const card = schedule.between(0, cards - 1, 'card', id);
    const amount =
      schedule.uniform('common', id) < 0.6
        ? (commonPrices[schedule.between(0, commonPrices.length - 1, 'price', id)] ?? 1000)
        : schedule.between(100, 50_000, 'amount', id);
    const paidWith = methodOf(methods, methodDraw, { id, card });
    intents.push({ id, terminal, atMs, card, amount, repeatOf: null, ...paidWith });
    id += 1;
    // About one customer in a hundred buys the same thing again, on the same terminal, soon after.
    if (id < options.count && schedule.uniform('repeat', id) < 0.01) {
      const repeatAt = Math.min(dayLengthMs, atMs + schedule.between(10_000, 50_000, 'repeat-gap', id));
      intents.push({ id, terminal, atMs: repeatAt, card, amount, repeatOf: id - 1, ...paidWith });
      clocks[terminal] = repeatAt;
      id += 1;
    }
  }
  return intents;
}
