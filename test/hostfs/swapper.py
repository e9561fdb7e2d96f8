#!/usr/bin/env python3
"""A hostile host process for the hostfs escape test.

  swapper.py ROOT SEED TARGETS_JSON

Until SIGTERM, keeps changing the tree under ROOT while a guest walks it: exchanges directories
with symlinks to outside objects (renameat2 RENAME_EXCHANGE) and back, renames directories away
and puts such symlinks in their place, atomically replaces symlinks, moves subtrees between
directories. It never moves anything out of ROOT and never follows a symlink itself: it walks
with O_NOFOLLOW directory descriptors and acts on single names. On SIGTERM it prints how many
changes it made (after a first line, 'ready').
"""
import ctypes
import json
import os
import random
import signal
import stat
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)
SYS_renameat2 = 316
RENAME_EXCHANGE = 2
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC

root, seed, targets = sys.argv[1], int(sys.argv[2]), [t.encode('latin1') for t in json.loads(sys.argv[3])]
rng = random.Random(seed)
changes = 0


def stop(*_):
    sys.stdout.write('%d\n' % changes)
    sys.stdout.flush()
    os._exit(0)


signal.signal(signal.SIGTERM, stop)
# If the test that started this dies without stopping it, stop too (PR_SET_PDEATHSIG).
ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
parent = os.getppid()


def renameat2(olddir, old, newdir, new, flags):
    return libc.syscall(SYS_renameat2, olddir, old, newdir, new, flags) == 0


def hold():
    """Keeps a swapped state for a moment: mostly microseconds, sometimes milliseconds."""
    if rng.random() < 0.02:
        time.sleep(rng.random() * 0.003)
    else:
        for _ in range(rng.randrange(50)):
            pass


def directories(rootfd, limit=64):
    """Descriptors of directories below root, found without following any symlink."""
    out = [rootfd]
    i = 0
    while i < len(out) and len(out) < limit:
        fd = out[i]
        i += 1
        try:
            for e in os.scandir(fd):
                if e.is_dir(follow_symlinks=False) and len(out) < limit:
                    try:
                        out.append(os.open(e.name, DIR_FLAGS, dir_fd=fd))
                    except OSError:
                        pass
        except OSError:
            pass
    return out


rootfd = os.open(root, DIR_FLAGS)
sys.stdout.write('ready\n')
sys.stdout.flush()
dirs = []
while os.getppid() == parent:
    for fd in dirs:
        if fd != rootfd:
            os.close(fd)
    dirs = directories(rootfd)
    listing = {}
    for _ in range(2000):
        d = rng.choice(dirs)
        ns = listing.get(d)
        if ns is None or rng.random() < 0.05:
            try:
                ns = listing[d] = os.listdir(d)
            except OSError:
                continue
        if not ns:
            continue
        n = rng.choice(ns).encode('utf-8', 'surrogateescape')
        tmp = b'.swap%d' % rng.randrange(1 << 30)
        action = rng.choice((0, 0, 0, 1, 2, 3, 4))
        try:
            if action == 0:
                # A directory becomes a symlink to an outside object, then comes back.
                os.symlink(rng.choice(targets), tmp, dir_fd=d)
                if renameat2(d, n, d, tmp, RENAME_EXCHANGE):
                    changes += 1
                    hold()
                    if renameat2(d, n, d, tmp, RENAME_EXCHANGE):
                        changes += 1
                os.unlink(tmp, dir_fd=d)
            elif action == 1:
                # Rename away, a symlink takes the name, then the object returns.
                os.rename(n, tmp, src_dir_fd=d, dst_dir_fd=d)
                changes += 1
                try:
                    os.symlink(rng.choice(targets), n, dir_fd=d)
                    changes += 1
                    hold()
                    os.unlink(n, dir_fd=d)
                finally:
                    os.rename(tmp, n, src_dir_fd=d, dst_dir_fd=d)
                    changes += 1
            elif action == 2:
                # Atomically retarget a symlink.
                st = os.lstat(n, dir_fd=d)
                if stat.S_ISLNK(st.st_mode):
                    os.symlink(rng.choice(targets), tmp, dir_fd=d)
                    os.rename(tmp, n, src_dir_fd=d, dst_dir_fd=d)
                    changes += 1
            elif action == 3:
                # Move an entry to another directory of the tree (a subtree moves with it).
                d2 = rng.choice(dirs)
                os.rename(n, n, src_dir_fd=d, dst_dir_fd=d2)
                changes += 1
            else:
                # Swap two entries of one directory, whatever they are.
                m = rng.choice(ns).encode('utf-8', 'surrogateescape')
                if renameat2(d, n, d, m, RENAME_EXCHANGE):
                    changes += 1
        except OSError:
            try:
                os.unlink(tmp, dir_fd=d)
            except OSError:
                pass
