#!/bin/sh
# Init script for a user-mode Linux booted with the host's root as its root (hostfs): makes the
# three ext4 filesystems record.py needs on loop files and records into $CASEFOLD_OUT.
# Usage (see README.md): linux mem=1500M root=/dev/root rootfstype=hostfs rootflags=/ rw \
#   init=/path/to/uml_init.sh CASEFOLD_OUT=/path/to/answers.jsonl.gz
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# UML with xstate support turned off does not keep AVX state across system calls: keep glibc
# on its SSE2 string functions.
export GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX,-AVX2,-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ,-EVEX,-AVX_Fast_Unaligned_Load
here=$(dirname "$0")
out=${CASEFOLD_OUT:?}
exec > "$out.log" 2>&1
set -x
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs -o size=1200m tmp /tmp
mkdir -p /tmp/img /tmp/relaxed /tmp/strict /tmp/plain
truncate -s 300M /tmp/img/relaxed /tmp/img/strict /tmp/img/plain
mkfs.ext4 -q -N 200000 -O casefold /tmp/img/relaxed
mkfs.ext4 -q -N 200000 -O casefold -E encoding_flags=strict /tmp/img/strict
mkfs.ext4 -q -N 200000 /tmp/img/plain
for fs in relaxed strict plain; do mount -o loop /tmp/img/$fs /tmp/$fs; done
dumpe2fs -h /tmp/img/strict 2>/dev/null | grep -i -E 'features|encoding'
/usr/bin/python3 "$here/record.py" --relaxed /tmp/relaxed --strict /tmp/strict --plain /tmp/plain --out "$out"
echo "recorder exit $?"
for fs in relaxed strict plain; do umount /tmp/$fs; done
sync
echo o > /proc/sysrq-trigger
