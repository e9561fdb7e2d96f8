// This module is Node-specific.
// The kernel side of the overlay benchmark: run as root inside a private mount namespace
// (`unshare -m --propagation private node dist/bench/_overlay_kernel.js MS`). Builds the layers on
// a tmpfs, mounts the kernel's overlayfs and measures the workloads through Node's fs; prints one
// JSON object of operations per second by workload name.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LAYERS, WORKLOADS, measure } from './_overlay_workload.js';

const ms = Number(process.argv[2] ?? 500);
const base = mkdtempSync(join(tmpdir(), 'vroot-ovl-bench-'));
execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', base]);
try {
  const dirs: Record<string, string> = {};
  for (const d of ['bottom', 'middle', 'top', 'work', 'merged']) {
    dirs[d] = join(base, d);
    fs.mkdirSync(dirs[d]!);
  }
  for (const layer of ['bottom', 'middle', 'top'] as const) {
    for (const [path, text] of Object.entries(LAYERS[layer])) {
      const full = join(dirs[layer]!, path);
      fs.mkdirSync(dirname(full), { recursive: true });
      fs.writeFileSync(full, text);
    }
  }
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o',
    `lowerdir=${dirs['middle']}:${dirs['bottom']},upperdir=${dirs['top']},workdir=${dirs['work']}`, dirs['merged']!]);
  const m = dirs['merged']!;
  const buf = Buffer.alloc(4096);
  const out: Record<string, number> = {};
  try {
    for (const w of WORKLOADS) {
      const p = m + w.path;
      let fn: () => void;
      switch (w.kind) {
        case 'stat': fn = () => { fs.statSync(p); }; break;
        case 'missing': fn = () => { try { fs.statSync(p); } catch { /* expected */ } }; break;
        case 'read': fn = () => { const fd = fs.openSync(p, 'r'); fs.readSync(fd, buf, 0, 4096, 0); fs.closeSync(fd); }; break;
        case 'readdir': fn = () => { fs.readdirSync(p); }; break;
      }
      out[w.name] = measure(fn, ms);
    }
  } finally {
    execFileSync('umount', [m]);
  }
  process.stdout.write(JSON.stringify(out) + '\n');
} finally {
  execFileSync('umount', ['-l', base]);
  fs.rmdirSync(base);
}
