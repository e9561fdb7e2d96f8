// The bwrap parser against the installed bubblewrap: every option its --help lists is known with
// the same arguments, and generated command lines (valid and invalid: bad numbers, missing
// arguments, unknown options, --perms/--size misuse, repeated options, --args descriptors) are
// accepted or refused exactly as the real bwrap does, with its error and warning texts. Each run
// ends in --version, so bwrap stops once parsing succeeded and never starts a sandbox.
// VROOT_BWRAP_CASES sets the number of generated cases (default 300); VROOT_SEED the seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BwrapSyntaxError, bwrapOption, formatBwrapArgs, parseBwrapArgs, parseBwrapHelp, type BwrapArgKind,
  type BwrapCommandLine, type BwrapHelpEntry,
} from '../../src/mod.js';
import { Prng, testSeed } from './_prng.js';

function installedHelp(): { help: BwrapHelpEntry[]; version: string } | string {
  const h = spawnSync('bwrap', ['--help'], { encoding: 'utf8' });
  if (h.error !== undefined || h.status !== 0) return `bwrap --help failed: ${h.error?.message ?? h.stderr}`;
  const v = spawnSync('bwrap', ['--version'], { encoding: 'utf8' });
  return { help: parseBwrapHelp(h.stdout), version: v.stdout.trim() };
}

const GOOD: Record<BwrapArgKind, readonly string[]> = {
  'host-path': ['/usr', '/tmp/x', 'relative', '/a b'],
  'sandbox-path': ['/usr', '/run/x', 'rel', '/'],
  'symlink-target': ['usr/bin', '/target', '../x'],
  fd: ['3', '0', '17', ' 5', '+5', '-0', '4294967299'],
  id: ['0', '1000', ' 7', '+65534'],
  octal: ['0755', '755', '0', '7777', '-0', ' 644', '+1'],
  size: ['4096', '0x1000', '010', '9223372036854775807', '1'],
  capability: ['CAP_SYS_ADMIN', 'cap_chown', 'ALL', 'all', '5', '63', 'cap_chown1', 'CAP_BPF', '0x3f', '08'],
  'env-name': ['FOO', 'A_B'],
  'env-value': ['bar', '', 'x=y'],
  label: ['system_u:object_r:x_t'],
  hostname: ['box', ''],
  text: ['argv0', ''],
};

const BAD: Partial<Record<BwrapArgKind, readonly string[]>> = {
  fd: ['-1', 'x', '', '3x', '0x3', '99999999999999999999', '5 ', '2147483648'],
  id: ['-1', 'root', '', '1e3'],
  octal: ['0999', '10000', '-1', '', '8', '0x1ff', '77777'],
  size: ['0', '-1', ' 1', '1k', '', '18446744073709551615', '9223372036854775808', '99999999999999999999', '+1'],
  capability: ['cap_bogus', '', '64', 'CAP', 'cap_chownx', '-1'],
};

/** Options left out of generation, and why. */
const NOT_GENERATED = new Map([
  ['--help', 'prints and exits'],
  ['--version', 'ends every case'],
  ['--file-label', 'refused or accepted by the system\'s SELinux state, not by the parser'],
  ['--exec-label', 'refused or accepted by the system\'s SELinux state, not by the parser'],
  ['--add-seccomp-fd', 'reads and checks a seccomp program while parsing'],
  ['--args', 'generated separately, with a real descriptor'],
]);

function argFor(rng: Prng, kind: BwrapArgKind): string {
  const bad = BAD[kind];
  if (bad !== undefined && rng.chance(0.15)) return rng.pick(bad);
  return rng.pick(GOOD[kind]);
}

function optionsSoup(rng: Prng, names: readonly string[], count: number): string[] {
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    const r = rng.next();
    if (r < 0.03) {
      out.push(rng.pick(['-x', '--bogus', '--bind=/a', '-', '--Bind']));
      continue;
    }
    if (r < 0.12) out.push('--perms', argFor(rng, 'octal'));
    else if (r < 0.17) out.push('--size', argFor(rng, 'size'));
    // Repeating the previous option exercises bwrap's "Only the last ..." warnings.
    const previous = [...out].reverse().find((x) => x.startsWith('--') && names.includes(x));
    const spec = bwrapOption(previous !== undefined && rng.chance(0.15) ? previous : rng.pick(names))!;
    out.push(spec.name, ...spec.args.map((a) => argFor(rng, a)));
  }
  return out;
}

interface Outcome {
  ok: boolean;
  /** stderr lines bwrap would print: warnings, then the error. */
  stderr: string[];
}

function ours(tokens: string[], readFd: (fd: number) => Uint8Array | null, accept?: string[]): { outcome: Outcome; cmd: BwrapCommandLine | null } {
  try {
    const cmd = parseBwrapArgs(tokens, accept === undefined ? { readFd } : { readFd, accept });
    return { outcome: { ok: true, stderr: cmd.warnings.map((w) => `bwrap: ${w}`) }, cmd };
  } catch (e) {
    if (!(e instanceof BwrapSyntaxError)) throw e;
    return { outcome: { ok: false, stderr: [...e.warnings, e.bwrapMessage].map((w) => `bwrap: ${w}`) }, cmd: null };
  }
}

