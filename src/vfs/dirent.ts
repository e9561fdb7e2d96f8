// This module is browser compatible.
import { byteStringToBytes, byteStringToUtf8, type ByteString } from './bytes.js';

/**
 * One entry returned by `getdents64` (struct linux_dirent64). `off` is the cookie that resumes
 * the listing after this entry; it always fits in 31 bits.
 */
export class Dirent64 {
  readonly ino: number;
  readonly off: number;
  /** DT_* type. */
  readonly type: number;
  /** The name as a byte string (one char per byte). */
  readonly rawName: ByteString;

  constructor(ino: number, off: number, type: number, rawName: ByteString) {
    this.ino = ino;
    this.off = off;
    this.type = type;
    this.rawName = rawName;
  }

  /** The name decoded as UTF-8 (invalid bytes become U+FFFD; use `nameBytes` for exact bytes). */
  get name(): string {
    return byteStringToUtf8(this.rawName);
  }

  /** The name's bytes. */
  get nameBytes(): Uint8Array {
    return byteStringToBytes(this.rawName);
  }

  /** The size of this record in a getdents64 buffer (8-byte aligned). */
  get reclen(): number {
    return (19 + this.rawName.length + 1 + 7) & ~7;
  }
}
