#!/usr/bin/env python3
"""Records the Linux kernel's answers to two-thread cases about the filesystem context.

Reads a JSON list of cases on stdin, writes a JSON list of result lists on stdout. Each case
runs in a forked child that enters a private mount namespace whose root is a fresh tmpfs
(pivot_root, as test/oracle/kernel_oracle.py does, so ".." stops at it as at vroot's root
mount, even from outside a later chroot; this needs root), builds
the same small tree the vroot side builds, and starts a second thread B next to the main
thread A. Both share the descriptor table (threads always do); with "fs": "copy", B first calls
unshare(CLONE_FS), so it has its own root, cwd and umask, as clone() without CLONE_FS gives.
The operations then run one at a time, each on the thread it names, strictly in order.

Case: {"fs": "share" | "copy", "ops": [["A" | "B", name, arg...], ...]}
Ops: chdir path | fchdir fd | getcwd | chroot path | umask mask | open dirfd path flags mode
     | close fd | mkdir dirfd path mode | rmdir dirfd path | rename old new | stat dirfd path
A dirfd or fd is "cwd" (AT_FDCWD) or the label "fdN" of the N-th successful open; a label
never opened or closed since is CLOSED_FD, a number no open descriptor has (EBADF). Results: ["ok", value] or ["err", "ENOENT"]; open gives its label, stat
gives [identity label, type, permission bits], getcwd the raw bytes of the getcwd syscall.
"""
import ctypes
import errno
import json
import os
import queue
import sys
import tempfile
import threading

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_getcwd = 79
SYS_pivot_root = 155
SYS_umount2 = 166
CLONE_FS = 0x00000200
CLONE_NEWNS = 0x00020000
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2
AT_FDCWD = -100
CLOSED_FD = 9999


def check(r):
    """A libc return value, or OSError with its errno (Python's own fd checks are bypassed)."""
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return r


def getcwd_raw():
    buf = ctypes.create_string_buffer(4096)
    n = libc.syscall(SYS_getcwd, buf, ctypes.c_size_t(4096))
    if n < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return buf.raw[: n - 1].decode("latin1")


def build_tree():
    """The tree every case starts from (the same as threads.test.ts builds in vroot)."""
    for d in ["a", "a/b", "a/b/c", "d", "d/e"]:
        os.mkdir("/" + d, 0o755)
    os.close(os.open("/f", os.O_CREAT | os.O_WRONLY, 0o644))
    os.symlink("a/b", "/l")
    os.symlink("/d", "/m")
    os.symlink("..", "/a/up")


class Case:
    def __init__(self):
        self.fds = {}  # label -> fd number (CLOSED_FD once closed)
        self.opened = 0
        self.labels = {}  # (dev, ino) -> identity label

    def fd(self, label):
        if label == "cwd":
            return AT_FDCWD
        return self.fds.get(label, CLOSED_FD)

    def run(self, op):
        name, a = op[0], op[1:]
        if name == "chdir":
            os.chdir(a[0])
            return None
        if name == "fchdir":
            check(libc.fchdir(self.fd(a[0])))
            return None
        if name == "getcwd":
            return getcwd_raw()
        if name == "chroot":
            os.chroot(a[0])
            return None
        if name == "umask":
            return os.umask(a[0])
        if name == "open":
            fd = os.open(a[1], a[2], a[3], dir_fd=self.dirfd(a[0]))
            label = "fd%d" % self.opened
            self.opened += 1
            self.fds[label] = fd
            return label
        if name == "close":
            check(libc.close(self.fd(a[0])))
            self.fds[a[0]] = CLOSED_FD
            return None
        if name == "mkdir":
            os.mkdir(a[1], a[2], dir_fd=self.dirfd(a[0]))
            return None
        if name == "rmdir":
            os.rmdir(a[1], dir_fd=self.dirfd(a[0]))
            return None
        if name == "rename":
            os.rename(a[0], a[1])
            return None
        if name == "stat":
            st = os.stat(a[1], dir_fd=self.dirfd(a[0]), follow_symlinks=False)
            key = (st.st_dev, st.st_ino)
            if key not in self.labels:
                self.labels[key] = "i%d" % len(self.labels)
            return [self.labels[key], st.st_mode & 0o170000, st.st_mode & 0o7777]
        raise ValueError("unknown op %r" % (name,))

    def dirfd(self, label):
        fd = self.fd(label)
        return None if fd == AT_FDCWD else fd

    def attempt(self, op):
        try:
            return ["ok", self.run(op)]
        except OSError as e:
            return ["err", errno.errorcode.get(e.errno, str(e.errno))]


def enter_fresh_root(scratch):
    """Makes a new tmpfs the root of a private mount namespace."""
    check(libc.unshare(CLONE_NEWNS))
    check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None))
    check(libc.mount(b"tmpfs", scratch, b"tmpfs", 0, b"mode=0755"))
    os.mkdir(scratch + b"/.old")
    check(libc.syscall(SYS_pivot_root, ctypes.c_char_p(scratch), ctypes.c_char_p(scratch + b"/.old")))
    os.chdir("/")
    check(libc.syscall(SYS_umount2, ctypes.c_char_p(b"/.old"), ctypes.c_int(MNT_DETACH)))
    os.rmdir("/.old")


def run_case(case, scratch):
    enter_fresh_root(scratch)
    os.umask(0o022)
    build_tree()
    c = Case()
    todo = queue.Queue()
    done = queue.Queue()

    def thread_b():
        if case["fs"] == "copy" and libc.unshare(CLONE_FS) != 0:
            done.put(["crash", "unshare(CLONE_FS): %d" % ctypes.get_errno()])
            return
        done.put(["ready"])
        while True:
            op = todo.get()
            if op is None:
                return
            try:
                done.put(c.attempt(op))
            except BaseException as e:  # never leave the main thread waiting
                done.put(["crash", repr(e)])

    b = threading.Thread(target=thread_b)
    b.start()
    first = done.get()
    if first[0] != "ready":
        raise RuntimeError(first[1])
    results = []
    for op in case["ops"]:
        if op[0] == "A":
            results.append(c.attempt(op[1:]))
        else:
            todo.put(op[1:])
            r = done.get()
            if r[0] == "crash":
                raise RuntimeError(r[1])
            results.append(r)
    todo.put(None)
    b.join()
    return results


def main():
    cases = json.load(sys.stdin)
    out = []
    with tempfile.TemporaryDirectory(prefix="vroot-threads-") as scratch:
        for i, case in enumerate(cases):
            root = os.path.join(scratch, str(i)).encode()
            os.mkdir(root)
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(r)
                try:
                    data = json.dumps(run_case(case, root)).encode()
                except BaseException as e:  # report, never hang the parent
                    data = json.dumps({"crash": repr(e)}).encode()
                with os.fdopen(w, "wb") as f:
                    f.write(data)
                os._exit(0)
            os.close(w)
            with os.fdopen(r, "rb") as f:
                result = json.loads(f.read())
            os.waitpid(pid, 0)
            if isinstance(result, dict):
                raise RuntimeError("case %d crashed: %s" % (i, result["crash"]))
            out.append(result)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
