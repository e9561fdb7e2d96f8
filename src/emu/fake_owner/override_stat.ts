// This module is browser compatible.
/**
 * The `user.containers.override_stat` extended attribute, as containers/storage writes it for
 * rootless containers and fuse-overlayfs reads it: the owner, mode and type a file should show,
 * kept on the file itself because the host will not let the unprivileged user chown or mknod.
 *
 * The value is text, `uid:gid:mode[:type]`:
 * - `uid` and `gid` in decimal (32-bit);
 * - `mode` in octal, the permission, set-user-ID, set-group-ID and sticky bits (containers/storage
 *   writes four digits, `%04o`; older writers such as fuse-overlayfs write `%o`);
 * - `type`, optional: `file`, `dir`, `symlink`, `pipe`, `socket`, `block-MAJOR-MINOR` or
 *   `char-MAJOR-MINOR`. A device node is stored as an empty regular file whose type field names
 *   the device. Without the field the object keeps the host's type. Readers match the type by
 *   prefix and ignore further `-` parts of a device, so later writers may extend them.
 *
 * @example
 * formatOverrideStat({ uid: 0, gid: 6, mode: 0o660, type: S_IFBLK, rdev: makedev(8, 0) });
 * // '0:6:0660:block-8-0'
 */
import {
  S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFREG, S_IFSOCK, major, makedev, minor,
} from '../../abi/constants.js';
import { bytesToByteString } from '../../vfs/bytes.js';

/** The xattr name containers/storage and fuse-overlayfs use. */
export const OVERRIDE_STAT_XATTR = 'user.containers.override_stat';

/** One decoded `user.containers.override_stat` value. */
export interface OverrideStat {
  uid: number;
  gid: number;
  /** Permission and set-ID bits (`mode & 0o7777`). */
  mode: number;
  /** The file type bits (`S_IFREG`, `S_IFCHR`...), or 0 when the value names none. */
  type: number;
  /** The device number of a block or character device, else 0. */
  rdev: number;
}

/** Largest major and minor numbers `makedev` keeps (Linux new_encode_dev: 12 and 20 bits). */
const MAJOR_MAX = 0xfff;
const MINOR_MAX = 0xfffff;
const U32_MAX = 0xffffffff;

/** Encodes a value as containers/storage does (FormatContainersOverrideXattrDevice). */
export function formatOverrideStat(o: OverrideStat): string {
  const mode = (o.mode & 0o7777).toString(8).padStart(4, '0');
  return `${o.uid}:${o.gid}:${mode}:${typeText(o.type, o.rdev)}`;
}

function typeText(type: number, rdev: number): string {
  switch (type) {
    case S_IFDIR: return 'dir';
    case S_IFLNK: return 'symlink';
    case S_IFIFO: return 'pipe';
    case S_IFSOCK: return 'socket';
    case S_IFBLK: return `block-${major(rdev)}-${minor(rdev)}`;
    case S_IFCHR: return `char-${major(rdev)}-${minor(rdev)}`;
    default: return 'file';
  }
}

/**
 * Decodes a value (containers/storage parseOverrideXattr). Returns null for anything it would
 * refuse: fewer than three fields, ids that are not 32-bit decimals, a mode that is not octal,
 * an unknown type, a device without valid numbers; also for device numbers `makedev` cannot
 * hold. Trailing NUL bytes, which C writers sometimes include, are ignored.
 */
export function parseOverrideStat(value: string | Uint8Array): OverrideStat | null {
  let text = typeof value === 'string' ? value : bytesToByteString(value);
  while (text.endsWith('\0')) text = text.slice(0, -1);
  const fields = text.split(':');
  if (fields.length < 3) return null;
  const uid = unsigned(fields[0]!, 10);
  const gid = unsigned(fields[1]!, 10);
  const mode = unsigned(fields[2]!, 8);
  if (uid === null || gid === null || mode === null) return null;
  const out: OverrideStat = { uid, gid, mode: mode & 0o7777, type: 0, rdev: 0 };
  if (fields.length === 3) return out;
  const t = fields[3]!;
  // The same order of prefix tests as containers/storage, so both read a value alike.
  if (t.startsWith('file')) out.type = S_IFREG;
  else if (t.startsWith('dir')) out.type = S_IFDIR;
  else if (t.startsWith('symlink')) out.type = S_IFLNK;
  else if (t.startsWith('pipe')) out.type = S_IFIFO;
  else if (t.startsWith('socket')) out.type = S_IFSOCK;
  else if (t.startsWith('block') || t.startsWith('char')) {
    const parts = t.split('-');
    if (parts.length < 3 || (parts[0] !== 'block' && parts[0] !== 'char')) return null;
    const maj = unsigned(parts[1]!, 10);
    const min = unsigned(parts[2]!, 10);
    if (maj === null || min === null || maj > MAJOR_MAX || min > MINOR_MAX) return null;
    out.type = parts[0] === 'block' ? S_IFBLK : S_IFCHR;
    out.rdev = makedev(maj, min);
  } else {
    return null;
  }
  return out;
}

/** A 32-bit unsigned number in `radix` (Go's strconv.ParseUint(s, radix, 32)), or null. */
function unsigned(s: string, radix: 8 | 10): number | null {
  if (!(radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/).test(s)) return null;
  const n = parseInt(s, radix);
  return n <= U32_MAX ? n : null;
}
