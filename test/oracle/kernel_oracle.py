#!/usr/bin/env python3
"""Records the Linux kernel's answers to generated filesystem cases.

Reads one JSON case per line on stdin and writes one JSON result per line on stdout. Each case
runs in a forked child that enters a private mount namespace, mounts a fresh tmpfs, chroots into
it and performs every operation as the syscall it names, each doing its own full path walk from
the process root (see shared reference kernel-oracle.md). The results are compared with vroot's
answers to the same case by the test suite.

Case: {"id": any, "ops": [[name, arg...], ...]}
Result: {"id": any, "results": [["ok", value] | ["err", "ENOENT"], ...]}

Values are normalized so that both sides can be compared: inode numbers become labels in order
of first appearance, timestamps become "changed since this object's previous observation"
flags unless they were set explicitly, fd numbers are kept (fds 0-2 are occupied, so the first
open gives 3, as in a real process).
"""
import ctypes
import errno
import json
import os
import signal
import stat
import struct
import time
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

SYS_read = 0
SYS_write = 1
SYS_close = 3
SYS_fstat = 5
SYS_pread64 = 17
SYS_pwrite64 = 18
SYS_dup = 32
SYS_getcwd = 79
SYS_truncate = 76
SYS_ftruncate = 77
SYS_fchdir = 81
SYS_fchmod = 91
SYS_openat = 257
SYS_renameat2 = 316
SYS_openat2 = 437
SYS_faccessat2 = 439
SYS_fchmodat2 = 452
SYS_getdents64 = 217
SYS_utimensat = 280
SYS_fallocate = 285
SYS_fchownat = 260
SYS_linkat = 265
SYS_mknodat = 259
SYS_unlinkat = 263
SYS_mkdirat = 258
SYS_symlinkat = 266
SYS_readlinkat = 267
SYS_newfstatat = 262
SYS_dup3 = 292
SYS_fcntl = 72
SYS_lseek = 8
SYS_umount2 = 166
SYS_pivot_root = 155
SYS_chroot = 161

CLONE_NEWNS = 0x00020000
MS_REC = 16384
MS_PRIVATE = 1 << 18
AT_FDCWD = -100
UTIME_NOW = (1 << 30) - 1
UTIME_OMIT = (1 << 30) - 2


class OpenHow(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]


class Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


def b(path):
    """Paths arrive as latin1 strings holding bytes (vroot's byte strings)."""
    return path.encode("latin1")


def check(ret):
    if ret < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return ret


def sys_call(nr, *args):
    return check(libc.syscall(ctypes.c_long(nr), *args))


