/**
 * Tiny timing helpers for benchmarks. Each measurement first checks the result (a fast wrong answer
 * must not win), then runs the function in rounds until `minMs` has passed, and reports the median
 * round so a noisy neighbour on this 2-core machine skews less.
 */
import { performance } from 'node:perf_hooks';

export interface OpsResult {
  opsPerSec: number;
  nsPerOp: number;
  samples: number;
}

export function measureSync(fn: () => unknown, options: { minMs?: number; batch?: number } = {}): OpsResult {
  const minMs = options.minMs ?? 300;
  const batch = options.batch ?? 1000;
  for (let i = 0; i < Math.min(batch, 200); i++) fn(); // warm up the JIT
  const rounds: number[] = [];
  const start = performance.now();
  while (performance.now() - start < minMs || rounds.length < 5) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    rounds.push((performance.now() - t0) / batch);
  }
  return summarise(rounds);
}

export async function measureAsync(
  fn: () => Promise<unknown>,
  options: { minMs?: number; batch?: number } = {},
): Promise<OpsResult> {
  const minMs = options.minMs ?? 300;
  const batch = options.batch ?? 100;
  for (let i = 0; i < Math.min(batch, 50); i++) await fn();
  const rounds: number[] = [];
  const start = performance.now();
  while (performance.now() - start < minMs || rounds.length < 5) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) await fn();
    rounds.push((performance.now() - t0) / batch);
  }
  return summarise(rounds);
}

function summarise(msPerOpRounds: number[]): OpsResult {
  const sorted = [...msPerOpRounds].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return { opsPerSec: median > 0 ? 1000 / median : Infinity, nsPerOp: median * 1e6, samples: sorted.length };
}

export function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`benchmark precondition failed: ${message}`);
}
