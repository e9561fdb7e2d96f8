// Root composition against the kernel: the same generated host layers, binds and tmpfs mounts
// are composed by vroot and, in a private mount namespace, by Linux (an overlay mount of the
// layers over a tmpfs upper, bind mounts and tmpfs mounts inside it); a few writes are made in
// both, and the two trees must list the same names, types, modes, owners, sizes, link targets
// and file contents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, lstatSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, O_CREAT, O_DIRECTORY, O_RDONLY, O_TRUNC, O_WRONLY, S_IFMT, VfsError,
  type Process,
} from '../../src/mod.js';
import { composeRoot } from '../../src/compose/compose_root.js';
import { nodeRootProviders } from '../../src/compose/node_providers.js';
import { Prng, testSeed } from '../emu/_prng.js';
import { isRoot, scratch } from '../hostfs/_scratch.js';

const SEED = testSeed(4242);
const CASES = Number(process.env['VROOT_COMPOSE_CASES'] ?? 30);

/** One object of the listing: path → "type mode uid:gid size extra". */
type Listing = Record<string, string>;

interface Case {
  layers: string[];
  binds: { host: string; guest: string; readOnly: boolean }[];
  tmpfs: string[];
  /** Writes made in the composed root, as [op, path, text?]. */
  writes: [string, string, string?][];
}

const NAMES = ['a', 'b', 'etc', 'usr', 'x.txt', 'lib'];

/** Generates layers on the host that overlap: same directories, same files with other contents, files over directories. */
function generate(seed: number, dir: string): Case {
  const rng = new Prng(seed);
  const layers: string[] = [];
  for (let l = 0; l < rng.int(1, 3); l++) {
    const root = join(dir, `layer${l}`);
    mkdirSync(root);
    for (let i = 0; i < 12; i++) {
      const depth = rng.int(1, 3);
      const parts = Array.from({ length: depth }, () => rng.pick(NAMES));
      const path = join(root, ...parts);
      try {
        mkdirSync(join(path, '..'), { recursive: true });
        const kind = rng.next();
        if (kind < 0.5) writeFileSync(path, `layer ${l} ${parts.join('/')} ${rng.int(0, 9)}\n`, { mode: rng.pick([0o644, 0o600, 0o755]) });
        else if (kind < 0.8) mkdirSync(path, { mode: rng.pick([0o755, 0o700, 0o775]) });
        else symlinkSync(rng.pick(['a', '../b', '/etc', 'x.txt/..', 'nowhere']), path);
      } catch {
        // an earlier file sits where a directory is wanted: that is part of the mix
      }
    }
    layers.push(root);
  }
  const binds: Case['binds'] = [];
  for (let b = 0; b < rng.int(0, 2); b++) {
    const host = join(dir, `bind${b}`);
    mkdirSync(host);
    writeFileSync(join(host, 'inside'), `bind ${b}\n`);
    binds.push({ host, guest: '/' + Array.from({ length: rng.int(1, 2) }, () => rng.pick(NAMES)).join('/'), readOnly: rng.chance(0.5) });
  }
  const tmpfs = rng.chance(0.5) ? ['/' + rng.pick(['tmp', 'run', 'a/tmp'])] : [];
  // Mount points only where every layer has directories (or nothing) along the path.
  const mountable = (guest: string): boolean => {
    const parts = guest.split('/').filter((x) => x !== '');
    return layers.every((root) => parts.every((_, i) => {
      const st = lstatSync(join(root, ...parts.slice(0, i + 1)), { throwIfNoEntry: false });
      return st === undefined || st.isDirectory();
    }));
  };
  // Writes mostly at names the layers have (or new names in their directories), so that they
  // copy up, whiteout and replace rather than fail.
  const existing: string[] = [];
  const list = (root: string, rel: string): void => {
    for (const name of readdirSync(join(root, rel))) {
      const r = `${rel}/${name}`;
      existing.push(r);
      if (lstatSync(join(root, r)).isDirectory()) list(root, r);
    }
  };
  for (const root of layers) list(root, '');
  const writes: Case['writes'] = [];
  for (let w = 0; w < 8; w++) {
    const base = existing.length > 0 && rng.chance(0.75) ? rng.pick(existing) : '/' + rng.pick(NAMES);
    const path = rng.chance(0.3) ? `${base}/new${w}` : base;
    writes.push(rng.pick([['write', path, `written ${w}\n`], ['mkdir', path], ['unlink', path], ['rmdir', path]] as [string, string, string?][]));
  }
  return { layers, binds: binds.filter((b) => mountable(b.guest)), tmpfs: tmpfs.filter(mountable), writes };
}

