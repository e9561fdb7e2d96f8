// Hand-written cases for bugs users reported against other in-memory fs libraries (memfs,
// ZenFS, emscripten), each named after the report. Where the answer is Node's, the scenario
// runs on the facade and on Node's fs in /dev/shm and both must agree as well as match the
// expected value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cred, Tmpfs } from '../../src/mod.js';
import { createFs } from '../../src/node/mod.js';
import { both, codeOf, vrootFs } from './_both.js';

test('memfs #1035: a symlinked directory can be traversed', async () => {
  const [mine, real] = await both((fs, r) => {
    fs.mkdirSync(`${r}/a/b`, { recursive: true });
    fs.writeFileSync(`${r}/a/b/f`, 'data');
    fs.symlinkSync(`${r}/a`, `${r}/l`);
    return [fs.readdirSync(`${r}/l/b`), fs.readFileSync(`${r}/l/b/f`, 'utf8'), fs.existsSync(`${r}/l/b/f`)];
  });
  assert.deepEqual(mine, [['f'], 'data', true]);
  assert.deepEqual(mine, real);
});

test('memfs #725: relative symlink targets resolve from the link, not the caller', async () => {
  const [mine, real] = await both((fs, r) => {
    fs.mkdirSync(`${r}/d/sub`, { recursive: true });
    fs.writeFileSync(`${r}/d/sub/t`, 'in sub');
    fs.writeFileSync(`${r}/d/x`, 'in d');
    fs.symlinkSync('sub/t', `${r}/d/link`);
    fs.symlinkSync('../x', `${r}/d/sub/up`);
    return [fs.readFileSync(`${r}/d/link`, 'utf8'), fs.readFileSync(`${r}/d/sub/up`, 'utf8'), fs.readlinkSync(`${r}/d/sub/up`)];
  });
  assert.deepEqual(mine, ['in sub', 'in d', '../x']);
  assert.deepEqual(mine, real);
});

test('zen-fs #241 and memfs #1106: lstat of a file inside a symlinked directory sees the file', async () => {
  const [mine, real] = await both((fs, r) => {
    fs.mkdirSync(`${r}/real`);
    fs.writeFileSync(`${r}/real/f`, 'x');
    fs.symlinkSync('real', `${r}/dir`);
    const inner = fs.lstatSync(`${r}/dir/f`);
    const link = fs.lstatSync(`${r}/dir`);
    return [inner.isFile(), inner.isSymbolicLink(), link.isSymbolicLink(), fs.lstatSync(`${r}/dir/`).isDirectory()];
  });
  assert.deepEqual(mine, [true, false, true, true]);
  assert.deepEqual(mine, real);
});

test('zen-fs #214: readlink of something that is not a symlink is EINVAL', async () => {
  const [mine, real] = await both((fs, r) => {
    fs.writeFileSync(`${r}/file`, '');
    fs.readlinkSync(`${r}/file`);
  });
  assert.equal((mine as { code: string }).code, 'EINVAL');
  assert.equal((mine as { errno: number }).errno, -22);
  assert.equal((mine as { syscall: string }).syscall, 'readlink');
  assert.deepEqual(mine, real);
});

test('emscripten #16410: symlink loops give ELOOP, and the 40-link budget is the kernel\'s', async () => {
  const [mine, real] = await both((fs, r) => {
    fs.symlinkSync('b', `${r}/a`);
    fs.symlinkSync('a', `${r}/b`);
    fs.writeFileSync(`${r}/end`, 'end');
    let prev = 'end';
    for (let i = 1; i <= 41; i++) {
      fs.symlinkSync(prev, `${r}/c${i}`);
      prev = `c${i}`;
    }
    const code = (f: () => unknown): string => { try { f(); return 'OK'; } catch (e) { return (e as { code: string }).code; } };
    return [code(() => fs.statSync(`${r}/a`)), code(() => fs.readFileSync(`${r}/a/x`)), code(() => fs.statSync(`${r}/c40`)),
      code(() => fs.statSync(`${r}/c41`)), code(() => fs.realpathSync.native(`${r}/a`))];
  });
  assert.deepEqual(mine, ['ELOOP', 'ELOOP', 'OK', 'ELOOP', 'ELOOP']);
  assert.deepEqual(mine, real);
});

