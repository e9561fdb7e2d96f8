// This module is browser compatible.
/**
 * glibc's strtol, strtoul and strtoull on 64-bit Linux, as bubblewrap applies them to option
 * arguments: leading white space, an optional sign, base prefixes for base 0, and saturation on
 * overflow. Results are exact (BigInt), with the index where parsing stopped (`end`), which is
 * 0 when no digits were found, as C's endptr is then the start of the string.
 */
import type { ByteString } from '../../vfs/bytes.js';

const LONG_MAX = (1n << 63n) - 1n;
const LONG_MIN = -(1n << 63n);
const ULONG_MAX = (1n << 64n) - 1n;

/** A parsed integer and where parsing stopped. */
export interface CNumber {
  readonly value: bigint;
  readonly end: number;
  /** True when the value saturated (errno ERANGE). */
  readonly overflow: boolean;
}

/** C isspace in the C locale. */
export function isCSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** C isdigit. */
export function isCDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function digitValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x5a) return c - 0x41 + 10;
  return 99;
}

/** The magnitude, sign and base after white space, sign and (for base 0 or 16) a 0x prefix. */
interface Scanned {
  negative: boolean;
  magnitude: bigint;
  end: number;
  saturated: boolean;
}

function scan(s: ByteString, base: number): Scanned {
  let i = 0;
  while (i < s.length && isCSpace(s.charCodeAt(i))) i++;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') {
    negative = s[i] === '-';
    i++;
  }
  const hexPrefix = s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && digitValue(s.charCodeAt(i + 2)) < 16;
  if ((base === 0 || base === 16) && hexPrefix) {
    i += 2;
    base = 16;
  } else if (base === 0) {
    base = s[i] === '0' ? 8 : 10;
  }
  let magnitude = 0n;
  let digits = 0;
  let saturated = false;
  const b = BigInt(base);
  while (i < s.length) {
    const d = digitValue(s.charCodeAt(i));
    if (d >= base) break;
    if (!saturated) {
      magnitude = magnitude * b + BigInt(d);
      if (magnitude > ULONG_MAX) saturated = true;
    }
    digits++;
    i++;
  }
  return { negative, magnitude, end: digits === 0 ? 0 : i, saturated };
}

/** strtol(s, &end, base) for a 64-bit long. */
export function strtol(s: ByteString, base: number): CNumber {
  const r = scan(s, base);
  let v = r.negative ? -r.magnitude : r.magnitude;
  let overflow = r.saturated;
  if (v > LONG_MAX) { v = LONG_MAX; overflow = true; }
  if (v < LONG_MIN) { v = LONG_MIN; overflow = true; }
  if (r.saturated) v = r.negative ? LONG_MIN : LONG_MAX;
  return { value: v, end: r.end, overflow };
}

/** strtoul(s, &end, base) (and strtoull: both are 64-bit): a minus sign negates modulo 2^64. */
export function strtoul(s: ByteString, base: number): CNumber {
  const r = scan(s, base);
  if (r.saturated) return { value: ULONG_MAX, end: r.end, overflow: true };
  const v = r.negative && r.magnitude !== 0n ? (1n << 64n) - r.magnitude : r.magnitude;
  return { value: v, end: r.end, overflow: false };
}

/** A C `int` from a `long`: the low 32 bits, two's complement (what `int x = strtol(...)` keeps). */
export function toCInt(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}
