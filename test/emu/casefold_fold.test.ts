// The folding function against the kernel's own answers (test/data/casefold/kernel_folds.txt.gz,
// recorded from Linux 6.1 fs/unicode: see tools/casefold/README.md), code point by code point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { casefoldEqual, casefoldKey, casefoldKeyStrict, utf8Casefold, utf8Validate } from '../../src/emu/casefold/casefold.js';
import { UNICODE_VERSION } from '../../src/emu/casefold/unicode_data.js';
import { toByteString, VfsError } from '../../src/mod.js';

const lines = gunzipSync(readFileSync(new URL('../../../test/data/casefold/kernel_folds.txt.gz', import.meta.url)))
  .toString('ascii').trimEnd().split('\n');
const header = lines[0]!;
const perCodePoint = Number(/First (\d+) lines/.exec(header)![1]);
const hexToByteString = (h: string): string => Buffer.from(h, 'hex').toString('latin1');
const hex = (s: string | null): string => (s === null ? 'ERR' : Buffer.from(s, 'latin1').toString('hex'));
const cpBytes = (cp: number): string => Buffer.from(String.fromCodePoint(cp), 'utf8').toString('latin1');

test('tables are Unicode 12.1, as the kernel\'s utf8-12.1 encoding', () => {
  assert.equal(UNICODE_VERSION, '12.1.0');
});

test('every code point folds as the kernel folds it', () => {
  const listed = new Map<number, [string, string]>();
  for (const line of lines.slice(1, 1 + perCodePoint)) {
    const [name, fold, valid] = line.split(' ') as [string, string, string];
    listed.set(String(Buffer.from(name, 'hex').toString('utf8')).codePointAt(0)!, [fold, valid]);
  }
  assert.ok(listed.size > 7000, `only ${listed.size} code points listed`);
  let checked = 0;
  const bad: string[] = [];
  for (let cp = 1; cp <= 0x10ffff; cp++) {
    if ((cp >= 0xd800 && cp <= 0xdfff) || cp === 0x2f) continue;
    const want = listed.get(cp);
    // Hangul syllables are listed as a sample; the others are not recorded.
    if (want === undefined && cp >= 0xac00 && cp <= 0xd7a3) continue;
    const name = cpBytes(cp);
    const got = hex(utf8Casefold(name));
    const expected = want?.[0] ?? hex(name);
    if (got !== expected || utf8Validate(name) !== ((want?.[1] ?? 'V') === 'V')) bad.push(`U+${cp.toString(16)}: ${got} != ${expected}`);
    checked++;
  }
  assert.ok(checked > 1_100_000);
  assert.deepEqual(bad.slice(0, 10), []);
});

test('recorded random names (marks, ignorables, malformed bytes) fold and validate as in the kernel', () => {
  const rest = lines.slice(1 + perCodePoint);
  assert.ok(rest.length >= 10000);
  const bad: string[] = [];
  for (const line of rest) {
    const [name, fold, valid] = line.split(' ') as [string, string, string];
    const s = hexToByteString(name);
    if (hex(utf8Casefold(s)) !== fold || utf8Validate(s) !== (valid === 'V')) bad.push(`${name}: ${hex(utf8Casefold(s))} ${utf8Validate(s)} != ${fold} ${valid}`);
  }
  assert.deepEqual(bad.slice(0, 10), []);
});

test('named behaviours of Linux casefolding', () => {
  const f = (s: string): string | null => utf8Casefold(toByteString(s));
  assert.equal(f('Straße'), toByteString('strasse'));
  assert.equal(f('ẞ'), toByteString('ss'));
  assert.equal(f('İ'), toByteString('i\u0307'));        // F folding, not the Turkic one
  assert.equal(f('ı'), toByteString('ı'));              // dotless i has no folding
  assert.equal(f('ς'), toByteString('σ'));
  assert.equal(f('ﬃ'), toByteString('ffi'));
  assert.equal(f('Ａ'), toByteString('ａ'));             // no compatibility decomposition
  assert.equal(f('\u212b'), toByteString('a\u030a'));   // Angstrom sign: decomposition then folding
  assert.equal(f('\ua7c7'), toByteString('\ua7c7'));    // Unicode 13.0: unassigned in 12.1
  assert.equal(f('\ua7c2'), toByteString('\ua7c3'));    // Unicode 12.0
  assert.equal(f('a\u200bb'), toByteString('ab'));      // ignorables vanish
  assert.equal(f('a\u0301\u0323'), toByteString('a\u0323\u0301'));
  assert.equal(f('a\u0301\u200b\u0323'), toByteString('a\u0301\u0323')); // ...but stop reordering
  assert.equal(f('ᾳ'), toByteString('αι'));
  assert.equal(f('한'), toByteString('\u1112\u1161\u11ab'));
  assert.equal(utf8Casefold('\x80a'), null);
  assert.equal(utf8Casefold('A\x80'), 'a\x80');
  assert.equal(utf8Casefold(toByteString('\u0301') + '\x80'), '\x80' + toByteString('\u0301') + '\x80');
  assert.equal(utf8Casefold('\xed\xa0\x80'), null);
  assert.throws(() => casefoldKeyStrict('\xff'), (e: unknown) => e instanceof VfsError && e.code === 'EINVAL');
});

test('keys: equal folds are equal keys; names that do not fold are keyed apart from every fold', () => {
  const bytes = fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b).toString('latin1'));
  const text = fc.string({ unit: 'grapheme-composite', maxLength: 8 }).map((s) => toByteString(s));
  const name = fc.oneof(bytes, text);
  fc.assert(fc.property(name, name, (a, b) => {
    const fa = utf8Casefold(a);
    const fb = utf8Casefold(b);
    if (fa !== null && fb !== null && fa === fb && (fa.length === 0 || (fa.charCodeAt(0) & 0xc0) !== 0x80)) {
      assert.ok(casefoldEqual(a, b));
    }
    if (fa === null && fb === null) assert.equal(casefoldKey(a) === casefoldKey(b), a === b);
    if (fa === null && fb !== null && (fb.length === 0 || (fb.charCodeAt(0) & 0xc0) !== 0x80)) assert.notEqual(casefoldKey(a), casefoldKey(b));
  }), { seed: 7, numRuns: 3000 });
});

test('validation is well-formed UTF-8 and folding valid text is idempotent', () => {
  const strict = new TextDecoder('utf-8', { fatal: true });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 16 }), (b) => {
    let ok = true;
    try { strict.decode(b); } catch { ok = false; }
    assert.equal(utf8Validate(Buffer.from(b).toString('latin1')), ok);
  }), { seed: 8, numRuns: 5000 });
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 10 }), (s) => {
    const once = utf8Casefold(toByteString(s.replace(/\//g, '')));
    assert.notEqual(once, null);
    assert.equal(utf8Casefold(once!), once);
  }), { seed: 9, numRuns: 2000 });
});
