#!/usr/bin/env python3
"""Records the Linux kernel's answers for the merged RootFS preset's differential test.

The kernel's equivalent of the preset: in a forked child's private mount namespace, a fresh
tmpfs holds a fake host root and a RootFS directory; an overlay mount puts the RootFS over the
host root (lowerdir=rootfs:host) with an upper and work directory on the same tmpfs; each bypass
directory of the host is bind-mounted over the same path of the merged tree, and a real procfs
is mounted at /proc. The child chroots into the merged tree and runs the case's operations with
test/oracle/kernel_oracle.py's Runner (each one the syscall it names), then records the fake
host tree, so writes through bypass mounts can be compared too.

Protocol as kernel_oracle.py (so its client serves): one JSON case per line on stdin, one JSON
result per line on stdout. Case: {"id", "ops": [["setup", {"host": [entry], "rootfs": [entry],
"bypass": [path]}], op...]}: the first op describes the trees, where an entry is {"p": path, "t": "d"|"f"|"l", "m": mode, "c": text, "l": target}. Result: {"id",
"results": [...]} with one result per operation and, last, ["ok", the host tree as
[[path, type, mode, content-or-target], ...]].
"""
import ctypes
import errno
import json
import os
import signal
import stat
import sys
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "oracle"))
import kernel_oracle as ko  # noqa: E402

MS_BIND = 4096
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
HOST_FD = 901


def build(root, entries):
    os.makedirs(root, exist_ok=True)
    for e in entries:
        path = os.path.join(root, e["p"].encode())
        parent = os.path.dirname(path)
        os.makedirs(parent, exist_ok=True)
        if e["t"] == "d":
            os.makedirs(path, exist_ok=True)
            os.chmod(path, e.get("m", 0o755))
        elif e["t"] == "f":
            with open(path, "wb") as f:
                f.write(e.get("c", "").encode("latin1"))
            os.chmod(path, e.get("m", 0o644))
        else:
            os.symlink(e["l"].encode(), path)


def record(dir_fd, prefix=""):
    """The tree under dir_fd: [path, type, mode, content or target], sorted by path."""
    out = []
    for entry in sorted(os.scandir(dir_fd), key=lambda d: d.name):
        name = entry.name
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        path = prefix + "/" + name
        if stat.S_ISDIR(st.st_mode):
            out.append([path, "d", stat.S_IMODE(st.st_mode), None])
            fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
            try:
                out.extend(record(fd, path))
            finally:
                os.close(fd)
        elif stat.S_ISLNK(st.st_mode):
            out.append([path, "l", 0, os.readlink(name, dir_fd=dir_fd)])
        elif stat.S_ISREG(st.st_mode):
            fd = os.open(name, os.O_RDONLY, dir_fd=dir_fd)
            try:
                data = os.read(fd, 1 << 20).decode("latin1")
            finally:
                os.close(fd)
            out.append([path, "f", stat.S_IMODE(st.st_mode), data])
        else:
            out.append([path, "o", stat.S_IMODE(st.st_mode), None])
    return out


def run_case(case, out_fd):
    setup = case["ops"][0][1]
    ops = case["ops"][1:]
    signal.signal(signal.SIGALRM, ko.on_alarm)
    ko.check(ko.libc.unshare(ko.CLONE_NEWNS))
    ko.check(ko.libc.mount(b"none", b"/", None, ko.MS_REC | ko.MS_PRIVATE, None))
    # kernel_oracle.main removes this directory once the child is gone.
    scratch = b"/run/vroot-oracle-%d" % os.getpid()
    os.makedirs(scratch, exist_ok=True)
    ko.check(ko.libc.mount(b"tmpfs", scratch, b"tmpfs", 0, None))
    host, rootfs, upper, work, merged = (scratch + b"/" + n for n in (b"host", b"rootfs", b"upper", b"work", b"merged"))
    build(host, setup["host"])
    build(rootfs, setup["rootfs"])
    for d in (upper, work, merged):
        os.mkdir(d)
    opts = b"lowerdir=%s:%s,upperdir=%s,workdir=%s" % (rootfs, host, upper, work)
    ko.check(ko.libc.mount(b"overlay", merged, b"overlay", 0, opts))
    for b in setup["bypass"]:
        src = host + b.encode()
        if os.path.isdir(src):
            ko.check(ko.libc.mount(src, merged + b.encode(), None, MS_BIND, None))
    ko.check(ko.libc.mount(b"proc", merged + b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None))
    hfd = os.open(host, os.O_RDONLY | os.O_DIRECTORY)
    os.dup2(hfd, HOST_FD)
    os.close(hfd)
    os.chroot(merged)
    os.chdir(b"/")
    os.umask(0o022)
    r = ko.make_runner()
    results = []
    for op in ops:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0.25)
            try:
                if op[0] == "become":
                    # As Runner's "become", but the saved ids stay 0 so the tree can be read after.
                    os.setgroups(op[3])
                    os.setresgid(op[2], op[2], 0)
                    os.setresuid(op[1], op[1], 0)
                    v = None
                else:
                    v = r.run(op)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            results.append(["ok", v])
        except ko.Blocked:
            results.append(["err", "BLOCKS"])
        except OSError as e:
            results.append(["err", "BLOCKS" if e.errno == errno.EINTR else ko.errno_name(e.errno)])
    # Back to root's identity to read every host file the guest left.
    os.setresuid(0, 0, 0)
    os.setresgid(0, 0, 0)
    # The host tree after the case is the last result, so kernel_oracle's client carries it.
    results.append(["ok", record(HOST_FD)])
    os.write(out_fd, json.dumps({"id": case.get("id"), "results": results}).encode() + b"\n")


def run_case_reporting(case, out_fd):
    """run_case, with the traceback of a crash on stderr (the client shows it)."""
    try:
        run_case(case, out_fd)
    except BaseException:
        traceback.print_exc()
        raise


if __name__ == "__main__":
    ko.run_case = run_case_reporting
    ko.main()
