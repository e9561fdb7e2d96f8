// This module is browser compatible.
/**
 * The shell's mount tools: `mount` lists the guest's mounts as /proc/self/mounts does, mounts a
 * tmpfs or binds a guest directory, and remounts read-only or read-write; `umount` detaches;
 * `df` shows statfs of each mount as GNU df does.
 */
import { AT_FDCWD, MNT_DETACH } from '../../abi/constants.js';
import { Tmpfs } from '../../fs/tmpfs/tmpfs.js';
import { byteStringToUtf8, toByteString } from '../../vfs/bytes.js';
import type { Mount, MountOptions } from '../../vfs/mount.js';
import type { Process } from '../../vfs/process.js';
import { RootFlagError, parseSize } from '../../compose/root_flags.js';
import { has, last } from './_getopt.js';
import { humanSize } from './_format.js';
import { guestPath } from './_guest.js';
import { complain, complainAbout, parseOptions, q, type Tool } from './tool.js';

/** A mount with the path it is seen at from the process root (null: not below it). */
interface SeenMount {
  mount: Mount;
  path: string;
}

/** The mounts the process can see, parents first, with their guest paths. */
export function visibleMounts(p: Process): SeenMount[] {
  const out: SeenMount[] = [];
  for (const m of p.vfs.mounts()) {
    if (m.detached) continue;
    const where = p.vfs.pathOf({ mount: m, dentry: m.root }, p.root());
    if (where.reachable) out.push({ mount: m, path: byteStringToUtf8(where.path) });
  }
  return out;
}

function optionText(m: Mount): string {
  const opts = [m.readOnly ? 'ro' : 'rw'];
  if (m.nosuid) opts.push('nosuid');
  if (m.nodev) opts.push('nodev');
  if (m.noexec) opts.push('noexec');
  if (m.noatime) opts.push('noatime');
  const extra = m.fs.mountOptions;
  if (extra !== '') opts.push(extra);
  return opts.join(',');
}

const MOUNT_USAGE = `Usage: mount                                   list the mounts
       mount -t tmpfs [-o OPTIONS] tmpfs DIR    mount an empty in-memory filesystem
       mount --bind [-o ro] OLDDIR NEWDIR       show OLDDIR at NEWDIR too (--rbind: with its mounts)
       mount -o remount,ro|rw DIR               make a mount read-only or writable again
Options (-o, comma-separated): ro, rw, nosuid, nodev, noexec, noatime, size=SIZE (tmpfs).
`;

/** Parses -o options into mount flags and a tmpfs size. Errors: RootFlagError. */
function mountOptions(text: string | undefined): { flags: MountOptions; size: number | undefined; remount: boolean } {
  const flags: MountOptions = {};
  let size: number | undefined;
  let remount = false;
  for (const o of (text ?? '').split(',').filter((x) => x !== '')) {
    if (o === 'ro') flags.readOnly = true;
    else if (o === 'rw') flags.readOnly = false;
    else if (o === 'nosuid' || o === 'nodev' || o === 'noexec' || o === 'noatime') flags[o] = true;
    else if (o === 'suid' || o === 'dev' || o === 'exec' || o === 'atime' || o === 'relatime' || o === 'defaults') continue;
    else if (o === 'remount') remount = true;
    else if (o.startsWith('size=')) size = parseSize(o.slice(5));
    else throw new RootFlagError(`unsupported option ${q(o)}`);
  }
  return { flags, size, remount };
}

