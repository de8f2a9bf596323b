/**
 * The rules a PKCS#11 module path must pass before the console loads it.
 *
 * Loading a module runs its code in the console's process, as the operator:
 * so only a library that the operator (or root) controls is loaded.
 *
 *   absolute       the path is absolute (no search of the loader's path, no
 *                  dependence on the working directory);
 *   regular file   after resolving symlinks it names a regular file;
 *   not writable   the file is not writable by group or others, nor is its
 *                  directory or any directory above it up to "/" (else someone
 *                  else could replace the library or a directory on its path);
 *                  an ancestor with the sticky bit (like /tmp, 1777) passes,
 *                  since there others cannot rename entries they do not own;
 *   owner          the file, its directory and every ancestor belong to root
 *                  or to the user running the console (an owner can always make
 *                  them writable).
 *
 * The module is then loaded by its resolved path, so a symlink swapped after
 * the check changes nothing. On Windows only the first two rules apply (its
 * permissions are not mode bits).
 *
 * A path that breaks a rule: PKCS11_MODULE_REFUSED naming the rule; a path
 * where nothing is: PKCS11_MODULE_ERROR (the module cannot be loaded).
 */
import fs from 'node:fs';
import path from 'node:path';
import { CharterError } from '../core/errors.js';

export type ModuleRule = 'absolute' | 'regular-file' | 'file-writable' | 'directory-writable' | 'owner';

function refuse(modulePath: string, rule: ModuleRule, why: string, resolved?: string): never {
  throw new CharterError('PKCS11_MODULE_REFUSED', `the PKCS#11 module ${modulePath} was not loaded: ${why}`, {
    modulePath,
    rule,
    ...(resolved && resolved !== modulePath ? { resolved } : {}),
  });
}

/** The resolved path of a module that passes the rules; throws PKCS11_MODULE_REFUSED (or PKCS11_MODULE_ERROR when nothing is there). */
export function checkModulePath(modulePath: string): string {
  if (typeof modulePath !== 'string' || modulePath.length === 0) refuse(String(modulePath), 'absolute', 'no path was given');
  if (!path.isAbsolute(modulePath))
    refuse(modulePath, 'absolute', 'the path is not absolute (give the full path of the library, e.g. /usr/lib/softhsm/libsofthsm2.so)');
  let resolved: string;
  try {
    resolved = fs.realpathSync(modulePath);
  } catch (e) {
    throw new CharterError(
      'PKCS11_MODULE_ERROR',
      `cannot load the PKCS#11 module ${modulePath}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      { modulePath },
    );
  }
  const st = fs.statSync(resolved);
  if (!st.isFile()) refuse(modulePath, 'regular-file', `${resolved === modulePath ? 'it' : resolved} is not a regular file`, resolved);
  if (process.platform === 'win32') return resolved;
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const mode = (m: number) => `0${(m & 0o777).toString(8)}`;
  if ((st.mode & 0o022) !== 0)
    refuse(
      modulePath,
      'file-writable',
      `${resolved} is writable by ${st.mode & 0o002 ? 'others' : 'its group'} (mode ${mode(st.mode)}; chmod go-w it)`,
      resolved,
    );
  if (st.uid !== 0 && st.uid !== uid)
    refuse(modulePath, 'owner', `${resolved} belongs to user ${st.uid}, neither root nor the user running the console`, resolved);
  // The library's directory, then every ancestor up to "/": whoever can write to
  // one of them can rename the library (or a directory on its path) away and put
  // another in its place. Each must belong to root or the operator and be
  // writable by neither group nor others. One exception, for ancestors only: a
  // directory with the sticky bit (like /tmp, mode 1777) lets others create
  // entries but not rename or remove the ones they do not own, so a directory of
  // the operator's inside it cannot be swapped by them.
  let dir = path.dirname(resolved);
  for (let first = true; ; first = false) {
    const dst = fs.statSync(dir);
    const writable = dst.mode & 0o022;
    const sticky = (dst.mode & 0o1000) !== 0;
    const which = first ? `its directory ${dir}` : `the directory ${dir} on its path`;
    if (writable && (first || !sticky)) {
      refuse(
        modulePath,
        'directory-writable',
        `${which} is writable by ${dst.mode & 0o002 ? 'others' : 'its group'} (mode ${mode(dst.mode)}; chmod go-w it)`,
        resolved,
      );
    }
    if (dst.uid !== 0 && dst.uid !== uid)
      refuse(modulePath, 'owner', `${which} belongs to user ${dst.uid}, neither root nor the user running the console`, resolved);
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return resolved;
}
