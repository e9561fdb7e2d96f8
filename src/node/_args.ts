// Node-specific: argument checks and conversions of the fs facade (Buffer, URL, encodings).
/**
 * How the facade reads Node's arguments: paths (string, Buffer, file: URL), descriptors, open
 * flags ('r', 'w+', 'ax'... or numbers), modes (numbers or octal strings), encodings, times
 * (seconds, numeric strings, Dates) and option objects. Each check throws the `ERR_*` error
 * node:fs throws for the same argument.
 */
import { fileURLToPath } from 'node:url';
import {
  O_APPEND, O_CREAT, O_EXCL, O_RDONLY, O_RDWR, O_SYNC, O_TRUNC, O_WRONLY,
} from '../abi/constants.js';
import { byteStringToUtf8, type ByteString } from '../vfs/bytes.js';
import { argTypeError, argValueError, outOfRangeError } from './errors.js';

/** A path as node:fs accepts it. */
export type PathArg = string | Uint8Array | URL;

/** A path as the core takes it: UTF-8 text or raw bytes. */
export type CorePath = string | Uint8Array;

const PATH_TYPES = 'of type string or an instance of Buffer or URL';

function isUrl(value: unknown): value is URL {
  // Node's isURL: an object with href and protocol (and no legacy url.parse fields).
  return typeof value === 'object' && value !== null && typeof (value as URL).href === 'string' &&
    typeof (value as URL).protocol === 'string' && (value as { auth?: unknown }).auth === undefined &&
    (value as { path?: unknown }).path === undefined;
}

/**
 * Checks a path argument and returns it for the core: strings and bytes as they are, file:
 * URLs as their path. Errors: ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE (a NUL byte),
 * ERR_INVALID_URL_SCHEME and the other URL errors of `fileURLToPath`.
 */
export function toPath(value: unknown, name = 'path'): CorePath {
  if (typeof value === 'string') {
    if (value.indexOf('\u0000') !== -1) throw nulError(name, value);
    return value;
  }
  if (value instanceof Uint8Array) {
    if (value.indexOf(0) !== -1) throw nulError(name, value);
    return value;
  }
  if (isUrl(value)) {
    const p = fileURLToPath(value);
    if (p.indexOf('\u0000') !== -1) throw nulError(name, p);
    return p;
  }
  throw argTypeError(name, PATH_TYPES, value);
}

function nulError(name: string, value: unknown): TypeError {
  return argValueError(name, value, 'must be a string, Uint8Array, or URL without null bytes');
}

/** The path as a JS string (bytes decoded as UTF-8), for results such as mkdir's first directory. */
export function pathToString(p: CorePath): string {
  return typeof p === 'string' ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString();
}

/** Checks a descriptor: an int32 >= 0 (-0 is 0). Errors: ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE. */
export function toFd(value: unknown, name = 'fd'): number {
  if (typeof value !== 'number') throw argTypeError(name, 'of type number', value);
  if (!Number.isInteger(value)) throw outOfRangeError(name, 'an integer', value);
  if (value < 0 || value > 0x7fffffff) throw outOfRangeError(name, '>= 0 && <= 2147483647', value);
  return value === 0 ? 0 : value;
}

/** Checks an integer within bounds (Node's validateInteger). */
export function toInteger(value: unknown, name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number') throw argTypeError(name, 'of type number', value);
  if (!Number.isInteger(value)) throw outOfRangeError(name, 'an integer', value);
  if (value < min || value > max) throw outOfRangeError(name, `>= ${min} && <= ${max}`, value);
  return value;
}

/** Checks an int32 (Node's validateInt32). */
export function toInt32(value: unknown, name: string, min = -2147483648, max = 2147483647): number {
  if (typeof value !== 'number') throw argTypeError(name, 'of type number', value);
  if (!Number.isInteger(value)) throw outOfRangeError(name, 'an integer', value);
  if (value < min || value > max) throw outOfRangeError(name, `>= ${min} && <= ${max}`, value);
  return value;
}

