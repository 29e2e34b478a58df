// The list of CLI commands, in the order `posguard --help` shows them.
import type { Command } from './command.js';
import { diagnoseCommand } from './commands/diagnose.js';
import { exportCommand } from './commands/export.js';
import { feesCommand } from './commands/fees.js';
import { iso } from './commands/iso.js';
import { issuerCommand } from './commands/issuer.js';
import { merchantCommand } from './commands/merchant.js';
import { operationsKeyCommand } from './commands/operations-key.js';
import { posCommand } from './commands/pos.js';
import { reconcileCommand } from './commands/reconcile.js';
import { serveCommand } from './commands/serve.js';
import { simulateCommand } from './commands/simulate.js';
import { terminalCommand } from './commands/terminal.js';
import { verifyCommand } from './commands/verify.js';

export const commands: readonly Command[] = [
  serveCommand,
  merchantCommand,
  operationsKeyCommand,
  terminalCommand,
  verifyCommand,
  exportCommand,
  reconcileCommand,
  simulateCommand,
  feesCommand,
  diagnoseCommand,
  iso,
  posCommand,
  issuerCommand,
];
