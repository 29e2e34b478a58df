// The simulated wallet's HTTP service itself: its test hooks refuse bad input with a coded error,
// faults change over HTTP, and the wallet endpoints refuse what the real wallets refuse before any
// business is done (an unsigned Alipay request, XML with a DOCTYPE, a wrong WeChat signature).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rsaPair } from '../wallets/test-support/wallet-harness.js';
import { startSimulatedWallet, type RunningSimulatedWallet } from './wallet-service.js';

let sim: RunningSimulatedWallet;
beforeAll(async () => {
  const merchant = rsaPair();
  const alipay = rsaPair();
  sim = await startSimulatedWallet({
    keys: {
      alipay: {
        appId: '2021000000000001',
        alipayPrivateKey: alipay.privatePem,
        merchantPublicKey: merchant.publicPem,
      },
      wechat: { appId: 'wx1', mchId: '1900000001', apiKey: 'a'.repeat(32) },
    },
    payers: [{ payerId: 'dave', balance: 1_000 }],
  });
});
afterAll(async () => sim.close());

async function post(
  path: string,
  body: string,
  contentType: string,
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  return { status: response.status, text: await response.text() };
}

describe('simulated wallet service', () => {
  it('issues codes and payers through hooks, and refuses bad hook input with a coded error', async () => {
    const code = await post(
      '/_sim/codes',
      JSON.stringify({ payerId: 'dave', wallet: 'wechat' }),
      'application/json',
    );
    expect(code.status).toBe(200);
    expect(JSON.parse(code.text)).toMatchObject({
      wallet: 'wechat',
      code: expect.stringMatching(/^1[0-5]\d{16}$/) as unknown,
    });
    for (const [path, body] of [
      ['/_sim/codes', { payerId: 'nobody', wallet: 'wechat' }],
      ['/_sim/codes', { payerId: 'dave', wallet: 'paypal' }],
      ['/_sim/payers', { payerId: 'eve', balance: -5 }],
      ['/_sim/scan', { payerId: 'dave', qrContent: 'weixin://wxpay/bizpayurl?pr=nothingshownhere' }],
    ] as const) {
      const answer = await post(path, JSON.stringify(body), 'application/json');
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.text)).toMatchObject({ code: 'POS_ERR_SIMULATED_WALLET_BAD_REQUEST' });
    }
  });

  it('changes faults over HTTP and refuses a rate out of range', async () => {
    const ok = await fetch(`${sim.url}/_sim/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ cancelRetries: 2 }),
    });
    expect(((await ok.json()) as { cancelRetries: number }).cancelRetries).toBe(2);
    const bad = await fetch(`${sim.url}/_sim/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ lostAnswerRate: 2 }),
    });
    expect(bad.status).toBe(400);
    expect(sim.wallet.draws.faults.lostAnswerRate).toBe(0);
  });

  it('refuses an unsigned Alipay request with a signed 40002, before any business', async () => {
    const params = new URLSearchParams({
      app_id: '2021000000000001',
      method: 'alipay.trade.query',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: '2024-05-01 12:00:00',
      version: '1.0',
      biz_content: '{"out_trade_no":"X"}',
    });
    const answer = await post(
      '/gateway.do',
      params.toString(),
      'application/x-www-form-urlencoded;charset=utf-8',
    );
    expect(JSON.parse(answer.text)).toMatchObject({
      alipay_trade_query_response: { code: '40002', sub_code: 'isv.invalid-signature' },
      sign: expect.any(String) as unknown,
    });
    expect(sim.wallet.calls.get('alipay.query')).toBeUndefined();
  });

  it('answers XML with a DOCTYPE, or signed wrong, with return_code FAIL and no signature', async () => {
    const entity = '<!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><appid>&e;</appid></xml>';
    expect((await post('/pay/orderquery', entity, 'text/xml')).text).toBe(
      '<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[XML格式错误]]></return_msg></xml>',
    );
    const wrong =
      '<xml><appid>wx1</appid><mch_id>1900000001</mch_id><nonce_str>n</nonce_str><out_trade_no>X</out_trade_no><sign>00</sign></xml>';
    expect((await post('/pay/orderquery', wrong, 'text/xml')).text).toContain('签名错误');
    expect(sim.wallet.calls.get('wechat.query')).toBeUndefined();
  });
});
