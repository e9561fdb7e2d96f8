#!/usr/bin/env python3
"""Records the Linux kernel's procfs answers to generated cases.

Like test/oracle/kernel_oracle.py (whose Runner it extends): one JSON case per line on stdin,
one JSON result per line on stdout; each case runs in a forked child that enters a private
mount namespace, pivots into a fresh tmpfs and mounts a real procfs at /proc in it. The extra
operations read procfs and normalize what differs between any two systems: the process's own
pid becomes "PID", pipe inode numbers are checked against fstat and hidden, mount ids and
device numbers become labels in order of appearance, and mount ids in fdinfo become the mount
point they name.
"""
import ctypes
import os
import re
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))
import kernel_oracle as ko  # noqa: E402

MS_RDONLY = 1
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
PR_SET_DUMPABLE = 4
SYS_fstatfs = 138
PROC_SUPER_MAGIC = 0x9FA0


def normalize_pid(text, pid, tid):
    """Replaces the task's own ids where procfs puts them (self, thread-self, /proc/<pid>/...)."""
    if text == str(pid):
        return "PID"
    if text == "%d/task/%d" % (pid, tid):
        return "PID/task/TID"
    text = re.sub(r"/proc/%d/task/%d(?=[/ ]|$)" % (pid, tid), "/proc/PID/task/TID", text)
    return re.sub(r"/proc/%d(?=[/ ]|$)" % pid, "/proc/PID", text)


def parse_mountinfo(text):
    """Mountinfo lines as lists of fields with ids and devices replaced by labels."""
    ids, devs, out = {}, {}, []
    lines = [l.split(" ") for l in text.splitlines() if l]
    for f in lines:
        ids.setdefault(f[0], "m%d" % len(ids))
    for f in lines:
        parent = "x" if f[1] == f[0] or f[1] not in ids else ids[f[1]]
        dev = devs.setdefault(f[2], "d%d" % len(devs))
        out.append([ids[f[0]], parent, dev] + f[3:])
    return out


def mount_point_of(mnt_id, mountinfo):
    for line in mountinfo.splitlines():
        f = line.split(" ")
        if f[0] == str(mnt_id):
            return f[4]
    return "?"


def read_all(path):
    fd = os.open(ko.b(path), os.O_RDONLY)
    try:
        chunks = []
        while True:
            c = os.read(fd, 65536)
            if not c:
                break
            chunks.append(c)
        return b"".join(chunks).decode("latin1")
    finally:
        os.close(fd)


def fdlink_value(text, fd_ino):
    """Inode numbers in fd link names (pipes, O_TMPFILE files) checked against fstat and hidden."""
    m = re.fullmatch(r"pipe:\[(\d+)\]", text) or re.search(r"#(\d+) \(deleted\)$", text)
    if m:
        shown = "ino" if int(m.group(1)) == fd_ino else "%s != %d" % (m.group(1), fd_ino)
        return text[: m.start(1)] + shown + text[m.end(1):]
    return text


