// The LZ4 block codec against the reference implementation (the lz4 command): vroot decodes
// what lz4 encodes at every level, lz4 decodes what vroot encodes, destination-size blocks obey
// the end-of-block rules the kernel's decoder enforces, damaged blocks only ever throw
// FormatError EUCLEAN, and the WebAssembly decoder agrees with the JavaScript one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { lz4Decode, lz4DecodeJs } from '../../src/fs/erofs/lz4/decode.js';
import { createWasmDecoder } from '../../src/fs/erofs/lz4/_wasm_decoder.js';
import { Lz4Encoder } from '../../src/fs/erofs/lz4/encode.js';
import { FormatError } from '../../src/fs/erofs/format/format_error.js';
import { Prng, testSeed } from '../emu/_prng.js';

const seed = testSeed(0x124);
const haveLz4 = spawnSync('sh', ['-c', 'command -v lz4']).status === 0;

/** Test data of several kinds: random, text-like, runs, periodic, mixed. */
function sample(rng: Prng, size: number): Uint8Array {
  const b = new Uint8Array(size);
  const kind = rng.int(0, 4);
  const words = ['the ', 'erofs ', 'lz4 ', 'block ', 'decoder ', '\n', 'xyz', '0123456789'];
  for (let i = 0; i < size;) {
    switch (kind) {
      case 0: b[i++] = rng.int(0, 255); break;
      case 1: for (const c of rng.pick(words)) if (i < size) b[i++] = c.charCodeAt(0); break;
      case 2: { const n = rng.int(1, 300); const v = rng.int(0, 255); for (let k = 0; k < n && i < size; k++) b[i++] = v; break; }
      case 3: b[i] = i % rng.int(2, 9) === 0 ? 7 : (i * 31) & 0xff; i++; break;
      default: if (rng.chance(0.5)) b[i++] = rng.int(0, 255); else { const n = rng.int(4, 40); const back = rng.int(1, Math.max(1, i)); for (let k = 0; k < n && i < size; k++, i++) b[i] = b[i - back] ?? 0; }
    }
  }
  return b;
}

// xxHash32 (for the frame header checksum the lz4 frame format requires).
function xxh32(data: Uint8Array, seedValue = 0): number {
  const P1 = 2654435761, P2 = 2246822519, P3 = 3266489917, P4 = 668265263, P5 = 374761393;
  const rotl = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) >>> 0;
  const u32 = (i: number): number => (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) >>> 0;
  let i = 0;
  let h: number;
  const len = data.length;
  if (len >= 16) {
    let v1 = (seedValue + P1 + P2) >>> 0, v2 = (seedValue + P2) >>> 0, v3 = seedValue >>> 0, v4 = (seedValue - P1) >>> 0;
    const round = (v: number, x: number): number => Math.imul(rotl((v + Math.imul(x, P2)) >>> 0, 13), P1) >>> 0;
    for (; i + 16 <= len; i += 16) {
      v1 = round(v1, u32(i)); v2 = round(v2, u32(i + 4)); v3 = round(v3, u32(i + 8)); v4 = round(v4, u32(i + 12));
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) >>> 0;
  } else {
    h = (seedValue + P5) >>> 0;
  }
  h = (h + len) >>> 0;
  for (; i + 4 <= len; i += 4) h = Math.imul(rotl((h + Math.imul(u32(i), P3)) >>> 0, 17), P4) >>> 0;
  for (; i < len; i++) h = Math.imul(rotl((h + Math.imul(data[i]!, P5)) >>> 0, 11), P1) >>> 0;
  h ^= h >>> 15; h = Math.imul(h, P2) >>> 0; h ^= h >>> 13; h = Math.imul(h, P3) >>> 0; h ^= h >>> 16;
  return h >>> 0;
}

test('xxh32 of the empty input matches the published value', () => {
  assert.equal(xxh32(new Uint8Array(0)), 0x02cc5d05);
});

test('vroot decodes blocks the reference lz4 encodes, at levels 1, 9 and 12', { skip: haveLz4 ? false : 'lz4 is not installed' }, () => {
  const rng = new Prng(seed);
  for (let round = 0; round < 24; round++) {
    const data = sample(rng, rng.int(1, 300_000));
    const level = [1, 9, 12][round % 3]!;
    const frame = execFileSync('lz4', [`-${level}`, '-B4', '-BI', '--no-frame-crc', '-c'], { input: data });
    assert.equal(frame.readUInt32LE(0), 0x184d2204);
    const flg = frame[4]!;
    let p = 7 + (flg & 0x08 ? 8 : 0);
    const out = new Uint8Array(data.length + 64);
    let o = 0;
    for (;;) {
      const word = frame.readUInt32LE(p);
      p += 4;
      if (word === 0) break;
      const size = word & 0x7fffffff;
      const want = Math.min(65536, data.length - o);
      if (word & 0x80000000) {
        out.set(frame.subarray(p, p + size), o);
      } else {
        assert.equal(lz4Decode(frame, p, p + size, out, o, o + want, false), want);
      }
      p += size;
      o += want;
    }
    assert.equal(o, data.length);
    assert.deepEqual(out.subarray(0, o), data, `round ${round}, level ${level}`);
  }
});

