/** `satchel bench`: runs the benchmark suite in bench/ through tsx (benchmarks are not part of the build). */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export async function runBenchCommand(
  flags: Record<string, string | boolean | undefined>,
  positionals: string[],
): Promise<number> {
  const root = fileURLToPath(new URL('../../', import.meta.url).href.replace(/\/dist\/$/, '/'));
  const args = ['tsx', 'bench/run.ts', ...positionals];
  if (typeof flags.only === 'string') args.push('--only', flags.only);
  if (flags.quick) args.push('--quick');
  return new Promise((resolve) => {
    const child = spawn('npx', args, { cwd: root, stdio: 'inherit' });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}
