// Node-specific: builds small programs of many formats and machines with the installed clang and
// lld, for tests that compare vroot's header parsing with LLVM's tools and feed real binaries to
// exec decisions. Every artifact is made from one trivial C file at test time.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** ELF targets: `link` says whether lld can link an executable with a PT_INTERP for it. */
export const ELF_TARGETS: readonly { triple: string; link: boolean }[] = [
  { triple: 'x86_64-linux-gnu', link: true }, { triple: 'i386-linux-gnu', link: true },
  { triple: 'aarch64-linux-gnu', link: true }, { triple: 'arm-linux-gnueabihf', link: true },
  { triple: 'riscv64-linux-gnu', link: true }, { triple: 'powerpc64-linux-gnu', link: true },
  { triple: 'powerpc64le-linux-gnu', link: true }, { triple: 'mips-linux-gnu', link: true },
  { triple: 's390x-linux-gnu', link: false },
];

/** Runs a command; returns stdout, or throws with its stderr. */
export function run(cmd: string, args: readonly string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...(input === undefined ? {} : { input }) });
  if (r.error !== undefined) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** The first of `names` found on PATH, or null. */
export function findTool(...names: string[]): string | null {
  for (const n of names) {
    const r = spawnSync('sh', ['-c', `command -v ${n}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim() !== '') return r.stdout.trim();
  }
  return null;
}

/** Paths of the built artifacts. */
export interface Artifacts {
  /** `e_<triple>.o` objects and `e_<triple>` executables whose PT_INTERP is `/lib/ld-<triple>.so`. */
  elf: { file: string; triple: string; linked: boolean }[];
  machoArm64Exe: string;
  machoArm64Obj: string;
  machoX64Obj: string;
  machoFat: string;
  peX64: string;
  peI386: string;
  peArm64: string;
  wasm: string;
}

/** Builds every artifact into `dir`. Throws when a tool is missing or fails. */
export function buildArtifacts(dir: string): Artifacts {
  const src = join(dir, 'm.c');
  writeFileSync(src, 'int main(void) { return 0; }\n');
  const out = (name: string): string => join(dir, name);
  const elf: Artifacts['elf'] = [];
  for (const t of ELF_TARGETS) {
    run('clang', [`--target=${t.triple}`, '-c', src, '-o', out(`e_${t.triple}.o`)]);
    elf.push({ file: out(`e_${t.triple}.o`), triple: t.triple, linked: false });
    if (t.link) {
      run('clang', [`--target=${t.triple}`, '-fuse-ld=lld', '-nostdlib', `-Wl,--dynamic-linker=/lib/ld-${t.triple}.so`,
        '-Wl,-e,main', '-o', out(`e_${t.triple}`), src]);
      elf.push({ file: out(`e_${t.triple}`), triple: t.triple, linked: true });
    }
  }
  run('clang', ['--target=arm64-apple-macos11', '-c', src, '-o', out('m_arm64.o')]);
  run('clang', ['--target=x86_64-apple-macos11', '-c', src, '-o', out('m_x64.o')]);
  const ld64 = findTool('ld64.lld', 'ld64.lld-14');
  const lipo = findTool('llvm-lipo', 'llvm-lipo-14');
  if (ld64 === null || lipo === null) throw new Error('ld64.lld or llvm-lipo missing');
  run(ld64, ['-arch', 'arm64', '-platform_version', 'macos', '11.0', '11.0', '-e', '_main', '-o', out('m_arm64'), out('m_arm64.o')]);
  run(lipo, ['-create', out('m_arm64.o'), out('m_x64.o'), '-output', out('m_fat.o')]);
  for (const [target, name] of [['x86_64-pc-windows-msvc', 'w_x64.exe'], ['i386-pc-windows-msvc', 'w_i386.exe'],
    ['aarch64-pc-windows-msvc', 'w_arm64.exe']] as const) {
    run('clang', [`--target=${target}`, '-fuse-ld=lld', '-nostdlib', '-Wl,/entry:main', '-Wl,/subsystem:console', '-o', out(name), src]);
  }
  run('clang', ['--target=wasm32-wasi', '-o', out('m.wasm'), src]);
  return {
    elf, machoArm64Exe: out('m_arm64'), machoArm64Obj: out('m_arm64.o'), machoX64Obj: out('m_x64.o'),
    machoFat: out('m_fat.o'), peX64: out('w_x64.exe'), peI386: out('w_i386.exe'), peArm64: out('w_arm64.exe'),
    wasm: out('m.wasm'),
  };
}