test('every option of the installed bwrap --help is known, with its arguments', (t) => {
  const info = installedHelp();
  if (typeof info === 'string') return t.skip(info);
  assert.ok(info.help.length >= 50, `only ${info.help.length} options in bwrap --help`);
  for (const entry of info.help) {
    const spec = bwrapOption(entry.name);
    assert.ok(spec !== undefined, `unknown option ${entry.name} in ${info.version}`);
    assert.deepEqual(spec.metavars, entry.metavars, entry.name);
    if (spec.exits) continue;
    // Well-formed arguments parse, and a missing last argument fails as bwrap says.
    const argv = [entry.name, ...spec.args.map((a) => GOOD[a][0]!)];
    const extra = entry.name === '--perms' ? ['--dir', '/d'] : entry.name === '--size' ? ['--tmpfs', '/t'] : [];
    assert.deepEqual(formatBwrapArgs(parseBwrapArgs([...argv, ...extra, '--', 'true'])), [...argv, ...extra, '--', 'true']);
    if (spec.args.length > 0) {
      const short = argv.slice(0, -1);
      assert.throws(() => parseBwrapArgs(short), BwrapSyntaxError, entry.name);
      const real = spawnSync('bwrap', short, { encoding: 'utf8' });
      assert.equal(real.stderr, `${ours(short, () => null).outcome.stderr.join('\n')}\n`, entry.name);
    }
  }
  t.diagnostic(`${info.version}: ${info.help.length} options`);
});

test('generated command lines: accepted and refused exactly as the real bwrap', (t) => {
  const info = installedHelp();
  if (typeof info === 'string') return t.skip(info);
  const accept = info.help.map((e) => e.name);
  const names = accept.filter((n) => !NOT_GENERATED.has(n));
  const seed = testSeed(0xb3a9);
  const rng = new Prng(seed);
  const count = Number(process.env['VROOT_BWRAP_CASES'] ?? 300);
  const dir = mkdtempSync(join(tmpdir(), 'vroot-bwrap-'));
  const tally = { ok: 0, refused: 0, usage: 0, skipped: 0, warned: 0 };
  try {
    for (let i = 0; i < count; i++) {
      let tokens = optionsSoup(rng, names, rng.int(0, 7));
      let data: Uint8Array | null = null;
      if (rng.chance(0.2)) {
        // --args 3 with NUL-separated options; sometimes --args 4, which is not open.
        const inner = optionsSoup(rng, names, rng.int(0, 4));
        if (rng.chance(0.1)) inner.push('--args', '3');
        if (rng.chance(0.1)) inner.push(rng.pick(['--', 'word']), '--bind');
        const text = inner.join('\0') + (rng.chance(0.8) ? '\0' : '');
        data = new TextEncoder().encode(text);
        const at = rng.int(0, tokens.length);
        const where = tokens.findIndex((_, k) => k >= at && tokens[k]!.startsWith('--'));
        const fd = rng.chance(0.9) ? '3' : '4';
        tokens = where < 0 ? [...tokens, '--args', fd] : [...tokens.slice(0, where), '--args', fd, ...tokens.slice(where)];
      }
      if (rng.chance(0.1) && tokens.length > 1) tokens = tokens.slice(0, -1);
      tokens.push('--version');
      const readFd = (fd: number): Uint8Array | null => (fd === 3 && data !== null ? data : null);
      const mine = ours(tokens, readFd, accept);
      if (mine.cmd !== null && mine.cmd.command.length > 0) {
        tally.skipped++;
        continue;
      }
      const file = join(dir, 'args');
      writeFileSync(file, data ?? new Uint8Array());
      const fd3 = openSync(file, 'r');
      let real;
      try {
        real = spawnSync('bwrap', tokens, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', data === null ? 'ignore' : fd3] });
      } finally {
        closeSync(fd3);
      }
      const stderr = real.stderr.split('\n').filter((l) => l !== '');
      const what = `case ${i} (seed ${seed}): ${JSON.stringify(tokens)} args=${JSON.stringify(data === null ? null : new TextDecoder().decode(data))}`;
      if (mine.outcome.ok && mine.cmd!.unread.length === 0 && !mine.cmd!.options.some((o) => o.spec.exits || o.file?.options.some((f) => f.spec.exits))) {
        // Parsing ended without --version (it was taken as an argument): bwrap then fails a
        // check of main() after parsing ("--disable-userns requires --unshare-user") or finds
        // no command and prints its usage.
        assert.equal(real.status, 1, what);
        const warnings = mine.outcome.stderr.length;
        assert.deepEqual(stderr.slice(0, warnings), mine.outcome.stderr, what);
        assert.match(stderr.slice(warnings).join('\n'), /^(usage: bwrap|bwrap: .* (requires|not compatible|is not compatible|can be used only|doesn't work))/, what);
        tally.usage++;
        continue;
      }
      if (mine.outcome.ok) {
        tally.ok++;
        assert.equal(real.status, 0, `${what}: bwrap refused: ${real.stderr}`);
        assert.equal(real.stdout.trim(), info.version, what);
        assert.deepEqual(stderr, mine.outcome.stderr, what);
      } else {
        tally.refused++;
        assert.equal(real.status, 1, `${what}: bwrap accepted, vroot said ${mine.outcome.stderr.join(' / ')}`);
        // "Can't read --args data" carries strerror after a colon in bwrap's message.
        const expected = mine.outcome.stderr;
        assert.deepEqual(stderr.slice(0, -1), expected.slice(0, -1), what);
        assert.ok(stderr.at(-1)!.startsWith(expected.at(-1)!), `${what}: bwrap said ${stderr.at(-1)}, vroot ${expected.at(-1)}`);
      }
      if (mine.outcome.stderr.length > (mine.outcome.ok ? 0 : 1)) tally.warned++;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  t.diagnostic(`seed ${seed}: ${JSON.stringify(tally)}`);
  assert.ok(tally.ok > count / 5 && tally.refused > count / 5, JSON.stringify(tally));
  assert.ok(tally.warned > 0, 'no case produced a warning');
});
