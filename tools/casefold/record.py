#!/usr/bin/env python3
"""Records the kernel's answers for ext4 casefold lookups (see README.md in this folder).

Runs as root inside a Linux that has CONFIG_UNICODE, with three ext4 filesystems mounted:
  --relaxed DIR   made by `mkfs.ext4 -O casefold` (encoding utf8-12.1, no flags)
  --strict DIR    made by `mkfs.ext4 -O casefold -E encoding_flags=strict`
  --plain DIR     made by `mkfs.ext4` (no casefold feature)
Every case is a list of operations on paths relative to the root of one of them; the answer of
each operation is recorded. Cases are generated from a seed, so a run is reproducible. The
output is gzip-compressed JSON lines: one header line, then one line per case:
  {"fs": "relaxed"|"strict"|"plain", "ops": [[op, arg...], ...], "res": [answer, ...]}
Names and paths are hex-encoded bytes (names need not be UTF-8). Answers:
  an errno name ("ENOENT"), or
  mkdir/creat/excl/symlink/link/rename/unlink/rmdir/setcf/drop: null on success,
    except creat/excl, which answer the label of the object opened;
  stat/open: the label of the object found (open: [label, /proc/self/fd path as hex]);
  cwd: the getcwd() after chdir, as hex; list: sorted [[name hex, label], ...];
  getcf: 1 or 0 (FS_CASEFOLD_FL of the directory).
A label names an object by the index of the operation that created it ("#3"); "?" is an
object the case did not create. Paths from getcwd and /proc/self/fd are relative to the
filesystem root, starting with "/".
"""
import argparse
import ctypes
import errno
import fcntl
import gzip
import json
import os
import random
import struct
import sys
import unicodedata

FS_IOC_GETFLAGS = 0x80086601
FS_IOC_SETFLAGS = 0x40086602
FS_CASEFOLD_FL = 0x40000000
RENAME_NOREPLACE = 1
RENAME_EXCHANGE = 2
SYS_renameat2 = 316
AT_FDCWD = -100

libc = ctypes.CDLL(None, use_errno=True)


def renameat2(old, new, flags):
    r = libc.syscall(SYS_renameat2, AT_FDCWD, ctypes.c_char_p(old), AT_FDCWD, ctypes.c_char_p(new), flags)
    if r != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def u(s):
    """A name given as text, as UTF-8 bytes."""
    return s.encode('utf-8', 'surrogatepass')


# ---------------------------------------------------------------- names

