// The card of a terminal request, read from its ISO 8583 fields: the PAN from field 2 or from
// track 2 (field 35: PAN before `=`, expiry YYMM right after it), the expiry from field 14 or the
// track, the entry mode from field 22 (CUP POS spec, field 22: two digits of mode, one of PIN
// capability). The clear PAN leaves here only inside the engine's Card (a Secret); track data
// never leaves this file at all, and problems describe inputs without echoing them.
import { describePanInput, expiryProblems, makeCard, panProblems, type Card } from '../cards/card.js';
import type { Secret } from '../cards/secret.js';
import { entryModeOfCode, type IsoMessage } from '../iso8583/index.js';
import type { EntryMode } from '../payments/payment.js';
import type { FieldProblem } from '../pos-error.js';

export type CardReading =
  | { readonly kind: 'card'; readonly card: Card; readonly entryMode: EntryMode }
  /** The card number is there but is not a valid one (answered 14, invalid card number). */
  | { readonly kind: 'invalid-card'; readonly problems: readonly FieldProblem[] }
  /** Card data is missing or malformed (answered 30, format error). */
  | { readonly kind: 'malformed'; readonly problems: readonly FieldProblem[] };

function trackParts(track: string): { pan: string; expiry: string } | undefined {
  const separator = track.indexOf('=');
  if (separator < 0) return undefined;
  return { pan: track.slice(0, separator), expiry: track.slice(separator + 1, separator + 5) };
}

export function entryModeOf(message: IsoMessage, problems: FieldProblem[]): EntryMode | undefined {
  const field22 = message.fields['22'];
  const mode = field22 === undefined ? undefined : entryModeOfCode.get(field22.slice(0, 2));
  if (mode === undefined) {
    problems.push({
      field: 'field 22',
      expected: 'an entry mode starting 01 (keyed), 02 (stripe), 05 (chip) or 07 (contactless)',
      actual: field22 === undefined ? 'nothing' : JSON.stringify(field22),
    });
  }
  return mode;
}

export function readCard(message: IsoMessage, fingerprintKey: Secret<Buffer>): CardReading {
  const problems: FieldProblem[] = [];
  const entryMode = entryModeOf(message, problems);
  const field2 = message.fields['2'];
  const track2 = message.fields['35'];
  const fromTrack = track2 === undefined ? undefined : trackParts(track2);
  if (track2 !== undefined && fromTrack === undefined) {
    problems.push({
      field: 'field 35',
      expected: 'track 2 with a = separator',
      actual: 'track data without one',
    });
  }
  const pan = field2 ?? fromTrack?.pan;
  if (pan === undefined) {
    problems.push({
      field: 'field 2',
      expected: 'the card number (field 2 or track 2 in field 35)',
      actual: 'nothing',
    });
  } else if (field2 !== undefined && fromTrack !== undefined && fromTrack.pan !== field2) {
    problems.push({
      field: 'field 35',
      expected: 'the same card number as field 2',
      actual: `a different one (${describePanInput(fromTrack.pan)})`,
    });
  }
  const expiry = message.fields['14'] ?? fromTrack?.expiry;
  if (expiry === undefined) {
    problems.push({
      field: 'field 14',
      expected: 'the card expiry (field 14 or track 2)',
      actual: 'nothing',
    });
  } else {
    problems.push(
      ...expiryProblems(message.fields['14'] === undefined ? 'field 35 expiry' : 'field 14', expiry),
    );
  }
  if (problems.length > 0 || pan === undefined || expiry === undefined || entryMode === undefined) {
    return { kind: 'malformed', problems };
  }
  const panIssues = panProblems(field2 === undefined ? 'field 35 card number' : 'field 2', pan);
  if (panIssues.length > 0) return { kind: 'invalid-card', problems: panIssues };
  return { kind: 'card', card: makeCard({ pan, expiry, fingerprintKey }), entryMode };
}
