// The platform-neutral core runs without Node: every module reachable from the package's main
// entry (`vroot`, dist/src/mod.js) imports nothing from `node:` or npm and says nothing of being
// Node-specific, and the whole graph loads and works in a process whose Node globals (process,
// Buffer, setImmediate, global) were removed first, as in a browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/mod.js', import.meta.url));
const SRC = dirname(MAIN);

/** The module graph from `entry` by its static and dynamic relative imports; fails on any other. */
function moduleGraph(entry: string): Map<string, string> {
  const seen = new Map<string, string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    const text = readFileSync(file, 'utf8');
    seen.set(file, text);
    const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|import\('([^']+)'\)/g)].map((m) => m[1] ?? m[2]!);
    for (const s of specifiers) {
      assert.ok(s.startsWith('.'), `${relative(SRC, file)} imports '${s}', which a browser cannot load`);
      todo.push(join(dirname(file), s));
    }
  }
  return seen;
}

test('every module of the main entry is platform-neutral: relative imports only, none Node-specific', () => {
  const graph = moduleGraph(MAIN);
  assert.ok(graph.size > 100, `${graph.size} modules`);
  for (const [file, text] of graph) {
    const source = readFileSync(file.replace(/\/dist\/src\//, '/src/').replace(/\.js$/, '.ts'), 'utf8');
    assert.ok(!/^\/\/ Node-specific/.test(source), `${relative(SRC, file)} is Node-specific but reachable from the main entry`);
    assert.ok(!/\bBuffer\.|\brequire\(/.test(text), `${relative(SRC, file)} uses Buffer or require`);
  }
});

const SCRIPT = `
for (const name of ['process', 'Buffer', 'setImmediate', 'clearImmediate', 'global']) {
  Object.defineProperty(globalThis, name, { value: undefined, configurable: true, writable: true });
  delete globalThis[name];
}
const v = await import(${JSON.stringify(new URL('../src/mod.js', import.meta.url).href)});
const enc = new TextEncoder();
const dec = new TextDecoder();
const out = {};
const vfs = new v.VirtualFileSystem();
vfs.mount(new v.Tmpfs(), '/');
const p = vfs.createProcess();
p.mkdirat(v.AT_FDCWD, '/etc', 0o755);
let fd = p.openat(v.AT_FDCWD, '/etc/hostname', v.O_CREAT | v.O_WRONLY, 0o644);
p.write(fd, enc.encode('guest\\n'));
p.close(fd);
p.symlinkat('/etc', v.AT_FDCWD, '/link');
const buf = new Uint8Array(64);
fd = p.openat(v.AT_FDCWD, '/link/../link/hostname', v.O_RDONLY);
out.read = dec.decode(buf.subarray(0, p.read(fd, buf)));
p.close(fd);
const sink = new v.MemorySink();
v.writeErofs(new v.ProcessTreeSource(p, '/etc'), sink, { compress: 'lz4' });
const ov = new v.Overlay({ lowers: [v.Erofs.open(sink.bytes())], upper: new v.Tmpfs() });
p.mkdirat(v.AT_FDCWD, '/merged', 0o755);
p.mount(ov, '/merged');
fd = p.openat(v.AT_FDCWD, '/merged/hostname', v.O_WRONLY | v.O_APPEND);
p.write(fd, enc.encode('more\\n'));
p.close(fd);
fd = p.openat(v.AT_FDCWD, '/merged/hostname', v.O_RDONLY);
out.merged = dec.decode(buf.subarray(0, p.read(fd, buf)));
p.close(fd);
try { p.openat(v.AT_FDCWD, '/nope', v.O_RDONLY); } catch (e) { out.error = e.code; }
const { process: q } = v.composeRoot({ tmpfs: [{ guest: '/tmp' }], proc: true }, v.noHostProviders);
out.procSelf = q.readlinkat(v.AT_FDCWD, '/proc/self/cwd');
out.wasiImports = Object.keys(new v.WasiHost({ process: q }).wasiImport).length;
out.globals = [typeof process, typeof Buffer, typeof setImmediate];
console.log(JSON.stringify(out));
`;

test('the core loads and works with Node globals removed: tmpfs, EROFS with lz4, overlay, procfs, WASI', () => {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.deepEqual(out, {
    read: 'guest\n', merged: 'guest\nmore\n', error: 'ENOENT', procSelf: '/', wasiImports: 46,
    globals: ['undefined', 'undefined', 'undefined'],
  });
});
