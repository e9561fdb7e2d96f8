// This module is browser compatible.
/**
 * The Unicode 12.1 data behind Linux's casefolding (fs/unicode, "utf8-12.1"), decoded once on
 * first use from the compact tables in `_tables.ts`.
 *
 * The kernel's "NFDICF" form maps every code point on its own, before canonical ordering:
 * - a Default_Ignorable_Code_Point maps to nothing;
 * - a code point with a full case folding (CaseFolding.txt status C or F) maps to the folding;
 * - otherwise a code point with a canonical decomposition maps to it (compatibility
 *   decompositions are not used: fullwidth "Ａ" folds to "ａ", never to "a");
 * - Hangul syllables decompose into jamo algorithmically;
 * and each mapping is expanded again until none of its code points has a mapping of its own
 * (so "Å" U+212B becomes "å" and then "a" + U+030A). This is the order in which the kernel's
 * table generator (fs/unicode/mkutf8data.c) applies the rules; it is not `toNFD(toCasefold(s))`:
 * U+0345 COMBINING GREEK YPOGEGRAMMENI folds to "ι", which has combining class 0.
 */
import { CCC_RUNS, DECOMPOSITIONS, FOLD_FULL, FOLD_RUNS, IGNORABLES } from './_tables.js';

export { UNICODE_VERSION } from './_tables.js';

/** Decoded tables. */
interface Tables {
  /** Non-zero canonical combining classes. */
  readonly ccc: Map<number, number>;
  /** The fully expanded NFDICF mapping of every code point that has one (Hangul excluded). */
  readonly nfdicf: Map<number, readonly number[]>;
}

let tables: Tables | undefined;

const HANGUL_FIRST = 0xac00;
const HANGUL_LAST = 0xd7a3;

/** Unicode 3.12 Hangul syllable decomposition: L V or L V T jamo. */
function hangulJamo(cp: number): number[] {
  const s = cp - HANGUL_FIRST;
  const l = 0x1100 + Math.floor(s / 588);
  const v = 0x1161 + Math.floor((s % 588) / 28);
  const t = s % 28;
  return t === 0 ? [l, v] : [l, v, 0x11a7 + t];
}

/** Parses "d:m.m d:m.m" records whose keys are relative to the previous key. */
function parseMappings(text: string, into: Map<number, number[]>): void {
  let prev = 0;
  for (const rec of text.split(' ')) {
    const colon = rec.indexOf(':');
    const cp = prev + parseInt(rec.slice(0, colon), 36);
    into.set(cp, rec.slice(colon + 1).split('.').map((x) => parseInt(x, 36)));
    prev = cp;
  }
}

/** Parses "start.length-1[.value]" runs relative to the previous run's end. */
function forEachRun(text: string, fn: (start: number, end: number, value: number) => void): void {
  let prev = 0;
  for (const rec of text.split(' ')) {
    const [s, l, v] = rec.split('.');
    const start = prev + parseInt(s!, 36);
    const end = start + parseInt(l!, 36);
    fn(start, end, v === undefined ? 0 : parseInt(v, 36));
    prev = end;
  }
}

function decode(): Tables {
  const ccc = new Map<number, number>();
  forEachRun(CCC_RUNS, (start, end, value) => {
    for (let cp = start; cp <= end; cp++) ccc.set(cp, value);
  });

  // mkutf8data: nfdi_init, nfdicf_init, ignore_init (which overrides both), in this order.
  const nfdi = new Map<number, number[]>();
  parseMappings(DECOMPOSITIONS, nfdi);
  const fold = new Map<number, number[]>();
  parseMappings(FOLD_FULL, fold);
  let prev = 0;
  for (const rec of FOLD_RUNS.split(' ')) {
    const [s, count, stride, delta] = rec.split('.').map((x) => parseInt(x, 36)) as [number, number, number, number];
    const start = prev + s;
    for (let k = 0; k < count; k++) fold.set(start + k * stride, [start + k * stride + delta]);
    prev = start + (count - 1) * stride;
  }
  forEachRun(IGNORABLES, (start, end) => {
    for (let cp = start; cp <= end; cp++) {
      nfdi.set(cp, []);
      fold.set(cp, []);
    }
  });

  // nfdi_decompose: expand canonical decompositions fully; a code point without a folding
  // takes its decomposition as its NFDICF mapping.
  const expandWith = (map: Map<number, readonly number[]>, done: Map<number, readonly number[]>) => {
    const expand = (cp: number, depth: number): readonly number[] => {
      const ready = done.get(cp);
      if (ready !== undefined) return ready;
      const m = map.get(cp);
      if (m === undefined) return [cp];
      if (depth > 32) throw new Error(`casefold tables: mapping cycle at U+${cp.toString(16)}`);
      const out: number[] = [];
      for (const x of m) {
        if (x >= HANGUL_FIRST && x <= HANGUL_LAST) out.push(...hangulJamo(x));
        else if (map.has(x)) out.push(...expand(x, depth + 1));
        else out.push(x);
      }
      done.set(cp, out);
      return out;
    };
    for (const cp of map.keys()) expand(cp, 0);
    return done;
  };
  const nfdiFull = expandWith(nfdi, new Map());
  const nfdicfRaw = new Map<number, readonly number[]>(fold);
  for (const [cp, m] of nfdiFull) if (!nfdicfRaw.has(cp)) nfdicfRaw.set(cp, m);
  // nfdicf_decompose: expand again through the NFDICF mappings themselves.
  const nfdicf = expandWith(nfdicfRaw, new Map());
  return { ccc, nfdicf };
}

function data(): Tables {
  return (tables ??= decode());
}

/** The canonical combining class of a code point (0 for most, and for unassigned ones). */
export function combiningClass(cp: number): number {
  return data().ccc.get(cp) ?? 0;
}

/**
 * The NFDICF mapping of a code point: the code points it stands for after decomposition and
 * case folding (empty for ignorable code points), or undefined when it maps to itself.
 */
export function nfdicfMapping(cp: number): readonly number[] | undefined {
  if (cp >= HANGUL_FIRST && cp <= HANGUL_LAST) return hangulJamo(cp);
  return data().nfdicf.get(cp);
}