# Spellings that ext4 casefold may or may not consider equal; every ordered pair is tried.
FAMILIES = [
    ['ß', 'ẞ', 'ss', 'SS', 'sS', 'Ss', 'ſs', 'ſſ', 'ßs'],
    ['i', 'I', 'İ', 'ı', 'i\u0307', 'I\u0307', 'ı\u0307'],
    ['σ', 'ς', 'Σ', 'ΣΑΣ', 'σας', 'σασ', 'ςας', 'ΣΑς'],
    ['ﬁ', 'fi', 'FI', 'Fi', 'ﬂ', 'fl'],
    ['ﬀ', 'ff', 'FF', 'ﬃ', 'ffi', 'FFI', 'ﬀi', 'fﬁ'],
    ['ﬅ', 'ﬆ', 'st', 'ST', 'ſt'],
    ['Ａ', 'ａ', 'A', 'a'],
    ['K', 'k', '\u212a'],
    ['Å', 'å', '\u212b', 'A\u030a', 'a\u030a'],
    ['Ω', 'ω', '\u2126'],
    ['µ', 'μ', 'Μ'],
    ['ΐ', '\u1fd3', 'ι\u0308\u0301', 'Ϊ́', 'Ι\u0308\u0301', 'ι\u0301\u0308'],
    ['ᾳ', 'ᾼ', 'αι', 'ΑΙ', 'α\u0345', 'Α\u0345', 'αι\u0345'],
    ['ᾀ', 'ᾈ', 'ἀι', 'Ἀι', 'α\u0313\u0345', 'α\u0345\u0313'],
    ['Ё', 'ё', 'Е\u0308', 'е\u0308'],
    ['Й', 'й', 'И\u0306', 'и\u0306'],
    ['և', 'եւ', 'ԵՒ', 'Եւ', 'եՒ'],
    ['ﬓ', 'մն', 'ՄՆ', 'Մն'],
    ['Ꭰ', 'ꭰ'],
    ['ᏸ', 'Ᏸ'],
    ['Ა', 'ა', 'Ⴀ', 'ⴀ'],
    ['𐐀', '𐐨'],
    ['𞤀', '𞤢'],
    ['Ꟃ', 'ꟃ'],
    ['Ᶎ', 'ᶎ'],
    ['Ꟈ', 'ꟈ'],  # Unicode 13.0: unassigned in 12.1
    ['Ⱟ', 'ⱟ'],  # Unicode 14.0
    ['Ꟁ', 'ꟁ'],  # Unicode 14.0
    ['한', '\u1112\u1161\u11ab', '하\u11ab'],
    ['가', '\u1100\u1161'],
    ['ab', 'a\u200bb', 'a\u00adb', 'a\u200db', 'a\ufe0fb', 'a\U000e0001b', 'a\u034fb', 'A\u2060B', '\u200bab', 'ab\u200b', 'a\u180eb', 'a\u3164b'],
    ['\u200b', '\u200c', '\u00ad', '\u200b\u200b', '\ufeff'],
    ['ạ\u0301', 'á\u0323', 'a\u0301\u0323', 'a\u0323\u0301', 'A\u0323\u0301', 'Ạ\u0301', 'a\u0301\u200b\u0323', 'a\u0301\u034f\u0323', 'ậ'],
    ['ệ', 'ê\u0323', 'ẹ\u0302', 'e\u0323\u0302', 'e\u0302\u0323', 'Ệ', 'E\u0302\u0323'],
    ['ǅ', 'Ǆ', 'ǆ', 'dž', 'DŽ', 'Dž', 'dz\u030c'],
    ['ŉ', 'ʼn', 'ʼN'],
    ['ǰ', 'J\u030c', 'j\u030c'],
    ['Ⅻ', 'ⅻ', 'XII'],
    ['Ⓐ', 'ⓐ', 'A'],
    ['①', '1'],
    ['ｶ', 'カ'],
    ['ℌ', 'H', 'h'],
    ['ﬖ', 'վն', 'ՎՆ'],
    ['ǈ', 'Ǉ', 'ǉ', 'lj', 'LJ'],
    ['ͅ', 'ι', 'Ι', 'ι'],
    ['ϐ', 'β', 'Β'],
    ['ẛ', 'ṡ', 'Ṡ', 's\u0307'],
    ['ẞa', 'SSA', 'ßA', 'ssa'],
    ['Straße', 'STRASSE', 'strasse', 'Strasse', 'STRAẞE'],
    ['ΌΣΟΣ', 'όσος', 'όσοσ', 'Όσος', 'ο\u0301σος'],
    ['Ǻ', 'ǻ', 'A\u030a\u0301', 'Å\u0301', 'a\u030a\u0301'],
    ['Ḉ', 'ḉ', 'C\u0327\u0301', 'c\u0301\u0327', 'Ç\u0301'],
    ['😀', '😀\ufe0f'],
    ['\U0001f1e9\U0001f1ea', 'DE'],
    ['\uffff', '\ufffe', '\U0010ffff', '\U000e0100'],
    ['\ue000', '\U000f0000'],
    ['\u0378', '\u0379'],  # unassigned
    ['𝐀', 'A', 'a'],
]

