// bwrap command lines round-trip byte for byte: generated valid command lines (every option,
// modifiers, overlay sources, nested --args files, separators, non-UTF-8 bytes) serialize back to
// the same tokens and the same --args bytes, and arbitrary token lists either fail with
// BwrapSyntaxError or round-trip. Classification marks exactly the bind and overlay sources as
// host paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  BWRAP_OPTIONS, BwrapSyntaxError, byteStringToBytes, classifyBwrapArgs, formatBwrapArgs, formatBwrapArgsFile,
  parseBwrapArgs, type BwrapArgKind, type BwrapOptionSpec,
} from '../../src/mod.js';
import { testSeed } from './_prng.js';

const seed = testSeed(0x7a11);
const runs = Number(process.env['VROOT_BWRAP_CASES'] ?? 300);

/** Byte strings without NUL (argv entries are C strings), with some non-UTF-8 bytes. */
const bytes = fc.array(fc.integer({ min: 1, max: 255 }), { maxLength: 12 }).map((a) => String.fromCharCode(...a));
const path = fc.oneof(fc.constantFrom('/usr', '/', 'rel/x', '/a b', ''), bytes.map((b) => `/${b}`));

function valueFor(kind: BwrapArgKind): fc.Arbitrary<string> {
  switch (kind) {
    case 'fd': return fc.constantFrom('3', '0', '17', ' 5', '+5', '-0');
    case 'id': return fc.constantFrom('0', '1000', '65534');
    case 'octal': return fc.constantFrom('0755', '755', '0', '7777');
    case 'size': return fc.constantFrom('4096', '0x1000', '1');
    case 'capability': return fc.constantFrom('CAP_SYS_ADMIN', 'ALL', 'cap_chown', '5');
    case 'host-path': case 'sandbox-path': case 'symlink-target': return path;
    default: return bytes;
  }
}

const plain = BWRAP_OPTIONS.filter((o) => !o.exits && !['--args', '--perms', '--size', '--overlay-src', '--add-seccomp-fd', '--argv0'].includes(o.name));

/** One option as tokens, with the modifiers or overlay sources it needs before it. */
function unit(spec: BwrapOptionSpec): fc.Arbitrary<string[]> {
  const own = fc.tuple(...spec.args.map(valueFor)).map((args) => [spec.name, ...args]);
  const parts: fc.Arbitrary<string[]>[] = [];
  if (spec.takesPerms) parts.push(fc.option(valueFor('octal'), { nil: undefined }).map((v) => (v === undefined ? [] : ['--perms', v])));
  if (spec.takesSize) parts.push(fc.option(valueFor('size'), { nil: undefined }).map((v) => (v === undefined ? [] : ['--size', v])));
  if (spec.name.endsWith('overlay')) {
    parts.push(fc.array(path, { minLength: spec.name === '--ro-overlay' ? 2 : 1, maxLength: 3 }).map((ps) => ps.flatMap((p) => ['--overlay-src', p])));
  }
  return fc.tuple(fc.tuple(...parts), own).map(([pre, o]) => [...pre.flat(), ...o]);
}

const options = fc.array(fc.constantFrom(...plain).chain(unit), { maxLength: 8 }).map((us) => us.flat());
const commandLine = fc.record({
  front: options,
  file: fc.option(fc.record({ tokens: options, tail: fc.constantFrom([], ['--', 'x'], ['word', '--bind']), nul: fc.boolean() }), { nil: undefined }),
  back: options,
  argv0: fc.option(bytes, { nil: undefined }),
  end: fc.constantFrom('none', 'separator', 'word', 'exit'),
  command: fc.array(fc.oneof(bytes, fc.constantFrom('-x', '--bind', '--')), { maxLength: 4 }),
});

