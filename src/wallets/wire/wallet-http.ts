// One POST to a wallet, over plain HTTP (the simulated wallet) or HTTPS with an optional client
// certificate (WeChat Pay's refund and reverse ask for one). Node's http/https are used directly,
// not fetch, because fetch cannot present a client certificate without a second HTTP stack. The
// answer is read whole up to a limit: a wallet's answer is a few hundred bytes, and a larger one
// is refused rather than buffered without end.
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** TLS material the caller presents to the wallet (PEM text or a PKCS#12 file and its password). */
export interface ClientTls {
  readonly pfx?: Buffer;
  readonly passphrase?: string;
  readonly cert?: string;
  readonly key?: string;
  /** Extra trusted roots (PEM), for a wallet endpoint behind a private CA. */
  readonly ca?: string;
}

export interface TextAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
}

/** The largest answer read: a wallet's answers are a few KiB at most. */
export const maxAnswerBytes = 256 * 1024;

/**
 * POSTs `body` to `url` and resolves with the whole answer; rejects on a network failure, an
 * answer over `maxAnswerBytes`, or when `signal` aborts (the request is destroyed).
 */
export function postText(
  url: URL,
  body: string,
  contentType: string,
  signal: AbortSignal,
  tls?: ClientTls,
): Promise<TextAnswer> {
  return new Promise<TextAnswer>((resolve, reject) => {
    const payload = Buffer.from(body, 'utf8');
    const options: RequestOptions = {
      method: 'POST',
      headers: { 'content-type': contentType, 'content-length': payload.length },
      signal,
    };
    const onAnswer = (response: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxAnswerBytes) {
          response.destroy(new Error(`the wallet's answer is over ${maxAnswerBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', reject);
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          contentType: response.headers['content-type'] ?? '',
          body: Buffer.concat(chunks),
        }),
      );
    };
    const request =
      url.protocol === 'https:'
        ? httpsRequest(url, { ...options, ...tls }, onAnswer)
        : httpRequest(url, options, onAnswer);
    request.on('error', reject);
    request.end(payload);
  });
}

/** Why a call failed, in a few words, for an `unknown` answer's reason (never the request itself). */
export function failureReason(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'no answer before the caller stopped waiting';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return `the call failed (${code})`;
  return error instanceof Error ? `the call failed: ${error.message}` : 'the call failed';
}
