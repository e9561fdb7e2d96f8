/**
 * `npm run bench`: runs every benchmark suite (dist/bench/suite_*.js), or those whose names are
 * given as arguments (`npm run bench -- core erofs`). Each suite compares vroot with its peers
 * in the same run and prints a table with ratios. `--quick` runs smaller workloads.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

/** What a suite module exports. */
export interface BenchSuite {
  /** Runs the suite and prints its table. */
  run(options: { quick: boolean }): Promise<void>;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const names = args.filter((a) => !a.startsWith('--'));
  const dir = fileURLToPath(new URL('.', import.meta.url));
  const suites = readdirSync(dir)
    .filter((f) => /^suite_.*\.js$/.test(f))
    .map((f) => f.slice('suite_'.length, -'.js'.length))
    .filter((n) => names.length === 0 || names.includes(n))
    .sort();
  if (suites.length === 0) {
    console.error(names.length ? `no benchmark suite named ${names.join(', ')}` : 'no benchmark suites built');
    process.exitCode = 1;
    return;
  }
  for (const name of suites) {
    console.log(`\n=== ${name} ===`);
    const mod = (await import(pathToFileURL(join(dir, `suite_${name}.js`)).href)) as BenchSuite;
    await mod.run({ quick });
  }
}

await main();