/** Checks a boolean option. */
export function toBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw argTypeError(name, 'of type boolean', value);
  return value;
}

/** Node's open flag strings, as Linux open(2) flags. */
const FLAG_STRINGS: Readonly<Record<string, number>> = {
  'r': O_RDONLY,
  'rs': O_RDONLY | O_SYNC,
  'sr': O_RDONLY | O_SYNC,
  'r+': O_RDWR,
  'rs+': O_RDWR | O_SYNC,
  'sr+': O_RDWR | O_SYNC,
  'w': O_TRUNC | O_CREAT | O_WRONLY,
  'wx': O_TRUNC | O_CREAT | O_WRONLY | O_EXCL,
  'xw': O_TRUNC | O_CREAT | O_WRONLY | O_EXCL,
  'w+': O_TRUNC | O_CREAT | O_RDWR,
  'wx+': O_TRUNC | O_CREAT | O_RDWR | O_EXCL,
  'xw+': O_TRUNC | O_CREAT | O_RDWR | O_EXCL,
  'a': O_APPEND | O_CREAT | O_WRONLY,
  'ax': O_APPEND | O_CREAT | O_WRONLY | O_EXCL,
  'xa': O_APPEND | O_CREAT | O_WRONLY | O_EXCL,
  'as': O_APPEND | O_CREAT | O_WRONLY | O_SYNC,
  'sa': O_APPEND | O_CREAT | O_WRONLY | O_SYNC,
  'a+': O_APPEND | O_CREAT | O_RDWR,
  'ax+': O_APPEND | O_CREAT | O_RDWR | O_EXCL,
  'xa+': O_APPEND | O_CREAT | O_RDWR | O_EXCL,
  'as+': O_APPEND | O_CREAT | O_RDWR | O_SYNC,
  'sa+': O_APPEND | O_CREAT | O_RDWR | O_SYNC,
};

/** Converts a flag string or number to open(2) flags (Node's stringToFlags). Errors: ERR_INVALID_ARG_VALUE. */
export function toFlags(value: unknown, name = 'flags'): number {
  if (typeof value === 'number') return toInt32(value, name);
  if (value === undefined || value === null) return O_RDONLY;
  const f = typeof value === 'string' ? FLAG_STRINGS[value] : undefined;
  if (f === undefined) throw argValueError(name, value);
  return f;
}

/**
 * Converts a mode (a uint32, or an octal string such as '755') as Node's parseFileMode does;
 * `undefined` gives `def`. Errors: ERR_INVALID_ARG_VALUE, ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE.
 */
export function toMode(value: unknown, name: string, def?: number): number {
  if (value === undefined && def !== undefined) return def;
  let v = value;
  if (typeof v === 'string') {
    if (!/^[0-7]+$/.test(v)) throw argValueError(name, value, 'must be a 32-bit unsigned integer or an octal string');
    v = parseInt(v, 8);
  }
  if (typeof v !== 'number') throw argTypeError(name, 'of type number', v);
  if (!Number.isInteger(v)) throw outOfRangeError(name, 'an integer', v);
  if (v < 0 || v > 0xffffffff) throw outOfRangeError(name, '>= 0 && <= 4294967295', v);
  return v;
}

/** An encoding option: a Buffer encoding, 'buffer', or null/undefined (the default). */
export type Encoding = BufferEncoding | 'buffer' | null | undefined;

/** Checks an encoding name (Node's assertEncoding). Errors: ERR_INVALID_ARG_VALUE. */
export function checkEncoding(encoding: unknown, allowBuffer = true): Encoding {
  if (encoding === undefined || encoding === null) return encoding;
  if (typeof encoding === 'string' && (Buffer.isEncoding(encoding) || (allowBuffer && encoding === 'buffer'))) {
    return encoding as Encoding;
  }
  throw argValueError('encoding', encoding, 'is invalid encoding');
}

