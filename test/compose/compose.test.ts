// Root composition: layers in order, the upper receiving writes, binds read-only and
// read-write, tmpfs mounts, mount points made in the upper, a read-only root, procfs, fake root,
// copies in, confinement of host symlinks, and errors that name the step that failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, utimesSync, writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  AT_FDCWD, AT_SYMLINK_NOFOLLOW, O_CREAT, O_RDONLY, O_TRUNC, O_WRONLY, S_IFMT, S_IFCHR, Tmpfs, VfsError, type Process,
} from '../../src/mod.js';
import { composeRoot, noHostProviders } from '../../src/compose/compose_root.js';
import { nodeRootProviders } from '../../src/compose/node_providers.js';
import type { RootSpec } from '../../src/compose/root_spec.js';
import { parseBind, parseSize, parseTmpfsMount, rootSpecFromFlags, RootFlagError } from '../../src/compose/root_flags.js';
import { scratch } from '../hostfs/_scratch.js';
import { vroot } from '../cli/_tools.js';
import { code } from '../_errno.js';

const enc = new TextEncoder();


function read(p: Process, path: string): string {
  const fd = p.openat(AT_FDCWD, path, O_RDONLY);
  try {
    const buf = new Uint8Array(1 << 16);
    return new TextDecoder().decode(buf.subarray(0, p.read(fd, buf)));
  } finally {
    p.close(fd);
  }
}

function write(p: Process, path: string, text: string): void {
  const fd = p.openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, 0o644);
  p.write(fd, enc.encode(text));
  p.close(fd);
}

function names(p: Process, path: string): string[] {
  const fd = p.openat(AT_FDCWD, path, O_RDONLY);
  try {
    const out: string[] = [];
    for (let batch = p.getdents64(fd); batch.length > 0; batch = p.getdents64(fd)) out.push(...batch.map((d) => d.name));
    return out.filter((n) => n !== '.' && n !== '..').sort();
  } finally {
    p.close(fd);
  }
}

function compose(spec: RootSpec): Process {
  return composeRoot(spec, nodeRootProviders).process;
}

/** Host layer directories: each `{ path: content }`; a path ending in '/' is a directory. */
function layers(dir: string, trees: Record<string, string>[]): string[] {
  return trees.map((tree, i) => {
    const root = join(dir, `layer${i}`);
    mkdirSync(root, { recursive: true });
    for (const [path, content] of Object.entries(tree)) {
      if (path.endsWith('/')) mkdirSync(join(root, path), { recursive: true });
      else {
        mkdirSync(join(root, path, '..'), { recursive: true });
        writeFileSync(join(root, path), content);
      }
    }
    return root;
  });
}

test('an empty spec is an empty in-memory root, owned by the guest it runs as', () => {
  const p = composeRoot({}, noHostProviders).process;
  assert.deepEqual(names(p, '/'), []);
  p.mkdirat(AT_FDCWD, '/x', 0o755);
  const q = composeRoot({ user: { uid: 1000, gid: 1000 } }, noHostProviders).process;
  const st = q.fstatat(AT_FDCWD, '/');
  assert.equal(st.uid, 1000);
  assert.equal(st.mode & 0o7777, 0o755);
  q.mkdirat(AT_FDCWD, '/mine', 0o755);
  assert.equal(q.fstatat(AT_FDCWD, '/mine').uid, 1000);
});

