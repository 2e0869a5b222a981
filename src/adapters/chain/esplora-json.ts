/**
 * Checks Esplora's JSON (Blockstream/esplora API.md "Transaction format") and turns it into the
 * domain's ChainTransaction. Anything else is a ChainProtocolError naming the field.
 */
import { ChainProtocolError, type ChainTransaction, type ChainTxInput } from '../../domain/wallets/chain.js';

const TXID = /^[0-9a-f]{64}$/;
const HEX = /^(?:[0-9a-f]{2})*$/;

function fail(what: string): never {
  throw new ChainProtocolError(`esplora: ${what}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sats(value: unknown, where: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) fail(`${where} is not an amount in sats`);
  return value as number;
}

function hexField(value: unknown, where: string): string {
  if (typeof value !== 'string' || !HEX.test(value)) fail(`${where} is not hex`);
  return value;
}

export function parseEsploraTx(json: unknown, expectedTxid?: string): ChainTransaction {
  if (!isRecord(json)) fail('transaction is not an object');
  const txid = json.txid;
  if (typeof txid !== 'string' || !TXID.test(txid)) fail('transaction without a valid txid');
  if (expectedTxid !== undefined && txid !== expectedTxid) fail(`asked for ${expectedTxid}, got ${txid}`);
  if (!Array.isArray(json.vin) || !Array.isArray(json.vout)) fail(`transaction ${txid} without vin/vout arrays`);
  const status = json.status;
  if (!isRecord(status) || typeof status.confirmed !== 'boolean') fail(`transaction ${txid} without a status`);
  let height: number | null = null;
  let time: number | undefined;
  if (status.confirmed) {
    if (!Number.isSafeInteger(status.block_height) || (status.block_height as number) < 0) fail(`transaction ${txid}: bad block_height`);
    height = status.block_height as number;
    if (status.block_time !== undefined && status.block_time !== null) {
      if (!Number.isSafeInteger(status.block_time)) fail(`transaction ${txid}: bad block_time`);
      time = status.block_time as number;
    }
  }
  const vin = json.vin.map((input: unknown, i): ChainTxInput => {
    if (!isRecord(input)) fail(`transaction ${txid} vin[${i}] is not an object`);
    if (input.is_coinbase === true) return { prevTxid: '0'.repeat(64), vout: 0xffffffff, coinbase: true };
    if (typeof input.txid !== 'string' || !TXID.test(input.txid)) fail(`transaction ${txid} vin[${i}].txid`);
    if (!Number.isSafeInteger(input.vout) || (input.vout as number) < 0) fail(`transaction ${txid} vin[${i}].vout`);
    const parsed: ChainTxInput = { prevTxid: input.txid, vout: input.vout as number };
    if (isRecord(input.prevout)) {
      parsed.value = sats(input.prevout.value, `transaction ${txid} vin[${i}].prevout.value`);
      parsed.scriptPubKey = hexField(input.prevout.scriptpubkey, `transaction ${txid} vin[${i}].prevout.scriptpubkey`);
    }
    return parsed;
  });
  const vout = json.vout.map((output: unknown, i) => {
    if (!isRecord(output)) fail(`transaction ${txid} vout[${i}] is not an object`);
    return {
      value: sats(output.value, `transaction ${txid} vout[${i}].value`),
      scriptPubKey: hexField(output.scriptpubkey, `transaction ${txid} vout[${i}].scriptpubkey`),
    };
  });
  const tx: ChainTransaction = { txid, height, vin, vout };
  if (time !== undefined) tx.time = time;
  const coinbase = vin.some((input) => input.coinbase);
  if (!coinbase && json.fee !== undefined) tx.fee = sats(json.fee, `transaction ${txid} fee`);
  return tx;
}

export function parseTxArray(json: unknown, where: string): unknown[] {
  if (!Array.isArray(json)) fail(`${where} is not an array`);
  return json;
}
