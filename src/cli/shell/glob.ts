// This module is browser compatible.
/**
 * Filename expansion of the shell's patterns, through the guest: each component holding a
 * wildcard is matched against the names of the directories reached so far (a leading `.` only by
 * a pattern that starts with one, as in sh), other components are taken as they are, and the
 * results that exist are returned sorted in byte order.
 */
import { listNames } from '../../compose/guest_tree.js';
import type { ByteString } from '../../vfs/bytes.js';
import type { Process } from '../../vfs/process.js';
import { fnmatch, hasWildcard } from './_fnmatch.js';
import { statOrNull } from './_guest.js';

function unescape(s: ByteString): ByteString {
  return s.replace(/\\(.)/gs, '$1');
}

/** The paths `pattern` names in the guest, sorted; empty when none exists. */
export function expandGlob(p: Process, pattern: ByteString): ByteString[] {
  const absolute = pattern.startsWith('/');
  const parts = pattern.split('/').filter((x, i) => !(i === 0 && absolute && x === ''));
  const trailingSlash = pattern.endsWith('/') && pattern.length > 1;
  if (trailingSlash) parts.pop();
  let prefixes: ByteString[] = [absolute ? '/' : ''];
  for (const part of parts) {
    if (part === '') continue;
    const next: ByteString[] = [];
    for (const prefix of prefixes) {
      const join = (name: ByteString): ByteString => (prefix === '' ? name : prefix.endsWith('/') ? prefix + name : `${prefix}/${name}`);
      if (!hasWildcard(part)) {
        next.push(join(unescape(part)));
        continue;
      }
      let names: ByteString[];
      try {
        names = listNames(p, prefix === '' ? '.' : prefix);
      } catch {
        continue; // not a directory, or not readable: no matches there
      }
      for (const name of names.sort()) {
        if (name.startsWith('.') && !part.startsWith('.')) continue;
        if (fnmatch(part, name)) next.push(join(name));
      }
    }
    prefixes = next;
  }
  const out: ByteString[] = [];
  for (const path of prefixes) {
    if (path === '') continue;
    let st;
    try {
      st = statOrNull(p, path, trailingSlash);
    } catch {
      st = null;
    }
    if (st === null) continue;
    if (trailingSlash) {
      if ((st.mode & 0o170000) !== 0o040000) continue;
      out.push(path + '/');
    } else {
      out.push(path);
    }
  }
  return out.sort();
}
