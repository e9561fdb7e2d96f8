// The facade's Node-facing surface: error shapes, argument errors, path forms, Stats and
// Dirent objects, encodings, the callback, promise and stream APIs. Where the answer is
// Node's own, the scenario also runs on Node's fs in /dev/shm and both must agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { VirtualFileSystem, Tmpfs } from '../../src/mod.js';
import { BigIntStats, createFs, Dirent, Stats } from '../../src/node/mod.js';
import { both, codeOf, vrootFs } from './_both.js';

test('errors have node:fs\'s shape: negative errno, code, Node\'s syscall name, path and dest', async () => {
  const [mine, real] = await both((fs, r) => {
    const errors: unknown[] = [];
    const grab = (f: () => unknown): void => { try { f(); } catch (e) { errors.push(e); } };
    fs.writeFileSync(`${r}/f`, '');
    grab(() => fs.readFileSync(`${r}/missing`));
    grab(() => fs.readdirSync(`${r}/f`));
    grab(() => fs.renameSync(`${r}/missing`, `${r}/other`));
    grab(() => fs.symlinkSync('target', `${r}/f`));
    grab(() => fs.linkSync(`${r}/missing`, `${r}/l`));
    grab(() => fs.copyFileSync(`${r}/f`, `${r}/no/dir`));
    grab(() => fs.mkdirSync(`${r}/f`));
    grab(() => fs.rmdirSync(`${r}/f`));
    grab(() => fs.lstatSync(`${r}/f/x`));
    grab(() => fs.accessSync(`${r}/missing`));
    grab(() => fs.chmodSync(`${r}/missing`, 0o644));
    grab(() => fs.utimesSync(`${r}/missing`, 1, 1));
    grab(() => fs.realpathSync.native(`${r}/missing`));
    grab(() => fs.openSync(`${r}/f`, 'wx'));
    grab(() => fs.closeSync(12345));
    return errors;
  });
  assert.equal((mine as unknown[]).length, 15);
  assert.deepEqual((mine as { syscall: string }[]).map((e) => e.syscall), ['open', 'scandir', 'rename', 'symlink', 'link',
    'copyfile', 'mkdir', 'rmdir', 'lstat', 'access', 'chmod', 'utime', 'realpath', 'open', 'close']);
  assert.deepEqual((mine as unknown[])[2], {
    code: 'ENOENT', errno: -2, syscall: 'rename', path: '<root>/missing', dest: '<root>/other',
    message: "ENOENT: no such file or directory, rename '<root>/missing' -> '<root>/other'",
  });
  assert.deepEqual(mine, real);
});

test('a facade error is an Error whose stack starts at the caller', () => {
  const { fs } = vrootFs();
  function callerFrame(): void {
    fs.statSync('/nope');
  }
  try {
    callerFrame();
    assert.fail('statSync should throw');
  } catch (e) {
    assert.ok(e instanceof Error);
    const lines = (e as Error).stack!.split('\n');
    assert.equal(lines[0], "Error: ENOENT: no such file or directory, stat '/nope'");
    assert.match(lines[1]!, /callerFrame/);
    assert.ok(!(e as Error).stack!.includes('node_fs.js'), 'no facade frames');
  }
  // A failed call costs no stack elsewhere: the caller's stackTraceLimit is left as it was.
  assert.equal(Error.stackTraceLimit, 10);
});

test('bad arguments are Node\'s TypeErrors and RangeErrors, thrown before anything is done', async () => {
  const [mine, real] = await both((fs, r) => {
    const grab = (f: () => unknown): unknown => {
      try { f(); return 'OK'; } catch (e) { return [(e as Error).name, (e as { code: string }).code, (e as Error).message]; }
    };
    return [
      grab(() => fs.statSync(5 as unknown as string)),
      grab(() => fs.statSync(`${r}/a\u0000b`)),
      grab(() => fs.openSync(`${r}/x`, 'rw' as string)),
      grab(() => fs.readSync(-1, Buffer.alloc(1))),
      grab(() => fs.readSync(0, Buffer.alloc(1), 0, 2, null)),
      grab(() => fs.mkdirSync(`${r}/x`, { mode: 'abc' as unknown as number })),
      grab(() => fs.existsSync(7 as unknown as string)),
      grab(() => fs.writeFileSync(`${r}/x`, 5 as unknown as string)),
      grab(() => fs.stat(`${r}/x`, undefined as unknown as () => void)),
    ];
  });
  assert.deepEqual((mine as unknown[])[0], ['TypeError', 'ERR_INVALID_ARG_TYPE',
    'The "path" argument must be of type string or an instance of Buffer or URL. Received type number (5)']);
  assert.deepEqual(mine, real);
});

