#!/usr/bin/env python3
# The kernel oracle for the overlay differential tests. Run as root inside a private mount
# namespace (`unshare -m --propagation private python3 kernel_overlay_worker.py`). Reads one case
# per line (JSON) on stdin and writes one result per line (JSON) on stdout.
#
# A case: {"layers": [[entry, ...], ...] (lower layers, topmost first), "ops": [[op, ...], ...]}.
# For each case the worker builds the lower layers on a kernel tmpfs (mounted noatime, so reads
# never change times), mounts overlay with lowerdir/upperdir/workdir and noatime, runs the
# operations through the merged view, and records each result, the merged view after each
# operation and the upper directory after each operation. test/overlay/_differential.ts does the
# same on vroot and compares; the record format and normalisation rules live there too.
import ctypes
import errno
import json
import os
import shutil
import stat
import sys
import tempfile
import time

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
libc.renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
libc.syscall.restype = ctypes.c_long
AT_FDCWD = -100
MS_NOATIME = 1024
SYS_GETDENTS64 = 217


def check(ret):
    if ret < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return ret


def getdents_all(fd):
    """Reads directory entries from fd's offset to the end: [(name, ino, dtype)]."""
    out = []
    buf = ctypes.create_string_buffer(32768)
    while True:
        n = check(libc.syscall(SYS_GETDENTS64, fd, buf, len(buf)))
        if n == 0:
            return out
        raw = buf.raw[:n]
        pos = 0
        while pos < n:
            ino = int.from_bytes(raw[pos:pos + 8], 'little')
            reclen = int.from_bytes(raw[pos + 16:pos + 18], 'little')
            dtype = raw[pos + 18]
            name = raw[pos + 19:pos + reclen].split(b'\0', 1)[0].decode()
            out.append((name, ino, dtype))
            pos += reclen


class Tokens:
    """Inode numbers and times, normalised so runs on different systems compare."""

    def __init__(self, setup_end):
        self.inos = {}
        self.setup_end = setup_end

    def ino(self, ino, where):
        if ino not in self.inos:
            self.inos[ino] = where
        return self.inos[ino]

    def time(self, ns):
        sec = ns // 1000000000
        if sec < 1000000000:
            return '%d.%09d' % (sec, ns % 1000000000)
        return 'old' if ns <= self.setup_end else 'new'


def norm_stat(st, tokens, where, ovl_dev):
    t = stat.S_IFMT(st.st_mode)
    d = {
        'type': t >> 12, 'perm': stat.S_IMODE(st.st_mode), 'uid': st.st_uid, 'gid': st.st_gid,
        'nlink': st.st_nlink, 'size': st.st_size, 'blocks': st.st_blocks,
        'ino': tokens.ino(st.st_ino, where), 'dev': 'ovl' if st.st_dev == ovl_dev else 'other',
        'atime': tokens.time(st.st_atime_ns), 'mtime': tokens.time(st.st_mtime_ns),
        'ctime': tokens.time(st.st_ctime_ns),
    }
    if t in (stat.S_IFCHR, stat.S_IFBLK):
        d['rdev'] = st.st_rdev
    if t == stat.S_IFDIR:
        del d['blocks']
    return d


def xattrs(path, hide_private):
    out = {}
    for name in sorted(os.listxattr(path, follow_symlinks=False)):
        if hide_private and name.startswith('trusted.overlay.'):
            continue
        value = os.getxattr(path, name, follow_symlinks=False)
        if name in ('trusted.overlay.origin', 'trusted.overlay.uuid'):
            value = b'present'
        out[name] = value.decode('latin-1')
    return out


def walk(root):
    """Every path below root (relative, sorted), without following symlinks."""
    out = ['.']

    def rec(rel):
        full = os.path.join(root, rel) if rel else root
        for name in sorted(os.listdir(full)):
            p = os.path.join(rel, name) if rel else name
            out.append(p)
            try:
                st = os.lstat(os.path.join(root, p))
            except FileNotFoundError:
                continue
            if stat.S_ISDIR(st.st_mode):
                rec(p)
    rec('')
    return out


def read_file(path):
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        return os.read(fd, 1 << 16).decode('latin-1')
    finally:
        os.close(fd)


