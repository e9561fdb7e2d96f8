// This module is browser compatible.
/**
 * Little-endian field access on byte arrays. Plain arithmetic beats a DataView for the few
 * fields read per structure, and 64-bit fields become numbers when they fit in 53 bits.
 */
import { corrupt } from './format_error.js';

/** Reads an unsigned 16-bit field. */
export function u16(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}

/** Reads an unsigned 32-bit field. */
export function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/** Reads an unsigned 64-bit field as a number; values beyond 2^53 are corrupt for this reader. */
export function u64(b: Uint8Array, o: number, what: string): number {
  const lo = u32(b, o);
  const hi = u32(b, o + 4);
  if (hi > 0x1fffff) corrupt(`${what} too large (0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')})`);
  // Small values stay small integers (V8 keeps them untagged in objects).
  return hi === 0 ? lo : hi * 0x100000000 + lo;
}

/** Writes an unsigned 16-bit field. */
export function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
}

/** Writes an unsigned 32-bit field. */
export function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

/** Writes a 64-bit field from a non-negative safe integer. */
export function put64(b: Uint8Array, o: number, v: number): void {
  put32(b, o, v % 0x100000000);
  put32(b, o + 4, Math.floor(v / 0x100000000));
}

/** Reads a signed 64-bit field (times before 1970) as a number; values beyond ±2^53 are corrupt. */
export function s64(b: Uint8Array, o: number, what: string): number {
  const lo = u32(b, o);
  const hi = u32(b, o + 4) | 0;
  if (hi > 0x1fffff || hi < -0x200000) corrupt(`${what} out of range`);
  return hi === 0 ? lo : hi * 0x100000000 + lo;
}

/** Writes a signed 64-bit field from a safe integer. */
export function putS64(b: Uint8Array, o: number, v: number): void {
  const hi = Math.floor(v / 0x100000000);
  put32(b, o, v - hi * 0x100000000);
  put32(b, o + 4, hi >>> 0);
}
