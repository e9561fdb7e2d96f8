// Large real WebAssembly programs nobody here wrote, run on vroot roots through the WASI host:
// clang and wasm-ld (@yowasp/clang) compile and link a C program whose headers and libraries
// live in an EROFS image mounted in the root, and the result runs; CRuby (@ruby/3.4-wasm-wasi) walks, creates, renames, links and
// deletes files, and the results are checked through vroot afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AT_FDCWD, AT_SYMLINK_NOFOLLOW, O_DIRECTORY, O_RDONLY, S_IFLNK, S_IFMT } from '../../src/abi/constants.js';
import { Erofs } from '../../src/fs/erofs/reader/erofs.js';
import { MemorySink } from '../../src/fs/erofs/writer/byte_sink.js';
import { ProcessTreeSource } from '../../src/fs/erofs/writer/tree_source.js';
import { writeErofs } from '../../src/fs/erofs/writer/writer.js';
import { Tmpfs } from '../../src/fs/tmpfs/tmpfs.js';
import type { Process } from '../../src/vfs/process.js';
import { VirtualFileSystem } from '../../src/vfs/virtual_filesystem.js';
import { CollectStream } from '../../src/wasi/stdio.js';
import { Wasm, type WasmModule } from '../../src/wasi/wasm_api.js';
import { WasiHost } from '../../src/wasi/wasi_host.js';
import { writeFile } from './_guest.js';
import { extractTar } from './_tar.js';
import { REPO } from './_toolchain.js';

const CLANG = join(REPO, 'node_modules', '@yowasp', 'clang', 'gen');
const RUBY = join(REPO, 'node_modules', '@ruby', '3.4-wasm-wasi', 'dist', 'ruby+stdlib.wasm');

function readGuest(p: Process, path: string): Uint8Array {
  const fd = p.openat(AT_FDCWD, path, O_RDONLY);
  try {
    const out = new Uint8Array(p.fstat(fd).size);
    let done = 0;
    while (done < out.length) done += p.read(fd, out, done, out.length - done);
    return out;
  } finally {
    p.close(fd);
  }
}

/** Runs a command module with "/" preopened; returns its status and output. */
async function run(module: WasmModule, p: Process, args: string[]): Promise<{ status: number; out: string; calls: number }> {
  const out = new CollectStream();
  let calls = 0;
  const host = new WasiHost({ process: p, args, preopens: { '/': '/' }, stdout: out, stderr: out, trace: () => { calls++; } });
  try {
    const status = host.start(await Wasm.instantiate(module, host.getImportObject()));
    return { status, out: out.text(), calls };
  } finally {
    host.close();
  }
}

