// The shell's pattern and mode parsers against their oracles: fnmatch against the C library's
// fnmatch(3) (called through python ctypes), chmod modes against GNU chmod on real files, on
// seeded generated cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fnmatch } from '../../src/cli/shell/_fnmatch.js';
import { parseMode } from '../../src/cli/shell/_mode.js';
import { Prng, testSeed } from '../emu/_prng.js';

const SEED = testSeed(7);

function python(script: string, input: string): string {
  const r = spawnSync('python3', ['-c', script], { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return r.stdout;
}

test('fnmatch agrees with the C library on generated patterns and names', (t) => {
  if (spawnSync('python3', ['-c', 'import ctypes']).status !== 0) return t.skip('python3 with ctypes is needed');
  const rng = new Prng(SEED);
  const word = (alphabet: string[], max: number): string => Array.from({ length: rng.int(0, max) }, () => rng.pick(alphabet)).join('');
  const cases: [string, string][] = [];
  for (let i = 0; i < 4000; i++) {
    const name = word(['a', 'b', 'c', '.', '/', '-', ']', '[', '*', '!', '\\', '5', 'Z', ':'], 6);
    // Half the patterns are built from the name, so that matches are common.
    const pattern = rng.chance(0.5)
      ? [...name].map((c) => (rng.chance(0.3) ? rng.pick(['?', '*', `[${c}]`, `[!${c}]`, '[a-c]', `\\${c}`]) : c)).join('')
      : word(['a', 'b', '.', '/', '*', '?', '[', ']', '!', '^', '-', '\\', 'a-c', '[]', '[!]', '[:alpha:]', '[:digit:]',
        '[:bogus:]', '[.a.]', '[=b=]', '[.', ':]'], 8);
    cases.push([pattern, name]);
  }
  const out = python(`
import ctypes, json, sys
libc = ctypes.CDLL(None)
libc.fnmatch.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
for p, n in json.load(sys.stdin):
    print(1 if libc.fnmatch(p.encode(), n.encode(), 0) == 0 else 0)
`, JSON.stringify(cases));
  const expected = out.trim().split('\n');
  let matches = 0;
  cases.forEach(([p, n], i) => {
    const want = expected[i] === '1';
    if (want) matches++;
    assert.equal(fnmatch(p, n), want, `fnmatch(${JSON.stringify(p)}, ${JSON.stringify(n)}) (seed ${SEED}, case ${i})`);
  });
  assert.ok(matches > 500 && matches < 3500, `a useful mix of matches (${matches} of ${cases.length})`);
  t.diagnostic(`${cases.length} cases, ${matches} matching`);
});

test('fnmatch stays fast on patterns built to make backtracking explode', () => {
  const start = Date.now();
  assert.equal(fnmatch('*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(4000)), false);
  assert.equal(fnmatch('*a*a*a*a*a*a*a*a*a*a*a', 'a'.repeat(4000)), true);
  assert.ok(Date.now() - start < 2000, 'linear in the name for each star, not exponential');
});

test('chmod modes agree with GNU chmod: octal and symbolic, files and directories, umasks', (t) => {
  if (spawnSync('chmod', ['--version']).status !== 0) return t.skip('GNU chmod is needed');
  const rng = new Prng(SEED + 1);
  const clause = (): string => {
    const who = Array.from({ length: rng.int(0, 2) }, () => rng.pick(['u', 'g', 'o', 'a'])).join('');
    let actions = '';
    for (let k = rng.int(1, 2); k > 0; k--) {
      const op = rng.pick(['+', '-', '=']);
      actions += op + (rng.chance(0.15) ? rng.pick(['u', 'g', 'o']) : Array.from({ length: rng.int(0, 3) }, () => rng.pick(['r', 'w', 'x', 'X', 's', 't'])).join(''));
    }
    return who + actions;
  };
  const cases: { initial: number; dir: boolean; umask: number; mode: string }[] = [];
  for (let i = 0; i < 600; i++) {
    const mode = rng.chance(0.25)
      ? rng.int(0, 0o7777).toString(8).padStart(rng.int(1, 5), '0')
      : rng.chance(0.05) ? rng.pick(['u+', 'z', 'u=rwx,', '8', '+q', 'ugo']) : Array.from({ length: rng.int(1, 3) }, clause).join(',');
    cases.push({ initial: rng.int(0, 0o7777), dir: rng.chance(0.4), umask: rng.pick([0o022, 0o002, 0o077, 0o000, 0o027]), mode });
  }
  const dir = mkdtempSync(join(tmpdir(), 'vroot-chmod-'));
  try {
    const script = cases.map((c, i) => {
      const path = join(dir, String(i));
      return `${c.dir ? 'mkdir' : 'touch'} ${path} && chmod ${c.initial.toString(8)} ${path} && (umask ${c.umask.toString(8)}; chmod -- '${c.mode}' ${path} 2>/dev/null; case $? in 0|1) ;; esac; stat -c %a ${path}; chmod -- '${c.mode}' ${path} 2>&1 | grep -c 'invalid mode' || true)`;
    }).join('\n');
    writeFileSync(join(dir, 'run.sh'), script);
    const r = spawnSync('sh', [join(dir, 'run.sh')], { encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    let valid = 0;
    cases.forEach((c, i) => {
      const after = parseInt(lines[2 * i]!, 8);
      const invalid = lines[2 * i + 1] !== '0';
      const change = parseMode(c.mode);
      const what = `chmod ${c.mode} on a ${c.dir ? 'directory' : 'file'} of mode ${c.initial.toString(8)} with umask ${c.umask.toString(8)} (seed ${SEED}, case ${i})`;
      assert.equal(change === null, invalid, `validity of ${what}`);
      if (change === null) return;
      valid++;
      assert.equal(change(c.initial, c.dir, c.umask).toString(8), after.toString(8), what);
    });
    assert.ok(valid > 400);
    t.diagnostic(`${cases.length} cases, ${valid} valid modes`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
