/** Files on the controller: where a relative src is found, and their checksums. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../base/errors.js';

/**
 * A relative src is looked up as Ansible's ad-hoc commands look it up (find_needle):
 * in ./files (./templates for templates) first, then in the current directory.
 */
export function findLocal(src: string, kind: 'files' | 'templates', module: string): string {
  const trailing = src.endsWith('/');
  const expanded = src === '~' || src.startsWith('~/') ? join(process.env.HOME ?? '', src.slice(1)) : src;
  const candidates = isAbsolute(expanded) ? [expanded] : [join(process.cwd(), kind, expanded), resolve(expanded)];
  const found = candidates.find((c) => existsSync(c));
  if (found === undefined) {
    throw new UsageError('FTL_BAD_ARGS', `${module}: could not find src '${src}' on the controller (looked in ${candidates.join(', ')})`, {
      hint: `give a path that exists here; relative paths are looked up in ./${kind} and then in ${process.cwd()}`,
    });
  }
  // A directory keeps the trailing slash it was given: it decides what a recursive copy copies.
  const plain = found.replace(/\/+$/, '');
  return trailing ? `${plain}/` : plain;
}

/** sha1 of bytes, as Ansible's checksum_s. */
export function sha1(data: Uint8Array): string {
  return createHash('sha1').update(data).digest('hex');
}

export function md5(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

/** sha1 of a local file, or undefined when it is missing or not a regular file (Ansible's checksum()). */
export function checksumOf(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return undefined;
    return sha1(readFileSync(path));
  } catch {
    return undefined;
  }
}
