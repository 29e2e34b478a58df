// Field 22, the point-of-service entry mode (CUP POS spec, field 22: two digits of mode, then one
// of PIN capability): the one home of its codes, which the terminal SDK writes and the host reads.

/** The code a terminal sends for each way it read the card. */
export const entryModeCodes = { manual: '01', swipe: '02', chip: '05', contactless: '07' } as const;

export type Field22EntryMode = keyof typeof entryModeCodes;

/**
 * The entry mode of each code the host accepts: the four above, and the fallback and contactless
 * variants terminals also send (80/90: magnetic stripe read after a failed chip read; 96/98:
 * qPBOC contactless), mapped onto the four modes.
 */
export const entryModeOfCode: ReadonlyMap<string, Field22EntryMode> = new Map<string, Field22EntryMode>([
  ...Object.entries(entryModeCodes).map(([mode, code]): [string, Field22EntryMode] => [
    code,
    mode as Field22EntryMode,
  ]),
  ['80', 'swipe'],
  ['90', 'swipe'],
  ['96', 'contactless'],
  ['98', 'contactless'],
]);
