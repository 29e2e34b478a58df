// posguard's conventions for field 63 that the host and the terminal SDK both speak
// (docs/iso8583.md): one home for each marker, so the two sides cannot drift apart.

/** The text a terminal puts after its operator code in field 63 to confirm a suspected duplicate. */
export const duplicateConfirmationMarker = 'DUPCONFIRM';

/**
 * The prefix of field 63 in a 0820 echo that asks for a transaction's outcome, and of the host's
 * answer to it (iso-host/transaction-query.ts, terminal/host-transaction.ts).
 */
export const transactionQueryMarker = 'QRY';

/**
 * The prefix of field 63 in a 0820 echo that closes a code the terminal shows (a QR order), named
 * by the batch and STAN of the 0200 that made it (iso-host/shown-code.ts, terminal/client/show-code.ts).
 */
export const qrOrderCloseMarker = 'QRC';