# Byte strings that are not valid UTF-8, in the families they are compared in.
INVALID_FAMILIES = [
    [b'\xff', b'\xfe', b'a\xff', b'A\xff'],
    [b'A\x80', b'a\x80', b'A\x80B', b'a\x80b'],
    [b'\x80abc', b'\x80ABC'],
    [b'\xc0\xaf', b'/'.replace(b'/', b'\xc0\xaf') + b'x'],
    [b'\xed\xa0\x80', b'\xed\xbf\xbfA', b'\xed\xbf\xbfa'],
    [b'\xf4\x90\x80\x80', b'\xf8\x88\x80\x80\x80'],
    [b'ab\xe2\x82', b'AB\xe2\x82', b'ab\xe2\x82\xac', b'AB\xe2\x82\xac'],
    [u('é') + b'\xff', u('É') + b'\xff', u('e\u0301') + b'\xff'],
    [b'a' + u('\u0301') + b'\x80' + u('\u0323'), b'A' + u('\u0301') + b'\x80' + u('\u0323'), b'a' + u('\u0323\u0301') + b'\x80'],
    [u('\u200b') + b'\x80', b'\x80', u('\u00ad') + b'\x80'],
    [b'\xc3', b'\xc3\xa9', b'\xc3\x89', b'\xc3('],
    [b'\xe0\x80\xaf', b'\xe0\xa0\x80', b'\xef\xbf\xbe'],
]


def long_family():
    fam = []
    fam.append([b'A' * 255, b'a' * 255, b'A' * 254 + b'\xc3\x9f'[:1]])
    fam.append([u('ß' * 127 + 'x'), u('ss' * 127 + 'x'), u('SS' * 127 + 'X'), u('ẞ' * 85)])
    fam.append([u('ẞ' * 85), u('ss' * 85), u('ß' * 85), u('SS' * 85)])
    fam.append([u('ΐ' * 127), u('Ϊ́' * 63), u('ι\u0308\u0301' * 42), u('ΐ' * 126 + 'x')])
    fam.append([u('ﬃ' * 85), u('ffi' * 85), u('FFI' * 85), u('ﬃ' * 84 + 'FFI')])
    fam.append([b'a' * 256, b'A' * 256, b'a' * 254 + u('ß'), b'a' * 254 + b'ss'])
    fam.append([b'A' * 253 + u('ß'), b'a' * 253 + b'ss', b'a' * 253 + b'SS', b'a' * 253 + u('ẞ')[:2]])
    fam.append([u('한' * 85), u('\u1112\u1161\u11ab' * 28), u('\u1112\u1161\u11ab' * 9)])
    fam.append([u('\u200b' * 85), u('\u200c' * 85), b''.join([u('\u200b')] * 84) + b'a', b'a'])
    fam.append([u('Ａ' * 85), u('ａ' * 85), b'a' * 85])
    return fam


# Characters random names are made of: cased letters, marks, ignorables, special folds.
POOL = list('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_. ~') + list(
    'éÉèÈêÊëËàÀáÁâÂäÄåÅæÆçÇñÑøØœŒÿŸßẞſıİķĶđĐǅǄǆŉǰ'
    'αβγδεζηθικλμνξοπρσςτυφχψωΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩάέήίόύώΆΈΉΊΌΎΏΐΰϊϋ'
    'абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ'
    'աբգդեզէըթժիլխծկհձղճմյնշոչպջռսվտրցւփքօֆԱԲԳԴԵԶԷԸԹԺԻԼԽԾԿՀՁՂՃՄՅՆՇՈՉՊՋՌՍՎՏՐՑՒՓՔՕՖև'
    'ﬀﬁﬂﬃﬄﬅﬆﬓﬔﬕﬖﬗＡＢＣａｂｃ０１ｶｷ'
    'ᾳᾼῃῌῳῼᾀᾈᾐᾘ'
    'ᎠᎡᎢꭰꭱꭲᏸᏹᏰᏱ'
    'ႠႡⴀⴁᲐᲑაბ'
    '가각한글각'
    '中文字日本'
    'ⅠⅡⅰⅱⓐⒶ①K\u212b\u2126µ'
    'ǈǇǉǋǊǌ'
) + ['\u0300', '\u0301', '\u0302', '\u0303', '\u0308', '\u030a', '\u030c', '\u0323', '\u0327', '\u0345', '\u0313',
     '\u05b0', '\u0591', '\u302a', '\u1dce',
     '\u200b', '\u200c', '\u200d', '\u00ad', '\u034f', '\u2060', '\ufe0f', '\ufeff', '\U000e0041', '\u180e',
     '\U00010400', '\U00010428', '\U0001e900', '\U0001e922', '\U0001f600', '\U0001d400',
     '\ua7c2', '\ua7c3', '\ua7c7', '\ua7c8', '\u2c2f', '\u2c5f', '\u0378', '\ue000', '\uffff']

