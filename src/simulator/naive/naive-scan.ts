// The naive host's QR sales: what produces duplicates with payment codes in the field. Each request
// goes to the wallet under an order number of its own (a new code scanned again is a new order), so
// the wallet sees every scan as another payment. An unknown answer (lost, late, a system error) is
// taken as a failure and never asked about; "user paying" is asked about a few times while the
// terminal still waits, then given up; nothing is ever cancelled. The customer who confirms on the
// phone after that has paid for a sale the terminal showed as failed.
import { parseScanRequest, type IsoMessage } from '../../iso8583/index.js';
import { Secret } from '../../cards/secret.js';
import { paymentCodeShapeOf } from '../../cards/payment-code-shapes.js';
import type { WalletOrderState, WalletPayAnswer, WalletProvider } from '../../payments/ports/wallet.js';
import type { SimWallet } from '../intents.js';
import type { SimContext } from '../sim-context.js';

/** Queries of a "user paying" order, 5 s apart, before the naive host gives up. */
const userPayingQueries = 3;
const queryIntervalMs = 5_000;

/** The abort reason once a wallet call is over; shared, so an abort builds no DOMException. */
const callOver = new Error('the wallet call is over');

/** What became of a QR sale: a response code, or the host died (`crash`: now; `dead`: meanwhile). */
export type NaiveScanResult = { kind: 'answer'; code: string } | { kind: 'crash' } | { kind: 'dead' };

export class NaiveScanDesk {
  #orders = 0;

  constructor(
    private readonly sim: SimContext,
    private readonly wallets: Readonly<Record<SimWallet, WalletProvider>>,
    private readonly options: { readonly upstreamTimeoutMs: number },
  ) {}

  /** One wallet call, waited for at most the host's upstream timeout; undefined when no answer came. */
  async #call<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
    const controller = new AbortController();
    const answered = call(controller.signal).catch(() => undefined);
    const timer = this.sim.clock.timer(this.options.upstreamTimeoutMs);
    const answer = await Promise.race([answered, timer.elapsed.then(() => undefined)]);
    timer.cancel();
    controller.abort(callOver);
    return answer;
  }

  /**
   * A scan-code sale: pays, asks a little about "user paying", answers. `afterPay` says whether the
   * host is still alive once the pay is answered (and may kill it there).
   */
  async sale(
    request: IsoMessage,
    key: string,
    afterPay: () => 'alive' | 'dead' | 'crash',
  ): Promise<NaiveScanResult> {
    const code = parseScanRequest(request.fields['59'] ?? '').paymentCode;
    const wallet = paymentCodeShapeOf(code)?.wallet;
    const provider = wallet === 'alipay' || wallet === 'wechat' ? this.wallets[wallet] : undefined;
    if (provider === undefined) return { kind: 'answer', code: '14' };
    const orderNo = `NV${String((this.#orders += 1)).padStart(12, '0')}`;
    this.sim.registerOrder(orderNo, key);
    const pay = await this.#call<WalletPayAnswer>((signal) =>
      provider.pay(
        {
          orderNo,
          merchantId: request.fields['42'] ?? '',
          terminalId: request.fields['41'] ?? '',
          amount: Number(request.fields['4'] ?? '0'),
          currency: 'CNY',
          code: new Secret(code, 'payment code'),
          subject: 'naive POS',
        },
        signal,
      ),
    );
    const state = afterPay();
    if (state !== 'alive') return { kind: state };
    if (pay?.outcome === 'paid') return { kind: 'answer', code: '00' };
    if (pay?.outcome === 'refused') return { kind: 'answer', code: '05' };
    if (pay?.outcome !== 'user_paying') return { kind: 'answer', code: '98' };
    for (let query = 0; query < userPayingQueries; query += 1) {
      await this.sim.clock.sleep(queryIntervalMs);
      const order = await this.#call<WalletOrderState>((signal) => provider.query(orderNo, signal));
      if (order?.state === 'paid') return { kind: 'answer', code: '00' };
      if (order?.state === 'refused' || order?.state === 'closed') return { kind: 'answer', code: '05' };
    }
    return { kind: 'answer', code: '98' };
  }
}
