// A wrapper for values that must never reach a log, an error message or a JSON body by accident:
// card numbers, keys, API keys. Printing, inspecting or serialising it shows a redaction marker;
// only `reveal()` gives the value, and every call to it is a place a reviewer should look at.
import { inspect } from 'node:util';

export class Secret<T> {
  readonly #value: T;
  readonly #label: string;

  constructor(value: T, label = 'secret') {
    this.#value = value;
    this.#label = label;
  }

  reveal(): T {
    return this.#value;
  }

  toString(): string {
    return `[redacted ${this.#label}]`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