IGNORABLES = ['\u200b', '\u200c', '\u200d', '\u00ad', '\u034f', '\u2060', '\ufe0f', '\ufeff', '\U000e0041']


def random_text(rng, lo=1, hi=10):
    n = rng.randint(lo, hi)
    s = ''.join(rng.choice(POOL) for _ in range(n))
    if s in ('.', '..'):
        s += 'x'
    return s


def variant(rng, s):
    """A spelling of s that casefold may consider the same name (or sometimes not)."""
    r = rng.random()
    if r < 0.15:
        return s.upper()
    if r < 0.25:
        return s.lower()
    if r < 0.35:
        return unicodedata.normalize('NFD', s)
    if r < 0.45:
        return unicodedata.normalize('NFC', s)
    if r < 0.5:
        return s.swapcase()
    out = []
    for ch in s:
        x = rng.random()
        if x < 0.3:
            out.append(ch.swapcase() if len(ch.swapcase()) < 4 else ch)
        elif x < 0.36:
            out.append(unicodedata.normalize('NFD', ch))
        elif x < 0.4:
            out.append(ch)
            out.append(rng.choice(IGNORABLES))
        elif x < 0.42 and ch in IGNORABLES:
            pass
        elif x < 0.44:
            out.append(rng.choice(POOL))
        elif x < 0.46:
            out.append({'ß': 'ss', 'ẞ': 'SS', 's': 'ſ', 'i': 'İ', 'I': 'ı', 'σ': 'ς', 'ς': 'Σ'}.get(ch, ch))
        else:
            out.append(ch)
    t = ''.join(out)
    # Swap two adjacent combining marks now and then (canonical ordering).
    if rng.random() < 0.2:
        d = list(unicodedata.normalize('NFD', t))
        idx = [i for i in range(len(d) - 1) if unicodedata.combining(d[i]) and unicodedata.combining(d[i + 1])]
        if idx:
            i = rng.choice(idx)
            d[i], d[i + 1] = d[i + 1], d[i]
            t = ''.join(d)
    if t in ('', '.', '..'):
        t = s
    return t


def corrupt(rng, b):
    """Makes a byte string invalid UTF-8 in one of the ways the kernel tells apart."""
    kinds = [b'\xff', b'\x80', b'\xc3', b'\xe2\x82', b'\xc0\xaf', b'\xed\xa0\x80', b'\xf4\x90\x80\x80']
    k = rng.choice(kinds)
    i = rng.randint(0, len(b))
    return b[:i] + k + b[i:]


# ---------------------------------------------------------------- cases

def hx(b):
    return b.hex()


PAIR_OPS = ['stat', 'open', 'excl', 'creat', 'mkdir', 'rename', 'noreplace', 'exchange', 'rename_over',
            'unlink', 'link', 'symlink', 'walk', 'cwd']


def pair_case(case_dir, a, a_type, b, op, casefold=True):
    """Create name a, then operate with name b; returns the op list."""
    d = case_dir
    ops = [['mkdir', d]]
    if casefold:
        ops.append(['setcf', d, 1])
    ops.append(['mkdir' if a_type == 'd' else 'excl', d + b'/' + a])
    if op == 'walk':
        ops.append(['excl', d + b'/' + a + b'/x'])
    other = d + b'/' + u('§other')
    if op in ('rename_over', 'link', 'exchange'):
        ops.append(['excl', other])
    pb = d + b'/' + b
    pa = d + b'/' + a
    if op == 'stat':
        ops.append(['stat', pb])
    elif op == 'open':
        ops.append(['open', pb])
    elif op == 'excl':
        ops.append(['excl', pb])
    elif op == 'creat':
        ops.append(['creat', pb])
    elif op == 'mkdir':
        ops.append(['mkdir', pb])
    elif op == 'rename':
        ops.append(['rename', pa, pb, 0])
    elif op == 'noreplace':
        ops.append(['rename', pa, pb, RENAME_NOREPLACE])
    elif op == 'exchange':
        ops.append(['rename', other, pb, RENAME_EXCHANGE])
    elif op == 'rename_over':
        ops.append(['rename', other, pb, 0])
    elif op == 'unlink':
        ops.append(['rmdir' if a_type == 'd' else 'unlink', pb])
    elif op == 'link':
        ops.append(['link', other, pb])
    elif op == 'symlink':
        ops.append(['symlink', pb])
    elif op == 'walk':
        ops.append(['stat', pb + b'/x'])
    elif op == 'cwd':
        ops.append(['cwd', pb])
    ops.append(['list', d])
    ops.append(['stat', pa])
    ops.append(['stat', pb])
    return ops