function frameOf(blocks: Array<{ bytes: Uint8Array; raw?: boolean }>): Buffer {
  const desc = Buffer.from([0x60, 0x40]); // version 1, independent blocks; 64 KiB blocks
  const head = Buffer.concat([Buffer.from([0x04, 0x22, 0x4d, 0x18]), desc, Buffer.from([(xxh32(desc) >>> 8) & 0xff])]);
  const parts: Buffer[] = [head];
  for (const b of blocks) {
    const size = Buffer.alloc(4);
    size.writeUInt32LE((b.bytes.length | (b.raw ? 0x80000000 : 0)) >>> 0);
    parts.push(size, Buffer.from(b.bytes));
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

test('the reference lz4 decodes what vroot encodes', { skip: haveLz4 ? false : 'lz4 is not installed' }, () => {
  const rng = new Prng(seed + 1);
  const enc = new Lz4Encoder();
  for (let round = 0; round < 24; round++) {
    const data = sample(rng, rng.int(1, 400_000));
    const blocks: Array<{ bytes: Uint8Array; raw?: boolean }> = [];
    for (let pos = 0; pos < data.length;) {
      const end = Math.min(data.length, pos + 65536);
      const out = new Uint8Array(70_000);
      const n = enc.encode(data, pos, end, out, out.length);
      assert.equal(enc.consumed, end - pos, 'a block with room holds all of its input');
      // A frame block may not exceed 64 KiB: incompressible input is stored raw.
      blocks.push(n < end - pos ? { bytes: out.subarray(0, n) } : { bytes: data.subarray(pos, end), raw: true });
      pos = end;
    }
    const decoded = execFileSync('lz4', ['-d', '-c'], { input: frameOf(blocks) });
    assert.deepEqual(new Uint8Array(decoded), data, `round ${round}`);
  }
});

/** Walks a block's sequences; returns where the last match starts and ends in the output. */
function lastMatch(block: Uint8Array): { start: number; end: number; total: number } {
  let ip = 0;
  let op = 0;
  let start = -1;
  let end = -1;
  for (;;) {
    const token = block[ip++]!;
    let lit = token >> 4;
    if (lit === 15) { let b; do { b = block[ip++]!; lit += b; } while (b === 255); }
    ip += lit;
    op += lit;
    if (ip >= block.length) break;
    ip += 2;
    let len = token & 15;
    if (len === 15) { let b; do { b = block[ip++]!; len += b; } while (b === 255); }
    start = op;
    op += len + 4;
    end = op;
  }
  return { start, end, total: op };
}

test('destination-size blocks fit, decode to their input prefix and keep the end-of-block rules', () => {
  const rng = new Prng(seed + 2);
  const enc = new Lz4Encoder();
  for (let round = 0; round < 3000; round++) {
    const data = sample(rng, rng.int(1, 60_000));
    const capacity = rng.pick([64, 512, 4096, 4096, 8192, 16384]);
    const out = new Uint8Array(capacity);
    const n = enc.encode(data, 0, data.length, out, capacity);
    const consumed = enc.consumed;
    assert.ok(n <= capacity && consumed > 0 && consumed <= data.length);
    assert.notEqual(out[0], 0, 'the first byte is never 0 (zero padding is stripped before decoding)');
    const dec = new Uint8Array(consumed + 16);
    assert.equal(lz4Decode(out, 0, n, dec, 0, consumed, false), consumed);
    assert.deepEqual(dec.subarray(0, consumed), data.subarray(0, consumed));
    const m = lastMatch(out.subarray(0, n));
    assert.equal(m.total, consumed);
    if (m.start >= 0) {
      assert.ok(m.end <= consumed - 5, `round ${round}: the last 5 bytes are literals`);
      assert.ok(m.start <= consumed - 12, `round ${round}: the last match starts 12 bytes before the end`);
    }
  }
});

test('partial decoding stops at the requested length and ignores what follows', () => {
  const rng = new Prng(seed + 3);
  const enc = new Lz4Encoder();
  const data = sample(rng, 50_000);
  const out = new Uint8Array(60_000);
  const n = enc.encode(data, 0, data.length, out, out.length);
  const padded = new Uint8Array(n + 4096);
  padded.set(out.subarray(0, n));
  for (const want of [1, 17, 4096, 30_001, 50_000]) {
    const dec = new Uint8Array(want + 16);
    assert.equal(lz4Decode(padded, 0, padded.length, dec, 0, want, true), want);
    assert.deepEqual(dec.subarray(0, want), data.subarray(0, want));
  }
  // Full decoding insists on the exact size.
  assert.throws(() => lz4Decode(out, 0, n, new Uint8Array(60_000), 0, 49_999, false), FormatError);
});

test('damaged blocks throw FormatError EUCLEAN and never write outside the output', () => {
  const rng = new Prng(seed + 4);
  const enc = new Lz4Encoder();
  for (let round = 0; round < 5000; round++) {
    const data = sample(rng, rng.int(16, 5000));
    const out = new Uint8Array(6000);
    let n = enc.encode(data, 0, data.length, out, out.length);
    const block = out.slice(0, n);
    const k = rng.int(1, 4);
    for (let i = 0; i < k; i++) block[rng.int(0, n - 1)] = rng.int(0, 255);
    if (rng.chance(0.2)) n = rng.int(0, n);
    const guard = new Uint8Array(data.length + 64);
    guard.fill(0xaa);
    try {
      lz4Decode(block, 0, n, guard, 0, data.length, rng.chance(0.5));
    } catch (e) {
      assert.ok(e instanceof FormatError && e.code === 'EUCLEAN', String(e));
    }
    for (let i = data.length + 16; i < guard.length; i++) assert.equal(guard[i], 0xaa, 'no write beyond the slack');
  }
});

test('the WebAssembly decoder accepts exactly what the JavaScript decoder accepts, with the same output', { skip: createWasmDecoder() === null ? 'no WebAssembly' : false }, () => {
  const wasm = createWasmDecoder()!;
  const rng = new Prng(seed + 5);
  const enc = new Lz4Encoder();
  let damaged = 0;
  for (let round = 0; round < 4000; round++) {
    const data = sample(rng, rng.int(16, 20_000));
    const out = new Uint8Array(24_000);
    const n = enc.encode(data, 0, data.length, out, rng.chance(0.5) ? out.length : 4096);
    const block = out.slice(0, n);
    if (rng.chance(0.6)) {
      for (let i = rng.int(1, 3); i > 0; i--) block[rng.int(0, n - 1)] = rng.int(0, 255);
      damaged++;
    }
    const want = rng.chance(0.8) ? enc.consumed : rng.int(0, data.length);
    const partial = rng.chance(0.3);
    const a = new Uint8Array(want + 16);
    const b = new Uint8Array(want + 16);
    let js: number;
    try {
      js = lz4DecodeJs(block, 0, n, a, 0, want, partial);
    } catch {
      js = -1;
    }
    const w = wasm.decode(block, 0, n, b, 0, want, partial);
    assert.equal(w >= 0, js >= 0, `round ${round}: acceptance`);
    if (js >= 0) {
      assert.equal(w, js);
      assert.deepEqual(b.subarray(0, w), a.subarray(0, js));
    }
  }
  assert.ok(damaged > 1000);
});

test('the WebAssembly encoder writes the same blocks as the JavaScript encoder', () => {
  const rng = new Prng(seed + 6);
  const wasmSide = new Lz4Encoder();
  const win = wasmSide.window(1 << 18);
  const jsSide = new Lz4Encoder();
  const jsWin = new Uint8Array(1 << 18);
  const a = new Uint8Array(70_000);
  const b = new Uint8Array(70_000);
  for (let round = 0; round < 40; round++) {
    const data = sample(rng, win.length);
    win.set(data);
    jsWin.set(data);
    for (let pos = 0; pos < data.length - 16;) {
      const capacity = rng.pick([64, 512, 4096, 4096, 16384, 65536]);
      const end = Math.min(data.length, pos + rng.int(1, 200_000));
      const na = wasmSide.encode(win, pos, end, a, capacity);
      const nb = jsSide.encode(jsWin, pos, end, b, capacity);
      assert.equal(wasmSide.consumed, jsSide.consumed);
      assert.deepEqual(a.subarray(0, na), b.subarray(0, nb), `round ${round} at ${pos}`);
      pos += Math.max(1, jsSide.consumed);
    }
  }
});
