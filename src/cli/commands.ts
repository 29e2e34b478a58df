// The list of CLI commands, in the order `posguard --help` shows them.
import type { Command } from './command.js';
import { reconcileCommand } from './commands/reconcile.js';

export const commands: readonly Command[] = [reconcileCommand];
