// Binary headers checked against LLVM's readers (llvm-readobj, llvm-readelf, llvm-objdump) on
// programs built at test time for many machines and formats, and on the host's own ELF files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, readSync, closeSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bufferSource, readBinaryHeader, type BinaryHeader } from '../../src/mod.js';
import { buildArtifacts, findTool, run, type Artifacts } from './_toolchain.js';

/** Splits multi-file LLVM tool output into blocks by their "File: " lines. */
function blocks(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(/^File: /m).slice(1)) {
    const nl = part.indexOf('\n');
    out.set(part.slice(0, nl).trim(), part.slice(nl + 1));
  }
  return out;
}

/** The number in `Key: Name (0x1F)`, `Key: 0x1F`, `Key [ (0x1F)` or `Key: 31`, or null. */
function field(block: string, key: string): number | null {
  const m = new RegExp(`^\\s*${key}(?::| \\[) (?:.*\\((0x[0-9A-Fa-f]+)\\)|(0x[0-9A-Fa-f]+)|(\\d+))\\s*$`, 'm').exec(block);
  if (m === null) return null;
  const hex = m[1] ?? m[2];
  return hex !== undefined ? Number.parseInt(hex, 16) : Number(m[3]);
}

function header(path: string): BinaryHeader {
  return readBinaryHeader(bufferSource(readFileSync(path)));
}

/** Up to `limit` ELF files from the host's binary and library directories, sorted by name. */
function hostElfFiles(limit: number): string[] {
  const out: string[] = [];
  for (const dir of ['/usr/bin', '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib']) {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const n of names) {
      if (out.length >= limit) return out;
      const p = join(dir, n);
      try {
        if (!statSync(p).isFile()) continue;
        const fd = openSync(p, 'r');
        const b = Buffer.alloc(4);
        readSync(fd, b, 0, 4, 0);
        closeSync(fd);
        if (b.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) out.push(p);
      } catch {
        continue;
      }
    }
  }
  return out;
}

let artifacts: Artifacts | null = null;
let skipReason = '';
const scratch = mkdtempSync(join(tmpdir(), 'vroot-formats-'));
const readobj = findTool('llvm-readobj', 'llvm-readobj-14');
const readelf = findTool('llvm-readelf', 'llvm-readelf-14');
const objdump = findTool('llvm-objdump', 'llvm-objdump-14');
try {
  if (readobj === null || readelf === null || objdump === null) throw new Error('LLVM binary tools missing');
  artifacts = buildArtifacts(scratch);
} catch (e) {
  skipReason = `cannot build test programs: ${(e as Error).message}`;
}

test.after(() => rmSync(scratch, { recursive: true, force: true }));

test('ELF headers and PT_INTERP match llvm-readobj and llvm-readelf', (t) => {
  if (artifacts === null) return t.skip(skipReason);
  const files = [...artifacts.elf.map((e) => e.file), ...hostElfFiles(60)];
  const heads = blocks(run(readobj!, ['--file-headers', ...files]));
  const segs = blocks(run(readelf!, ['--program-headers', '--wide', ...files]));
  let withInterp = 0;
  for (const f of files) {
    const h = header(f);
    const b = heads.get(f);
    assert.ok(b !== undefined, `no llvm-readobj output for ${f}`);
    assert.equal(h.format, 'elf', f);
    if (h.format !== 'elf') continue;
    assert.equal(h.class === 64 ? 2 : 1, field(b, 'Class'), `${f} class`);
    assert.equal(h.endian === 'little' ? 1 : 2, field(b, 'DataEncoding'), `${f} data`);
    assert.equal(h.type, field(b, 'Type'), `${f} type`);
    assert.equal(h.machine, field(b, 'Machine'), `${f} machine`);
    assert.equal(h.phnum, field(b, 'ProgramHeaderCount'), `${f} phnum`);
    const m = /\[Requesting program interpreter: (.*)\]/.exec(segs.get(f) ?? '');
    assert.equal(h.interpreter, m === null ? null : m[1], `${f} interpreter`);
    if (m !== null) withInterp++;
  }
  // Every linked test program names /lib/ld-<triple>.so.
  for (const e of artifacts.elf.filter((x) => x.linked)) {
    const h = header(e.file);
    assert.equal(h.format === 'elf' ? h.interpreter : null, `/lib/ld-${e.triple}.so`);
  }
  assert.ok(withInterp >= artifacts.elf.filter((x) => x.linked).length);
  t.diagnostic(`${files.length} ELF files, ${withInterp} with PT_INTERP`);
});