test('memfs #1009, #1172, #1245, #1250: permissions are enforced for the facade\'s own credentials', () => {
  const { vfs, fs } = vrootFs();
  fs.chmodSync('/', 0o755);
  fs.mkdirSync('/root-only', { mode: 0o700 });
  fs.writeFileSync('/secret', 'root', { mode: 0o600 });
  fs.mkdirSync('/home/user', { recursive: true });
  fs.chownSync('/home/user', 1000, 1000);
  const user = createFs(vfs.createProcess({ cred: new Cred({ uid: 1000, gid: 1000 }) }));
  assert.equal(codeOf(() => user.readFileSync('/secret')), 'EACCES');
  assert.equal(codeOf(() => user.writeFileSync('/new', 'x')), 'EACCES');
  assert.equal(codeOf(() => user.readdirSync('/root-only')), 'EACCES');
  assert.equal(codeOf(() => user.chmodSync('/secret', 0o777)), 'EPERM');
  assert.equal(codeOf(() => user.chownSync('/home/user', 0, 0)), 'EPERM');
  user.writeFileSync('/home/user/mine', 'ok');
  const st = user.statSync('/home/user/mine');
  assert.equal(st.uid, 1000);
  assert.equal(st.gid, 1000);
  // The same call by root succeeds: the answer depends on the facade's process, not the host.
  assert.equal(fs.readFileSync('/secret', 'utf8'), 'root');
});

test('memfs #1252: access(X_OK) follows symlinks to the target\'s mode', () => {
  const { vfs, fs } = vrootFs();
  fs.writeFileSync('/tool', '#!/bin/sh\n', { mode: 0o755 });
  fs.writeFileSync('/data', '', { mode: 0o644 });
  fs.symlinkSync('/tool', '/tool-link');
  fs.symlinkSync('/data', '/data-link');
  const user = createFs(vfs.createProcess({ cred: { uid: 1000, gid: 1000 } }));
  assert.equal(codeOf(() => user.accessSync('/tool-link', user.constants.X_OK)), 'OK');
  assert.equal(codeOf(() => user.accessSync('/data-link', user.constants.X_OK)), 'EACCES');
  assert.equal(codeOf(() => user.accessSync('/data-link', user.constants.R_OK)), 'OK');
});

test('zen-fs #298 and #256: concurrent operations lose no directory entries', async () => {
  const { fs } = vrootFs();
  fs.mkdirSync('/d');
  const made = Array.from({ length: 300 }, (_, i) => i % 3 === 0
    ? fs.promises.mkdir(`/d/dir${i}`)
    : fs.promises.writeFile(`/d/file${i}`, String(i)));
  await Promise.all(made);
  await Promise.all(Array.from({ length: 100 }, (_, i) => new Promise<void>((res, rej) =>
    fs.appendFile(`/d/file${3 * i + 1}`, '+', (e) => (e ? rej(e) : res())))));
  const names = fs.readdirSync('/d');
  assert.equal(names.length, 300);
  assert.equal(fs.readFileSync('/d/file4', 'utf8'), '4+');
});

