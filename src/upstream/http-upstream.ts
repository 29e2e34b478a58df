// The upstream port over HTTP, to an issuer served by `posguard issuer`. A refused connection means
// nothing was processed (`unavailable`); any other failure is uncertain and thrown, so the host
// reverses it.
import type {
  AuthorizationAnswer,
  AuthorizationRequest,
  ReversalAnswer,
  ReversalRequest,
  Upstream,
} from '../payments/ports/upstream.js';

function refused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return cause?.code === 'ECONNREFUSED';
}

export class HttpUpstream implements Upstream {
  readonly #baseUrl: string;

  constructor(baseUrl: string) {
    this.#baseUrl = baseUrl.replace(/\/+$/, '');
  }

  async #post<T>(
    path: string,
    body: unknown,
    signal: AbortSignal,
  ): Promise<T | { outcome: 'unavailable'; reason: string }> {
    let response: Response;
    try {
      response = await fetch(`${this.#baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal,
      });
    } catch (error) {
      if (refused(error)) return { outcome: 'unavailable', reason: 'the issuer refused the connection' };
      throw error;
    }
    if (!response.ok) throw new Error(`the issuer answered HTTP ${response.status}`);
    return (await response.json()) as T;
  }

  authorize(request: AuthorizationRequest, signal: AbortSignal): Promise<AuthorizationAnswer> {
    return this.#post<AuthorizationAnswer>(
      '/authorize',
      { ...request, pan: request.pan?.reveal() ?? null },
      signal,
    );
  }

  reverse(request: ReversalRequest, signal: AbortSignal): Promise<ReversalAnswer> {
    return this.#post<ReversalAnswer>('/reverse', request, signal);
  }
}
