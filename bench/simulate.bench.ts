// `npm run bench -- simulate`: intents per second of the fault simulator with every fault on, the
// guarded protocol (posguard's whole stack: SDK, codec, MAC, ISO host, engine, SQLite) beside the
// naive protocol (a host that keeps nothing) on the same intents and fault schedule, in the same
// run, on the same two worker threads. The ratio is what running the real stack costs per intent.
import { faultRates } from '../src/simulator/faults.js';
import { simulate, type Protocol } from '../src/simulator/simulate.js';
import { line, peakRssMb, ratio } from './report.js';

const intents = Number(process.env['SIM_BENCH_INTENTS'] ?? 20_000);

async function intentsPerSecond(protocol: Protocol): Promise<number> {
  const report = await simulate({
    intents,
    terminals: 50,
    seed: 1,
    rates: faultRates('all'),
    protocols: [protocol],
  });
  const result = report.protocols[protocol];
  line(`${protocol}: wall time`, `${report.timing.wallMs} ms`);
  line(`${protocol}: duplicate charges`, String(result?.duplicateCharges));
  return (intents * 1000) / Math.max(1, report.timing.wallMs);
}

console.log(`Fault simulator: ${intents} intents on 50 terminals, every fault on, seed 1`);
const naive = await intentsPerSecond('naive');
const guarded = await intentsPerSecond('guarded');
ratio('intents/s, guarded vs naive', guarded, naive, 'intents/s');
// The shards run on worker threads of this process, so its peak covers both days.
line('peak RSS of the process, both runs (MB)', String(peakRssMb()));
