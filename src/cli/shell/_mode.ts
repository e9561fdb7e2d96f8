// This module is browser compatible.
/**
 * File mode arguments as chmod(1) and find's -perm read them: octal (`755`, `4755`) or symbolic
 * (`u+x,go-w`, `a=rX`, `g=u`, `+t`), with GNU's rules (checked against GNU chmod on generated
 * cases): no "who" means all, less the umask for the bits set or cleared, while `=` without one
 * clears every bit; `X` is execute for directories and for files already executable by someone;
 * `=` and octal modes of fewer than five digits keep the set-ID bits of a directory they do not
 * mention.
 */

/** A parsed mode: applies to an object's current mode. */
export type ModeChange = (old: number, isDir: boolean, umask: number) => number;

const WHO: Record<string, number> = { u: 0o4700, g: 0o2070, o: 0o1007, a: 0o7777 };

/** Parses a mode argument; null when it is not a valid mode. */
export function parseMode(text: string): ModeChange | null {
  if (/^[0-7]+$/.test(text)) {
    const value = parseInt(text, 8);
    if (value > 0o7777) return null;
    const keepDirIds = text.length < 5;
    return (old, isDir) => (isDir && keepDirIds ? value | (old & 0o6000) : value);
  }
  const clauses = text.split(',');
  const steps: { who: number; whoGiven: boolean; op: string; perms: string; copy: string }[] = [];
  for (const clause of clauses) {
    const m = /^([ugoa]*)((?:[-+=](?:[ugo]|[rwxXst]*))+)$/.exec(clause);
    if (m === null) return null;
    let who = 0;
    for (const c of m[1]!) who |= WHO[c]!;
    const whoGiven = m[1]!.length > 0;
    if (!whoGiven) who = 0o7777;
    for (const action of m[2]!.match(/[-+=](?:[ugo]|[rwxXst]*)/g)!) {
      const op = action[0]!;
      const rest = action.slice(1);
      const copy = /^[ugo]$/.test(rest) ? rest : '';
      steps.push({ who, whoGiven, op, perms: copy === '' ? rest : '', copy });
    }
  }
  return (old, isDir, umask) => {
    let mode = old & 0o7777;
    for (const s of steps) {
      let bits = 0;
      if (s.copy !== '') {
        // g=u and the like: the permission bits of one class, copied to the others.
        const shift = { u: 6, g: 3, o: 0 }[s.copy as 'u' | 'g' | 'o'];
        const rwx = (mode >> shift) & 7;
        bits = (rwx << 6) | (rwx << 3) | rwx;
      } else {
        for (const c of s.perms) {
          if (c === 'r') bits |= 0o444;
          else if (c === 'w') bits |= 0o222;
          else if (c === 'x') bits |= 0o111;
          else if (c === 'X') bits |= isDir || (mode & 0o111) !== 0 ? 0o111 : 0;
          else if (c === 's') bits |= 0o6000;
          else if (c === 't') bits |= 0o1000;
        }
      }
      let affected = bits & s.who;
      // Without a "who", the umask's bits are left alone (POSIX chmod).
      if (!s.whoGiven) affected &= ~umask;
      if (s.op === '+') mode |= affected;
      else if (s.op === '-') mode &= ~affected;
      else {
        // gnulib mode_adjust: = clears every bit of the named classes (all of them when none is
        // named, whatever the umask), except a directory's set-ID bits that it does not mention.
        const mentioned = s.whoGiven ? s.who & bits : bits;
        let preserved = s.whoGiven ? ~s.who & 0o7777 : 0;
        if (isDir) preserved |= 0o6000 & ~mentioned;
        mode = (mode & preserved) | affected;
      }
    }
    return mode;
  };
}