test('zen-fs #308: concurrent mkdir -p of overlapping paths never fails with EEXIST', async () => {
  const { fs } = vrootFs();
  const results = await Promise.allSettled([
    fs.promises.mkdir('/a/b/c', { recursive: true }),
    fs.promises.mkdir('/a/b/d', { recursive: true }),
    fs.promises.mkdir('/a/b', { recursive: true }),
    new Promise((res, rej) => fs.mkdir('/a/b/c/e', { recursive: true }, (e, p) => (e ? rej(e) : res(p)))),
  ]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
  assert.deepEqual(fs.readdirSync('/a/b'), ['c', 'd']);
});

test('memfs #735 and #663: opendir lists a directory and closes at the end of async iteration', async () => {
  const { fs } = vrootFs();
  fs.mkdirSync('/d');
  for (const n of ['x', 'y', 'z']) fs.writeFileSync(`/d/${n}`, '');
  fs.mkdirSync('/d/sub');
  const dir = await fs.promises.opendir('/d');
  const seen: string[] = [];
  for await (const e of dir) seen.push(`${e.name}:${e.isDirectory() ? 'd' : 'f'}:${e.parentPath}`);
  assert.deepEqual(seen.sort(), ['sub:d:/d', 'x:f:/d', 'y:f:/d', 'z:f:/d']);
  assert.throws(() => dir.readSync(), { code: 'ERR_DIR_CLOSED' });
  const sync = fs.opendirSync('/d');
  assert.equal(sync.path, '/d');
  let n = 0;
  while (sync.readSync() !== null) n++;
  sync.closeSync();
  assert.equal(n, 4);
});

test('memfs #1088: cp copies a tree recursively, with modes, links and contents', async () => {
  const [mine, real] = await both((fs, r) => {
    fs.mkdirSync(`${r}/src/deep/er`, { recursive: true });
    fs.writeFileSync(`${r}/src/deep/er/f`, 'content', { mode: 0o640 });
    fs.symlinkSync('deep/er/f', `${r}/src/rel-link`);
    fs.chmodSync(`${r}/src/deep`, 0o750);
    fs.cpSync(`${r}/src`, `${r}/dst`, { recursive: true });
    const dump = (p: string): unknown => {
      const st = fs.lstatSync(p);
      if (st.isSymbolicLink()) return ['link', fs.readlinkSync(p)];
      if (st.isFile()) return ['file', st.mode & 0o777, fs.readFileSync(p, 'utf8')];
      return ['dir', st.mode & 0o777, Object.fromEntries(fs.readdirSync(p).map((n) => [n, dump(`${p}/${n}`)]))];
    };
    let err = 'none';
    try { fs.cpSync(`${r}/src`, `${r}/dst2`); } catch (e) { err = (e as { code: string }).code; }
    return [dump(`${r}/dst`), err];
  });
  assert.deepEqual(mine, [['dir', 0o755, {
    deep: ['dir', 0o750, { er: ['dir', 0o755, { f: ['file', 0o640, 'content'] }] }],
    'rel-link': ['link', '<root>/src/deep/er/f'],
  }], 'ERR_FS_EISDIR']);
  assert.deepEqual(mine, real);
});

test('zen-fs #243 and #236: Dirent.parentPath names the directory each entry was read from', async () => {
  const [mine, real] = await both((fs, r) => {
    fs.mkdirSync(`${r}/t/u`, { recursive: true });
    fs.writeFileSync(`${r}/t/u/f`, '');
    const flat = fs.readdirSync(`${r}/t`, { withFileTypes: true }).map((d) => [d.name, d.parentPath, d.isDirectory()]);
    const deep = fs.readdirSync(`${r}/t`, { withFileTypes: true, recursive: true }).map((d) => [d.name, d.parentPath]);
    return [flat, deep];
  });
  assert.deepEqual(mine, [[['u', '<root>/t', true]], [['u', '<root>/t'], ['f', '<root>/t/u']]]);
  assert.deepEqual(mine, real);
});

test('zen-fs #127 and #179: a nested mount point shows in its parent\'s listing', () => {
  const { vfs, fs } = vrootFs();
  fs.mkdirSync('/mnt/inner', { recursive: true });
  fs.writeFileSync('/mnt/file', '');
  vfs.mount(new Tmpfs(), '/mnt/inner');
  fs.writeFileSync('/mnt/inner/on-the-mount', '');
  assert.deepEqual(fs.readdirSync('/mnt'), ['file', 'inner']);
  assert.deepEqual(fs.readdirSync('/mnt', { withFileTypes: true }).map((d) => [d.name, d.isDirectory()]), [['file', false], ['inner', true]]);
  assert.notEqual(fs.statSync('/mnt/inner').dev, fs.statSync('/mnt').dev);
  assert.equal(codeOf(() => fs.renameSync('/mnt/inner/on-the-mount', '/mnt/moved')), 'EXDEV');
  assert.equal(codeOf(() => fs.rmdirSync('/mnt/inner')), 'EBUSY');
});

test('zen-fs #226: a process root never leaks through the facade', () => {
  const { vfs, fs } = vrootFs();
  fs.mkdirSync('/jail/etc', { recursive: true });
  fs.writeFileSync('/jail/etc/hosts', 'inside');
  fs.mkdirSync('/etc');
  fs.writeFileSync('/etc/hosts', 'outside');
  const jailed = createFs(vfs.createProcess({ root: '/jail' }));
  jailed.symlinkSync('/etc/hosts', '/abs');
  assert.equal(jailed.readFileSync('/etc/hosts', 'utf8'), 'inside');
  assert.equal(jailed.readFileSync('/../../etc/hosts', 'utf8'), 'inside');
  assert.equal(jailed.readFileSync('/abs', 'utf8'), 'inside');
  assert.equal(jailed.realpathSync('/abs'), '/etc/hosts');
  assert.equal(jailed.realpathSync('/..'), '/');
  assert.deepEqual(jailed.readdirSync('/..'), ['abs', 'etc']);
});

test('memfs #397: renaming a directory moves everything below it, open files included', async () => {
  const [mine, real] = await both((fs, r) => {
    fs.mkdirSync(`${r}/a/b`, { recursive: true });
    fs.writeFileSync(`${r}/a/b/f`, 'kept');
    const fd = fs.openSync(`${r}/a/b/f`, 'r');
    fs.renameSync(`${r}/a`, `${r}/z`);
    const buf = Buffer.alloc(4);
    fs.readSync(fd, buf, 0, 4, 0);
    fs.closeSync(fd);
    const code = (f: () => unknown): string => { try { f(); return 'OK'; } catch (e) { return (e as { code: string }).code; } };
    return [fs.readFileSync(`${r}/z/b/f`, 'utf8'), code(() => fs.statSync(`${r}/a/b/f`)), buf.toString(), fs.realpathSync.native(`${r}/z/b`)];
  });
  assert.deepEqual(mine, ['kept', 'ENOENT', 'kept', '<root>/z/b']);
  assert.deepEqual(mine, real);
});

test('memfs #1211: appends stay linear (10,000 small appends keep every byte)', () => {
  const { fs } = vrootFs();
  const fd = fs.openSync('/log', 'a');
  for (let i = 0; i < 10_000; i++) fs.writeSync(fd, 'line\n');
  fs.closeSync(fd);
  assert.equal(fs.statSync('/log').size, 50_000);
  assert.equal(fs.readFileSync('/log', 'utf8').split('\n').length, 10_001);
});