def snapshot_merged(mnt, tokens, tag, ovl_dev):
    out = []
    for p in walk(mnt):
        full = os.path.join(mnt, p)
        try:
            st = os.lstat(full)
        except FileNotFoundError:
            # Listed but not found: a lower whiteout in a directory listed unmerged.
            out.append({'path': p, 'listed_only': True})
            continue
        d = {'path': p}
        d.update(norm_stat(st, tokens, tag + ':' + p, ovl_dev))
        out.append(describe(d, st, full, True))
    return out


def describe(d, st, full, hide_private):
    """Adds what a record shows beyond stat: content, symlink target, xattrs."""
    if stat.S_ISREG(st.st_mode):
        d['content'] = read_file(full)
    elif stat.S_ISLNK(st.st_mode):
        d['target'] = os.readlink(full)
    d['xattrs'] = xattrs(full, hide_private)
    return d


def snapshot_upper(upper, tokens):
    out = []
    for p in walk(upper):
        full = os.path.join(upper, p)
        st = os.lstat(full)
        if stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:
            out.append({'path': p, 'whiteout': True, 'perm': stat.S_IMODE(st.st_mode)})
            continue
        d = {'path': p, 'type': stat.S_IFMT(st.st_mode) >> 12, 'perm': stat.S_IMODE(st.st_mode),
             'uid': st.st_uid, 'gid': st.st_gid, 'mtime': tokens.time(st.st_mtime_ns)}
        if stat.S_ISREG(st.st_mode):
            d['size'] = st.st_size
            d['nlink'] = st.st_nlink
        out.append(describe(d, st, full, False))
    return out


def build_layer(root, entries):
    for e in entries:
        p = os.path.join(root, e['p'])
        t = e['t']
        if t == 'd':
            os.mkdir(p, e['m'])
            os.chmod(p, e['m'])
            if e.get('o'):
                os.setxattr(p, 'trusted.overlay.opaque', b'x' if e['o'] == 'x' else b'y')
        elif t == 'f':
            fd = os.open(p, os.O_CREAT | os.O_WRONLY | os.O_EXCL, e['m'])
            os.write(fd, e['c'].encode('latin-1'))
            os.close(fd)
            os.chmod(p, e['m'])
        elif t == 'h':
            os.link(os.path.join(root, e['to']), p)
        elif t == 'l':
            os.symlink(e['l'], p)
        elif t == 'w':
            os.mknod(p, stat.S_IFCHR, os.makedev(0, 0))
        elif t == 'x':
            os.close(os.open(p, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o644))
            os.setxattr(p, 'trusted.overlay.whiteout', b'')
        elif t == 'p':
            os.mkfifo(p, e['m'])
        if t in ('d', 'f') and 'u' in e:
            os.chown(p, e['u'], e['g'])
        for k, v in e.get('x', {}).items():
            os.setxattr(p, k, v.encode('latin-1'), follow_symlinks=False)
    # Times last, deepest first, so adding children does not change them.
    for e in sorted(entries, key=lambda e: -e['p'].count('/')):
        if 'at' in e and e['t'] != 'h':
            os.utime(os.path.join(root, e['p']), ns=(e['at'] * 10**9, e['mt'] * 10**9), follow_symlinks=False)


# Operations open with O_NONBLOCK so a fifo never blocks the worker.
NB = os.O_NONBLOCK
ACC = {'r': os.O_RDONLY, 'w': os.O_WRONLY, 'rw': os.O_RDWR, 'dir': os.O_RDONLY | os.O_DIRECTORY}


class Fds(dict):
    """Descriptor slots; a missing slot is EBADF, as a closed descriptor would be."""

    def __missing__(self, key):
        raise OSError(errno.EBADF, 'no descriptor in slot')


