// The wallets of a simulated day: one set of books (the simulated wallet's payers, payment codes,
// orders, charges and refunds) and a faulty provider for each wallet customers pay with, timed as
// the real adapters are (Alipay: a query every 5 s for 60 s; WeChat Pay: every 5 s for 45 s, no
// cancel before 15 s). Each customer is a payer with a balance no purchase exhausts; a customer
// opens the wallet app for each scan and shows a fresh code (single use, valid 60 s).
import { alipayTiming } from '../wallets/alipay/alipay-provider.js';
import { wechatTiming } from '../wallets/wechat/wechat-provider.js';
import { SimulatedWallet } from '../simulated-wallet/simulated-wallet.js';
import { noWalletFaults } from '../simulated-wallet/wallet-faults.js';
import type { Attempt } from './accounting.js';
import { FaultyWallet } from './faulty-wallet.js';
import type { Intent, SimWallet } from './intents.js';
import type { SimContext } from './sim-context.js';

/** What each customer holds in the wallet: far more than a day of purchases. */
const payerBalanceFen = 1_000_000_000;

export class SimWallets {
  readonly books: SimulatedWallet;
  readonly providers: Readonly<Record<SimWallet, FaultyWallet>>;
  readonly #payers = new Set<string>();

  constructor(
    sim: SimContext,
    options: {
      /** How late a late answer is: past the host's timeout. */
      readonly lateByMs: number;
      readonly attemptOf: (orderNo: string) => { key: string; attempt: Attempt } | undefined;
    },
  ) {
    // The wallet's own fault plan is off: the faulty providers decide each call from the schedule.
    this.books = new SimulatedWallet({ clock: sim.clock, seed: sim.schedule.seed, faults: noWalletFaults });
    const provider = (wallet: SimWallet, timing: FaultyWallet['timing']): FaultyWallet =>
      new FaultyWallet(sim, this.books, { wallet, timing, ...options });
    this.providers = { alipay: provider('alipay', alipayTiming), wechat: provider('wechat', wechatTiming) };
  }

  /** A fresh payment code from the customer's wallet app, as the cashier scans it. */
  codeFor(intent: Intent): string {
    const wallet = intent.wallet ?? 'alipay';
    const payerId = `C${intent.card}`;
    if (!this.#payers.has(payerId)) {
      this.books.addPayer(payerId, payerBalanceFen);
      this.#payers.add(payerId);
    }
    return this.books.issueCode(payerId, wallet).code;
  }

  /** Stops the timers of customers still to confirm on their phones (the day is over). */
  stop(): void {
    this.books.stop();
  }
}
