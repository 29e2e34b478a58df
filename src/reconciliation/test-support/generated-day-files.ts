// Writes a generated day (day-generator.ts) as the three v1 CSV files in a folder, through buffered
// synchronous writes: the benchmark's ten-million-row days never sit in memory whole.
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { generateDay, type DayOptions, type GeneratedDay } from './day-generator.js';
import { hostJournalHeader, settlementFileHeader, terminalJournalHeader } from '../read/v1-lines.js';

export interface DayFiles {
  readonly host: string;
  readonly terminal: string;
  readonly settlement: string;
}

/** Characters gathered before each write. */
const flushChars = 1 << 20;

class LineFile {
  private readonly fd: number;
  private pending = '';

  constructor(path: string, header: string) {
    this.fd = openSync(path, 'w');
    this.pending = `${header}\n`;
  }

  add(line: string): void {
    this.pending += `${line}\n`;
    if (this.pending.length >= flushChars) this.flush();
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    writeSync(this.fd, this.pending);
    this.pending = '';
  }
}

export function writeGeneratedDay(dir: string, options: DayOptions): DayFiles & GeneratedDay {
  const paths = {
    host: join(dir, 'host-journal.csv'),
    terminal: join(dir, 'terminal-journal.csv'),
    settlement: join(dir, 'settlement.csv'),
  };
  const host = new LineFile(paths.host, hostJournalHeader);
  const terminal = new LineFile(paths.terminal, terminalJournalHeader);
  const settlement = new LineFile(paths.settlement, settlementFileHeader);
  try {
    const day = generateDay(options, {
      host: (line) => host.add(line),
      terminal: (line) => terminal.add(line),
      settlement: (line) => settlement.add(line),
    });
    return { ...paths, ...day };
  } finally {
    host.close();
    terminal.close();
    settlement.close();
  }
}