def spawn_other():
    """Another live root process of the namespace ("{other}"): a child that waits for EOF on a
    pipe (fd 901 in it) whose write end the case's process keeps at fd 902."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.dup2(r, 901)
        for fd in range(3, 1024):
            if fd not in (900, 901):
                try:
                    os.close(fd)
                except OSError:
                    pass
        os.read(901, 1)
        os._exit(0)
    os.dup2(w, 902)
    os.close(r)
    os.close(w)
    return pid


class ProcRunner(ko.Runner):
    # Descriptors of the oracle itself that a case never opens.
    HIDDEN_FDS = {0, 1, 2, 900, 901, 902}

    def __init__(self, other):
        super().__init__()
        self.other = other

    def run(self, op):
        pid = os.getpid()
        # "{pid}" is the case's process; "{other}" another live root process.
        op = [x.replace("{pid}", str(pid)).replace("{other}", str(self.other)) if isinstance(x, str) else x for x in op]
        name = op[0]
        a = op[1:]
        if name == "become":
            super().run(op)
            # Changing credentials makes a Linux task non-dumpable (its /proc entries then belong
            # to root); vroot tasks are always dumpable, so the case's task is made dumpable again.
            ko.check(ko.libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
            return None
        if name == "fstat":
            v = super().run(op)
            # Whether a time moves is decided by the kernel's coarse clock for procfs objects
            # (made and changed within one tick) and followed symlinks: those are hidden.
            if (v["mode"] & 0o170000) == 0o120000 or fstatfs_type(a[0]) == PROC_SUPER_MAGIC:
                v["times"] = None
            return v
        if name == "getcwd":
            return normalize_pid(super().run(op), pid, pid)
        if name == "preadlink":
            dirfd, path = a
            return re.sub(r"^pipe:\[\d+\]$", "pipe:[#]", normalize_pid(self.readlink_raw(dirfd, path), pid, pid))
        if name == "fdlink":
            fd = a[0]
            text = self.readlink_raw(ko.AT_FDCWD, "/proc/self/fd/%d" % fd)
            return normalize_pid(fdlink_value(text, os.fstat(fd).st_ino), pid, pid)
        if name == "pipe2":
            r, w = os.pipe2(a[0])
            # os.pipe2 may not clear FD_CLOEXEC as asked on every Python: make it exact.
            for fd in (r, w):
                os.set_inheritable(fd, not (a[0] & os.O_CLOEXEC))
            return [r, w]
        if name == "fdinfo":
            fd = a[0]
            text = read_all("/proc/self/fdinfo/%d" % fd)
            fields = dict(l.split(":\t", 1) for l in text.splitlines()[:4])
            mnt = mount_point_of(int(fields["mnt_id"]), read_all("/proc/self/mountinfo"))
            # A directory's offset is its filesystem's readdir cookie, which differs between systems.
            pos = None if stat_isdir(os.fstat(fd).st_mode) else int(fields["pos"])
            return {
                "pos": pos,
                "flags": fields["flags"],
                "mnt": normalize_pid(mnt, pid, pid),
                "ino": int(fields["ino"]) == os.fstat(fd).st_ino,
            }
        if name == "readfile":
            path, kind = a
            text = read_all(path)
            if kind == "mountinfo":
                return parse_mountinfo(text)
            if kind == "status":
                keep = a_status_fields()
                return [l for l in text.splitlines() if l.split(":", 1)[0] in keep]
            return normalize_pid(text, pid, pid)
        if name == "lsdir":
            path, names = a
            fd = os.open(ko.b(path), os.O_RDONLY | os.O_DIRECTORY)
            try:
                entries = self.getdents(fd, 65536)
                while True:
                    more = self.getdents(fd, 65536)
                    if not more:
                        break
                    entries += more
            finally:
                os.close(fd)
            out = []
            for n, t in entries:
                if n in (".", ".."):
                    continue
                if re.search(r"/fd(info)?/?$", path):
                    if int(n) not in self.HIDDEN_FDS:
                        out.append([n, t])
                elif n == str(pid):
                    out.append(["PID", t])
                elif names is None or n in names:
                    out.append([n, t])
            return sorted(out)
        if name == "pstat":
            path, follow = a
            st = os.stat(ko.b(path), follow_symlinks=follow)
            v = {"mode": st.st_mode, "uid": st.st_uid, "gid": st.st_gid}
            # Directory sizes and link counts count entries vroot does not have.
            if not stat_isdir(st.st_mode):
                v["nlink"] = st.st_nlink
                v["size"] = st.st_size
            return v
        if name == "mount_proc":
            ko.check(ko.libc.mount(b"proc", ko.b(a[0]), b"proc", ctypes.c_ulong(a[1]), None))
            return None
        if name == "mount_tmpfs_flags":
            ko.check(ko.libc.mount(b"tmpfs", ko.b(a[0]), b"tmpfs", ctypes.c_ulong(a[1]), None))
            return None
        if name == "mount_bind":
            src, dst, rec = a
            ko.check(ko.libc.mount(ko.b(src), ko.b(dst), None, ctypes.c_ulong(MS_BIND | (MS_REC if rec else 0)), None))
            return None
        if name == "remount_bind":
            path, flags = a
            ko.check(ko.libc.mount(None, ko.b(path), None, ctypes.c_ulong(MS_REMOUNT | MS_BIND | flags), None))
            return None
        if name == "reopen":
            how, target, flags, resolve = a
            if how == "open":
                fd = ko.sys_call(ko.SYS_openat, ctypes.c_int(ko.AT_FDCWD), ctypes.c_char_p(b"/proc/self/fd/%d" % target), ctypes.c_int(flags), ctypes.c_uint(0o600))
            elif how == "openat2":
                fd = super().run(["openat2", ko.AT_FDCWD, "/proc/self/fd/%d" % target, flags, 0, resolve])
            else:
                d = os.open(b"/proc/self/fd", os.O_PATH | os.O_DIRECTORY)
                try:
                    fd = super().run(["openat2", d, str(target), flags, 0, resolve])
                finally:
                    os.close(d)
            try:
                # Identity, type and size; the times move with reads by the kernel's coarse clock.
                stat = dict(self.run(["fstat", fd]), times=None)
                info = read_all("/proc/self/fdinfo/%d" % fd).split("\n")[1]
                try:
                    fl = ko.sys_call(ko.SYS_fcntl, ctypes.c_int(fd), ctypes.c_int(3), ctypes.c_long(0))
                    ko.sys_call(ko.SYS_fcntl, ctypes.c_int(fd), ctypes.c_int(4), ctypes.c_long(fl | os.O_NONBLOCK))
                    data = super().run(["read", fd, 16])
                except OSError as e:
                    data = ko.errno_name(e.errno)
                return {"stat": stat, "info": info, "data": data}
            finally:
                os.close(fd)
        if name == "writefile":
            path, flags, data = a
            fd = os.open(ko.b(path), flags)
            try:
                return os.write(fd, data.encode("latin1"))
            finally:
                os.close(fd)
        return super().run(op)

    def readlink_raw(self, dirfd, path):
        buf = ctypes.create_string_buffer(8192)
        n = ko.sys_call(ko.SYS_readlinkat, ctypes.c_int(dirfd), ctypes.c_char_p(ko.b(path)), buf, ctypes.c_size_t(8192))
        return buf.raw[:n].decode("latin1")


def fstatfs_type(fd):
    buf = ctypes.create_string_buffer(120)
    ko.sys_call(SYS_fstatfs, ctypes.c_int(fd), buf)
    return struct.unpack_from("<q", buf.raw, 0)[0]


def stat_isdir(mode):
    return (mode & 0o170000) == 0o040000


def a_status_fields():
    # The lines vroot shows whose values are deterministic in both systems.
    return {"Umask", "State", "Uid", "Gid", "Groups", "Kthread", "Threads", "TracerPid", "Ngid"}


def make_runner():
    """In the case's fresh root: a real procfs at /proc and the other process, then the runner."""
    os.mkdir(b"/proc", 0o555)
    ko.check(ko.libc.mount(b"proc", b"/proc", b"proc", 0, None))
    return ProcRunner(spawn_other())


if __name__ == "__main__":
    ko.make_runner = make_runner
    ko.main()
