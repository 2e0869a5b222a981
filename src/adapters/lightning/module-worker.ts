/**
 * Starts a worker thread on one of our own modules, whether this build runs compiled (dist: the entry is
 * a .js file Node loads as it is) or from source (tsx, Vitest: the entry is a .ts file, loaded through
 * tsx's API, since a worker does not inherit the parent's module loader).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** `name` is the entry's file name without extension, next to `siblingOf` (an import.meta.url). */
export function startModuleWorker(siblingOf: string, name: string, workerData: unknown): Worker {
  const fromSource = siblingOf.endsWith('.ts');
  const entry = new URL(`./${name}${fromSource ? '.ts' : '.js'}`, siblingOf);
  if (!fromSource) return new Worker(entry, { workerData });
  const tsxApi = tsxEsmApi(siblingOf);
  const boot = `import(${JSON.stringify(tsxApi)}).then((tsx) => tsx.tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(entry.href)}))`;
  return new Worker(boot, { eval: true, workerData });
}

/** File URL of tsx's ESM API (`require.resolve` would give its CommonJS build, which cannot be imported). */
function tsxEsmApi(from: string): string {
  const manifest = createRequire(from).resolve('tsx/package.json');
  const exports = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports;
  return pathToFileURL(join(dirname(manifest), exports['./esm/api']!.import.default)).href;
}