def run_op(op, mnt, fds, tokens, ovl_dev, index):
    name = op[0]
    P = lambda rel: os.path.join(mnt, rel)
    if name == 'creat':
        os.close(os.open(P(op[1]), NB | os.O_CREAT | os.O_WRONLY, op[2]))
    elif name == 'creatx':
        os.close(os.open(P(op[1]), NB | os.O_CREAT | os.O_WRONLY | os.O_EXCL, op[2]))
    elif name == 'write':
        fd = os.open(P(op[1]), NB | os.O_WRONLY)
        try:
            return os.pwrite(fd, op[3].encode('latin-1'), op[2])
        finally:
            os.close(fd)
    elif name == 'append':
        fd = os.open(P(op[1]), NB | os.O_WRONLY | os.O_APPEND)
        try:
            return os.write(fd, op[2].encode('latin-1'))
        finally:
            os.close(fd)
    elif name == 'trunc':
        os.truncate(P(op[1]), op[2])
    elif name == 'otrunc':
        os.close(os.open(P(op[1]), NB | os.O_WRONLY | os.O_TRUNC))
    elif name == 'read':
        fd = os.open(P(op[1]), NB | os.O_RDONLY)
        try:
            return os.read(fd, 1 << 16).decode('latin-1')
        finally:
            os.close(fd)
    elif name == 'unlink':
        os.unlink(P(op[1]))
    elif name == 'rmdir':
        os.rmdir(P(op[1]))
    elif name == 'mkdir':
        os.mkdir(P(op[1]), op[2])
    elif name == 'rename':
        check(libc.renameat2(AT_FDCWD, P(op[1]).encode(), AT_FDCWD, P(op[2]).encode(), op[3]))
    elif name == 'link':
        os.link(P(op[1]), P(op[2]), follow_symlinks=False)
    elif name == 'symlink':
        os.symlink(op[1], P(op[2]))
    elif name == 'mkfifo':
        os.mkfifo(P(op[1]), op[2])
    elif name == 'mkwh':
        os.mknod(P(op[1]), stat.S_IFCHR, os.makedev(0, 0))
    elif name == 'chmod':
        os.chmod(P(op[1]), op[2])
    elif name == 'chown':
        os.chown(P(op[1]), op[2], op[3])
    elif name == 'lchown':
        os.chown(P(op[1]), op[2], op[3], follow_symlinks=False)
    elif name == 'utimes':
        os.utime(P(op[1]), ns=(op[2] * 10**9, op[3] * 10**9))
    elif name == 'setxattr':
        os.setxattr(P(op[1]), op[2], op[3].encode('latin-1'), op[4])
    elif name == 'rmxattr':
        os.removexattr(P(op[1]), op[2])
    elif name == 'getxattr':
        return os.getxattr(P(op[1]), op[2]).decode('latin-1')
    elif name == 'listxattr':
        return sorted(os.listxattr(P(op[1])))
    elif name in ('stat', 'lstat'):
        st = os.stat(P(op[1]), follow_symlinks=name == 'stat')
        return norm_stat(st, tokens, 'op%d' % index, ovl_dev)
    elif name == 'readlink':
        return os.readlink(P(op[1]))
    elif name == 'readdir':
        fd = os.open(P(op[1]), NB | os.O_RDONLY | os.O_DIRECTORY)
        try:
            ents = getdents_all(fd)
        finally:
            os.close(fd)
        return sorted([n, t, tokens.ino(i, 'op%d:%s' % (index, n))] for n, i, t in ents if n not in ('.', '..'))
    elif name == 'open':
        if op[1] in fds:
            os.close(fds.pop(op[1]))
        fds[op[1]] = os.open(P(op[2]), NB | ACC[op[3]])
    elif name == 'close':
        fd = fds[op[1]]
        del fds[op[1]]
        os.close(fd)
    elif name == 'fread':
        return os.pread(fds[op[1]], 1 << 16, 0).decode('latin-1')
    elif name == 'fwrite':
        return os.pwrite(fds[op[1]], op[2].encode('latin-1'), 0)
    elif name == 'fstat':
        return norm_stat(os.fstat(fds[op[1]]), tokens, 'op%d' % index, ovl_dev)
    elif name == 'fchmod':
        os.fchmod(fds[op[1]], op[2])
    elif name == 'ftrunc':
        os.ftruncate(fds[op[1]], op[2])
    elif name == 'fsetxattr':
        os.setxattr(fds[op[1]], op[2], op[3].encode('latin-1'))
    elif name == 'fdents':
        ents = getdents_all(fds[op[1]])
        return sorted([n, t, tokens.ino(i, 'op%d:%s' % (index, n))] for n, i, t in ents if n not in ('.', '..'))
    elif name == 'rewind':
        os.lseek(fds[op[1]], 0, os.SEEK_SET)
    else:
        raise ValueError('unknown op ' + name)
    return None