test('layers are bottom first: later ones hide earlier ones, directories merge, writes go to the upper', () => {
  const s = scratch('layers');
  try {
    const [bottom, top] = layers(s.dir, [
      { 'etc/who': 'bottom', 'etc/only-bottom': 'b', 'usr/bin/': '' },
      { 'etc/who': 'top', 'etc/only-top': 't' },
    ]);
    const upper = join(s.dir, 'upper');
    const p = compose({ layers: [{ dir: bottom! }, { dir: top! }], upper: { dir: upper } });
    assert.equal(read(p, '/etc/who'), 'top');
    assert.deepEqual(names(p, '/etc'), ['only-bottom', 'only-top', 'who']);
    assert.deepEqual(names(p, '/'), ['etc', 'usr']);
    // The other order shows the other file.
    assert.equal(read(compose({ layers: [{ dir: top! }, { dir: bottom! }] }), '/etc/who'), 'bottom');

    write(p, '/etc/new', 'written');
    p.unlinkat(AT_FDCWD, '/etc/only-bottom');
    assert.equal(readFileSync(join(upper, 'etc', 'new'), 'utf8'), 'written', 'the write landed in the upper directory');
    assert.equal(lstatSync(join(upper, 'etc', 'only-bottom')).isCharacterDevice(), true, 'a removal is a whiteout in the upper');
    assert.equal(readFileSync(join(bottom!, 'etc', 'only-bottom'), 'utf8'), 'b', 'the layer is untouched');
    assert.equal(existsSync(join(top!, 'etc', 'new')), false);

    // A second root over the same upper sees the changes (they persist).
    const again = compose({ layers: [{ dir: bottom! }, { dir: top! }], upper: { dir: upper } });
    assert.equal(read(again, '/etc/new'), 'written');
    assert.equal(code(() => again.fstatat(AT_FDCWD, '/etc/only-bottom')), 'ENOENT');
  } finally {
    s.remove();
  }
});

test('an EROFS image is a layer like a directory; the default upper is in memory', () => {
  const s = scratch('image');
  try {
    const [src, over] = layers(s.dir, [{ 'etc/os-release': 'NAME=image\n', 'bin/': '' }, { 'etc/extra': 'x' }]);
    const image = join(s.dir, 'base.erofs');
    const r = vroot(['mkfs', image, src!]);
    assert.equal(r.status, 0, r.err);
    const p = compose({ layers: [{ path: image }, { path: over! }] });
    assert.equal(read(p, '/etc/os-release'), 'NAME=image\n');
    assert.deepEqual(names(p, '/etc'), ['extra', 'os-release']);
    write(p, '/etc/os-release', 'changed');
    assert.equal(read(p, '/etc/os-release'), 'changed');
    assert.equal(read(compose({ layers: [{ image }] }), '/etc/os-release'), 'NAME=image\n', 'a new root starts from the image again');
    assert.deepEqual(readdirSync(join(over!, 'etc')), ['extra'], 'nothing was written to the host layer');
  } finally {
    s.remove();
  }
});

test('a read-only root gives EROFS, while its tmpfs mounts and read-write binds stay writable', () => {
  const s = scratch('ro');
  try {
    const [layer] = layers(s.dir, [{ 'etc/hosts': 'h', 'work/': '' }]);
    const rw = join(s.dir, 'rw');
    const ro = join(s.dir, 'ro');
    mkdirSync(rw);
    mkdirSync(ro);
    writeFileSync(join(ro, 'file'), 'read-only');
    const p = compose({
      layers: [{ dir: layer! }],
      binds: [{ host: rw, guest: '/work' }, { host: ro, guest: '/srv/ro', readOnly: true }],
      tmpfs: [{ guest: '/tmp' }],
      readOnly: true,
    });
    assert.equal(code(() => p.mkdirat(AT_FDCWD, '/x', 0o755)), 'EROFS');
    assert.equal(code(() => write(p, '/etc/hosts', 'no')), 'EROFS');
    write(p, '/tmp/scratch', 'ok');
    write(p, '/work/out', 'to the host');
    assert.equal(readFileSync(join(rw, 'out'), 'utf8'), 'to the host');
    assert.equal(read(p, '/srv/ro/file'), 'read-only');
    assert.equal(code(() => write(p, '/srv/ro/file', 'no')), 'EROFS');
    assert.equal(code(() => p.unlinkat(AT_FDCWD, '/srv/ro/file')), 'EROFS');
    // /srv/ro did not exist in the layer: it was made in the in-memory upper, not on the host.
    assert.equal(existsSync(join(layer!, 'srv')), false);
    // With every mount point present and nothing copied in, the layer itself is the root.
    const bare = composeRoot({ layers: [{ dir: layer! }], binds: [{ host: rw, guest: '/work' }], readOnly: true }, nodeRootProviders);
    assert.equal(bare.vfs.mounts()[0]!.fs.type, 'hostfs');
  } finally {
    s.remove();
  }
});