/** `mount`, `mount -t tmpfs [-o OPTS] SRC DIR`, `mount --bind|--rbind OLD NEW`, `mount -o remount,ro DIR` */
export const mount: Tool = (ctx, args) => {
  const parsed = parseOptions(ctx, args, {
    flags: 'Br',
    withArg: 'to',
    long: { bind: { key: 'B' }, rbind: { key: 'rbind' }, types: { key: 't', arg: true }, options: { key: 'o', arg: true }, 'read-only': { key: 'r' } },
  }, MOUNT_USAGE);
  if (typeof parsed === 'number') return parsed;
  const ops = parsed.operands;
  if (ops.length === 0 && !has(parsed, 'o', 't', 'B', 'rbind')) {
    for (const { mount: m, path } of visibleMounts(ctx.p)) {
      ctx.out.write(`${m.fs.source} on ${path} type ${m.fs.type} (${optionText(m)})\n`);
    }
    return 0;
  }
  let o;
  try {
    o = mountOptions(last(parsed, 'o'));
  } catch (e) {
    complain(ctx, (e as Error).message);
    return 1;
  }
  if (has(parsed, 'r')) o.flags.readOnly = true;
  const target = ops[ops.length - 1];
  if (target === undefined) {
    complain(ctx, `missing mount point\nTry '${ctx.prog} --help' for more information.`);
    return 1;
  }
  try {
    if (o.remount) {
      ctx.p.remount(guestPath(toByteString(target)), o.flags);
    } else if (has(parsed, 'B', 'rbind')) {
      if (ops.length !== 2) throw new RootFlagError('--bind wants OLDDIR NEWDIR');
      ctx.p.mount({ bind: guestPath(toByteString(ops[0]!)), recursive: has(parsed, 'rbind') }, guestPath(toByteString(target)), o.flags);
    } else {
      const type = last(parsed, 't') ?? 'tmpfs';
      if (type !== 'tmpfs') throw new RootFlagError(`unknown filesystem type ${q(type)} (this shell mounts tmpfs and binds)`);
      ctx.p.mount(new Tmpfs(o.size === undefined ? {} : { size: o.size }), guestPath(toByteString(target)), o.flags);
    }
    return 0;
  } catch (e) {
    if (e instanceof RootFlagError) complain(ctx, e.message);
    else complainAbout(ctx, target, e);
    return 32; // util-linux mount: "mount failure"
  }
};

/** `umount [-l] DIR...` */
export const umount: Tool = (ctx, args) => {
  const parsed = parseOptions(ctx, args, { flags: 'l', long: { lazy: { key: 'l' } } },
    'Usage: umount [-l] DIR...\nDetach the filesystem mounted at DIR (-l: even while it is in use).\n');
  if (typeof parsed === 'number') return parsed;
  if (parsed.operands.length === 0) {
    complain(ctx, `bad usage\nTry '${ctx.prog} --help' for more information.`);
    return 1;
  }
  let status = 0;
  for (const target of parsed.operands) {
    try {
      ctx.p.umount2(guestPath(toByteString(target)), has(parsed, 'l') ? MNT_DETACH : 0);
    } catch (e) {
      if ((e as { code?: string }).code === 'EINVAL') complain(ctx, `${target}: not mounted`);
      else complainAbout(ctx, target, e);
      status = 32;
    }
  }
  return status;
};

/** `df [-h] [PATH...]`: one line per mount (or per mount holding each PATH). */
export const df: Tool = (ctx, args) => {
  const parsed = parseOptions(ctx, args, { flags: 'hT', long: { 'human-readable': { key: 'h' }, 'print-type': { key: 'T' } } },
    'Usage: df [-hT] [FILE]...\nShow the space used and available on each mount (or the mounts holding FILEs).\n');
  if (typeof parsed === 'number') return parsed;
  const human = has(parsed, 'h');
  const withType = has(parsed, 'T');
  const mounts = visibleMounts(ctx.p);
  let chosen = mounts;
  let status = 0;
  if (parsed.operands.length > 0) {
    chosen = [];
    for (const operand of parsed.operands) {
      try {
        const st = ctx.p.fstatat(AT_FDCWD, guestPath(toByteString(operand)));
        const m = mounts.find((x) => x.mount.id === st.mntId);
        if (m !== undefined) chosen.push(m);
      } catch (e) {
        complainAbout(ctx, q(operand), e);
        status = 1;
      }
    }
  }
  const rows: string[][] = [['Filesystem', ...(withType ? ['Type'] : []), human ? 'Size' : '1K-blocks', 'Used', human ? 'Avail' : 'Available', 'Use%', 'Mounted on']];
  for (const { mount: m, path } of chosen) {
    let s;
    try {
      s = ctx.p.statfs(guestPath(toByteString(path)));
    } catch (e) {
      complainAbout(ctx, q(path), e);
      status = 1;
      continue;
    }
    const unit = s.frsize || s.bsize;
    const size = s.blocks * unit;
    const used = (s.blocks - s.bfree) * unit;
    const avail = s.bavail * unit;
    const show = (n: number): string => (human ? (n === 0 ? '0' : humanSize(n)) : String(Math.ceil(n / 1024)));
    // GNU df: Use% = used / (used + available), rounded up; '-' when the filesystem has no size.
    const pct = used + avail === 0 ? '-' : `${Math.ceil((used * 100) / (used + avail))}%`;
    rows.push([m.fs.source, ...(withType ? [m.fs.type] : []), show(size), show(used), show(avail), pct, path]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const leftAligned = new Set([0, withType ? 1 : -1, rows[0]!.length - 1]);
  for (const r of rows) {
    const cells = r.map((c, i) => (i === r.length - 1 ? c : leftAligned.has(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)));
    ctx.out.write(cells.join(' ') + '\n');
  }
  return status;
};