test('paths may be strings, Buffers (any bytes) or file: URLs; relative ones use the process cwd', () => {
  const { vfs, fs } = vrootFs();
  fs.mkdirSync('/home/u', { recursive: true });
  const raw = Buffer.from([0x2f, 0x68, 0x6f, 0x6d, 0x65, 0x2f, 0x75, 0x2f, 0xff, 0xfe]);
  fs.writeFileSync(raw, 'latin bytes');
  fs.writeFileSync(pathToFileURL('/home/u/with space'), 'url');
  const names = fs.readdirSync('/home/u', { encoding: 'buffer' }) as unknown as Buffer[];
  assert.deepEqual(names.map((n) => n.toString('hex')).sort(), [Buffer.from('with space').toString('hex'), 'fffe']);
  assert.equal(fs.readFileSync(Buffer.concat([Buffer.from('/home/u/'), names.find((n) => n[0] === 0xff)!]), 'utf8'), 'latin bytes');
  const inHome = createFs(vfs.createProcess({ cwd: '/home/u' }));
  assert.equal(inHome.readFileSync('with space', 'utf8'), 'url');
  assert.equal(inHome.realpathSync('.'), '/home/u');
  assert.throws(() => fs.readFileSync(new URL('http://example.com/x')), { code: 'ERR_INVALID_URL_SCHEME' });
});

test('Stats and BigIntStats behave like Node\'s, with Dates made from the times', () => {
  const { fs } = vrootFs();
  fs.writeFileSync('/f', 'abc');
  fs.utimesSync('/f', 1000.25, new Date(2000_500));
  const st = fs.statSync('/f') as unknown as Stats;
  assert.ok(st instanceof fs.Stats);
  assert.ok(st.isFile() && !st.isDirectory() && !st.isSymbolicLink());
  assert.equal(st.size, 3);
  assert.equal(st.atimeMs, 1000250);
  assert.equal(st.mtimeMs, 2000500);
  assert.equal(st.atime.getTime(), 1000250);
  assert.equal(st.mtime.toISOString(), new Date(2000500).toISOString());
  const big = fs.statSync('/f', { bigint: true }) as unknown as BigIntStats;
  assert.ok(big instanceof BigIntStats);
  assert.equal(big.atimeNs, 1000250000000n);
  assert.equal(big.mtimeMs, 2000500n);
  assert.equal(big.size, 3n);
  assert.ok(big.isFile());
  assert.equal(fs.statSync('/missing', { throwIfNoEntry: false }), undefined);
  fs.symlinkSync('/f', '/l');
  assert.ok((fs.lstatSync('/l') as unknown as Stats).isSymbolicLink());
  assert.equal((fs.lstatSync('/l') as unknown as Stats).size, 2);
});

test('times are set with libuv\'s microsecond resolution; negative times mean now', async () => {
  const [mine, real] = await both((fs, r) => {
    fs.writeFileSync(`${r}/f`, '');
    fs.utimesSync(`${r}/f`, 1.123456789, '2.5');
    const a = fs.statSync(`${r}/f`, { bigint: true });
    fs.utimesSync(`${r}/f`, -1, 3);
    const b = fs.statSync(`${r}/f`, { bigint: true });
    return [String(a.atimeNs), String(a.mtimeNs), b.atimeNs > 1_700_000_000_000_000_000n, String(b.mtimeNs)];
  });
  assert.deepEqual(mine, ['1123456000', '2500000000', true, '3000000000']);
  assert.deepEqual(mine, real);
});

test('flags and encodings: ax, r+, a+, w+ and latin1/hex/base64 round trips', async () => {
  const [mine, real] = await both((fs, r) => {
    const code = (f: () => unknown): string => { try { f(); return 'OK'; } catch (e) { return (e as { code: string }).code; } };
    const f = `${r}/f`;
    fs.writeFileSync(f, 'héllo', { encoding: 'latin1' });
    const latin = fs.readFileSync(f).toString('hex');
    fs.writeFileSync(f, '68690a', 'hex');
    fs.appendFileSync(f, 'dGhlcmU=', { encoding: 'base64' });
    const text = fs.readFileSync(f, 'utf8');
    const ax = code(() => fs.writeFileSync(f, 'x', { flag: 'ax' }));
    const rplus = code(() => fs.writeFileSync(`${r}/missing`, 'x', { flag: 'r+' }));
    const fd = fs.openSync(f, 'a+');
    fs.writeSync(fd, '!');
    const buf = Buffer.alloc(20);
    const n = fs.readSync(fd, buf, 0, 20, 0);
    fs.closeSync(fd);
    fs.writeFileSync(f, 'new', { flag: 'w+' });
    return [latin, text, ax, rplus, buf.subarray(0, n).toString(), fs.readFileSync(f, 'base64')];
  });
  assert.deepEqual(mine, ['68e96c6c6f', 'hi\nthere', 'EEXIST', 'ENOENT', 'hi\nthere!', 'bmV3']);
  assert.deepEqual(mine, real);
});

