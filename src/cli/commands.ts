// The list of CLI commands, in the order `posguard --help` shows them.
import type { Command } from './command.js';
import { iso } from './commands/iso.js';

export const commands: readonly Command[] = [iso];
