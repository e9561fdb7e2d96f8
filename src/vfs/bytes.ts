// This module is browser compatible.
/**
 * Names are bytes, as in Linux. Inside vroot a name or path is a "byte string": a JS string
 * whose every code unit is one byte (0-255). ASCII text is its own byte string, so the common
 * case costs nothing, Map lookups stay fast, and byte order equals string order. Public entry
 * points take UTF-8 strings or Uint8Arrays and convert once.
 */

/** A string whose code units are bytes 0-255 (never checked at run time). */
export type ByteString = string;

/** What the public API accepts as a path or name: UTF-8 text or raw bytes. */
export type PathLike = string | Uint8Array;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Converts bytes to a byte string. */
export function bytesToByteString(bytes: Uint8Array): ByteString {
  let out = '';
  const CHUNK = 0x2000;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return out;
}

/** Converts a public path argument (UTF-8 string or bytes) to a byte string. */
export function toByteString(path: PathLike): ByteString {
  if (typeof path === 'string') return isAscii(path) ? path : bytesToByteString(encoder.encode(path));
  return bytesToByteString(path);
}

/** Converts a byte string to its bytes. */
export function byteStringToBytes(s: ByteString): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Decodes a byte string as UTF-8 for display or for string-based APIs (invalid bytes become U+FFFD). */
export function byteStringToUtf8(s: ByteString): string {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) return decoder.decode(byteStringToBytes(s));
  }
  return s;
}

/** True when a byte string is valid UTF-8 (so it round-trips through a JS string). */
export function isValidUtf8(s: ByteString): boolean {
  if (isAscii(s)) return true;
  try {
    strictDecoder.decode(byteStringToBytes(s));
    return true;
  } catch {
    return false;
  }
}

/** Encodes text as UTF-8 bytes. */
export function utf8Encode(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Decodes UTF-8 bytes as text. */
export function utf8Decode(b: Uint8Array): string {
  return decoder.decode(b);
}

/** The chunks joined into one array (`total`: their summed length, when the caller keeps it). */
export function concatBytes(chunks: readonly Uint8Array[], total = chunks.reduce((s, c) => s + c.length, 0)): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
