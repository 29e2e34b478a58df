// The public entry point of the simulated wallet: the HTTP service speaking Alipay's and WeChat
// Pay's wire formats (for `posguard wallet` and the demo), its books, its faults, and the
// in-process UnionPay QR provider.
export {
  buildWalletService,
  startSimulatedWallet,
  type RunningSimulatedWallet,
  type SimulatedWalletKeys,
  type SimulatedWalletServiceOptions,
} from './wallet-service.js';
export { SimulatedWallet, type WalletLedger } from './simulated-wallet.js';
export {
  noWalletFaults,
  walletMethods,
  type SimulatedWalletFaults,
  type WalletMethod,
} from './wallet-faults.js';
export { codeShapes, walletOfCode } from './payment-codes.js';
export {
  createSimulatedUnionPayProvider,
  SimulatedUnionPayProvider,
  unionpayTiming,
} from './unionpay-provider.js';
