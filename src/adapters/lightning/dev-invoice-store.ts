/**
 * What the dev node must remember about each invoice it issued — above all the preimage, so a restart
 * can still settle it. A small port: the in-memory store here serves tests and short-lived runs; the
 * database backs it in the app. Transitions are conditional (only from `open`), so two instances
 * settling the same invoice settle it once.
 */
export type DevInvoiceState = 'open' | 'settled' | 'canceled';

export interface DevInvoiceRecord {
  paymentHash: string;
  preimage: string;
  paymentSecret: string;
  bolt11: string;
  amountMsat: bigint | null;
  memo: string;
  descriptionHash: string | null;
  createdAt: Date;
  expiresAt: Date;
  state: DevInvoiceState;
  settledAt: Date | null;
  amountPaidMsat: bigint | null;
}

export interface DevInvoiceStore {
  insert(record: DevInvoiceRecord): Promise<void>;
  get(paymentHash: string): Promise<DevInvoiceRecord | undefined>;
  /** open → settled; false when the invoice is missing or not open. */
  settle(paymentHash: string, settledAt: Date, amountPaidMsat: bigint): Promise<boolean>;
  /** open → canceled; false when the invoice is missing or not open. */
  cancel(paymentHash: string): Promise<boolean>;
}

export class MemoryDevInvoiceStore implements DevInvoiceStore {
  private readonly records = new Map<string, DevInvoiceRecord>();

  async insert(record: DevInvoiceRecord): Promise<void> {
    if (this.records.has(record.paymentHash)) throw new Error(`dev invoice store: duplicate payment hash ${record.paymentHash}`);
    this.records.set(record.paymentHash, { ...record });
  }

  async get(paymentHash: string): Promise<DevInvoiceRecord | undefined> {
    const record = this.records.get(paymentHash);
    return record ? { ...record } : undefined;
  }

  async settle(paymentHash: string, settledAt: Date, amountPaidMsat: bigint): Promise<boolean> {
    const record = this.records.get(paymentHash);
    if (record?.state !== 'open') return false;
    Object.assign(record, { state: 'settled', settledAt, amountPaidMsat });
    return true;
  }

  async cancel(paymentHash: string): Promise<boolean> {
    const record = this.records.get(paymentHash);
    if (record?.state !== 'open') return false;
    record.state = 'canceled';
    return true;
  }

  get size(): number {
    return this.records.size;
  }
}
