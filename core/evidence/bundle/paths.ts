/**
 * The rules a bundle entry's name and attributes must meet before anything
 * else looks at it. A name is a relative path of "/"-separated segments; the
 * rules reject every way a name can escape a directory or mean something else
 * on another file system. Pure; never throws.
 */
import { utf8 } from '../../codec/index.js';
import type { ZipEntryInput } from './types.js';

/** Longest name, in UTF-8 bytes (as stored in the archive). */
export const MAX_PATH_LENGTH = 1024;

export type PathReason =
  | 'BAD_NAME_ENCODING'
  | 'EMPTY_PATH'
  | 'PATH_TOO_LONG'
  | 'ABSOLUTE_PATH'
  | 'BACKSLASH'
  | 'DRIVE_LETTER'
  | 'PARENT_PATH'
  | 'DOT_SEGMENT'
  | 'EMPTY_SEGMENT'
  | 'CONTROL_CHARACTER';

/**
 * The first rule `name` breaks, or null. The rules are tried in the order
 * written here (docs/formats/evidence-bundle.md §5 step 2); the three segment
 * rules are applied segment by segment from the left, so the leftmost
 * offending segment decides (`a/./b/../c` is DOT_SEGMENT). Directory names
 * (ending in "/") are checked without the final "/".
 */
export function pathProblem(name: string, nameValid = true): { reason: PathReason; detail: string } | null {
  if (!nameValid) return { reason: 'BAD_NAME_ENCODING', detail: 'the name is not valid UTF-8' };
  if (name.length === 0) return { reason: 'EMPTY_PATH', detail: 'the name is empty' };
  const bytes = utf8(name).length;
  if (bytes > MAX_PATH_LENGTH) return { reason: 'PATH_TOO_LONG', detail: `the name is ${bytes} bytes in UTF-8, more than ${MAX_PATH_LENGTH}` };

  if (/[\u0000-\u001f\u007f]/.test(name)) return { reason: 'CONTROL_CHARACTER', detail: 'the name contains a control character' };
  if (name.includes('\\')) return { reason: 'BACKSLASH', detail: 'the name contains a backslash (a separator on Windows)' };
  if (name.startsWith('/')) return { reason: 'ABSOLUTE_PATH', detail: 'the name is an absolute path' };
  if (name.includes(':')) return { reason: 'DRIVE_LETTER', detail: 'the name contains a drive letter or ":"' };
  const body = name.endsWith('/') ? name.slice(0, -1) : name;
  for (const seg of body.split('/')) {
    if (seg === '..') return { reason: 'PARENT_PATH', detail: 'the name has a ".." segment' };
    if (seg === '.') return { reason: 'DOT_SEGMENT', detail: 'the name has a "." segment' };
    if (seg === '') return { reason: 'EMPTY_SEGMENT', detail: 'the name has an empty segment ("//")' };
  }
  return null;
}

export type EntryType = 'file' | 'directory' | 'symlink' | 'special';

const UNIX_HOST = 3;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const DOS_DIRECTORY = 0x10;
const WIN_REPARSE_POINT = 0x400;

/** What the external attributes say an entry is. Names ending in "/" are directories. */
export function entryType(e: Pick<ZipEntryInput, 'name' | 'versionMadeBy' | 'externalAttributes'>): EntryType {
  const attrs = e.externalAttributes >>> 0;
  if (attrs & WIN_REPARSE_POINT) return 'symlink';
  if (e.versionMadeBy >>> 8 === UNIX_HOST) {
    const mode = (attrs >>> 16) & S_IFMT;
    if (mode === S_IFLNK) return 'symlink';
    if (mode === S_IFDIR) return 'directory';
    if (mode !== 0 && mode !== S_IFREG) return 'special';
  }
  if (e.name.endsWith('/') || attrs & DOS_DIRECTORY) return 'directory';
  return 'file';
}

/** The key two names collide under on case-insensitive, normalising file systems. */
export function collisionKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}
