/**
 * One JSON file per benchmark under bench/results/, in one shape, so bench/run.ts can write the
 * markdown summary. Targets are ratios measured in the same run wherever possible.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

export interface Target {
  /** What is compared, e.g. "L1 hit vs uncached (xpub)". */
  name: string;
  /** Human form of the goal, e.g. "≥ 50×". */
  goal: string;
  value: number;
  unit: string;
  met: boolean;
}

export interface BenchReport {
  name: string;
  description: string;
  date: string;
  node: string;
  machine: string;
  /** Free-form figures: rows for the markdown table. */
  rows: Array<Record<string, string | number>>;
  targets: Target[];
  notes?: string[];
}

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

export function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`;
}

export function target(name: string, value: number, goal: { atLeast?: number; atMost?: number }, unit = '×'): Target {
  const met = (goal.atLeast === undefined || value >= goal.atLeast) && (goal.atMost === undefined || value <= goal.atMost);
  const text = goal.atLeast !== undefined ? `≥ ${goal.atLeast}${unit}` : `≤ ${goal.atMost}${unit}`;
  return { name, goal: text, value: Number(value.toPrecision(4)), unit, met };
}

export function writeReport(report: Omit<BenchReport, 'date' | 'node' | 'machine'>): BenchReport {
  const full: BenchReport = { ...report, date: new Date().toISOString(), node: process.version, machine: machine() };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(`${RESULTS_DIR}${report.name}.json`, `${JSON.stringify(full, null, 2)}\n`);
  for (const t of full.targets) {
    console.log(`  ${t.met ? 'MET ' : 'MISS'} ${t.name}: ${t.value}${t.unit} (target ${t.goal})`);
  }
  return full;
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toPrecision(3);
}