def merged_side(mnt, case, tokens, to_parent, from_parent):
    """In a child chrooted into the merged view (so ".." at its root stays there, as in vroot):
    runs each operation when the parent asks and sends back its result and the merged view."""
    os.chroot(mnt)
    os.chdir('/')
    fds = Fds()
    ovl_dev = os.lstat('/').st_dev
    out = os.fdopen(to_parent, 'w')
    inp = os.fdopen(from_parent, 'r')
    uid = case.get('uid', 0)
    if uid != 0:
        # Operations run as an unprivileged user; snapshots are taken as root again (the saved
        # set-user-ID 0 allows switching back).
        os.setgroups([])
        os.setresgid(uid, uid, 0)
        os.setresuid(uid, uid, 0)

    def as_root(fn):
        if uid == 0:
            return fn()
        os.seteuid(0)
        os.setegid(0)
        try:
            return fn()
        finally:
            os.setegid(uid)
            os.seteuid(uid)
    out.write(json.dumps({'merged': as_root(lambda: snapshot_merged('/', tokens, 's0', ovl_dev))}) + '\n')
    out.flush()
    for i, op in enumerate(case['ops']):
        inp.readline()
        try:
            res = ['OK', run_op(op, '/', fds, tokens, ovl_dev, i)]
        except OSError as e:
            res = ['ERR', errno.errorcode.get(e.errno, str(e.errno))]
        merged = as_root(lambda: snapshot_merged('/', tokens, 's%d' % (i + 1), ovl_dev))
        out.write(json.dumps({'op': op, 'result': res, 'merged': merged}) + '\n')
        out.flush()
    for fd in fds.values():
        os.close(fd)


def run_case(base, n, case):
    root = os.path.join(base, 'c%d' % n)
    lowers = [os.path.join(root, 'l%d' % i) for i in range(len(case['layers']))]
    upper, work, mnt = (os.path.join(root, x) for x in ('u', 'w', 'm'))
    for d in lowers + [upper, work, mnt]:
        os.makedirs(d)
    for d, entries in zip(lowers, case['layers']):
        build_layer(d, entries)
    build_layer(upper, case.get('upper', []))
    marker = os.path.join(root, 'marker')
    open(marker, 'w').close()
    setup_end = os.lstat(marker).st_ctime_ns
    time.sleep(0.02)
    tokens = Tokens(setup_end)
    opts = 'lowerdir=%s,upperdir=%s,workdir=%s' % (':'.join(lowers), upper, work)
    check(libc.mount(b'overlay', mnt.encode(), b'overlay', MS_NOATIME, opts.encode()))
    steps = []
    try:
        child_r, child_w = os.pipe()
        parent_r, parent_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(child_r)
            os.close(parent_w)
            code = 0
            try:
                merged_side(mnt, case, tokens, child_w, parent_r)
            except BaseException:
                code = 1
            os._exit(code)
        os.close(child_w)
        os.close(parent_r)
        from_child = os.fdopen(child_r, 'r')
        to_child = os.fdopen(parent_w, 'w')
        try:
            for i in range(len(case['ops']) + 1):
                if i > 0:
                    to_child.write('go\n')
                    to_child.flush()
                line = from_child.readline()
                if not line:
                    raise RuntimeError('merged-view child died at step %d' % i)
                step = json.loads(line)
                step['upper'] = snapshot_upper(upper, tokens)
                steps.append(step)
        finally:
            to_child.close()
            from_child.close()
            os.waitpid(pid, 0)
    finally:
        check(libc.umount2(mnt.encode(), 0))
        shutil.rmtree(root)
    return steps


def main():
    if os.geteuid() != 0:
        print(json.dumps({'error': 'not root'}), flush=True)
        return
    os.umask(0)
    base = tempfile.mkdtemp(prefix='vroot-ovl-')
    check(libc.mount(b'tmpfs', base.encode(), b'tmpfs', MS_NOATIME, b'mode=0755'))
    try:
        print(json.dumps({'ready': True}), flush=True)
        for n, line in enumerate(sys.stdin):
            case = json.loads(line)
            try:
                out = {'steps': run_case(base, n, case)}
            except Exception as e:  # a broken case setup is reported, not fatal
                out = {'error': repr(e)}
            print(json.dumps(out), flush=True)
    finally:
        libc.umount2(base.encode(), 2)
        os.rmdir(base)


main()