function vrootWrite(p: Process, [op, path, text]: [string, string, string?]): string {
  try {
    if (op === 'write') {
      const fd = p.openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644);
      p.write(fd, new TextEncoder().encode(text!));
      p.close(fd);
    } else if (op === 'mkdir') p.mkdirat(AT_FDCWD, path, 0o755);
    else if (op === 'unlink') p.unlinkat(AT_FDCWD, path);
    else p.unlinkat(AT_FDCWD, path, AT_REMOVEDIR);
    return 'OK';
  } catch (e) {
    if (e instanceof VfsError) return e.code;
    throw e;
  }
}

function vrootListing(p: Process): Listing {
  const out: Listing = {};
  const walk = (dir: string): void => {
    const fd = p.openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY);
    const names: string[] = [];
    for (let b = p.getdents64(fd); b.length > 0; b = p.getdents64(fd)) names.push(...b.map((d) => d.name));
    p.close(fd);
    for (const name of names.filter((n) => n !== '.' && n !== '..').sort()) {
      const path = dir === '/' ? `/${name}` : `${dir}/${name}`;
      const st = p.fstatat(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW);
      const type = st.mode & S_IFMT;
      let extra = '';
      if (type === 0o120000) extra = p.readlinkat(AT_FDCWD, path);
      else if (type === 0o100000) {
        const f = p.openat(AT_FDCWD, path, O_RDONLY);
        const buf = new Uint8Array(st.size);
        let n = 0;
        while (n < st.size) n += p.read(f, buf, n);
        p.close(f);
        extra = createHash('sha256').update(buf).digest('hex').slice(0, 16);
      }
      out[path] = `${type.toString(8)} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${type === 0o040000 ? '-' : st.size} ${extra}`;
      if (type === 0o040000) walk(path);
    }
  };
  walk('/');
  return out;
}

/** The kernel side, in a private mount namespace; prints the write results and the listing. */
const KERNEL = String.raw`
import hashlib, json, os, subprocess, sys
case = json.load(sys.stdin)
t = case['scratch']
def sh(*a): subprocess.run(a, check=True)
sh('mount', '-t', 'tmpfs', 'vroot-oracle', t)
for d in ('upper', 'work', 'merged'): os.mkdir(os.path.join(t, d))
m = os.path.join(t, 'merged')
# The upper's root takes the top layer's mode and owner, as vroot gives its in-memory upper.
top = os.stat(case['layers'][-1])
os.chmod(os.path.join(t, 'upper'), top.st_mode & 0o7777)
os.chown(os.path.join(t, 'upper'), top.st_uid, top.st_gid)
sh('mount', '-t', 'overlay', 'overlay', '-o', 'lowerdir=%s,upperdir=%s/upper,workdir=%s/work' % (':'.join(reversed(case['layers'])), t, t), m)
mounts = [(len([c for c in b['guest'].split('/') if c]), 'bind', b) for b in case['binds']] + [(len([c for c in g.split('/') if c]), 'tmpfs', g) for g in case['tmpfs']]
mounts.sort(key=lambda x: x[0])
# Mount paths never pass through a symlink (the generator sees to it), so they can be made from
# outside the merged tree; the writes, which may follow symlinks anywhere, run chrooted in it.
import errno as E
for _, kind, what in mounts:
    guest = m + (what['guest'] if kind == 'bind' else what)
    try:
        os.makedirs(guest, mode=0o755, exist_ok=True)
    except OSError as e:
        # A mount point that cannot be made (inside a read-only bind): composing fails.
        print(json.dumps({'composeError': E.errorcode[e.errno]})); sys.exit(0)
    if kind == 'tmpfs':
        sh('mount', '-t', 'tmpfs', 'tmpfs', guest)
    else:
        sh('mount', '--bind', what['hostInNs'], guest)
        if what['readOnly']: sh('mount', '-o', 'remount,bind,ro', guest)
os.chroot(m); os.chdir('/')
results = []
for op, path, *text in case['writes']:
    try:
        if op == 'write':
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644); os.write(fd, text[0].encode()); os.close(fd)
        elif op == 'mkdir': os.mkdir(path, 0o755)
        elif op == 'unlink': os.unlink(path)
        else: os.rmdir(path)
        results.append('OK')
    except OSError as e:
        results.append(E.errorcode[e.errno])
out = {}
def walk(d):
    for name in sorted(os.listdir(d)):
        p = os.path.join(d, name)
        st = os.lstat(p)
        ty = st.st_mode & 0o170000
        extra = ''
        if ty == 0o120000: extra = os.readlink(p)
        elif ty == 0o100000: extra = hashlib.sha256(open(p, 'rb').read()).hexdigest()[:16]
        out[p] = '%o %o %d:%d %s %s' % (ty, st.st_mode & 0o7777, st.st_uid, st.st_gid, '-' if ty == 0o040000 else st.st_size, extra)
        if ty == 0o040000: walk(p)
walk('/')
print(json.dumps({'writes': results, 'listing': out}))
`;

