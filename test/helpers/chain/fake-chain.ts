/**
 * A tiny in-memory Bitcoin chain for tests: real, signed transactions (built and signed with
 * @scure/btc-signer), blocks with real 80-byte headers and merkle roots (no proof of work), a
 * mempool, and the indexes Esplora and Electrum servers answer from (history per scriptPubKey).
 * A faucet key mines every coinbase and funds test wallets.
 */
import { createHash } from 'node:crypto';
import { hex } from '@scure/base';
import { Address, OutScript, Transaction, p2sh, p2tr, p2wpkh } from '@scure/btc-signer';
import { RawOldTx } from '@scure/btc-signer/script.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';

export const REGTEST = { bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef } as const;
export const COIN = 100_000_000;

function dsha256(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(createHash('sha256').update(data).digest()).digest();
}

function reversedHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).reverse().toString('hex');
}

export interface FakeTxInput {
  prevTxid: string;
  vout: number;
  coinbase: boolean;
  scriptSig: string;
  witness: string[];
  sequence: number;
}

export interface FakeTxOutput {
  value: number;
  script: string;
}

export interface FakeBlock {
  height: number;
  hash: string;
  header: Uint8Array;
  time: number;
  txids: string[];
}

export interface FakeTx {
  txid: string;
  hex: string;
  version: number;
  lockTime: number;
  size: number;
  weight: number;
  vin: FakeTxInput[];
  vout: FakeTxOutput[];
  block?: FakeBlock;
}

export type SpendableType = 'p2wpkh' | 'p2sh-p2wpkh' | 'p2tr';

export interface Spendable {
  txid: string;
  vout: number;
  privateKey: Uint8Array;
  type: SpendableType;
}

export class FakeChain {
  readonly blocks: FakeBlock[] = [];
  readonly mempool: string[] = [];
  private readonly txs = new Map<string, FakeTx>();
  private readonly byScript = new Map<string, string[]>();
  private readonly spentBy = new Map<string, string>();
  private readonly faucetKey = createHash('sha256').update('satchel test faucet').digest();
  readonly faucetScript: Uint8Array;
  private coinbaseNonce = 0;

  constructor(readonly startTime = 1_700_000_000) {
    this.faucetScript = p2wpkh(secp256k1.getPublicKey(this.faucetKey, true), REGTEST).script;
    this.mine(1);
  }

  get tipHeight(): number {
    return this.blocks.length - 1;
  }

  tx(txid: string): FakeTx | undefined {
    return this.txs.get(txid);
  }

  /** Txids touching a script (paying it or spending from it), confirmed in chain order, then mempool. */
  history(scriptHex: string): Array<{ txid: string; height: number | null }> {
    const list = this.byScript.get(scriptHex) ?? [];
    return list
      .map((txid) => ({ txid, height: this.txs.get(txid)!.block?.height ?? null, order: this.order(txid) }))
      .sort((a, b) => a.order - b.order)
      .map(({ txid, height }) => ({ txid, height }));
  }

  prevout(txid: string, vout: number): FakeTxOutput | undefined {
    return this.txs.get(txid)?.vout[vout];
  }

  /** True when a mempool transaction spends an output of another mempool transaction. */
  hasUnconfirmedParent(txid: string): boolean {
    const tx = this.txs.get(txid)!;
    return !tx.block && tx.vin.some((input) => !input.coinbase && !this.txs.get(input.prevTxid)?.block);
  }

  addressOf(scriptHex: string): string | undefined {
    try {
      return Address(REGTEST).encode(OutScript.decode(hex.decode(scriptHex)));
    } catch {
      return undefined;
    }
  }

  scriptOf(address: string): string {
    return hex.encode(OutScript.encode(Address(REGTEST).decode(address)));
  }

  /** Mines `count` blocks: a coinbase to the faucet, then the whole mempool in the first one. */
  mine(count = 1): FakeBlock[] {
    const mined: FakeBlock[] = [];
    for (let n = 0; n < count; n++) {
      const height = this.blocks.length;
      const scriptSig = new Uint8Array([4, height & 0xff, (height >> 8) & 0xff, (height >> 16) & 0xff, 0, 1, this.coinbaseNonce++ & 0xff]);
      const coinbase = RawOldTx.encode({
        version: 2,
        inputs: [{ txid: new Uint8Array(32), index: 0xffffffff, finalScriptSig: scriptSig, sequence: 0xffffffff }],
        outputs: [{ amount: 50n * BigInt(COIN), script: this.faucetScript }],
        lockTime: 0,
      });
      const coinbaseTxid = this.index(coinbase);
      const txids = [coinbaseTxid, ...this.mempool.splice(0)];
      const time = this.startTime + height * 600;
      const header = new Uint8Array(80);
      const view = new DataView(header.buffer);
      view.setUint32(0, 0x20000000, true);
      if (height > 0) header.set(Buffer.from(this.blocks[height - 1]!.hash, 'hex').reverse(), 4);
      header.set(merkleRoot(txids), 36);
      view.setUint32(68, time, true);
      view.setUint32(72, 0x207fffff, true);
      const block: FakeBlock = { height, hash: reversedHex(dsha256(header)), header, time, txids };
      for (const txid of txids) this.txs.get(txid)!.block = block;
      this.blocks.push(block);
      mined.push(block);
    }
    return mined;
  }

