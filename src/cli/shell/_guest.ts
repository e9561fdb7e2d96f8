// This module is browser compatible.
/**
 * Small helpers the file tools share over a guest process: byte-string paths, whole-file reads,
 * the guest's user and group names (from its own /etc/passwd and /etc/group), and output of
 * byte-string text.
 */
import { AT_FDCWD, AT_SYMLINK_NOFOLLOW, O_RDONLY } from '../../abi/constants.js';
import { guestPath } from '../../compose/guest_tree.js';
import { byteStringToBytes, concatBytes, type ByteString } from '../../vfs/bytes.js';
import { VfsError } from '../../vfs/errors.js';
import type { Process } from '../../vfs/process.js';
import type { Stat } from '../../vfs/stat.js';
import type { Output } from './tool.js';

export { guestPath };

/** `dir/name`, without doubling a slash. */
export function joinPath(dir: ByteString, name: ByteString): ByteString {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/** The last component of a path (`basename`), ignoring trailing slashes. */
export function baseName(path: ByteString): ByteString {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return path === '' ? '' : '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** The directory part of a path (`dirname`). */
export function dirName(path: ByteString): ByteString {
  const trimmed = path.replace(/\/+$/, '');
  const i = trimmed.lastIndexOf('/');
  if (i < 0) return '.';
  return i === 0 ? '/' : trimmed.slice(0, i).replace(/\/+$/, '') || '/';
}

/** Writes a byte string's bytes. */
export function writeBytes(out: Output, text: ByteString): void {
  out.write(byteStringToBytes(text));
}

/** lstat (or stat with `follow`) that gives null for a missing name. Other errors are thrown. */
export function statOrNull(p: Process, path: ByteString, follow: boolean): Stat | null {
  try {
    return p.fstatat(AT_FDCWD, guestPath(path), follow ? 0 : AT_SYMLINK_NOFOLLOW);
  } catch (e) {
    if (e instanceof VfsError && (e.code === 'ENOENT' || e.code === 'ENOTDIR')) return null;
    throw e;
  }
}

/** Reads a whole guest file. */
export function readGuestFile(p: Process, path: ByteString): Uint8Array {
  const fd = p.openat(AT_FDCWD, guestPath(path), O_RDONLY);
  try {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const buf = new Uint8Array(1 << 16);
      const n = p.read(fd, buf);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
    }
    return concatBytes(chunks, total);
  } finally {
    p.close(fd);
  }
}

/** The user and group names of a guest, read once from its /etc/passwd and /etc/group. */
export class IdNames {
  private users: Map<number, string> | undefined;
  private groups: Map<number, string> | undefined;
  private readonly p: Process;

  constructor(p: Process) {
    this.p = p;
  }

  private table(path: string): Map<number, string> {
    const map = new Map<number, string>();
    let text: string;
    try {
      text = new TextDecoder().decode(readGuestFile(this.p, path));
    } catch {
      return map; // no such file: ids are shown as numbers
    }
    for (const line of text.split('\n')) {
      const fields = line.split(':');
      if (fields.length < 3 || line.startsWith('#')) continue;
      const id = Number(fields[2]);
      if (Number.isInteger(id) && !map.has(id)) map.set(id, fields[0]!);
    }
    return map;
  }

  /** The name of a uid, or the number as text. */
  user(uid: number): string {
    this.users ??= this.table('/etc/passwd');
    return this.users.get(uid) ?? String(uid);
  }

  /** The name of a gid, or the number as text. */
  group(gid: number): string {
    this.groups ??= this.table('/etc/group');
    return this.groups.get(gid) ?? String(gid);
  }

  /** The uid of a user name or number, or undefined. */
  uidOf(name: string): number | undefined {
    if (/^\d+$/.test(name)) return Number(name);
    this.users ??= this.table('/etc/passwd');
    for (const [id, n] of this.users) if (n === name) return id;
    return undefined;
  }

  /** The gid of a group name or number, or undefined. */
  gidOf(name: string): number | undefined {
    if (/^\d+$/.test(name)) return Number(name);
    this.groups ??= this.table('/etc/group');
    for (const [id, n] of this.groups) if (n === name) return id;
    return undefined;
  }
}