def op_type_for(op, rng):
    if op in ('walk', 'cwd'):
        return 'd'
    return 'd' if rng.random() < 0.25 else 'f'


def generate(seed):
    rng = random.Random(seed)
    cases = []
    n = [0]

    def cdir():
        n[0] += 1
        return b'c%d' % n[0]

    def add(fs, ops):
        cases.append({'fs': fs, 'ops': ops})

    # 1. Families: every ordered pair, one operation each (rotating), on both encodings.
    fams = [[u(s) for s in f] for f in FAMILIES] + INVALID_FAMILIES + long_family()
    k = 0
    for fam in fams:
        for a in fam:
            for b in fam:
                op = PAIR_OPS[k % len(PAIR_OPS)]
                k += 1
                t = op_type_for(op, rng)
                add('relaxed', pair_case(cdir(), a, t, b, op))
                add('strict', pair_case(cdir(), a, t, b, PAIR_OPS[(k + 5) % len(PAIR_OPS)] if op not in ('walk', 'cwd') else op))
    # 2. Random names and variants.
    for i in range(2600):
        a = random_text(rng)
        b = variant(rng, a) if rng.random() < 0.85 else random_text(rng)
        ab, bb = u(a), u(b)
        if rng.random() < 0.12:
            if rng.random() < 0.5:
                ab = corrupt(rng, ab)
                bb = ab if rng.random() < 0.3 else corrupt(rng, bb)
            else:
                bb = corrupt(rng, bb)
        op = rng.choice(PAIR_OPS)
        fs = 'strict' if rng.random() < 0.3 else 'relaxed'
        add(fs, pair_case(cdir(), ab, op_type_for(op, rng), bb, op))
    # 3. Directories without the casefold flag stay case-sensitive, even on a casefold filesystem.
    for i in range(250):
        a = random_text(rng)
        b = variant(rng, a)
        op = rng.choice(PAIR_OPS)
        add(rng.choice(['relaxed', 'plain']), pair_case(cdir(), u(a), op_type_for(op, rng), u(b), op, casefold=False))
    # 4. Cold lookups: names created, caches dropped, then looked up by another spelling (the
    #    on-disk comparison instead of the dentry cache's).
    for i in range(40):
        d = cdir()
        fs = 'strict' if i % 4 == 3 else 'relaxed'
        ops = [['mkdir', d], ['setcf', d, 1]]
        names = []
        for j in range(25):
            a = u(random_text(rng)) if j % 5 else rng.choice(rng.choice(fams))
            names.append(a)
            ops.append(['excl', d + b'/' + a])
        ops.append(['drop'])
        for a in names:
            try:
                b = u(variant(rng, a.decode('utf-8'))) if rng.random() < 0.9 else u(random_text(rng))
            except UnicodeDecodeError:
                b = a
            ops.append(['stat', d + b'/' + b])
        ops.append(['list', d])
        add(fs, ops)
    # 5. Big directories (hashed tree directories on ext4), looked up warm and cold.
    for fs in ('relaxed', 'strict'):
        d = cdir()
        ops = [['mkdir', d], ['setcf', d, 1]]
        names = []
        for j in range(1500):
            a = u(random_text(rng, 1, 16))
            if j % 50 == 0:
                a = corrupt(rng, a)
            names.append(a)
            ops.append(['excl', d + b'/' + a])
        for warm in (True, False):
            if not warm:
                ops.append(['drop'])
            for a in rng.sample(names, 300):
                try:
                    b = u(variant(rng, a.decode('utf-8')))
                except UnicodeDecodeError:
                    b = a
                ops.append(['stat', d + b'/' + b])
        ops.append(['list', d])
        add(fs, ops)
    # 6. The casefold flag itself: who may set it, and inheritance.
    for fs in ('relaxed', 'strict', 'plain'):
        d = cdir()
        f = d + b'/f'
        ops = [
            ['mkdir', d], ['getcf', d], ['setcf', d, 1], ['getcf', d],
            ['mkdir', d + b'/Sub'], ['getcf', d + b'/sub'], ['excl', d + b'/sub/F'], ['stat', d + b'/SUB/f'],
            ['excl', f], ['setcf', f, 1], ['getcf', f],
            ['setcf', d, 0], ['setcf', d + b'/sub', 0],
            ['unlink', d + b'/sub/f'], ['setcf', d + b'/SUB', 0], ['getcf', d + b'/sub'],
            ['excl', d + b'/sub/G'], ['stat', d + b'/sub/g'], ['stat', d + b'/sub/G'],
            ['mkdir', d + b'/sub/Deep'], ['getcf', d + b'/sub/Deep'],
            ['mkdir', d + b'/plain'], ['excl', d + b'/plain/X'],
            ['rename', d + b'/plain', d + b'/moved', 0], ['getcf', d + b'/MOVED'], ['stat', d + b'/moved/x'],
            ['stat', d + b'/MOVED/X'],
            ['mkdir', b'p' + d], ['mkdir', b'p' + d + b'/Plain'], ['excl', b'p' + d + b'/Plain/Y'],
            ['rename', b'p' + d + b'/Plain', d + b'/Plain2', 0], ['getcf', d + b'/plain2'], ['stat', d + b'/plain2/y'],
            ['stat', d + b'/plain2/Y'], ['mkdir', d + b'/plain2/In'], ['getcf', d + b'/plain2/In'],
            ['mkdir', b'p' + d + b'/Cf'], ['setcf', b'p' + d + b'/Cf', 1],
            ['excl', b'p' + d + b'/Cf/A'], ['rename', b'p' + d + b'/Cf', d + b'/cf2', 0],
            ['getcf', d + b'/CF2'], ['stat', d + b'/cf2/a'],
            ['link', d + b'/F', b'p' + d + b'/F'], ['link', d + b'/F', b'p' + d + b'/f'],
            ['list', b'p' + d],
            ['setcf', b'p' + d, 1], ['unlink', b'p' + d + b'/F'], ['unlink', b'p' + d + b'/f'],
            ['setcf', b'p' + d, 1], ['getcf', b'p' + d],
            ['list', d],
        ]
        add(fs, ops)
    return cases


