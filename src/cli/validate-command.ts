/**
 * `satchel validate --type T [--network N]`: one value per stdin line in, one JSON result per stdout
 * line out. Lines are trimmed first (SPEC: the UI and CLI trim before they call); an `amount` line
 * that is a plain decimal number is passed as a number, as the API would receive it.
 */
import { createInterface } from 'node:readline';
import { batchValidate } from '../validation/batch.js';
import { isValidationType } from '../validation/index.js';
import { NETWORKS, type Network, type ValidationType } from '../validation/types.js';

const CHUNK = 1000;

function toValue(type: ValidationType, line: string): unknown {
  // Decimals too, so "1.5" is judged as the number it is (not a whole number), not as a string.
  if (type === 'amount' && /^-?\d+(\.\d+)?$/.test(line)) return Number(line);
  return line;
}

export async function validateCommand(
  flags: Record<string, string | boolean | undefined>,
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const type = flags.type;
  if (typeof type !== 'string' || !isValidationType(type)) {
    process.stderr.write('satchel validate: --type must be one of address|xpub|descriptor|txid|username|password|amount|bolt11\n');
    return 2;
  }
  const network = flags.network;
  if (network !== undefined && (typeof network !== 'string' || !(NETWORKS as readonly string[]).includes(network))) {
    process.stderr.write(`satchel validate: --network must be one of ${NETWORKS.join('|')}\n`);
    return 2;
  }
  const options = network ? { network: network as Network } : undefined;
  let chunk: string[] = [];
  let invalid = 0;
  const flush = () => {
    const results = batchValidate(type, chunk.map((line) => toValue(type, line)), options);
    let text = '';
    for (const result of results) {
      if (!result.valid) invalid++;
      text += `${JSON.stringify(result)}\n`;
    }
    output.write(text);
    chunk = [];
  };
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    chunk.push(line.trim());
    if (chunk.length >= CHUNK) flush();
  }
  if (chunk.length) flush();
  return invalid > 0 ? 1 : 0;
}
