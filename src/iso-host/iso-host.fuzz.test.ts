// Feeds random bytes and damaged valid frames to one live IsoHost (engine, store, simulated issuer).
// Whatever comes, the host answers with a well-formed answer to the request it could read, or
// says to close the connection with a log line; it never throws, and the store's invariants hold
// afterwards (posguard verify's checks, with the issuer's ledger).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verifyStore } from '../audit/verify-store.js';
import { decodeFrame, encodeSignedFrame, isResponseMti, type IsoMessage } from '../iso8583/index.js';
import { testPan } from '../payments/test-support/engine-harness.js';
import {
  echoRequest,
  reversalMessage,
  saleRequest,
  settlementRequest,
} from '../terminal/terminal-messages.js';
import { identity, makeIsoHarness } from './test-support/iso-harness.js';

const file = 'src/iso-host/iso-host.fuzz.test.ts';
const numRuns = 300;

async function checkAsync<Ts>(property: fc.IAsyncProperty<Ts>): Promise<void> {
  const seedText = process.env['FC_SEED'];
  const path = process.env['FC_PATH'];
  const replay =
    seedText === undefined ? {} : { seed: Number(seedText), ...(path === undefined ? {} : { path }) };
  const details = await fc.check(property, { numRuns, ...replay });
  if (details.failed) {
    const command = `FC_SEED=${details.seed} FC_PATH=${details.counterexamplePath ?? ''} npx vitest run ${file}`;
    throw new Error(`${fc.defaultReportMessage(details)}\n\nReplay this case with: ${command}`);
  }
}

function withLength(body: Uint8Array): Buffer {
  const out = Buffer.alloc(2 + body.length);
  out.writeUInt16BE(body.length, 0);
  out.set(body, 2);
  return out;
}

describe('the ISO 8583 host under random and damaged frames', () => {
  it('answers what it can read, closes on what it cannot, never throws, and keeps every invariant', async () => {
    const h = await makeIsoHarness({ policy: 'off' });
    const macKey = await h.signIn();
    const batchNo = '000001';
    const templates: IsoMessage[] = [
      saleRequest({
        identity,
        stan: 11,
        batchNo,
        amount: 1280,
        card: { pan: testPan, expiry: '2812', entryMode: 'chip' },
        operatorId: '01',
        confirmDuplicate: false,
      }),
      saleRequest({
        identity,
        stan: 12,
        batchNo,
        amount: 990,
        card: { pan: testPan, expiry: '2812', entryMode: 'swipe' },
        operatorId: '01',
        confirmDuplicate: false,
      }),
      echoRequest({ identity, stan: 13, batchNo, query: '' }),
      settlementRequest({
        identity,
        stan: 15,
        batchNo,
        totals: {
          cny: {
            debitTotalMinor: 0,
            debitCount: 0,
            creditTotalMinor: 0,
            creditCount: 0,
            check: 'not-checked',
          },
          foreign: {
            debitTotalMinor: 0,
            debitCount: 0,
            creditTotalMinor: 0,
            creditCount: 0,
            check: 'not-checked',
          },
        },
      }),
    ];
    templates.push(reversalMessage(templates[0] as IsoMessage, 'no-answer'));
    const valid = templates.map((m) => encodeSignedFrame(m, macKey));
    const first = await h.handle(valid[0] ?? Buffer.alloc(0));
    expect(first.kind === 'answer' && decodeFrame(first.frame).fields['39']).toBe('00');

    const damaged = fc
      .tuple(
        fc.integer({ min: 0, max: valid.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
      )
      .map(([which, flips, cut]) => {
        const bytes = Buffer.from(valid[which] ?? Buffer.alloc(0));
        for (const [at, value] of flips) bytes[2 + (at % (bytes.length - 2))] = value;
        const body =
          cut === undefined ? bytes.subarray(2) : bytes.subarray(2, 2 + (cut % (bytes.length - 2)));
        return withLength(body);
      });
    const random = fc.uint8Array({ minLength: 0, maxLength: 300 }).map(withLength);
    const lying = fc
      .tuple(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 64 }))
      .map(([length, body]) => {
        const out = withLength(body);
        out.writeUInt16BE(length, 0);
        return out;
      });

    let closed = 0;
    let formatErrors = 0;
    await checkAsync(
      fc.asyncProperty(fc.oneof(damaged, random, lying, fc.constantFrom(...valid)), async (frame) => {
        const logsBefore = h.logs.length;
        const reply = await h.handle(frame);
        expect(h.logs.length).toBeGreaterThan(logsBefore);
        if (reply.kind === 'close') {
          closed += 1;
          expect(h.logs.at(-1)?.message).toMatch(/^iso frame refused \(.+\): connection closed$/);
          return;
        }
        expect(reply.kind).toBe('answer');
        if (reply.kind !== 'answer') return;
        const answer = decodeFrame(reply.frame);
        expect(isResponseMti(answer.mti)).toBe(true);
        expect(answer.fields['39']).toMatch(/^[0-9A-Z]{2}$/);
        if (answer.fields['39'] === '30') formatErrors += 1;
      }),
    );
    // Both ways of refusing were exercised.
    expect(closed).toBeGreaterThan(0);
    expect(formatErrors).toBeGreaterThan(0);
    const report = await verifyStore(h.store, {
      now: h.clock.now(),
      pendingCutoffMs: 12_000,
      issuerLedger: h.ledger,
    });
    expect(report.breaches).toEqual([]);
  });
});