# ---------------------------------------------------------------- running

class Runner:
    def __init__(self, roots):
        self.roots = roots

    def run(self, case):
        root = self.roots[case['fs']]
        labels = {}
        res = []
        for i, op in enumerate(case['ops']):
            try:
                r = self.do(root, op, labels, i)
            except OSError as e:
                # EOPNOTSUPP and ENOTSUP are one number on Linux; name it as the kernel source does.
                r = 'EOPNOTSUPP' if e.errno == errno.EOPNOTSUPP else errno.errorcode.get(e.errno, str(e.errno))
            res.append(r)
        return res

    def label(self, st, labels):
        return labels.get((st.st_dev, st.st_ino), '?')

    def do(self, root, op, labels, i):
        kind = op[0]
        p = lambda x: root + b'/' + x  # noqa: E731
        if kind == 'mkdir':
            os.mkdir(p(op[1]), 0o755)
            st = os.lstat(p(op[1]))
            labels[(st.st_dev, st.st_ino)] = '#%d' % i
            return None
        if kind in ('creat', 'excl'):
            flags = os.O_CREAT | os.O_WRONLY | (os.O_EXCL if kind == 'excl' else 0)
            existed = False
            if kind == 'creat':
                # Inode numbers are reused: tell a new object from an existing one first.
                try:
                    os.lstat(p(op[1]))
                    existed = True
                except OSError:
                    pass
            fd = os.open(p(op[1]), flags, 0o644)
            try:
                st = os.fstat(fd)
                key = (st.st_dev, st.st_ino)
                if not existed or key not in labels:
                    labels[key] = '#%d' % i
                return labels[key]
            finally:
                os.close(fd)
        if kind == 'symlink':
            os.symlink(b't', p(op[1]))
            st = os.lstat(p(op[1]))
            labels[(st.st_dev, st.st_ino)] = '#%d' % i
            return None
        if kind == 'link':
            os.link(p(op[1]), p(op[2]))
            return None
        if kind == 'rename':
            renameat2(p(op[1]), p(op[2]), op[3])
            return None
        if kind == 'unlink':
            os.unlink(p(op[1]))
            return None
        if kind == 'rmdir':
            os.rmdir(p(op[1]))
            return None
        if kind == 'stat':
            return self.label(os.lstat(p(op[1])), labels)
        if kind == 'open':
            fd = os.open(p(op[1]), os.O_RDONLY)
            try:
                where = os.readlink(b'/proc/self/fd/%d' % fd)
                return [self.label(os.fstat(fd), labels), hx(where[len(root):])]
            finally:
                os.close(fd)
        if kind == 'cwd':
            os.chdir(p(op[1]))
            try:
                return hx(os.getcwdb()[len(root):])
            finally:
                os.chdir(b'/')
        if kind == 'list':
            names = sorted(os.listdir(p(op[1])))
            return [[hx(n), self.label(os.lstat(p(op[1]) + b'/' + n), labels)] for n in names]
        if kind in ('getcf', 'setcf'):
            fd = os.open(p(op[1]), os.O_RDONLY | os.O_NONBLOCK)
            try:
                buf = bytearray(struct.pack('l', 0))
                fcntl.ioctl(fd, FS_IOC_GETFLAGS, buf)
                flags = struct.unpack('l', buf)[0]
                if kind == 'getcf':
                    return 1 if flags & FS_CASEFOLD_FL else 0
                flags = (flags | FS_CASEFOLD_FL) if op[2] else (flags & ~FS_CASEFOLD_FL)
                fcntl.ioctl(fd, FS_IOC_SETFLAGS, struct.pack('l', flags))
                return None
            finally:
                os.close(fd)
        if kind == 'drop':
            os.sync()
            with open('/proc/sys/vm/drop_caches', 'w') as f:
                f.write('2\n')
            return None
        raise ValueError(kind)


