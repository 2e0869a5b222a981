/** `satchel serve` as a user runs it: a bad setting is one line; a good start serves and stops on SIGTERM. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'satchel-serve-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function satchel(args: string[], env: Record<string, string>) {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, CHAIN_BACKEND: 'none', ...env },
  });
}

describe('satchel serve', () => {
  it('stops with one line naming a bad setting', async () => {
    const child = satchel(['serve'], { PORT: 'abc' });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual(['satchel: Invalid setting PORT: expected an integer, got "abc"']);
  });

  it('starts on the embedded default, answers health and stops cleanly on SIGTERM', async () => {
    const child = satchel(['serve'], { PORT: '0', LOG_LEVEL: 'info' });
    let stdout = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        const match = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (match) resolve(match[1]!);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${stdout}`)));
    });
    const health = await fetch(`${url}/api/health`);
    expect(await health.json()).toEqual({ status: 'ok', network: 'mainnet' });
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
  });
});
