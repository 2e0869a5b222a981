/** Fault injection shared by the test servers: the next `times` requests misbehave as `mode`. */
export type FaultMode =
  | 'hang' // never answer
  | 'malformed' // answer garbage JSON
  | 'rate-limit' // HTTP 429 with Retry-After (Esplora only)
  | 'error' // HTTP 500 / JSON-RPC error object
  | 'disconnect'; // drop the connection (Electrum only)

export interface Fault {
  mode: FaultMode;
  /** how many requests (Esplora) or lines (Electrum) are affected; default: all until cleared */
  times?: number;
  /** for rate-limit: seconds in Retry-After */
  retryAfterS?: number;
}

export class FaultSwitch {
  private fault: Fault | undefined;
  private left = 0;

  set(fault: Fault | undefined): void {
    this.fault = fault;
    this.left = fault?.times ?? Number.POSITIVE_INFINITY;
  }

  /** The fault to apply to this request, consuming one use. */
  take(): Fault | undefined {
    if (!this.fault || this.left <= 0) return undefined;
    this.left--;
    return this.fault;
  }
}
