import { describe, expect, it } from 'vitest';
import { answerJson } from '../../payments/ports/answer-json.js';
import type { EngineAnswer } from '../../payments/payment.js';
import { decodeAnswer, encodeAnswer } from './request-rows.js';

// A body as earlier versions stored it (and sent it over HTTP), byte for byte.
const storedSale =
  '{"id":"pay_1","kind":"sale","status":"approved","responseCode":"00","message":"approved","rrn":"000000000001","authCode":"123456","amount":1234,"currency":"CNY","cardMasked":"622202******1234","terminalId":"T1","duplicateOf":null,"duplicateConfirmed":false,"flaggedForReview":false,"originalId":null,"operatorId":null,"reference":"r-1","stan":null,"batchNo":null,"createdAt":"2026-11-25T06:00:00.000Z","updatedAt":"2026-11-25T06:00:00.250Z"}';
const storedTombstone = '{"reversal":{"state":"tombstoned","reason":"timeout"},"payment":null}';
// A QR sale's body: the method, wallet and masked code come last (issue 20).
const storedQrSale =
  '{"id":"pay_2","kind":"sale","status":"approved","responseCode":"00","message":"approved","rrn":"000000000002","authCode":null,"amount":500,"currency":"CNY","cardMasked":null,"terminalId":"T1","duplicateOf":null,"duplicateConfirmed":false,"flaggedForReview":false,"originalId":null,"operatorId":null,"reference":null,"stan":null,"batchNo":null,"createdAt":"2026-11-25T06:00:00.000Z","updatedAt":"2026-11-25T06:00:10.000Z","method":"qr","wallet":"wechat","paymentCodeMasked":"**************6789"}';

describe('stored answers', () => {
  it('decodes a stored payment body into the engine value, times in milliseconds', () => {
    const answer = decodeAnswer(storedSale);
    expect(answer.kind).toBe('payment');
    expect(answer.view).toMatchObject({ id: 'pay_1', createdAt: Date.UTC(2026, 10, 25, 6), amount: 1234 });
    expect(answer.kind === 'payment' && answer.view.qr).toBe(null);
    expect(decodeAnswer(storedQrSale).view).toMatchObject({
      qr: { wallet: 'wechat', codeMasked: '**************6789' },
      cardMasked: null,
    });
  });

  it('writes back, and the HTTP door sends, the very bytes that were stored', () => {
    for (const body of [storedSale, storedTombstone, storedQrSale]) {
      const answer = decodeAnswer(body);
      expect(encodeAnswer(answer).body).toBe(body);
      expect(answerJson(answer).body).toBe(body);
    }
  });

  it('keeps the status earlier versions stored, so an older host replays it the same', () => {
    const sale = decodeAnswer(storedSale);
    const tombstone = decodeAnswer(storedTombstone);
    const done: EngineAnswer = {
      kind: 'reversal',
      view: { reversal: { state: 'done', reason: 'other' }, payment: null },
    };
    expect([sale, tombstone, done].map((a) => encodeAnswer(a).status)).toEqual([201, 202, 200]);
    expect([sale, tombstone, done].map((a) => answerJson(a).status)).toEqual([201, 202, 200]);
  });

  it('stops on a stored body it did not write instead of replaying it', () => {
    expect(() => decodeAnswer(storedSale.replace('"amount":1234', '"amount":"1234"'))).toThrow(/amount/);
    expect(() => decodeAnswer(storedSale.replace('06:00:00.000Z', '06:00:00Z'))).toThrow(/createdAt/);
    expect(() => decodeAnswer(storedTombstone.replace('tombstoned', 'failed'))).toThrow(/state/);
    expect(() => decodeAnswer('[]')).toThrow(/object/);
    expect(() => decodeAnswer(storedQrSale.replace('"qr"', '"cash"'))).toThrow(/method/);
    expect(() => decodeAnswer(storedQrSale.replace('"wechat"', '"paypal"'))).toThrow(/wallet/);
  });
});
