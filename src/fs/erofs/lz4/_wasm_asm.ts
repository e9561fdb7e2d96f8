// This module is browser compatible.
/**
 * A tiny WebAssembly assembler (private helper of the LZ4 codecs): just the instructions the
 * codecs use, emitted into a function body, and a module wrapper with one memory and exported
 * functions. Encodings follow the WebAssembly core specification's binary format.
 */

/** Opcodes, by their text-format names. */
export const W = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d, return: 0x0f,
  select: 0x1b, localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Load: 0x28, i64Load: 0x29, i32Load8U: 0x2d, i32Load16U: 0x2f, i32Store: 0x36, i64Store: 0x37, i32Store8: 0x3a,
  i32Store16: 0x3b, i32Const: 0x41,
  i32Eqz: 0x45, i32Eq: 0x46, i32Ne: 0x47, i32LtS: 0x48, i32LtU: 0x49, i32GtU: 0x4b, i32LeU: 0x4d, i32GeU: 0x4f,
  i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32DivU: 0x6e, i32And: 0x71, i32Or: 0x72, i32Shl: 0x74, i32ShrU: 0x76,
} as const;

/** Block type of structured instructions that leave nothing on the stack. */
export const VOID = 0x40;

/** Signed LEB128. */
export function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** Unsigned LEB128. */
export function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

/** A function body under construction. Locals are numbered after the parameters. */
export class Body {
  readonly code: number[] = [];

  /** Appends raw opcodes. */
  op(...o: number[]): this {
    this.code.push(...o);
    return this;
  }
  get(l: number): this { return this.op(W.localGet, l); }
  set(l: number): this { return this.op(W.localSet, l); }
  tee(l: number): this { return this.op(W.localTee, l); }
  /** i32.const. */
  k(v: number): this { return this.op(W.i32Const, ...sleb(v | 0)); }
  /** A load or store with its memarg (alignment hint 0, constant offset). */
  mem(o: number, offset = 0): this { return this.op(o, 0, ...uleb(offset)); }
  /** memory.copy (dst, src, n on the stack). */
  copy(): this { return this.op(0xfc, 10, 0, 0); }
  /** memory.fill (dst, value, n on the stack). */
  fill(): this { return this.op(0xfc, 11, 0); }
  /** `return code` when the i32 on the stack is true. */
  failIf(code: number): this { return this.op(W.if, VOID).k(code).op(W.return, W.end); }
}

/** A module with one memory (`memory`, `pages` initial pages) exporting the given functions. */
export function moduleBytes(pages: number, functions: Array<{ name: string; params: number; locals: number; body: Body }>): Uint8Array {
  const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
  const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
  const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
  const i32 = 0x7f;
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(functions.map((f) => [0x60, f.params, ...new Array<number>(f.params).fill(i32), 1, i32]))),
    ...section(3, vec(functions.map((_, i) => [i]))),
    ...section(5, vec([[0x00, ...uleb(pages)]])),
    ...section(7, vec([...functions.map((f, i) => [...name(f.name), 0x00, i]), [...name('memory'), 0x02, 0]])),
    ...section(10, vec(functions.map((f) => {
      const code = [...uleb(1), ...uleb(f.locals), i32, ...f.body.code, W.end];
      return [...uleb(code.length), ...code];
    }))),
  ]);
}

/** The parts of the WebAssembly JavaScript API used here (the project compiles without the DOM library). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** A linear memory. */
export interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** Instantiates module bytes; null where WebAssembly is unavailable or refuses them. */
export function instantiate(bytes: Uint8Array): Record<string, unknown> | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return null;
  try {
    return new wasm.Instance(new wasm.Module(bytes), {}).exports;
  } catch {
    return null;
  }
}