class Runner:
    def __init__(self):
        self.labels = {}  # (dev, ino) -> label
        self.seen_times = {}  # label -> (atime, mtime, ctime)
        self.explicit = set()  # (sec, nsec) values set explicitly by utimensat

    def label(self, st):
        key = (st.st_dev, st.st_ino)
        if key not in self.labels:
            self.labels[key] = "i%d" % len(self.labels)
        return self.labels[key]

    def stat_value(self, st):
        lab = self.label(st)
        times = []
        prev = self.seen_times.get(lab)
        cur = (
            (st.st_atime_ns // 10**9, st.st_atime_ns % 10**9),
            (st.st_mtime_ns // 10**9, st.st_mtime_ns % 10**9),
            (st.st_ctime_ns // 10**9, st.st_ctime_ns % 10**9),
        )
        for i, t in enumerate(cur):
            if t in self.explicit:
                times.append([t[0], t[1]])
            elif prev is None:
                times.append("new")
            else:
                times.append("changed" if t != prev[i] else "same")
        self.seen_times[lab] = cur
        fmt = stat.S_IFMT(st.st_mode)
        v = {
            "id": lab,
            "mode": st.st_mode,
            "nlink": st.st_nlink,
            "uid": st.st_uid,
            "gid": st.st_gid,
            "size": st.st_size if fmt != stat.S_IFDIR or True else None,
            "blocks": st.st_blocks,
            "rdev": st.st_rdev,
            "times": times,
        }
        return v

    def run(self, op):
        name = op[0]
        a = op[1:]
        if name == "become":
            uid, gid, groups = a
            os.setgroups(groups)
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
            return None
        if name == "umask":
            return os.umask(a[0])
        if name == "open":
            dirfd, path, flags, mode = a
            return sys_call(SYS_openat, ctypes.c_int(dirfd), ctypes.c_char_p(b(path)), ctypes.c_int(flags), ctypes.c_uint(mode))
        if name == "openat2":
            dirfd, path, flags, mode, resolve = a
            if resolve & 0x20:
                # RESOLVE_CACHED refuses a walk that must update a symlink's atime, and whether
                # that is due depends on the coarse clock having ticked (HZ=250) since the link
                # was made or last followed: wait out a tick so the answer is deterministic.
                time.sleep(0.006)
            how = OpenHow(flags, mode, resolve)
            while True:
                try:
                    return sys_call(SYS_openat2, ctypes.c_int(dirfd), ctypes.c_char_p(b(path)), ctypes.byref(how), ctypes.c_size_t(24))
                except OSError as e:
                    # RESOLVE_IN_ROOT/BENEATH may give EAGAIN when anything on the machine renames or mounts.
                    if e.errno == errno.EAGAIN and not (resolve & 0x20):
                        continue
                    raise
        if name == "close":
            sys_call(SYS_close, ctypes.c_int(a[0]))
            return None
        if name == "read":
            fd, n = a
            buf = ctypes.create_string_buffer(n)
            got = sys_call(SYS_read, ctypes.c_int(fd), buf, ctypes.c_size_t(n))
            return buf.raw[:got].decode("latin1")
        if name == "pread":
            fd, n, pos = a
            buf = ctypes.create_string_buffer(n)
            got = sys_call(SYS_pread64, ctypes.c_int(fd), buf, ctypes.c_size_t(n), ctypes.c_long(pos))
            return buf.raw[:got].decode("latin1")
        if name == "write":
            fd, data = a
            raw = data.encode("latin1")
            return sys_call(SYS_write, ctypes.c_int(fd), ctypes.c_char_p(raw), ctypes.c_size_t(len(raw)))
        if name == "pwrite":
            fd, data, pos = a
            raw = data.encode("latin1")
            return sys_call(SYS_pwrite64, ctypes.c_int(fd), ctypes.c_char_p(raw), ctypes.c_size_t(len(raw)), ctypes.c_long(pos))
        if name == "lseek":
            fd, off, whence = a
            return sys_call(SYS_lseek, ctypes.c_int(fd), ctypes.c_long(off), ctypes.c_int(whence))
        if name == "fstat":
            st = ctypes.create_string_buffer(256)
            sys_call(SYS_fstat, ctypes.c_int(a[0]), st)
            return self.stat_value(parse_stat(st.raw))
        if name == "fstatat":
            dirfd, path, flags = a
            st = ctypes.create_string_buffer(256)
            sys_call(SYS_newfstatat, ctypes.c_int(dirfd), ctypes.c_char_p(b(path)), st, ctypes.c_int(flags))
            return self.stat_value(parse_stat(st.raw))
        if name == "mkdir":
            dirfd, path, mode = a
            sys_call(SYS_mkdirat, ctypes.c_int(dirfd), ctypes.c_char_p(b(path)), ctypes.c_uint(mode))
            return None
        if name == "mknod":
            dirfd, path, mode, dev = a
            sys_call(SYS_mknodat, ctypes.c_int(dirfd), ctypes.c_char_p(b(path)), ctypes.c_uint(mode), ctypes.c_uint(dev))
            return None
        if name == "symlink":
            target, dirfd, path = a
            sys_call(SYS_symlinkat, ctypes.c_char_p(b(target)), ctypes.c_int(dirfd), ctypes.c_char_p(b(path)))
            return None
        if name == "readlink":
            dirfd, path = a
            buf = ctypes.create_string_buffer(8192)
            n = sys_call(SYS_readlinkat, ctypes.c_int(dirfd), ctypes.c_char_p(b(path)), buf, ctypes.c_size_t(8192))
            return buf.raw[:n].decode("latin1")
        if name == "unlink":
            dirfd, path, flags = a
            sys_call(SYS_unlinkat, ctypes.c_int(dirfd), ctypes.c_char_p(b(path)), ctypes.c_int(flags))
            return None
        if name == "rename":
            od, op_, nd, np_, flags = a
            sys_call(SYS_renameat2, ctypes.c_int(od), ctypes.c_char_p(b(op_)), ctypes.c_int(nd), ctypes.c_char_p(b(np_)), ctypes.c_uint(flags))
            return None
        if name == "link":
            od, op_, nd, np_, flags = a
            sys_call(SYS_linkat, ctypes.c_int(od), ctypes.c_char_p(b(op_)), ctypes.c_int(nd), ctypes.c_char_p(b(np_)), ctypes.c_int(flags))
            return None
        if name == "chmod":
            dirfd, path, mode, flags = a
            sys_call(SYS_fchmodat2, ctypes.c_int(dirfd), ctypes.c_char_p(b(path)), ctypes.c_uint(mode), ctypes.c_int(flags))
            return None
        if name == "fchmod":
            sys_call(SYS_fchmod, ctypes.c_int(a[0]), ctypes.c_uint(a[1]))
            return None
        if name == "chown":
            dirfd, path, uid, gid, flags = a
            sys_call(SYS_fchownat, ctypes.c_int(dirfd), ctypes.c_char_p(b(path)), ctypes.c_int(uid), ctypes.c_int(gid), ctypes.c_int(flags))
            return None
        if name == "utimens":
            dirfd, path, times, flags = a
            if times is None:
                tp = None
            else:
                arr = (Timespec * 2)(Timespec(times[0][0], times[0][1]), Timespec(times[1][0], times[1][1]))
                for t in times:
                    if t[1] not in (UTIME_NOW, UTIME_OMIT):
                        self.explicit.add((t[0], t[1]))
                tp = arr
            sys_call(SYS_utimensat, ctypes.c_int(dirfd), ctypes.c_char_p(b(path)) if path is not None else None, tp, ctypes.c_int(flags))
            return None
        if name == "truncate":
            sys_call(SYS_truncate, ctypes.c_char_p(b(a[0])), ctypes.c_long(a[1]))
            return None
        if name == "ftruncate":
            sys_call(SYS_ftruncate, ctypes.c_int(a[0]), ctypes.c_long(a[1]))
            return None
        if name == "fallocate":
            fd, mode, off, length = a
            sys_call(SYS_fallocate, ctypes.c_int(fd), ctypes.c_int(mode), ctypes.c_long(off), ctypes.c_long(length))
            return None
        if name == "access":
            dirfd, path, mode, flags = a
            sys_call(SYS_faccessat2, ctypes.c_int(dirfd), ctypes.c_char_p(b(path)), ctypes.c_int(mode), ctypes.c_int(flags))
            return None
        if name == "chdir":
            os.chdir(b(a[0]))
            return None
        if name == "fchdir":
            sys_call(SYS_fchdir, ctypes.c_int(a[0]))
            return None
        if name == "getcwd":
            # The raw syscall: glibc's getcwd() turns "(unreachable)/..." into ENOENT.
            buf = ctypes.create_string_buffer(8192)
            n = sys_call(SYS_getcwd, buf, ctypes.c_size_t(8192))
            return buf.raw[: n - 1].decode("latin1")
        if name == "chroot":
            sys_call(SYS_chroot, ctypes.c_char_p(b(a[0])))
            return None
        if name == "getdents":
            fd, size = a
            return self.getdents(fd, size)
        if name == "dup":
            return sys_call(SYS_dup, ctypes.c_int(a[0]))
        if name == "dup3":
            old, new, flags = a
            return sys_call(SYS_dup3, ctypes.c_int(old), ctypes.c_int(new), ctypes.c_int(flags))
        if name == "fcntl":
            fd, cmd, arg = a
            return sys_call(SYS_fcntl, ctypes.c_int(fd), ctypes.c_int(cmd), ctypes.c_long(arg))
        if name == "setxattr":
            path, xname, value, flags, follow = a
            os.setxattr(b(path), b(xname), value.encode("latin1"), flags, follow_symlinks=follow)
            return None
        if name == "getxattr":
            path, xname, follow = a
            return os.getxattr(b(path), b(xname), follow_symlinks=follow).decode("latin1")
        if name == "listxattr":
            path, follow = a
            return sorted(n for n in os.listxattr(b(path), follow_symlinks=follow))
        if name == "removexattr":
            path, xname, follow = a
            os.removexattr(b(path), b(xname), follow_symlinks=follow)
            return None
        if name == "mount_tmpfs":
            path = a[0]
            check(libc.mount(b"tmpfs", b(path), b"tmpfs", 0, None))
            return None
        if name == "umount":
            path, flags = a
            sys_call(SYS_umount2, ctypes.c_char_p(b(path)), ctypes.c_int(flags))
            return None
        raise ValueError("unknown op %r" % (name,))

    def getdents(self, fd, size):
        buf = ctypes.create_string_buffer(size)
        n = sys_call(SYS_getdents64, ctypes.c_int(fd), buf, ctypes.c_uint(size))
        out = []
        raw = buf.raw[:n]
        pos = 0
        while pos < n:
            ino, off, reclen, dtype = struct.unpack_from("<QqHB", raw, pos)
            name = raw[pos + 19 : pos + reclen].split(b"\0", 1)[0]
            out.append([name.decode("latin1"), dtype])
            pos += reclen
        return out


def parse_stat(raw):
    # struct stat on x86_64
    (st_dev, st_ino, st_nlink, st_mode, st_uid, st_gid, _pad, st_rdev, st_size, st_blksize, st_blocks,
     a_s, a_ns, m_s, m_ns, c_s, c_ns) = struct.unpack_from("<QQQIIIiQqqqqqqqqq", raw, 0)

    class S:
        pass

    s = S()
    s.st_dev, s.st_ino, s.st_nlink, s.st_mode, s.st_uid, s.st_gid = st_dev, st_ino, st_nlink, st_mode, st_uid, st_gid
    s.st_rdev, s.st_size, s.st_blocks = st_rdev, st_size, st_blocks
    s.st_atime_ns = a_s * 10**9 + a_ns
    s.st_mtime_ns = m_s * 10**9 + m_ns
    s.st_ctime_ns = c_s * 10**9 + c_ns
    return s


# errno values with two names: use the one vroot (and the kernel's headers) lists first.
ALIASES = {"ENOTSUP": "EOPNOTSUPP", "EWOULDBLOCK": "EAGAIN", "EDEADLOCK": "EDEADLK"}


def errno_name(value):
    name = errno.errorcode.get(value, "E%d" % value)
    return ALIASES.get(name, name)


class Blocked(Exception):
    """The operation would wait for another process (a fifo open or read)."""


def on_alarm(signum, frame):
    raise Blocked()


def make_runner():
    """The runner of one case, made in the case's fresh root (other oracles replace this)."""
    return Runner()


def run_case(case, out_fd):
    signal.signal(signal.SIGALRM, on_alarm)
    check(libc.unshare(CLONE_NEWNS))
    check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None))
    scratch = b"/run/vroot-oracle-%d" % os.getpid()
    os.makedirs(scratch, exist_ok=True)
    check(libc.mount(b"tmpfs", scratch, b"tmpfs", 0, None))
    # pivot_root, not chroot: the tmpfs becomes the namespace's root mount, so ".." from a
    # directory outside a later chroot stops at it, as it does at vroot's root mount.
    os.mkdir(scratch + b"/.old")
    sys_call(SYS_pivot_root, ctypes.c_char_p(scratch), ctypes.c_char_p(scratch + b"/.old"))
    os.chdir(b"/")
    sys_call(SYS_umount2, ctypes.c_char_p(b"/.old"), ctypes.c_int(2))
    os.rmdir(b"/.old")
    os.umask(0o022)
    r = make_runner()
    results = []
    for op in case["ops"]:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0.25)
            try:
                v = r.run(op)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            results.append(["ok", v])
        except Blocked:
            # vroot cannot wait for another process; it answers EAGAIN where Linux would block.
            results.append(["err", "BLOCKS"])
        except OSError as e:
            if e.errno == errno.EINTR:
                results.append(["err", "BLOCKS"])
            else:
                results.append(["err", errno_name(e.errno)])
    os.write(out_fd, json.dumps({"id": case.get("id"), "results": results}).encode() + b"\n")


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        case = json.loads(line)
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(rfd)
                # The result pipe sits at a high fd so the case's own fds start at 3.
                os.dup2(wfd, 900)
                os.close(wfd)
                for fd in range(3, 900):
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                run_case(case, 900)
                os._exit(0)
            except BaseException as e:  # noqa: BLE001 - report anything to the parent
                try:
                    os.write(900, json.dumps({"id": case.get("id"), "crash": repr(e)}).encode() + b"\n")
                finally:
                    os._exit(1)
        os.close(wfd)
        data = b""
        while True:
            chunk = os.read(rfd, 1 << 20)
            if not chunk:
                break
            data += chunk
        os.close(rfd)
        os.waitpid(pid, 0)
        scratch = "/run/vroot-oracle-%d" % pid
        try:
            os.rmdir(scratch)
        except OSError:
            pass
        sys.stdout.write(data.decode() if data else json.dumps({"id": case.get("id"), "crash": "no output"}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
