// What reading a mapping profile's JSON shares across its parts: every problem collected so that
// all are reported at once, each naming its key.
import { describeValue, type FieldProblem } from '../../pos-error.js';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every problem of one profile, collected so that all are reported at once, each naming its key. */
export class ProfileProblems {
  readonly list: FieldProblem[] = [];

  add(field: string, expected: string, actual: unknown): void {
    this.list.push({ field, expected, actual: describeValue(actual) });
  }

  unknownKeys(path: string, object: Record<string, unknown>, allowed: readonly string[]): void {
    for (const key of Object.keys(object)) {
      if (!allowed.includes(key))
        this.add(`${path}${key}`, `no such key (known: ${allowed.join(', ')})`, object[key]);
    }
  }

  /** The value when it is a non-empty string; '' (and a problem) otherwise. */
  string(path: string, v: unknown): string {
    if (typeof v === 'string' && v !== '') return v;
    this.add(path, 'a non-empty string', v);
    return '';
  }

  /** A regular expression's source that compiles (with the `u` flag) and has a capture group. */
  pattern(path: string, v: unknown, groups: 0 | 1): string {
    const source = this.string(path, v);
    if (source === '') return '';
    try {
      const compiled = new RegExp(`${source}|`, 'u');
      // An alternative that matches '' makes exec report the pattern's groups as undefined.
      const found = compiled.exec('')!.length - 1;
      if (found < groups) this.add(path, 'a regular expression with one capture group ( )', v);
    } catch {
      this.add(path, 'a regular expression (JavaScript syntax)', v);
    }
    return source;
  }
}
