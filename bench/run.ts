/**
 * `npm run bench` / `satchel bench`: runs every bench/**\/*.bench.ts as its own process (a clean heap
 * and JIT each), shows progress, then writes bench/results/summary.md from the JSON each one wrote.
 * `--only NAME` runs the benchmarks whose file name contains NAME; `--quick` asks each for a short run.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESULTS_DIR, machine, type BenchReport } from './lib/report.js';

const root = fileURLToPath(new URL('.', import.meta.url));

function findBenchFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return entry === 'results' || entry === 'lib' ? [] : findBenchFiles(path);
    return entry.endsWith('.bench.ts') ? [path] : [];
  });
}

function run(file: string, quick: boolean): Promise<{ code: number; ms: number }> {
  const start = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      stdio: 'inherit',
      env: { ...process.env, BENCH_QUICK: quick ? '1' : '' },
    });
    child.on('exit', (code) => resolve({ code: code ?? 1, ms: Date.now() - start }));
  });
}

function summary(reports: BenchReport[], failures: string[]): string {
  const lines = [
    '# Benchmark results',
    '',
    `Run ${new Date().toISOString()} on Node ${process.version}, ${machine()}.`,
    'Targets are ratios measured in the same run (this machine is noisy); absolute figures are for orientation.',
    '',
    '| benchmark | target | goal | measured | met |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const report of reports) {
    for (const t of report.targets) {
      lines.push(`| ${report.name} | ${t.name} | ${t.goal} | ${t.value}${t.unit} | ${t.met ? 'yes' : '**no**'} |`);
    }
  }
  for (const report of reports) {
    lines.push('', `## ${report.name}`, '', report.description, '');
    const columns = [...new Set(report.rows.flatMap((row) => Object.keys(row)))];
    if (columns.length) {
      lines.push(`| ${columns.join(' | ')} |`, `| ${columns.map(() => '---').join(' | ')} |`);
      for (const row of report.rows) lines.push(`| ${columns.map((c) => row[c] ?? '').join(' | ')} |`);
    }
    for (const note of report.notes ?? []) lines.push('', `- ${note}`);
  }
  if (failures.length) lines.push('', '## Failed to run', '', ...failures.map((f) => `- ${f}`));
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const onlyIndex = args.indexOf('--only');
  const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined;
  const quick = args.includes('--quick');
  const files = findBenchFiles(root)
    .filter((file) => !only || relative(root, file).includes(only))
    .sort();
  const failures: string[] = [];
  const started = Date.now();
  for (const [i, file] of files.entries()) {
    const name = relative(root, file);
    const bar = '#'.repeat(i).padEnd(files.length, '.');
    console.log(`\n[${bar}] ${i + 1}/${files.length} ${name} (${Math.round((Date.now() - started) / 1000)} s so far)`);
    const { code, ms } = await run(file, quick);
    console.log(`  ${code === 0 ? 'done' : `FAILED (exit ${code})`} in ${(ms / 1000).toFixed(1)} s`);
    if (code !== 0) failures.push(`${name} exited ${code}`);
  }
  const reports: BenchReport[] = existsSync(RESULTS_DIR)
    ? readdirSync(RESULTS_DIR)
        .filter((f) => f.endsWith('.json'))
        .map((f) => JSON.parse(readFileSync(join(RESULTS_DIR, f), 'utf8')) as BenchReport)
        .filter((r) => Array.isArray(r.targets))
        .sort((a, b) => a.name.localeCompare(b.name))
    : [];
  writeFileSync(join(RESULTS_DIR, 'summary.md'), summary(reports, failures));
  const missed = reports.flatMap((r) => r.targets.filter((t) => !t.met).map((t) => `${r.name}: ${t.name}`));
  console.log(`\nwrote bench/results/summary.md: ${reports.length} benchmarks, ${missed.length} targets missed`);
  for (const m of missed) console.log(`  missed: ${m}`);
  process.exitCode = failures.length ? 1 : 0;
}

await main();
