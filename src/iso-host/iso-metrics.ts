// What the ISO 8583 door reports for monitoring: each request by transaction type and what it was
// answered, with the time it took, and the TCP channel's open connections. The Prometheus adapter
// (src/metrics/) implements it; tests and the simulator use `noIsoMetrics`.

export interface IsoMetrics {
  /**
   * One frame handled. `type` is the transaction type (`sale`, `sign-in`, ...; `unreadable` for a
   * frame that does not decode), `outcome` the response code sent, `withheld` or `closed`.
   */
  request(type: string, outcome: string, seconds: number): void;
  /** Lets the metrics read the TCP channel's open connections when they are collected. */
  watchConnections(count: () => number): void;
}

export const noIsoMetrics: IsoMetrics = {
  request: () => undefined,
  watchConnections: () => undefined,
};