test('readdir: sorted by bytes, Dirents with types, recursive listings', async () => {
  const [mine, real] = await both((fs, r) => {
    for (const n of ['b', 'B', 'a', 'é', '_']) fs.writeFileSync(`${r}/${n}`, '');
    fs.mkdirSync(`${r}/z/y`, { recursive: true });
    fs.symlinkSync('z', `${r}/l`);
    return [fs.readdirSync(r), fs.readdirSync(r, { withFileTypes: true }).map((d) => [d.name, d.isFile(), d.isDirectory(), d.isSymbolicLink()]),
      fs.readdirSync(r, { recursive: true }), fs.readdirSync(r, { encoding: 'hex' })];
  });
  assert.deepEqual((mine as unknown[][])[0], ['B', '_', 'a', 'b', 'l', 'z', 'é']);
  assert.deepEqual(mine, real);
  const { fs } = vrootFs();
  fs.mkdirSync('/d');
  fs.writeFileSync('/d/f', '');
  const [d] = fs.readdirSync('/d', { withFileTypes: true }) as unknown as Dirent[];
  assert.ok(d instanceof Dirent && d instanceof fs.Dirent);
  assert.equal(d.parentPath, '/d');
});

test('mkdir -p returns the first directory it made; rm and rmdir follow node:fs\'s rules', async () => {
  const [mine, real] = await both((fs, r) => {
    const code = (f: () => unknown): unknown => { try { return f() ?? 'OK'; } catch (e) { return (e as { code: string }).code; } };
    return [
      code(() => fs.mkdirSync(`${r}/a/b/c`, { recursive: true })),
      code(() => fs.mkdirSync(`${r}/a/b`, { recursive: true })),
      code(() => fs.writeFileSync(`${r}/a/file`, '')),
      code(() => fs.mkdirSync(`${r}/a/file/x`, { recursive: true })),
      code(() => fs.rmSync(`${r}/a`)),
      code(() => fs.rmSync(`${r}/missing`)),
      code(() => fs.rmSync(`${r}/missing`, { force: true })),
      code(() => fs.rmdirSync(`${r}/a`)),
      code(() => fs.rmSync(`${r}/a`, { recursive: true })),
      fs.existsSync(`${r}/a`),
    ];
  });
  assert.deepEqual(mine, ['<root>/a', 'OK', 'OK', 'ENOTDIR', 'ERR_FS_EISDIR', 'ENOENT', 'OK', 'ENOTEMPTY', 'OK', false]);
  assert.deepEqual(mine, real);
});

test('realpath is the walk\'s answer: .. after a symlink goes up from where the link led', () => {
  const { fs } = vrootFs();
  fs.mkdirSync('/a/deep', { recursive: true });
  fs.mkdirSync('/b');
  fs.writeFileSync('/a/target', '');
  fs.symlinkSync('/a/deep', '/b/link');
  assert.equal(fs.realpathSync('/b/link/../target'), '/a/target');
  assert.equal(fs.realpathSync.native('/b/link/../target'), '/a/target');
  assert.equal(fs.realpathSync('/b/link/../target', { encoding: 'hex' }), Buffer.from('/a/target').toString('hex'));
  // Node's JavaScript realpathSync would resolve '..' as text first and find /b/target missing.
  assert.equal(codeOf(() => fs.statSync('/b/target')), 'ENOENT');
  assert.equal(codeOf(() => fs.realpathSync('/a/target/..')), 'ENOTDIR');
});