  /** Validates and adds a signed transaction to the mempool; returns its txid. */
  submit(txHex: string): string {
    const bytes = hex.decode(txHex);
    const tx = decode(bytes);
    for (const input of tx.vin) {
      const prev = this.prevout(input.prevTxid, input.vout);
      if (!prev) throw new Error(`fake chain: ${input.prevTxid}:${input.vout} does not exist`);
      const spender = this.spentBy.get(`${input.prevTxid}:${input.vout}`);
      if (spender) throw new Error(`fake chain: ${input.prevTxid}:${input.vout} already spent by ${spender}`);
    }
    const txid = this.index(bytes);
    this.mempool.push(txid);
    return txid;
  }

  /** Pays the outputs from the faucet (change back to the faucet); returns the txid. */
  fund(outputs: Array<{ address?: string; script?: string; value: number }>, fee = 1_000): string {
    const needed = outputs.reduce((sum, o) => sum + o.value, 0) + fee;
    const faucetHex = hex.encode(this.faucetScript);
    const inputs: Spendable[] = [];
    let total = 0;
    for (const txid of this.byScript.get(faucetHex) ?? []) {
      const tx = this.txs.get(txid)!;
      tx.vout.forEach((output, vout) => {
        if (total >= needed || output.script !== faucetHex || this.spentBy.has(`${txid}:${vout}`)) return;
        inputs.push({ txid, vout, privateKey: this.faucetKey, type: 'p2wpkh' });
        total += output.value;
      });
      if (total >= needed) break;
    }
    if (total < needed) throw new Error('fake chain: faucet is empty, mine more blocks');
    return this.spend(inputs, [...outputs, { script: faucetHex, value: total - needed }]);
  }

  /** Signs and submits a transaction spending the given outputs. */
  spend(inputs: Spendable[], outputs: Array<{ address?: string; script?: string; value: number }>): string {
    const tx = new Transaction({ allowUnknownOutputs: true });
    for (const input of inputs) {
      const prev = this.prevout(input.txid, input.vout);
      if (!prev) throw new Error(`fake chain: unknown prevout ${input.txid}:${input.vout}`);
      const witnessUtxo = { script: hex.decode(prev.script), amount: BigInt(prev.value) };
      const pub = secp256k1.getPublicKey(input.privateKey, true);
      if (input.type === 'p2wpkh') tx.addInput({ txid: input.txid, index: input.vout, witnessUtxo });
      else if (input.type === 'p2sh-p2wpkh') {
        tx.addInput({ txid: input.txid, index: input.vout, witnessUtxo, redeemScript: p2sh(p2wpkh(pub, REGTEST), REGTEST).redeemScript! });
      } else tx.addInput({ txid: input.txid, index: input.vout, witnessUtxo, tapInternalKey: p2tr(pub.subarray(1), undefined, REGTEST).tapInternalKey });
    }
    for (const output of outputs) {
      const script = output.script !== undefined ? hex.decode(output.script) : hex.decode(this.scriptOf(output.address!));
      tx.addOutput({ script, amount: BigInt(output.value) });
    }
    inputs.forEach((input, i) => tx.signIdx(input.privateKey, i));
    tx.finalize();
    return this.submit(tx.hex);
  }

  private order(txid: string): number {
    const tx = this.txs.get(txid)!;
    if (tx.block) return tx.block.height * 1e6 + tx.block.txids.indexOf(txid);
    return 1e15 + this.mempool.indexOf(txid);
  }

  private index(bytes: Uint8Array): string {
    const tx = decode(bytes);
    this.txs.set(tx.txid, tx);
    const touch = (script: string) => {
      const list = this.byScript.get(script) ?? [];
      if (!list.includes(tx.txid)) list.push(tx.txid);
      this.byScript.set(script, list);
    };
    for (const input of tx.vin) {
      if (input.coinbase) continue;
      this.spentBy.set(`${input.prevTxid}:${input.vout}`, tx.txid);
      touch(this.prevout(input.prevTxid, input.vout)!.script);
    }
    for (const output of tx.vout) touch(output.script);
    return tx.txid;
  }
}

function decode(bytes: Uint8Array): FakeTx {
  const tx = Transaction.fromRaw(bytes, { allowUnknownOutputs: true, allowUnknownInputs: true, disableScriptCheck: true });
  const vin: FakeTxInput[] = [];
  for (let i = 0; i < tx.inputsLength; i++) {
    const input = tx.getInput(i);
    const prevTxid = hex.encode(input.txid!);
    vin.push({
      prevTxid,
      vout: input.index!,
      coinbase: input.index === 0xffffffff && /^0+$/.test(prevTxid),
      scriptSig: hex.encode(input.finalScriptSig ?? new Uint8Array()),
      witness: (input.finalScriptWitness ?? []).map((w) => hex.encode(w)),
      sequence: input.sequence ?? 0xffffffff,
    });
  }
  const vout: FakeTxOutput[] = [];
  for (let i = 0; i < tx.outputsLength; i++) {
    const output = tx.getOutput(i);
    vout.push({ value: Number(output.amount!), script: hex.encode(output.script!) });
  }
  return { txid: tx.id, hex: hex.encode(bytes), version: tx.version, lockTime: tx.lockTime, size: bytes.length, weight: tx.weight, vin, vout };
}

function merkleRoot(txids: string[]): Uint8Array {
  let level = txids.map((txid) => Buffer.from(txid, 'hex').reverse() as Uint8Array);
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i]!;
      const right = level[i + 1] ?? left;
      next.push(dsha256(Buffer.concat([left, right])));
    }
    level = next;
  }
  return level[0]!;
}