def encode_ops(ops):
    return [[x.hex() if isinstance(x, bytes) else x for x in op] for op in ops]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--relaxed', required=True)
    ap.add_argument('--strict', required=True)
    ap.add_argument('--plain', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--seed', type=int, default=20240612)
    args = ap.parse_args()
    roots = {'relaxed': os.fsencode(args.relaxed), 'strict': os.fsencode(args.strict), 'plain': os.fsencode(args.plain)}
    cases = generate(args.seed)
    runner = Runner(roots)
    uname = os.uname()
    header = {
        'recorder': 'tools/casefold/record.py',
        'seed': args.seed,
        'kernel': uname.release + ' ' + uname.version,
        'filesystems': {
            'relaxed': 'ext4, mkfs.ext4 -O casefold (utf8-12.1)',
            'strict': 'ext4, mkfs.ext4 -O casefold -E encoding_flags=strict',
            'plain': 'ext4, mkfs.ext4 (no casefold feature)',
        },
        'cases': len(cases),
    }
    with gzip.open(args.out, 'wt', encoding='ascii', compresslevel=9) as out:
        out.write(json.dumps(header) + '\n')
        for n, case in enumerate(cases):
            res = runner.run(case)
            out.write(json.dumps({'fs': case['fs'], 'ops': encode_ops(case['ops']), 'res': res}, separators=(',', ':')) + '\n')
            if n % 1000 == 0:
                print('case', n, 'of', len(cases), file=sys.stderr, flush=True)
    print('recorded', len(cases), 'cases', file=sys.stderr)


if __name__ == '__main__':
    main()