/**
 * Reads an options argument that may be an encoding string (Node's getOptions): null and
 * undefined give `defaults`; a string is `{ encoding }`. Errors: ERR_INVALID_ARG_TYPE,
 * ERR_INVALID_ARG_VALUE (unknown encoding).
 */
export function toOptions<T extends object>(options: unknown, defaults: T): T & { encoding?: Encoding } {
  if (options === undefined || options === null || typeof options === 'function') return defaults;
  if (typeof options === 'string') {
    checkEncoding(options);
    return { ...defaults, encoding: options as Encoding };
  }
  if (typeof options !== 'object') throw argTypeError('options', 'one of type string or Object', options);
  const o = options as { encoding?: unknown };
  if (o.encoding !== 'buffer') checkEncoding(o.encoding);
  return options as T & { encoding?: Encoding };
}

/** Checks an optional options object (Node's validateObject with nullable). */
export function toObject<T extends object>(options: unknown, name = 'options'): Partial<T> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) throw argTypeError(name, 'of type object', options);
  return options as Partial<T>;
}

/**
 * A name from the core (a byte string) in the requested encoding: a JS string decoded as UTF-8
 * by default, the exact bytes as a Buffer for 'buffer', or the bytes re-encoded ('hex', 'latin1').
 */
export function encodeName(raw: ByteString, encoding: Encoding): string | Buffer {
  if (encoding === undefined || encoding === null || encoding === 'utf8' || encoding === 'utf-8') return byteStringToUtf8(raw);
  const bytes = Buffer.from(raw, 'latin1');
  return encoding === 'buffer' ? bytes : bytes.toString(encoding);
}

/**
 * A time argument in seconds (Node's toUnixTimestamp): numbers (negative means now), numeric
 * strings, Dates. Errors: ERR_INVALID_ARG_TYPE.
 */
export function toUnixSeconds(value: unknown, name = 'time'): number {
  // Node: a string counts when it equals its number (loose equality, so ' 5' and '5' count).
  // eslint-disable-next-line eqeqeq
  if (typeof value === 'string' && +value == (value as unknown as number)) return +value;
  if (typeof value === 'number' && Number.isFinite(value)) return value < 0 ? Date.now() / 1000 : value;
  if (value instanceof Date) return value.getTime() / 1000;
  throw argTypeError(name, 'an instance of Date or an Time in seconds', value);
}

/**
 * Seconds as a timespec, the way libuv converts them: whole seconds, and nanoseconds truncated
 * to microseconds (libuv keeps microsecond resolution on every platform).
 */
export function secondsToTimespec(seconds: number): { sec: number; nsec: number } {
  let sec = Math.trunc(seconds);
  let nsec = Math.trunc((seconds - sec) * 1e9);
  nsec -= nsec % 1000;
  if (nsec < 0) {
    nsec += 1e9;
    sec -= 1;
  }
  return { sec, nsec };
}

/** Checks a Buffer/TypedArray/DataView argument and returns its bytes (no copy). */
export function toBytes(value: unknown, name = 'buffer'): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw argTypeError(name, 'an instance of Buffer, TypedArray, or DataView', value);
}

/** Data to write: strings in `encoding` (default UTF-8), or the bytes of any ArrayBufferView. */
export function toData(value: unknown, encoding: Encoding, name = 'data'): Uint8Array {
  if (typeof value === 'string') return Buffer.from(value, encoding === 'buffer' || encoding == null ? 'utf8' : encoding);
  if (ArrayBuffer.isView(value)) return toBytes(value, name);
  throw argTypeError(name, 'of type string or an instance of Buffer, TypedArray, or DataView', value);
}

/** Checks a function argument (callbacks, filters). */
export function toFunction<F extends (...args: never[]) => unknown>(value: unknown, name: string): F {
  if (typeof value !== 'function') throw argTypeError(name, 'of type function', value);
  return value as F;
}
