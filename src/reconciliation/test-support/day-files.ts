// Writes a small hand-made day as the three v1 CSV files in a temporary folder that goes away
// with the test, and a fake CLI I/O that keeps what a command prints.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import type { CliIo } from '../../cli/command.js';
import type { HostRow, SettlementRow, TerminalRow } from '../tables/rows.js';
import {
  hostJournalHeader,
  hostJournalLine,
  settlementFileHeader,
  settlementFileLine,
  terminalJournalHeader,
  terminalJournalLine,
} from '../read/v1-lines.js';

/** A fresh temporary folder, removed when the test that made it finishes. */
export function tempDir(prefix = 'posguard-recon-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function writeDay(
  dir: string,
  day: { host: readonly HostRow[]; settlement: readonly SettlementRow[]; terminal?: readonly TerminalRow[] },
): { host: string; settlement: string; terminal: string } {
  const paths = {
    host: join(dir, 'host.csv'),
    settlement: join(dir, 'settlement.csv'),
    terminal: join(dir, 'terminal.csv'),
  };
  const file = (header: string, lines: string[]): string => `${[header, ...lines].join('\n')}\n`;
  writeFileSync(
    paths.host,
    file(
      hostJournalHeader,
      day.host.map((r) => hostJournalLine(r)),
    ),
  );
  writeFileSync(
    paths.settlement,
    file(
      settlementFileHeader,
      day.settlement.map((r) => settlementFileLine(r)),
    ),
  );
  writeFileSync(
    paths.terminal,
    file(
      terminalJournalHeader,
      (day.terminal ?? []).map((r) => terminalJournalLine(r)),
    ),
  );
  return paths;
}

export function fakeIo(
  cwd: string,
  options: { tty?: boolean } = {},
): CliIo & { out(): string; err(): string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text), isTTY: options.tty ?? false },
    env: {},
    cwd,
    stopSignal: new Promise<string>(() => undefined),
    out: () => out,
    err: () => err,
  };
}