/** Splits clang's `-###` lines (` "arg" "arg" ...`) into argument lists. */
function driverCommands(text: string): string[][] {
  return text.split('\n').filter((l) => l.startsWith(' "')).map((line) => {
    const args = [...line.matchAll(/ "((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'));
    return args[0] === '' ? args.slice(1) : args;
  });
}

test('clang and wasm-ld from @yowasp/clang compile and link a program inside a vroot root; it runs', async (t) => {
  if (!existsSync(join(CLANG, 'llvm.core.wasm'))) return t.skip('@yowasp/clang is not installed (npm ci)');
  const vfs = new VirtualFileSystem();
  vfs.mount(new Tmpfs(), '/');
  const p = vfs.createProcess();
  for (const d of ['/usr', '/src', '/tmp', '/out']) p.mkdirat(AT_FDCWD, d, 0o755);
  // The toolchain's headers and libraries in an EROFS image (written by vroot from the package's
  // tar), mounted at /usr as an image layer is.
  const staging = new VirtualFileSystem();
  staging.mount(new Tmpfs(), '/');
  const files = extractTar(staging.createProcess(), readFileSync(join(CLANG, 'llvm-resources.tar')), '/');
  assert.ok(files > 2000, `${files} files unpacked`);
  const image = new MemorySink();
  writeErofs(new ProcessTreeSource(staging.createProcess(), '/'), image);
  p.mount(Erofs.open(image.bytes()), '/usr');
  writeFile(p, '/src/util.h', '#pragma once\n#include <stddef.h>\nsize_t count_vowels(const char *s);\n');
  writeFile(p, '/src/main.c', [
    '#include <stdio.h>', '#include <stdlib.h>', '#include <string.h>', '#include <ctype.h>', '#include <errno.h>',
    '#include <fcntl.h>', '#include <unistd.h>', '#include <sys/stat.h>', '#include "util.h"',
    'size_t count_vowels(const char *s) { size_t n = 0; for (; *s; s++) if (strchr("aeiou", tolower((unsigned char)*s))) n++; return n; }',
    'int main(int argc, char **argv) {',
    '  const char *word = argc > 1 ? argv[1] : "";',
    '  int fd = open("/out/result.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);',
    '  dprintf(fd, "%s has %zu vowels\\n", word, count_vowels(word));',
    '  close(fd);',
    '  struct stat st; stat("/out/result.txt", &st);',
    '  printf("wrote %lld bytes; greeting is %s\\n", (long long)st.st_size, getenv("GREETING") ? getenv("GREETING") : "nothing");',
    '  return (int)count_vowels(word);',
    '}', '',
  ].join('\n'));
  const clang = await Wasm.compile(readFileSync(join(CLANG, 'llvm.core.wasm')));
  const driver = await run(clang, p, ['yowasp-llvm', 'clang', '-###', '-O2', '-I/src', '/src/main.c', '-o', '/out/prog.wasm']);
  assert.equal(driver.status, 0, driver.out);
  const commands = driverCommands(driver.out);
  assert.equal(commands.length, 2, driver.out);
  assert.equal(commands[0]![1], '-cc1');
  assert.equal(commands[1]![0], 'wasm-ld');
  let calls = 0;
  for (const command of commands) {
    const r = await run(clang, p, ['yowasp-llvm', ...command]);
    assert.equal(r.status, 0, `${command[0]} ${command[1]}: ${r.out}`);
    calls += r.calls;
  }
  assert.ok(calls > 300, `the compiler and linker made ${calls} WASI calls`);
  // The program clang built runs under the same host.
  const prog = await Wasm.compile(readGuest(p, '/out/prog.wasm'));
  const out = new CollectStream();
  const host = new WasiHost({ process: p, args: ['prog', 'Education'], env: { GREETING: 'hi' }, preopens: { '/': '/' }, stdout: out });
  const status = host.start(await Wasm.instantiate(prog, host.getImportObject()));
  host.close();
  assert.equal(status, 5);
  assert.equal(new TextDecoder().decode(readGuest(p, '/out/result.txt')), 'Education has 5 vowels\n');
  assert.equal(out.text(), 'wrote 23 bytes; greeting is hi\n');
  // The headers came from the image, and the object file went to /tmp.
  assert.equal(p.statfs('/usr').type, 0xe0f5e1e2, 'EROFS_SUPER_MAGIC_V1');
  assert.equal(p.fstatat(AT_FDCWD, '/usr/include/wasm32-wasip1/stdio.h').nlink, 1);
  assert.ok(p.getdents64(p.openat(AT_FDCWD, '/tmp', O_RDONLY | O_DIRECTORY)).some((d) => d.name.endsWith('.o')));
});

const RUBY_SCRIPT = `
require 'fileutils'
require 'find'
require 'json'
Dir.chdir('/data')
50.times do |i|
  dir = "tree/d#{i % 5}/s#{i % 3}"
  FileUtils.mkdir_p(dir)
  File.write("#{dir}/f#{i}.txt", "file #{i}\\n" * (i + 1))
end
files = Dir.glob('tree/**/*.txt').sort
total = files.sum { |f| File.size(f) }
File.rename('tree/d0/s0/f0.txt', 'tree/d1/moved.txt')
FileUtils.mv('tree/d4', 'tree/d4-renamed')
File.link('tree/d1/moved.txt', 'tree/hard.txt')
File.symlink('d1/moved.txt', 'tree/soft.txt')
Dir.glob('tree/d2/**/*.txt').each { |f| File.delete(f) }
FileUtils.rm_rf('tree/d3')
found = []
Find.find('tree') { |path| found << path }
File.utime(Time.at(1_000_000_000, 5, :nsec), Time.at(1_500_000_000, 123_456_789, :nsec), 'tree/soft.txt')
errors = []
begin; Dir.rmdir('tree/d1'); rescue SystemCallError => e; errors << e.class.name; end
begin; File.open('tree/nope/x'); rescue SystemCallError => e; errors << e.class.name; end
begin; Dir.mkdir('tree'); rescue SystemCallError => e; errors << e.class.name; end
JSON.generate({
  files: files.size, total: total, found: found.size, nlink: File.stat('tree/hard.txt').nlink,
  readlink: File.readlink('tree/soft.txt'), through_link: File.read('tree/soft.txt'),
  children: Dir.children('tree').sort, errors: errors,
})
`;

test('CRuby from @ruby/3.4-wasm-wasi walks, creates, renames, links and deletes files in a vroot root', async (t) => {
  if (!existsSync(RUBY)) return t.skip('@ruby/3.4-wasm-wasi is not installed (npm ci)');
  const { RubyVM } = await import('@ruby/wasm-wasi');
  const vfs = new VirtualFileSystem();
  vfs.mount(new Tmpfs(), '/');
  const p = vfs.createProcess();
  p.mkdirat(AT_FDCWD, '/data', 0o755);
  const out = new CollectStream();
  const host = new WasiHost({ process: p, args: ['ruby'], preopens: { '/data': '/data' }, stdout: out, stderr: out });
  const module = await Wasm.compile(readFileSync(RUBY));
  const { vm } = await RubyVM.instantiateModule({ module: module as never, wasip1: host as never });
  const result = JSON.parse(vm.eval(RUBY_SCRIPT).toString()) as Record<string, unknown>;
  // What the script must have seen, computed here from its own rules.
  let total = 0;
  for (let i = 0; i < 50; i++) total += `file ${i}\n`.length * (i + 1);
  assert.equal(result['files'], 50);
  assert.equal(result['total'], total);
  // tree, d0..d4-renamed minus d3 (4 dirs), their s0..s2 (12), files left: 50 - 10 (d2) - 10 (d3), plus hard and soft.
  assert.equal(result['found'], 1 + 4 + 12 + 30 + 2);
  assert.equal(result['nlink'], 2);
  assert.equal(result['readlink'], 'd1/moved.txt');
  assert.equal(result['through_link'], 'file 0\n');
  assert.deepEqual(result['children'], ['d0', 'd1', 'd2', 'd4-renamed', 'hard.txt', 'soft.txt']);
  assert.deepEqual(result['errors'], ['Errno::ENOTEMPTY', 'Errno::ENOENT', 'Errno::EEXIST']);
  // And vroot agrees afterwards.
  const moved = p.fstatat(AT_FDCWD, '/data/tree/d1/moved.txt');
  const hard = p.fstatat(AT_FDCWD, '/data/tree/hard.txt');
  assert.equal(moved.ino, hard.ino);
  assert.equal(moved.nlink, 2);
  assert.deepEqual(moved.mtime, { sec: 1_500_000_000, nsec: 123_456_789 });
  // The script read the file after setting its times: relatime moved the old access time to now.
  assert.ok(moved.atime.sec > 1_500_000_000, 'atime updated by the read after utime');
  assert.equal(p.fstatat(AT_FDCWD, '/data/tree/soft.txt', AT_SYMLINK_NOFOLLOW).mode & S_IFMT, S_IFLNK);
  assert.equal(p.readlinkat(AT_FDCWD, '/data/tree/soft.txt'), 'd1/moved.txt');
  assert.throws(() => p.fstatat(AT_FDCWD, '/data/tree/d3'), { code: 'ENOENT' });
  assert.throws(() => p.fstatat(AT_FDCWD, '/data/tree/d0/s0/f0.txt'), { code: 'ENOENT' });
  assert.deepEqual(p.getdents64(p.openat(AT_FDCWD, '/data/tree/d2/s1', O_RDONLY | O_DIRECTORY)).map((d) => d.name).sort(), ['.', '..']);
  assert.equal(new TextDecoder().decode(readGuest(p, '/data/tree/d4-renamed/s1/f4.txt')), 'file 4\n'.repeat(5));
  assert.equal(out.text(), '');
});
