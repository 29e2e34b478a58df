// Whose data a read may reach (issue 15): a merchant's key or session reaches its own merchant and
// nothing else, whatever a query names; acquirer operations reach the whole fleet, or one merchant
// by `merchantId`. Another merchant's id from a merchant is answered as a merchant that does not
// exist (404), as a payment of another merchant is: the answer tells nothing about who exists.
import type { FastifyRequest } from 'fastify';
import type { Store } from '../payments/ports/store.js';
import { describeValue, PosError } from '../pos-error.js';
import { callerOf } from './request-context.js';

function notFound(merchantId: string): PosError {
  return new PosError(
    'POS_ERR_HTTP_MERCHANT_NOT_FOUND',
    `merchantId: no merchant ${describeValue(merchantId)} for this caller`,
    {
      details: { merchantId: describeValue(merchantId) },
    },
  );
}

/**
 * The merchant a read is about: the caller's own for a merchant (`requested` may only repeat it);
 * for operations the one requested (which must exist), or null for every merchant.
 */
export async function readScope(
  request: FastifyRequest,
  requested: string | undefined,
  store: Pick<Store, 'read'>,
): Promise<string | null> {
  const caller = callerOf(request);
  if (caller.role === 'merchant') {
    if (requested !== undefined && requested !== caller.merchant.id) throw notFound(requested);
    return caller.merchant.id;
  }
  if (requested === undefined) return null;
  const merchant = await store.read((reader) => reader.getMerchant(requested));
  if (merchant === undefined) throw notFound(requested);
  return merchant.id;
}

/** Refuses a merchant id a merchant caller may not name (see readScope), without reading the store. */
export function checkMerchantScope(request: FastifyRequest, requested: string | undefined): void {
  const caller = callerOf(request);
  if (caller.role === 'merchant' && requested !== undefined && requested !== caller.merchant.id)
    throw notFound(requested);
}
