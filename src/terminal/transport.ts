// The terminal's transport port: sends one request frame and waits a bounded time for one answer
// frame. The TCP adapter (tcp-transport.ts) speaks to `posguard serve --iso-port`; the simulator
// plugs in a simulated network that loses, delays and duplicates frames on a virtual clock.
//
// The three results are what the safe protocol needs to tell apart: an answer (which the client
// then checks: MTI, STAN, terminal, MAC); no answer, when the request may have reached the host
// (the client must reverse a reversible request); and not sent, only when the request certainly
// never left (the connection could not be opened), so there is nothing to reverse.
export type TransportResult =
  | { readonly kind: 'answer'; readonly frame: Buffer }
  | { readonly kind: 'no-answer'; readonly detail: string }
  | { readonly kind: 'not-sent'; readonly detail: string };

export interface Transport {
  /** Sends a whole frame (length prefix included) and waits at most `timeoutMs` for the next frame. */
  exchange(request: Buffer, options: { readonly timeoutMs: number }): Promise<TransportResult>;
  close(): Promise<void>;
}
