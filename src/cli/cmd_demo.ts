/**
 * `vroot demo`: a short tour of the API on an in-memory root, printing what each step shows.
 */
import { parseArgs } from 'node:util';
import {
  AT_FDCWD, O_CREAT, O_DIRECTORY, O_RDONLY, O_WRONLY, RESOLVE_IN_ROOT, Tmpfs, VfsError,
  VirtualFileSystem,
} from '../mod.js';
import type { Command } from './command.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

export const demoCommand: Command = {
  name: 'demo',
  summary: 'a short tour of the VFS on an in-memory root',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' } } });
    if (values.help) {
      process.stdout.write('Usage: vroot demo\n\nBuilds a small tree in tmpfs and shows path resolution at work.\n');
      return 0;
    }
    const out = (s: string): void => { process.stdout.write(s + '\n'); };
    const vfs = new VirtualFileSystem();
    vfs.mount(new Tmpfs(), '/');
    const p = vfs.createProcess();
    for (const d of ['/guest', '/guest/etc', '/guest/usr', '/guest/usr/lib', '/host-secret']) p.mkdirat(AT_FDCWD, d, 0o755);
    const write = (path: string, text: string): void => {
      const fd = p.openat(AT_FDCWD, path, O_CREAT | O_WRONLY, 0o644);
      p.write(fd, enc.encode(text));
      p.close(fd);
    };
    const read = (proc: typeof p, path: string): string => {
      const fd = proc.openat(AT_FDCWD, path, O_RDONLY);
      const buf = new Uint8Array(256);
      const n = proc.read(fd, buf);
      proc.close(fd);
      return dec.decode(buf.subarray(0, n)).trim();
    };
    write('/guest/etc/os-release', 'NAME="guest"');
    write('/host-secret/key', 'do not leak');
    p.symlinkat('/etc/os-release', AT_FDCWD, '/guest/usr/lib/os-release');
    p.symlinkat('../../..', AT_FDCWD, '/guest/usr/lib/escape');
    out('A guest root at /guest with an absolute symlink and a "../../.." symlink.');
    const guest = vfs.createProcess({ root: '/guest', cred: { uid: 1000, gid: 1000 } });
    out(`guest reads /usr/lib/os-release      -> ${read(guest, '/usr/lib/os-release')}`);
    try {
      read(guest, '/usr/lib/escape/host-secret/key');
      out('guest escaped the root (this must never happen)');
      return 1;
    } catch (e) {
      if (!(e instanceof VfsError)) throw e;
      out(`guest tries /usr/lib/escape/host-secret/key -> ${e.code} (".." stops at the guest root)`);
    }
    const dir = p.openat(AT_FDCWD, '/guest', O_RDONLY | O_DIRECTORY);
    const fd = p.openat2(dir, '/usr/lib/os-release', { flags: O_RDONLY, resolve: RESOLVE_IN_ROOT });
    const buf = new Uint8Array(64);
    out(`host opens it with RESOLVE_IN_ROOT   -> ${dec.decode(buf.subarray(0, p.read(fd, buf))).trim()}`);
    const entries = guest.getdents64(guest.openat(AT_FDCWD, '/', O_RDONLY | O_DIRECTORY));
    out(`guest lists / -> ${entries.map((e) => e.name).join(' ')}`);
    out(`guest getcwd  -> ${guest.getcwd()}`);
    return 0;
  },
};