test('the callback API answers asynchronously; argument errors are thrown at once', async () => {
  const { fs } = vrootFs();
  let returned = false;
  const result = new Promise<[unknown, unknown]>((resolve) => {
    fs.writeFile('/f', 'data', (err) => {
      fs.readFile('/f', 'utf8', (err2, data) => resolve([err ?? err2, [returned, data]]));
    });
  });
  returned = true;
  const [err, value] = await result;
  assert.equal(err, null);
  assert.deepEqual(value, [true, 'data']);
  const failed = await new Promise<NodeJS.ErrnoException | null>((res) => fs.stat('/missing', (e) => res(e)));
  assert.equal(failed?.code, 'ENOENT');
  assert.throws(() => fs.stat(5 as unknown as string, () => {}), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => fs.readFile('/f', 'utf8', undefined as unknown as () => void), { code: 'ERR_INVALID_ARG_TYPE' });
  const exists = await new Promise((res) => fs.exists('/f', (found) => res(found)));
  assert.equal(exists, true);
  const read = await promisify(fs.read)(fs.openSync('/f', 'r'), Buffer.alloc(4), 0, 4, 0);
  assert.equal(read.bytesRead, 4);
  assert.equal(read.buffer.toString(), 'data');
});

test('fs.promises and FileHandle: reads, writes, stat, and EBADF once closed', async () => {
  const { fs } = vrootFs();
  const h = await fs.promises.open('/f', 'w+');
  assert.equal((await h.write('hello')).bytesWritten, 5);
  assert.equal((await h.write(Buffer.from('!'), 0, 1, 5)).bytesWritten, 1);
  const r = await h.read(Buffer.alloc(10), 0, 10, 0);
  assert.equal(r.buffer.subarray(0, r.bytesRead).toString(), 'hello!');
  assert.equal((await h.stat()).size, 6);
  await h.truncate(2);
  assert.equal(await fs.promises.readFile(h, 'utf8'), '');
  assert.equal(await fs.promises.readFile('/f', 'utf8'), 'he');
  const fd = h.fd;
  assert.ok(fd >= 0);
  await h.close();
  assert.equal(h.fd, -1);
  await assert.rejects(h.read(Buffer.alloc(1), 0, 1, 0), { code: 'EBADF', syscall: 'read' });
  await assert.rejects(fs.promises.readFile('/missing'), { code: 'ENOENT', syscall: 'open', errno: -2 });
  await assert.rejects(fs.promises.stat(5 as unknown as string), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.equal(fs.promises.constants.O_CREAT, 0o100);
});

test('streams are node:fs\'s own, reading and writing through the vroot process', async () => {
  const { fs } = vrootFs();
  const ws = fs.createWriteStream('/s');
  const opened = new Promise((res) => ws.once('open', res));
  ws.write('hello ');
  ws.end('world');
  await new Promise<void>((res) => ws.on('close', () => res()));
  assert.equal(typeof (await opened), 'number');
  assert.equal(ws.bytesWritten, 11);
  assert.ok(ws instanceof nodeFs.WriteStream && ws instanceof fs.WriteStream);
  const chunks: string[] = [];
  const rs = fs.createReadStream('/s', { start: 2, end: 7, encoding: 'utf8', highWaterMark: 2 });
  for await (const c of rs) chunks.push(c as string);
  assert.deepEqual(chunks, ['ll', 'o ', 'wo']);
  const bad = fs.createReadStream('/missing');
  const err = await new Promise<NodeJS.ErrnoException>((res) => bad.on('error', res));
  assert.equal(err.code, 'ENOENT');
  assert.equal(err.syscall, 'open');
  const h = await fs.promises.open('/s', 'r');
  const lines: string[] = [];
  for await (const line of h.readLines()) lines.push(line);
  assert.deepEqual(lines, ['hello world']);
});

test('descriptor calls: readv, writev, ftruncate, fstat, positional reads and writes', () => {
  const { fs } = vrootFs();
  const fd = fs.openSync('/f', 'w+');
  assert.equal(fs.writevSync(fd, [Buffer.from('ab'), Buffer.from('cde')]), 5);
  assert.equal(fs.writeSync(fd, 'Z', 1), 1);
  const parts = [Buffer.alloc(2), Buffer.alloc(10)];
  assert.equal(fs.readvSync(fd, parts, 0), 5);
  assert.deepEqual(parts.map((b) => b.toString('latin1').replace(/\0/g, '')), ['aZ', 'cde']);
  fs.ftruncateSync(fd, 1);
  assert.equal(fs.fstatSync(fd).size, 1);
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  assert.equal(codeOf(() => fs.fstatSync(fd)), 'EBADF');
});

test('the facade destructures, and exposes Linux constants whatever the host', () => {
  const vfs = new VirtualFileSystem();
  vfs.mount(new Tmpfs(), '/');
  const { writeFileSync, readFileSync, constants, promises } = createFs(vfs.createProcess());
  writeFileSync('/x', 'ok');
  assert.equal(readFileSync('/x', 'utf8'), 'ok');
  assert.equal(constants.O_DIRECTORY, 0o200000);
  assert.equal(constants.O_NOFOLLOW, 0o400000);
  assert.equal(constants.S_IFLNK, 0o120000);
  assert.equal(constants.COPYFILE_FICLONE_FORCE, 4);
  assert.equal(typeof promises.readFile, 'function');
});

test('mkdtemp makes a private directory with six random characters', () => {
  const { fs } = vrootFs();
  fs.mkdirSync('/tmp');
  const a = fs.mkdtempSync('/tmp/job-');
  const b = fs.mkdtempSync('/tmp/job-');
  assert.match(a, /^\/tmp\/job-[A-Za-z0-9]{6}$/);
  assert.notEqual(a, b);
  assert.equal((fs.statSync(a).mode as number) & 0o777, 0o700);
  assert.throws(() => fs.mkdtempSync('/nope/x-'), { code: 'ENOENT', syscall: 'mkdtemp', path: '/nope/x-XXXXXX' });
});

test('copyFile is libuv\'s: EXCL, same-file, and a failed copy leaves no destination', async () => {
  const [mine, real] = await both((fs, r) => {
    const code = (f: () => unknown): string => { try { f(); return 'OK'; } catch (e) { return (e as { code: string }).code; } };
    fs.writeFileSync(`${r}/src`, 'data', { mode: 0o640 });
    fs.mkdirSync(`${r}/dir`);
    fs.writeFileSync(`${r}/existing`, 'old');
    return [
      code(() => fs.copyFileSync(`${r}/src`, `${r}/copy`)),
      fs.readFileSync(`${r}/copy`, 'utf8'), fs.statSync(`${r}/copy`).mode & 0o777,
      code(() => fs.copyFileSync(`${r}/src`, `${r}/copy`, fs.constants.COPYFILE_EXCL)),
      code(() => fs.copyFileSync(`${r}/src`, `${r}/src`)),
      code(() => fs.copyFileSync(`${r}/dir`, `${r}/existing`)),
      fs.existsSync(`${r}/existing`),
      code(() => fs.copyFileSync(`${r}/src`, `${r}/forced`, fs.constants.COPYFILE_FICLONE_FORCE)),
      fs.existsSync(`${r}/forced`),
    ];
  });
  assert.deepEqual(mine, ['OK', 'data', 0o640, 'EEXIST', 'OK', 'EISDIR', false, 'ENOTSUP', false]);
  assert.deepEqual(mine, real);
});

test('statfs reports the filesystem of the path', () => {
  const { fs } = vrootFs();
  const st = fs.statfsSync('/');
  assert.equal(st.type, 0x01021994);
  assert.equal(st.bsize, 4096);
  assert.equal(typeof fs.statfsSync('/', { bigint: true }).type, 'bigint');
});

test('found by the differential test: non-ASCII readlink, atime on a read at end of file', async () => {
  const [mine, real] = await both((fs, r) => {
    fs.symlinkSync('cible', `${r}/lien-é`);
    fs.writeFileSync(`${r}/empty`, '');
    fs.utimesSync(`${r}/empty`, 1000, 2000);
    fs.readFileSync(`${r}/empty`);
    const st = fs.statSync(`${r}/empty`);
    return [fs.readlinkSync(`${r}/lien-é`), st.atimeMs > 1_000_000_000_000, st.mtimeMs];
  });
  assert.deepEqual(mine, ['cible', true, 2000000]);
  assert.deepEqual(mine, real);
});

test('found by the differential test: chown(-1, -1) of another user\'s set-user-ID file is EPERM', () => {
  const { vfs, fs } = vrootFs();
  fs.mkdirSync('/shared', { mode: 0o777 });
  fs.chmodSync('/shared', 0o777);
  fs.writeFileSync('/shared/tool', '', { mode: 0o4755 });
  fs.chmodSync('/shared/tool', 0o4755);
  fs.writeFileSync('/shared/plain', '', { mode: 0o755 });
  const user = createFs(vfs.createProcess({ cred: { uid: 1000, gid: 1000 } }));
  // Linux: the kill of S_ISUID becomes a mode change, which only the owner may make.
  assert.equal(codeOf(() => user.chownSync('/shared/tool', -1, -1)), 'EPERM');
  assert.equal((fs.statSync('/shared/tool').mode as number) & 0o7777, 0o4755);
  assert.equal(codeOf(() => user.chownSync('/shared/plain', -1, -1)), 'OK');
  fs.chownSync('/shared/tool', 1000, 1000);
  assert.equal((fs.statSync('/shared/tool').mode as number) & 0o7777, 0o755, 'root\'s chown drops set-user-ID');
});