test('binds: files and directories, mount points created, parents mounted before children', () => {
  const s = scratch('binds');
  try {
    const data = join(s.dir, 'data');
    mkdirSync(join(data, 'sub'), { recursive: true });
    writeFileSync(join(data, 'sub', 'f'), 'in data');
    const conf = join(s.dir, 'app.conf');
    writeFileSync(conf, 'key=value\n');
    // The nested bind is given first: it must still be mounted after the tmpfs it lies in.
    const { vfs, process: p } = composeRoot({
      binds: [{ host: data, guest: '/a/b/data' }, { host: conf, guest: '/etc/app.conf' }],
      tmpfs: [{ guest: '/a', size: 4096 }],
    }, nodeRootProviders);
    assert.equal(read(p, '/a/b/data/sub/f'), 'in data');
    assert.equal(read(p, '/etc/app.conf'), 'key=value\n');
    writeFileSync(conf, 'key=changed\n');
    assert.equal(read(p, '/etc/app.conf'), 'key=changed\n', 'a bound file is the host file');
    assert.equal(code(() => p.fstatat(AT_FDCWD, '/etc/other')), 'ENOENT', 'only the bound file of its directory shows');
    // Mount order: /, /a (tmpfs), /a/b/data, /etc/app.conf.
    const types = vfs.mounts().map((m) => m.fs.type);
    assert.equal(types.indexOf('tmpfs', 1) < types.lastIndexOf('hostfs'), true);
    // The tmpfs size is enforced.
    assert.equal(code(() => write(p, '/a/big', 'x'.repeat(10000))), 'ENOSPC');
  } finally {
    s.remove();
  }
});

test('host symlinks resolve inside the guest root, never on the host', () => {
  const s = scratch('escape');
  try {
    const [layer] = layers(s.dir, [{ 'etc/passwd': 'guest passwd', 'd/': '' }]);
    symlinkSync('/etc/passwd', join(layer!, 'd', 'abs'));
    symlinkSync('../../../../../../../../etc/passwd', join(layer!, 'd', 'up'));
    const bound = join(s.dir, 'bound');
    mkdirSync(bound);
    symlinkSync('../../../../../../../etc/passwd', join(bound, 'up'));
    const p = compose({ layers: [{ dir: layer! }], binds: [{ host: bound, guest: '/mnt/b' }] });
    assert.equal(read(p, '/d/abs'), 'guest passwd');
    assert.equal(read(p, '/d/up'), 'guest passwd');
    assert.equal(read(p, '/mnt/b/up'), 'guest passwd');
  } finally {
    s.remove();
  }
});

test('copy-in keeps modes, times and symlinks; procfs shows guest paths; mount points for /proc', () => {
  const s = scratch('copyin');
  try {
    const src = join(s.dir, 'src');
    mkdirSync(join(src, 'bin'), { recursive: true });
    writeFileSync(join(src, 'bin', 'tool'), '#!/bin/sh\n');
    chmodSync(join(src, 'bin', 'tool'), 0o750);
    utimesSync(join(src, 'bin', 'tool'), 1_000_000_000, 1_000_000_000);
    symlinkSync('bin/tool', join(src, 'link'));
    const p = compose({ copyIn: [{ host: src, guest: '/opt/app' }], proc: true });
    const st = p.fstatat(AT_FDCWD, '/opt/app/bin/tool');
    assert.equal(st.mode & 0o7777, 0o750);
    assert.equal(st.mtime.sec, 1_000_000_000);
    assert.equal(p.readlinkat(AT_FDCWD, '/opt/app/link'), 'bin/tool');
    const fd = p.openat(AT_FDCWD, '/opt/app/bin/tool', O_RDONLY);
    assert.equal(p.readlinkat(AT_FDCWD, `/proc/self/fd/${fd}`), '/opt/app/bin/tool');
    assert.match(read(p, '/proc/self/mounts'), /^proc \/proc proc rw,nosuid,nodev,noexec/m);
  } finally {
    s.remove();
  }
});

