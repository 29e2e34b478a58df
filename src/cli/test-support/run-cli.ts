// Runs the CLI in process with captured output, as `posguard ...` would run from a shell.
import { main } from '../main.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCli(
  args: readonly string[],
  options: { env?: Record<string, string | undefined>; cwd?: string; stop?: Promise<string> } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    stopSignal: options.stop ?? new Promise<string>(() => undefined),
  });
  return { code, stdout, stderr };
}