test('composition matches the kernel: overlay of the layers, binds and tmpfs mounts, and writes through them', (t) => {
  if (!isRoot()) return t.skip('needs root (mount namespaces and overlay mounts)');
  if (spawnSync('unshare', ['--mount', 'true']).status !== 0) return t.skip('unshare --mount is not permitted here');
  let compared = 0;
  let writesOk = 0;
  let refused = 0;
  for (let c = 0; c < CASES; c++) {
    const seed = SEED + c;
    const s = scratch('compose-kernel');
    try {
      const spec = generate(seed, s.dir);
      // Each side gets its own copy of the bound directories, as both write into them.
      const kernelBinds = spec.binds.map((b) => {
        const copy = `${b.host}-kernel`;
        cpSync(b.host, copy, { recursive: true });
        return { ...b, hostInNs: copy };
      });
      const kernelScratch = join(s.dir, 'kernel');
      mkdirSync(kernelScratch);
      const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'python3', '-c', KERNEL], {
        input: JSON.stringify({ ...spec, binds: kernelBinds, scratch: kernelScratch }),
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, `kernel side failed (seed ${seed}): ${r.stderr}`);
      const kernel = JSON.parse(r.stdout) as { writes: string[]; listing: Listing; composeError?: string };
      const rootSpec = {
        layers: spec.layers.map((dir) => ({ dir })),
        binds: spec.binds,
        tmpfs: spec.tmpfs.map((guest) => ({ guest })),
      };
      if (kernel.composeError !== undefined) {
        assert.throws(() => composeRoot(rootSpec, nodeRootProviders), new RegExp(kernel.composeError), `seed ${seed}`);
        refused++;
        continue;
      }
      const root = composeRoot(rootSpec, nodeRootProviders);
      const writes = spec.writes.map((w) => vrootWrite(root.process, w));
      const listing = vrootListing(root.process);
      const what = `seed ${seed}: layers ${spec.layers.length}, binds ${JSON.stringify(spec.binds.map((b) => [b.guest, b.readOnly]))}, tmpfs ${spec.tmpfs}, writes ${JSON.stringify(spec.writes)}`;
      assert.deepEqual(writes, kernel.writes, `write results, ${what}`);
      assert.deepEqual(listing, kernel.listing, `listing, ${what}`);
      compared += Object.keys(listing).length;
      writesOk += writes.filter((x) => x === 'OK').length;
    } finally {
      s.remove();
    }
  }
  t.diagnostic(`${CASES} compositions (${refused} refused by both), ${compared} objects compared, ${writesOk} writes that succeeded`);
  assert.ok(writesOk > CASES, 'the writes exercise the upper');
});
