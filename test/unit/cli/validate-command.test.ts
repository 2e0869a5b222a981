import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { validateCommand } from '../../../src/cli/validate-command.js';

async function run(flags: Record<string, string>, input: string) {
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk) => (text += chunk));
  const code = await validateCommand(flags, Readable.from([input]), output);
  return { code, lines: text.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)) };
}

describe('satchel validate', () => {
  it('prints one JSON result per stdin line, trimmed first, in order', async () => {
    const { code, lines } = await run(
      { type: 'address' },
      '  bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4 \r\nnot-an-address\n1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2\n',
    );
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ valid: true, details: { network: 'mainnet', scriptType: 'p2wpkh' } });
    expect(lines[1]).toMatchObject({ valid: false, errors: [{ code: expect.any(String) }] });
    expect(lines[2]).toMatchObject({ valid: true, details: { scriptType: 'p2pkh' } });
    expect(code).toBe(1); // some line was invalid
  });

  it('passes integer amounts as numbers and honours --network', async () => {
    expect((await run({ type: 'amount' }, '1000\n1.5\n')).lines.map((l) => l.valid)).toEqual([true, false]);
    const { code, lines } = await run({ type: 'address', network: 'mainnet' }, 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx\n');
    expect(lines[0].errors[0].code).toBe('wrong_network');
    expect(code).toBe(1);
    expect((await run({ type: 'txid' }, `${'ab'.repeat(32)}\n`)).code).toBe(0);
  });

  it('handles more lines than one chunk', async () => {
    const input = Array.from({ length: 2500 }, (_, i) => i.toString(16).padStart(64, '0')).join('\n');
    const { code, lines } = await run({ type: 'txid' }, input);
    expect(lines).toHaveLength(2500);
    expect(code).toBe(0);
  });

  it('refuses an unknown type or network with exit code 2', async () => {
    expect((await run({ type: 'iban' }, 'x\n')).code).toBe(2);
    expect((await run({ type: 'address', network: 'moon' }, 'x\n')).code).toBe(2);
  });
});
