// Runs a fast-check property with a stated run count and, when it fails, reports the seed, the
// counterexample and the command that replays exactly that case (house style: a failing randomized
// case prints its seed and how to replay it).
import fc from 'fast-check';

export interface PropertyRun {
  /** How many cases; kept small enough that the whole ISO 8583 suite runs in a few seconds. */
  readonly numRuns: number;
  /** The test file, for the replay command. */
  readonly file: string;
}

export function checkProperty<Ts>(property: fc.IProperty<Ts>, run: PropertyRun): void {
  const seedText = process.env['FC_SEED'];
  const path = process.env['FC_PATH'];
  const replay =
    seedText === undefined ? {} : { seed: Number(seedText), ...(path === undefined ? {} : { path }) };
  const details = fc.check(property, { numRuns: run.numRuns, ...replay });
  if (details.failed) {
    const command = `FC_SEED=${details.seed} FC_PATH=${details.counterexamplePath ?? ''} npx vitest run ${run.file}`;
    throw new Error(`${fc.defaultReportMessage(details)}\n\nReplay this case with: ${command}`);
  }
}
