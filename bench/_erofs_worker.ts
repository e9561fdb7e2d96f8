// Node-specific: runs one EROFS benchmark operation in a process of its own, so its peak RSS is
// its own, and prints { ms, bytes, files, maxRssMiB } as JSON.
// Usage: node dist/bench/_erofs_worker.js mkfs SRC IMAGE [lz4] | extract IMAGE DEST | read IMAGE [DENTRIES]
// (DENTRIES bounds the dentry cache, which otherwise keeps every inode of the tree).
import {
  AT_FDCWD, Erofs, O_DIRECTORY, O_RDONLY, S_IFDIR, S_IFMT, S_IFREG, VirtualFileSystem, setDentryCacheLimit, writeErofs,
} from '../src/mod.js';
import { ErofsImage } from '../src/fs/erofs/reader/image.js';
import { FileSink, FileSource, HostTreeSource, extractErofs } from '../src/node/mod.js';

const [op, a, b, c] = process.argv.slice(2);
const started = performance.now();
let bytes = 0;
let files = 0;
if (op === 'mkfs') {
  const sink = FileSink.create(b!);
  try {
    const r = writeErofs(new HostTreeSource(a!), sink, c === 'lz4' ? { compress: 'lz4' } : {});
    bytes = r.dataBytes;
    files = r.inodes;
  } finally {
    sink.close();
  }
} else if (op === 'extract') {
  const source = FileSource.open(a!);
  const r = extractErofs(new ErofsImage(source), b!);
  source.close();
  if (r.warnings.length > 0) throw new Error(r.warnings.join('\n'));
  bytes = r.bytes;
  files = r.inodes;
} else if (op === 'read') {
  if (b !== undefined) setDentryCacheLimit(Number(b));
  const vfs = new VirtualFileSystem();
  const fs = Erofs.open(FileSource.open(a!));
  vfs.mount(fs, '/');
  const p = vfs.createProcess();
  const buf = new Uint8Array(1 << 20);
  const walk = (dir: Uint8Array): void => {
    const fd = p.openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY);
    const names: Uint8Array[] = [];
    for (;;) {
      const batch = p.getdents64(fd, 65536);
      if (batch.length === 0) break;
      for (const d of batch) if (d.rawName !== '.' && d.rawName !== '..') names.push(d.nameBytes);
    }
    p.close(fd);
    for (const name of names) {
      const path = new Uint8Array(dir.length + 1 + name.length);
      path.set(dir);
      path[dir.length] = 0x2f;
      path.set(name, dir.length + 1);
      const child = dir.length === 1 ? path.subarray(1) : path;
      const st = p.fstatat(AT_FDCWD, child, 0x100);
      if ((st.mode & S_IFMT) === S_IFDIR) {
        walk(child);
      } else if ((st.mode & S_IFMT) === S_IFREG) {
        const f = p.openat(AT_FDCWD, child, O_RDONLY);
        for (;;) {
          const n = p.read(f, buf);
          if (n === 0) break;
          bytes += n;
        }
        p.close(f);
        files++;
      }
    }
  };
  walk(new Uint8Array([0x2f]));
  fs.close();
} else {
  throw new Error(`unknown operation ${op}`);
}
const ms = performance.now() - started;
process.stdout.write(JSON.stringify({ ms, bytes, files, maxRssMiB: process.resourceUsage().maxRSS / 1024 }) + '\n');