test('fake root: chown and mknod are recorded over a host upper, and persist there, without touching owners', () => {
  const s = scratch('fakeroot');
  try {
    const upper = join(s.dir, 'upper');
    const p = compose({ upper: { dir: upper }, fakeRoot: true });
    assert.equal(p.cred.euid, 0);
    assert.equal(p.cred.capable('CAP_SYS_ADMIN'), false);
    write(p, '/f', 'x');
    p.fchownat(AT_FDCWD, '/f', 1234, 5678);
    p.mknodat(AT_FDCWD, '/null', S_IFCHR | 0o666, (1 << 8) | 3);
    assert.equal(p.fstatat(AT_FDCWD, '/f').uid, 1234);
    assert.equal(p.fstatat(AT_FDCWD, '/null').mode & S_IFMT, S_IFCHR);
    assert.equal(statSync(join(upper, 'f')).uid, process.getuid!(), 'the host file keeps its owner');
    assert.equal(lstatSync(join(upper, 'null')).isFile(), true, 'the device is an empty file on the host');
    const again = compose({ upper: { dir: upper }, fakeRoot: true });
    assert.equal(again.fstatat(AT_FDCWD, '/f').uid, 1234, 'the record persists in the upper');
    assert.equal(code(() => again.mount(new Tmpfs(), '/')), 'EPERM', 'a fake root cannot mount');
  } finally {
    s.remove();
  }
});

test('errors name the step that failed and the host error', () => {
  const s = scratch('errors');
  try {
    assert.throws(() => compose({ layers: [{ path: join(s.dir, 'missing') }] }), /layer .*missing.*ENOENT|no such file/i);
    const notImage = join(s.dir, 'not.erofs');
    writeFileSync(notImage, 'not an image');
    assert.throws(() => compose({ layers: [{ image: notImage }] }), /layer .*not\.erofs/);
    assert.throws(() => compose({ binds: [{ host: join(s.dir, 'nope'), guest: '/x' }] }), /bind .*nope/);
    const [layer] = layers(s.dir, [{ f: 'a file' }]);
    const dir = join(s.dir, 'dir');
    mkdirSync(dir);
    assert.throws(() => compose({ layers: [{ dir: layer! }], binds: [{ host: dir, guest: '/f' }] }), /bind .*dir:\/f.*ENOTDIR/);
    assert.throws(() => compose({ tmpfs: [{ guest: '/t' }], copyIn: [{ host: join(s.dir, 'absent'), guest: '/t/x' }] }), /copy-in .*absent.*No such file|no such file/i);
  } finally {
    s.remove();
  }
});

test('root flags: parsing of binds, tmpfs sizes and errors', () => {
  assert.deepEqual(parseBind('/a:b:/mnt'), { host: '/a:b', guest: '/mnt' });
  assert.deepEqual(parseBind('/src:/work:ro'), { host: '/src', guest: '/work', readOnly: true });
  assert.deepEqual(parseBind('rel/dir:/w:rw'), { host: 'rel/dir', guest: '/w' });
  assert.throws(() => parseBind('/src'), RootFlagError);
  assert.throws(() => parseBind('/src:work'), /guest path must be absolute|wants HOST:GUEST/);
  assert.deepEqual(parseTmpfsMount('/tmp:64m'), { guest: '/tmp', size: 64 << 20 });
  assert.deepEqual(parseTmpfsMount('/run'), { guest: '/run' });
  assert.equal(parseSize('4096'), 4096);
  assert.equal(parseSize('2G'), 2 * 2 ** 30);
  assert.throws(() => parseSize('12q'), RootFlagError);
  assert.throws(() => parseSize('99999999999t'), /too large/);
  assert.deepEqual(rootSpecFromFlags({ layer: ['a.erofs', 'b/'], upper: 'ch', ro: true, proc: true, 'fake-root': true, 'copy-in': ['/h:/g'] }), {
    layers: [{ path: 'a.erofs' }, { path: 'b/' }], binds: [], tmpfs: [], copyIn: [{ host: '/h', guest: '/g' }],
    upper: { dir: 'ch' }, readOnly: true, proc: true, fakeRoot: true,
  });
});

