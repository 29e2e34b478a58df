import { describe, expect, it } from 'vitest';
import { netChargeOfSale } from '../simulated-issuer/issuer-ledger.js';
import { makeHarness, otherPan, terminalId, viewOf } from './test-support/engine-harness.js';

describe('authorising a sale', () => {
  it('approves a sale, gives it its own RRN and auth code, and charges the card once', async () => {
    const h = await makeHarness();
    const view = viewOf(await h.drive(h.engine.authorizeSale(h.sale())));
    expect(view.status).toBe('approved');
    expect(view.responseCode).toBe('00');
    expect(view.rrn).toMatch(/^\d{12}$/);
    expect(view.authCode).toMatch(/^\d{6}$/);
    expect(view.cardMasked).toBe('621234******1232');
    expect(netChargeOfSale(h.ledger, view.rrn ?? '')).toBe(1280);
  });

  describe('idempotency', () => {
    it('answers a repeat of the same request with the stored outcome and sends nothing upstream again', async () => {
      const h = await makeHarness();
      const command = h.sale({ idempotencyKey: 'retry-me' });
      const first = await h.drive(h.engine.authorizeSale(command));
      const second = await h.drive(h.engine.authorizeSale({ ...command, card: h.card() }));
      expect(first.kind).toBe('answered');
      expect(second).toMatchObject({ kind: 'answered', replayed: true });
      if (first.kind === 'answered' && second.kind === 'answered') {
        expect(second.answer).toEqual(first.answer);
      }
      expect(h.issuer.calls.authorize).toBe(1);
    });

    it('refuses the same key with a different amount, card or terminal and sends nothing', async () => {
      const h = await makeHarness();
      const command = h.sale({ idempotencyKey: 'k' });
      await h.drive(h.engine.authorizeSale(command));
      const variants = [
        { ...command, amount: 1281 },
        { ...command, card: h.card(otherPan) },
        { ...command, terminalId: 'T0002' },
        { ...command, entryMode: 'swipe' as const },
      ];
      for (const variant of variants) {
        const result = await h.drive(h.engine.authorizeSale(variant)).catch((e: unknown) => e);
        // An unknown terminal is refused before the key is looked at; the rest are key reuse.
        if (variant.terminalId === terminalId)
          expect(result).toEqual({ kind: 'key_reused', operation: 'sale' });
        else expect(result).toMatchObject({ code: 'POS_ERR_PAYMENT_UNKNOWN_TERMINAL' });
      }
      expect(h.issuer.calls.authorize).toBe(1);
    });

    it('never calls upstream twice for a key in flight: the repeat gets the first answer when it comes in time', async () => {
      const h = await makeHarness({ faults: latency(1500), settings: { inFlightWaitMs: 2000 } });
      const command = h.sale({ idempotencyKey: 'slow' });
      const first = h.engine.authorizeSale(command);
      const second = h.engine.authorizeSale(command);
      const [a, b] = await h.drive(Promise.all([first, second]));
      expect(viewOf(a).status).toBe('approved');
      expect(b).toMatchObject({ kind: 'answered', replayed: true });
      expect(viewOf(b).id).toBe(viewOf(a).id);
      expect(h.issuer.calls.authorize).toBe(1);
    });

    it('answers a repeat with a conflict when the first is still in flight after the bounded wait', async () => {
      const h = await makeHarness({ faults: latency(5000), settings: { inFlightWaitMs: 1000 } });
      const command = h.sale({ idempotencyKey: 'slower' });
      const first = h.engine.authorizeSale(command);
      const second = h.engine.authorizeSale(command);
      const [a, b] = await h.drive(Promise.all([first, second]));
      expect(b).toEqual({ kind: 'in_flight' });
      expect(viewOf(a).status).toBe('approved');
      expect(h.issuer.calls.authorize).toBe(1);
    });

    it('scopes keys to their merchant', async () => {
      const h = await makeHarness();
      const { addMerchant, addTerminal } = await import('../merchants/merchant-admin.js');
      const { SeededRandom } = await import('../random/random.js');
      await addMerchant(
        h.store,
        { id: 'M0002', name: 'Other shop' },
        { random: new SeededRandom(1), now: h.clock.now() },
      );
      await addTerminal(
        h.store,
        { merchantId: 'M0002', terminalId, tmkEncrypted: null },
        { now: h.clock.now() },
      );
      const a = viewOf(await h.drive(h.engine.authorizeSale(h.sale({ idempotencyKey: 'shared' }))));
      const b = viewOf(
        await h.drive(h.engine.authorizeSale(h.sale({ idempotencyKey: 'shared', merchantId: 'M0002' }))),
      );
      expect(a.id).not.toBe(b.id);
      expect(h.issuer.calls.authorize).toBe(2);
    });
  });

  describe('the duplicate-suspect guard', () => {
    it('holds a second sale of the same card and amount on the same terminal under the confirm policy', async () => {
      const h = await makeHarness();
      const first = viewOf(await h.drive(h.engine.authorizeSale(h.sale())));
      const second = viewOf(await h.drive(h.engine.authorizeSale(h.sale())));
      expect(second.status).toBe('duplicate_suspected');
      expect(second.duplicateOf).toBe(first.id);
      expect(second.rrn).toBeNull();
      expect(h.issuer.calls.authorize).toBe(1);
      const duplicates = await h.engine.listDuplicates({ merchantId: 'M0001', limit: 10 });
      expect(duplicates).toMatchObject([
        { paymentId: second.id, duplicateOf: first.id, resolution: 'awaiting_confirmation' },
      ]);
    });

    it('lets the operator confirm a genuine second purchase with a new key, and records who confirmed it', async () => {
      const h = await makeHarness();
      const first = viewOf(await h.drive(h.engine.authorizeSale(h.sale())));
      const held = viewOf(await h.drive(h.engine.authorizeSale(h.sale())));
      const confirmed = viewOf(
        await h.drive(h.engine.authorizeSale(h.sale({ confirmDuplicate: true, operatorId: '07' }))),
      );
      expect(confirmed.status).toBe('approved');
      expect(confirmed.duplicateOf).toBe(first.id);
      expect(confirmed.duplicateConfirmed).toBe(true);
      const [record] = await h.engine.listDuplicates({ merchantId: 'M0001', limit: 10 });
      expect(record).toMatchObject({
        paymentId: held.id,
        resolution: 'confirmed',
        operatorId: '07',
        confirmedPaymentId: confirmed.id,
      });
      expect(h.issuer.calls.authorize).toBe(2);
    });

    it('suspects a repeat exactly at the window edge and lets one a millisecond later through', async () => {
      const h = await makeHarness({ windowS: 120 });
      await h.drive(h.engine.authorizeSale(h.sale()));
      await h.clock.advance(120_000);
      expect(viewOf(await h.drive(h.engine.authorizeSale(h.sale()))).status).toBe('duplicate_suspected');
      await h.clock.advance(1);
      expect(viewOf(await h.drive(h.engine.authorizeSale(h.sale()))).status).toBe('approved');
    });

    it('does not suspect another card, another amount or another terminal', async () => {
      const h = await makeHarness();
      const { addTerminal } = await import('../merchants/merchant-admin.js');
      await addTerminal(
        h.store,
        { merchantId: 'M0001', terminalId: 'T0002', tmkEncrypted: null },
        { now: h.clock.now() },
      );
      await h.drive(h.engine.authorizeSale(h.sale()));
      for (const variant of [
        h.sale({ card: h.card(otherPan) }),
        h.sale({ amount: 1281 }),
        h.sale({ terminalId: 'T0002' }),
      ]) {
        expect(viewOf(await h.drive(h.engine.authorizeSale(variant))).status).toBe('approved');
      }
    });

    it('does not suspect a repeat of a declined or reversed sale', async () => {
      const h = await makeHarness({ faults: { ...latency(0), declineRate: 1 } });
      expect(viewOf(await h.drive(h.engine.authorizeSale(h.sale()))).status).toBe('declined');
      h.issuer.setFaults(latency(0));
      expect(viewOf(await h.drive(h.engine.authorizeSale(h.sale()))).status).toBe('approved');
    });

    it('blocks every repeat under the block policy, confirmed or not', async () => {
      const h = await makeHarness({ policy: 'block' });
      await h.drive(h.engine.authorizeSale(h.sale()));
      const blocked = viewOf(await h.drive(h.engine.authorizeSale(h.sale({ confirmDuplicate: true }))));
      expect(blocked.status).toBe('duplicate_suspected');
      const [record] = await h.engine.listDuplicates({ merchantId: 'M0001', limit: 10 });
      expect(record?.resolution).toBe('blocked');
      expect(h.issuer.calls.authorize).toBe(1);
    });

    it('sends a repeat under the flag policy and marks it for review', async () => {
      const h = await makeHarness({ policy: 'flag' });
      const first = viewOf(await h.drive(h.engine.authorizeSale(h.sale())));
      const flagged = viewOf(await h.drive(h.engine.authorizeSale(h.sale())));
      expect(flagged).toMatchObject({ status: 'approved', flaggedForReview: true, duplicateOf: first.id });
      expect(h.issuer.calls.authorize).toBe(2);
    });

    it('lets every repeat through under the off policy', async () => {
      const h = await makeHarness({ policy: 'off' });
      await h.drive(h.engine.authorizeSale(h.sale()));
      const second = viewOf(await h.drive(h.engine.authorizeSale(h.sale())));
      expect(second).toMatchObject({ status: 'approved', flaggedForReview: false, duplicateOf: null });
    });
  });

  describe('unknown outcomes', () => {
    it('answers 98 and reverses when the issuer never answers, so the card ends up not charged', async () => {
      const h = await makeHarness({
        faults: { ...latency(0), lostAnswerRate: 1 },
        settings: { upstreamTimeoutMs: 3000 },
      });
      const view = viewOf(await h.drive(h.engine.authorizeSale(h.sale())));
      expect(view).toMatchObject({ status: 'reversal_pending', responseCode: '98' });
      expect(netChargeOfSale(h.ledger, view.rrn ?? '')).toBe(1280);
      h.issuer.setFaults(latency(0));
      expect(await h.drive(h.engine.drainReversals())).toBe(1);
      expect((await h.engine.getPayment('M0001', view.id)).status).toBe('reversed');
      expect(netChargeOfSale(h.ledger, view.rrn ?? '')).toBe(0);
    });

    it('declines with 91 and reverses nothing when the issuer is certainly down', async () => {
      const h = await makeHarness({ faults: { ...latency(0), outageRate: 1 } });
      const view = viewOf(await h.drive(h.engine.authorizeSale(h.sale())));
      expect(view).toMatchObject({ status: 'declined', responseCode: '91' });
      expect(await h.store.read((r) => r.countReversals('queued'))).toBe(0);
    });
  });
});

function latency(ms: number) {
  return {
    latencyMs: { min: ms, max: ms },
    declineRate: 0,
    lostAnswerRate: 0,
    doublePostRate: 0,
    outageRate: 0,
    outages: [],
  };
}
