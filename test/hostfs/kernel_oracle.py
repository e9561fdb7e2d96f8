#!/usr/bin/env python3
"""The Linux kernel as the oracle for hostfs tests.

  kernel_oracle.py run   < {"cases": [{"dir": D, "ops": [...]}, ...]}  -> [[result, ...], ...]
  kernel_oracle.py dump  < {"dirs": [D, ...]}                          -> [tree, ...]

`run` executes each case in a forked child chrooted into its scratch dir (so absolute symlinks
resolve inside it, as they do for a vroot guest), as root with the case's umask; every operation is
the one syscall it names. `dump` lists a tree without following symlinks, for comparing what two
runs left behind. Paths and data travel as latin1 strings, so any byte survives JSON.
"""
import ctypes
import errno
import json
import os
import stat
import sys

libc = ctypes.CDLL(None, use_errno=True)
SYS_renameat2 = 316
AT_FDCWD = -100


def b(s):
    return s.encode('latin1')


def s(bs):
    return bs.decode('latin1')


def renameat2(old, new, flags):
    r = libc.syscall(SYS_renameat2, AT_FDCWD, b(old), AT_FDCWD, b(new), flags)
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def linkat(old, new, follow):
    # os.link(follow_symlinks=True) calls link(2), which never follows: use linkat itself.
    r = libc.linkat(AT_FDCWD, b(old), AT_FDCWD, b(new), 0x400 if follow else 0)
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def stat_result(st):
    return [stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_size, st.st_nlink,
            st.st_uid, st.st_gid, st.st_rdev]


def run_op(op, fds):
    kind = op[0]
    if kind == 'mkdir':
        os.mkdir(b(op[1]), op[2])
    elif kind == 'rmdir':
        os.rmdir(b(op[1]))
    elif kind == 'unlink':
        os.unlink(b(op[1]))
    elif kind == 'write':
        fd = os.open(b(op[1]), op[2], op[3])
        try:
            os.write(fd, b(op[4]))
        finally:
            os.close(fd)
    elif kind == 'read':
        fd = os.open(b(op[1]), os.O_RDONLY)
        try:
            return s(os.read(fd, 1 << 16))
        finally:
            os.close(fd)
    elif kind == 'stat':
        return stat_result(os.stat(b(op[1]), follow_symlinks=op[2]))
    elif kind == 'readlink':
        return s(os.readlink(b(op[1])))
    elif kind == 'symlink':
        os.symlink(b(op[1]), b(op[2]))
    elif kind == 'link':
        linkat(op[1], op[2], op[3])
    elif kind == 'rename':
        renameat2(op[1], op[2], op[3])
    elif kind == 'chmod':
        os.chmod(b(op[1]), op[2])
    elif kind == 'truncate':
        os.truncate(b(op[1]), op[2])
    elif kind == 'list':
        return sorted(s(n) for n in os.listdir(b(op[1])))
    elif kind == 'setxattr':
        os.setxattr(b(op[1]), b(op[2]), b(op[3]), op[4])
    elif kind == 'getxattr':
        return s(os.getxattr(b(op[1]), b(op[2])))
    elif kind == 'listxattr':
        return sorted(os.listxattr(b(op[1])))
    elif kind == 'mknod':
        os.mknod(b(op[1]), op[2], 0)
    elif kind == 'utimes':
        os.utime(b(op[1]), ns=(op[2][0] * 10**9 + op[2][1], op[3][0] * 10**9 + op[3][1]), follow_symlinks=not op[4])
        st = os.stat(b(op[1]), follow_symlinks=not op[4])
        # atime as a match: a walk through the symlink just set may touch it with "now".
        atime = [st.st_atime_ns // 10**9, st.st_atime_ns % 10**9]
        return [atime == op[2], st.st_mtime_ns // 10**9, st.st_mtime_ns % 10**9]
    elif kind == 'chdir':
        os.chdir(b(op[1]))
    elif kind == 'open':
        fds[op[1]] = -1
        fds[op[1]] = os.open(b(op[2]), op[3], op[4])
    elif kind == 'close':
        fd = fds.pop(op[1], -1)
        os.close(fd)
    elif kind == 'pread':
        return s(os.pread(fds.get(op[1], -1), op[2], op[3]))
    elif kind == 'pwrite':
        return os.pwrite(fds.get(op[1], -1), b(op[2]), op[3])
    elif kind == 'fstat':
        return stat_result(os.fstat(fds.get(op[1], -1)))
    else:
        raise ValueError('unknown op ' + kind)
    return 'OK'


def run_case(case):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        out = []
        try:
            os.chroot(case['dir'])
            os.chdir('/')
            os.umask(case['umask'])
            fds = {}
            for op in case['ops']:
                try:
                    out.append(run_op(op, fds))
                except OSError as e:
                    out.append(errno.errorcode.get(e.errno, 'E%d' % e.errno))
            data = json.dumps(out).encode()
        except BaseException as e:  # report, never hang the parent
            data = json.dumps({'error': repr(e)}).encode()
        while data:
            n = os.write(w, data)
            data = data[n:]
        os._exit(0)
    os.close(w)
    chunks = []
    while True:
        c = os.read(r, 1 << 16)
        if not c:
            break
        chunks.append(c)
    os.close(r)
    os.waitpid(pid, 0)
    return json.loads(b''.join(chunks))


def dump(root):
    """Every object below root: type, mode, size, nlink, rdev, body or target, user xattrs,
    and which paths are hard links of one object (named by its first path)."""
    rootb = b(root)
    out = []
    first_path = {}
    stack = [b'']
    while stack:
        rel = stack.pop()
        full = os.path.join(rootb, rel) if rel else rootb
        for name in sorted(os.listdir(full)):
            p = os.path.join(rel, name) if rel else name
            fp = os.path.join(rootb, p)
            st = os.lstat(fp)
            t = stat.S_IFMT(st.st_mode)
            entry = [s(p), t, stat.S_IMODE(st.st_mode), st.st_nlink, st.st_rdev]
            key = (st.st_dev, st.st_ino)
            entry.append(first_path.setdefault(key, s(p)))
            if stat.S_ISREG(t):
                with open(fp, 'rb') as f:
                    entry.append(s(f.read()))
            elif stat.S_ISLNK(t):
                entry.append(s(os.readlink(fp)))
            elif stat.S_ISDIR(t):
                stack.append(p)
            if stat.S_ISREG(t) or stat.S_ISDIR(t):
                try:
                    names = sorted(n for n in os.listxattr(fp, follow_symlinks=False) if n.startswith('user.'))
                    entry.append([[n, s(os.getxattr(fp, n, follow_symlinks=False))] for n in names])
                except OSError as e:
                    entry.append(errno.errorcode.get(e.errno))
            out.append(entry)
    out.sort()
    return out


def main():
    req = json.load(sys.stdin)
    if sys.argv[1] == 'run':
        res = [run_case(c) for c in req['cases']]
    else:
        res = [dump(d) for d in req['dirs']]
    json.dump(res, sys.stdout)


if __name__ == '__main__':
    main()