test('Mach-O thin and fat headers match llvm-readobj and llvm-objdump', (t) => {
  if (artifacts === null) return t.skip(skipReason);
  const thin = [artifacts.machoArm64Exe, artifacts.machoArm64Obj, artifacts.machoX64Obj];
  const heads = blocks(run(readobj!, ['--file-headers', ...thin]));
  for (const f of thin) {
    const h = header(f);
    const b = heads.get(f)!;
    assert.equal(h.format, 'macho', f);
    if (h.format !== 'macho') continue;
    assert.equal(h.is64, field(b, 'Magic') === 0xfeedfacf, f);
    assert.equal(h.cputype, field(b, 'CpuType'), f);
    assert.equal(h.cpusubtype, field(b, 'CpuSubType'), f);
    assert.equal(h.filetype, field(b, 'FileType'), f);
    assert.equal(h.ncmds, field(b, 'NumOfLoadCommands'), f);
  }
  const fat = header(artifacts.machoFat);
  assert.equal(fat.format, 'macho-fat');
  if (fat.format !== 'macho-fat') return;
  const text = run(objdump!, ['--macho', '--universal-headers', artifacts.machoFat]);
  const arches = [...text.matchAll(/architecture (\S+)\n[\s\S]*?offset (\d+)\n\s*size (\d+)\n\s*align 2\^(\d+)/g)];
  assert.equal(fat.arches.length, arches.length);
  fat.arches.forEach((a, i) => {
    const m = arches[i]!;
    assert.deepEqual([a.cpuName, a.offset, a.size, a.align], [m[1], Number(m[2]), Number(m[3]), Number(m[4])]);
  });
});

test('PE and wasm headers match llvm-readobj', (t) => {
  if (artifacts === null) return t.skip(skipReason);
  const pes = [artifacts.peX64, artifacts.peI386, artifacts.peArm64];
  const heads = blocks(run(readobj!, ['--file-headers', ...pes, artifacts.wasm]));
  for (const f of pes) {
    const h = header(f);
    const b = heads.get(f)!;
    assert.equal(h.format, 'pe', f);
    if (h.format !== 'pe') continue;
    assert.equal(h.machine, field(b, 'Machine'), f);
    assert.equal(h.is64, field(b, 'Magic') === 0x20b, f);
    assert.equal(h.subsystem, field(b, 'Subsystem'), f);
    assert.equal(h.characteristics, field(b, 'Characteristics'), f);
  }
  const w = header(artifacts.wasm);
  assert.equal(w.format, 'wasm');
  assert.equal(w.format === 'wasm' ? w.version : -1, field(heads.get(artifacts.wasm)!, 'Version'));
});

test('truncated and corrupted headers never throw and never read past the file', (t) => {
  if (artifacts === null) return t.skip(skipReason);
  const samples = [artifacts.elf[0]!.file, artifacts.elf[1]!.file, artifacts.machoFat, artifacts.peX64, artifacts.wasm]
    .map((f) => readFileSync(f));
  let seed = 7;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  for (const bytes of samples) {
    for (let i = 0; i < 300; i++) {
      const copy = Buffer.from(bytes.subarray(0, rand(2) === 0 ? rand(bytes.length + 1) : bytes.length));
      for (let k = rand(8); k > 0 && copy.length > 0; k--) copy[rand(Math.min(copy.length, 512))] = rand(256);
      const src = bufferSource(copy);
      let reads = 0;
      const h = readBinaryHeader({ size: src.size, pread: (b, pos) => { reads++; assert.ok(pos >= 0); return src.pread(b, pos); } });
      assert.ok(typeof h.format === 'string');
      assert.ok(reads < 16);
    }
  }
});
