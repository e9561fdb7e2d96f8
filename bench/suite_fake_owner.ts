// Node-specific: runs HostFs cases on a scratch directory of the host.
/**
 * Fake ownership: the cost of recording owners. A tar-like extraction (create, write, chown,
 * chmod of each file) and a walk back (getdents64 and fstatat of every name), on a vroot tmpfs
 * with real owners, on FakeOwnership over it (memory and xattr stores), on memfs (the peer, which
 * records owners without checking anything), and on a host directory through HostFs, with and
 * without FakeOwnership's xattr store.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Volume } from 'memfs';
import {
  AT_FDCWD, AT_SYMLINK_NOFOLLOW, FakeOwnership, O_CREAT, O_DIRECTORY, O_RDONLY, O_WRONLY, Tmpfs, VirtualFileSystem,
  fakeRootProcess, type FileSystem, type Process,
} from '../src/mod.js';
import { HostFs } from '../src/node/mod.js';

const DATA = new TextEncoder().encode('file contents\n');

function ms(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Best of `rounds` runs of `fn` on a fresh setup. */
function best(rounds: number, setup: () => { run(): void; done(): void }): number {
  let min = Infinity;
  for (let i = 0; i < rounds; i++) {
    const s = setup();
    min = Math.min(min, ms(() => s.run()));
    s.done();
  }
  return min;
}

function extract(p: Process, n: number): void {
  p.mkdirat(AT_FDCWD, '/t', 0o755);
  for (let i = 0; i < n; i++) {
    const fd = p.openat(AT_FDCWD, `/t/f${i}`, O_CREAT | O_WRONLY, 0o600);
    p.write(fd, DATA);
    p.fchown(fd, 1000 + (i % 7), 100 + (i % 3));
    p.fchmod(fd, i % 5 === 0 ? 0o4755 : 0o644);
    p.close(fd);
  }
}

function walk(p: Process): void {
  const fd = p.openat(AT_FDCWD, '/t', O_RDONLY | O_DIRECTORY);
  for (let batch = p.getdents64(fd); batch.length > 0; batch = p.getdents64(fd)) {
    for (const d of batch) if (d.name !== '.' && d.name !== '..') p.fstatat(AT_FDCWD, `/t/${d.name}`, AT_SYMLINK_NOFOLLOW);
  }
  p.close(fd);
}

interface Setup {
  label: string;
  make(): { fs: FileSystem; done(): void } | null;
}

export async function run({ quick }: { quick: boolean }): Promise<void> {
  const n = quick ? 500 : 3000;
  const rounds = quick ? 3 : 7;
  // HOSTFS_BENCH_DIR picks the host filesystem (default: the system temporary directory).
  const scratch = mkdtempSync(join(process.env.HOSTFS_BENCH_DIR ?? tmpdir(), 'vroot-bench-fakeowner-'));
  let counter = 0;
  const hostDir = (): { dir: string; done(): void } => {
    const dir = join(scratch, String(counter++));
    return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
  };
  const host = (wrap: (fs: FileSystem) => FileSystem, needsRoot = false) => (): { fs: FileSystem; done(): void } | null => {
    // Unprivileged, a plain HostFs could not chown at all: that row is left out.
    if (needsRoot && process.geteuid?.() !== 0) return null;
    const h = hostDir();
    try {
      mkdirSync(h.dir);
      const fs = new HostFs(h.dir);
      return { fs: wrap(fs), done: () => { fs.close(); h.done(); } };
    } catch {
      // No addon built: the host rows are left out.
      h.done();
      return null;
    }
  };
  const setups: Setup[] = [
    { label: 'vroot tmpfs (real owners)', make: () => ({ fs: new Tmpfs(), done() {} }) },
    { label: 'FakeOwnership(tmpfs), memory', make: () => ({ fs: new FakeOwnership(new Tmpfs()), done() {} }) },
    { label: 'FakeOwnership(tmpfs), xattr', make: () => ({ fs: new FakeOwnership(new Tmpfs(), { store: 'xattr' }), done() {} }) },
    { label: 'HostFs (real owners, as root)', make: host((fs) => fs, true) },
    { label: 'FakeOwnership(HostFs), memory', make: host((fs) => new FakeOwnership(fs)) },
    { label: 'FakeOwnership(HostFs), xattr', make: host((fs) => new FakeOwnership(fs, { store: 'xattr' })) },
  ];
  const rows: [string, number, number][] = [];
  try {
    for (const s of setups) {
      const probe = s.make();
      if (probe === null) continue;
      probe.done();
      const prepare = (): { p: Process; done(): void } => {
        const m = s.make()!;
        const vfs = new VirtualFileSystem();
        vfs.mount(m.fs, '/');
        return { p: fakeRootProcess(vfs), done: m.done };
      };
      const write = best(rounds, () => {
        const { p, done } = prepare();
        return { run: () => extract(p, n), done };
      });
      const read = best(rounds, () => {
        const { p, done } = prepare();
        extract(p, n);
        return { run: () => walk(p), done };
      });
      rows.push([s.label, write, read]);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  rows.push(memfsRow(n, rounds));

  const [, baseWrite, baseRead] = rows[0]!;
  console.log(`extract ${n} files (create, write, chown, chmod) and walk them back (ms, best of ${rounds}; ratio to vroot tmpfs)`);
  console.log(`  ${''.padEnd(34)} ${'extract'.padStart(9)}        ${'walk'.padStart(9)}`);
  for (const [label, w, r] of rows) {
    console.log(`  ${label.padEnd(34)} ${w.toFixed(1).padStart(9)}  x${(w / baseWrite).toFixed(2).padEnd(5)} ${r.toFixed(1).padStart(9)}  x${(r / baseRead).toFixed(2)}`);
  }
}

function memfsRow(n: number, rounds: number): [string, number, number] {
  const prepare = (): Volume => {
    const vol = new Volume();
    vol.mkdirSync('/t');
    return vol;
  };
  const fill = (vol: Volume): void => {
    for (let i = 0; i < n; i++) {
      const path = `/t/f${i}`;
      const fd = vol.openSync(path, 'w', 0o600);
      vol.writeSync(fd, DATA);
      vol.fchownSync(fd, 1000 + (i % 7), 100 + (i % 3));
      vol.fchmodSync(fd, i % 5 === 0 ? 0o4755 : 0o644);
      vol.closeSync(fd);
    }
  };
  const write = best(rounds, () => {
    const vol = prepare();
    return { run: () => fill(vol), done() {} };
  });
  const read = best(rounds, () => {
    const vol = prepare();
    fill(vol);
    return { run: () => { for (const name of vol.readdirSync('/t') as string[]) vol.lstatSync(`/t/${name}`); }, done() {} };
  });
  return ['memfs (records, checks nothing)', write, read];
}