test('symlinks in the spec paths: a bind target behind a guest symlink is mounted where the symlink leads', () => {
  const s = scratch('target-link');
  try {
    const [layer] = layers(s.dir, [{ 'real/': '' }]);
    symlinkSync('real', join(layer!, 'alias'));
    const data = join(s.dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'f'), 'data');
    const p = compose({ layers: [{ dir: layer! }], binds: [{ host: data, guest: '/alias' }] });
    assert.equal(read(p, '/real/f'), 'data');
    assert.equal(p.fstatat(AT_FDCWD, '/alias', AT_SYMLINK_NOFOLLOW).mode & S_IFMT, 0o120000);
  } finally {
    s.remove();
  }
});

test('casefold: image and directory layers, a host upper, binds and tmpfs mounts all fold names; the CLI flag', () => {
  const s = scratch('casefold');
  try {
    const [src, over, bound] = layers(s.dir, [{ 'Windows/System32/Kernel32.dll': 'k32', 'Program Files/': '' }, { 'Users/Public/Desktop.ini': 'ini' }, { 'Save.dat': 'save' }]);
    const image = join(s.dir, 'base.erofs');
    assert.equal(vroot(['mkfs', image, src!]).status, 0);
    const upper = join(s.dir, 'upper');
    const p = compose({
      layers: [{ path: image }, { path: over! }], upper: { dir: upper }, casefold: true,
      binds: [{ host: bound!, guest: '/games' }], tmpfs: [{ guest: '/temp' }],
    });
    assert.equal(read(p, '/WINDOWS/system32/KERNEL32.DLL'), 'k32', 'through an image layer');
    assert.equal(read(p, '/users/PUBLIC/desktop.INI'), 'ini', 'through a directory layer');
    assert.equal(read(p, '/GAMES/save.DAT'), 'save', 'through a bind');
    write(p, '/Temp/Notes.txt', 'n');
    assert.equal(read(p, '/TEMP/NOTES.TXT'), 'n', 'in a tmpfs mount');
    write(p, '/windows/New.txt', 'new');
    assert.deepEqual(names(p, '/Windows'), ['New.txt', 'System32'], 'the stored spellings are listed');
    assert.deepEqual(readdirSync(join(upper, 'Windows')), ['New.txt'], 'copied up under the layer spelling');
    assert.equal(code(() => p.mkdirat(AT_FDCWD, '/windows/NEW.TXT', 0o755)), 'EEXIST');
    // The same through the command line.
    const r = vroot(['shell', '--casefold', '--layer', image, '--layer', over!, '-c', 'cat /windows/SYSTEM32/kernel32.DLL; ls /USERS/public']);
    assert.equal(r.status, 0, r.err);
    assert.equal(r.out, 'k32Desktop.ini\n');
    assert.match(vroot(['shell', '--casefold', '--fake-root', '-c', 'true']).err, /cannot be combined/);
  } finally {
    s.remove();
  }
});

test('close releases the host descriptors a root holds; a failed composition releases what it opened', () => {
  const s = scratch('close');
  const fds = (): number => readdirSync('/proc/self/fd').length;
  try {
    const [layer, bound] = layers(s.dir, [{ 'etc/os-release': 'x' }, { 'data': 'd' }]);
    const image = join(s.dir, 'img.erofs');
    assert.equal(vroot(['mkfs', image, layer!]).status, 0);
    const before = fds();
    for (let i = 0; i < 50; i++) {
      const r = composeRoot({ layers: [{ path: image }, { path: layer! }], upper: { dir: join(s.dir, 'up') }, binds: [{ host: bound!, guest: '/b' }] }, nodeRootProviders);
      assert.equal(read(r.process, '/b/data'), 'd');
      r.close();
    }
    assert.ok(fds() <= before + 2, `descriptors: ${before} before, ${fds()} after 50 roots`);
    for (let i = 0; i < 50; i++) {
      assert.throws(() => composeRoot({ layers: [{ path: image }], binds: [{ host: join(s.dir, 'missing'), guest: '/m' }] }, nodeRootProviders));
    }
    assert.ok(fds() <= before + 2, `descriptors: ${before} before, ${fds()} after 50 failed compositions`);
  } finally {
    s.remove();
  }
});