test('generated command lines round-trip exactly, --args files included', () => {
  fc.assert(fc.property(commandLine, (c) => {
    const data = c.file === undefined ? null : [...c.file.tokens, ...c.file.tail];
    // An empty last token exists only with its NUL, so it is always terminated.
    const nul = c.file !== undefined && (c.file.nul || data?.at(-1) === '');
    const fileBytes = data === null ? null : byteStringToBytes(data.join('\0') + (nul && data.length > 0 ? '\0' : ''));
    const tokens = [...c.front, ...(data === null ? [] : ['--args', '3']), ...(c.argv0 === undefined ? [] : ['--argv0', c.argv0]), ...c.back];
    if (c.end === 'separator') tokens.push('--', ...c.command);
    else if (c.end === 'word') tokens.push('prog', ...c.command);
    else if (c.end === 'exit') tokens.push('--version', ...c.command);
    // The tokens are byte strings; they go in as bytes, as a C argv holds them.
    const asBytes = tokens.map(byteStringToBytes);
    const cmd = parseBwrapArgs(asBytes, { readFd: (fd) => (fd === 3 ? fileBytes : null) });
    assert.deepEqual(formatBwrapArgs(cmd), tokens);
    if (fileBytes !== null) {
      const opt = cmd.options.find((o) => o.spec.name === '--args')!;
      assert.deepEqual(formatBwrapArgsFile(opt.file!), fileBytes);
    }
    assert.deepEqual(formatBwrapArgs(cmd).map(byteStringToBytes), asBytes);
  }), { seed, numRuns: runs });
});

test('arbitrary token lists either fail with bwrap\'s error or round-trip', () => {
  const names = BWRAP_OPTIONS.map((o) => o.name);
  const token = fc.oneof(fc.constantFrom(...names), fc.constantFrom('--', '-', '0755', '3', '/x', '0', '-1', 'all'), bytes);
  let failed = 0;
  fc.assert(fc.property(fc.array(token, { maxLength: 16 }), (tokens) => {
    let cmd;
    try {
      cmd = parseBwrapArgs(tokens.map(byteStringToBytes), { readFd: () => null });
    } catch (e) {
      if (!(e instanceof BwrapSyntaxError)) throw e;
      assert.equal(e.code, 'EINVAL');
      failed++;
      return;
    }
    assert.deepEqual(formatBwrapArgs(cmd), tokens);
  }), { seed, numRuns: runs * 3 });
  assert.ok(failed > 0);
});

test('UTF-8 text round-trips through byte strings', () => {
  const argv = ['--setenv', 'GREETING', 'grüße ✓', '--ro-bind', '/données', '/data', '--', 'printf', '%s\n', '日本'];
  const cmd = parseBwrapArgs(argv);
  assert.deepEqual(formatBwrapArgs(cmd).map((t) => Buffer.from(t, 'latin1').toString('utf8')), argv);
});

test('host paths are exactly the bind and overlay sources', () => {
  const argv = ['--bind', '/h1', '/s1', '--ro-bind-try', '/h2', '/s2', '--dev-bind', '/h3', '/s3', '--bind-fd', '5', '/s4',
    '--symlink', 'usr/lib', '/lib', '--chdir', '/work', '--overlay-src', '/h4', '--overlay', '/h5', '/h6', '/s5',
    '--setenv', 'A', '/notapath', '--file', '7', '/s6', '--', '/bin/sh', '-c', 'true'];
  const kinds = classifyBwrapArgs(parseBwrapArgs(argv));
  assert.deepEqual(kinds.filter((k) => k.kind === 'host-path').map((k) => k.value), ['/h1', '/h2', '/h3', '/h4', '/h5', '/h6']);
  assert.deepEqual(kinds.filter((k) => k.kind === 'sandbox-path').map((k) => k.value),
    ['/s1', '/s2', '/s3', '/s4', '/lib', '/work', '/s5', '/s6', '/bin/sh']);
  assert.deepEqual(kinds.filter((k) => k.kind === 'fd').map((k) => k.value), ['5', '7']);
  assert.deepEqual(kinds.find((k) => k.value === 'usr/lib')?.kind, 'symlink-target');
  assert.deepEqual(kinds.filter((k) => k.kind === 'command').map((k) => k.value), ['-c', 'true']);
});
