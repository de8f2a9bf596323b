/**
 * File primitives every Node-side layer shares (hsm/ and main/ both import
 * them; base/ imports nothing but Node): atomic writes, the private modes
 * (directories 0700, files 0600) and the one rule for output files the
 * operator names (--out: exclusive create, no overwrite without force, never
 * through a symbolic link, 0600, a half-written file removed).
 */
import fs from 'node:fs';
import path from 'node:path';

/** Private modes: the console's directories and files are the operator's alone. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

const POSIX = process.platform !== 'win32';

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let off = 0; off < bytes.length;) off += fs.writeSync(fd, bytes, off, bytes.length - off);
}

/** Write a file atomically: temp file in the same directory, fsync, rename, fsync the directory. */
export function writeFileAtomic(file: string, data: string | Uint8Array, mode = PRIVATE_FILE_MODE): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${process.hrtime.bigint()}.tmp`);
  const fd = fs.openSync(tmp, 'wx', mode);
  try {
    try {
      // The mode given to open() is narrowed by the umask only; set it exactly.
      if (POSIX) fs.fchmodSync(fd, mode);
      writeAll(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    fs.rmSync(tmp, { force: true }); // the half-written temp file this call created
    throw e;
  }
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  try {
    const dfd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    // Directory fsync is not supported everywhere (Windows); the rename is still atomic.
  }
}

/**
 * Make a directory private (0700): created so if missing (parents too), and
 * narrowed to 0700 if it already exists with a wider mode, whoever created it.
 */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  tightenMode(dir, PRIVATE_DIR_MODE);
}

/**
 * Make a file private (0600): created empty if missing, narrowed if it exists.
 * SQLite gives a database's -wal and -shm files the mode of the database file,
 * so calling this before opening a database keeps all three private.
 */
export function ensurePrivateFile(file: string): void {
  const fd = fs.openSync(file, 'a', PRIVATE_FILE_MODE);
  try {
    if (POSIX && (fs.fstatSync(fd).mode & 0o777) !== PRIVATE_FILE_MODE) fs.fchmodSync(fd, PRIVATE_FILE_MODE);
  } finally {
    fs.closeSync(fd);
  }
}

/** Narrow an existing path to `mode` (no-op if it is missing or already so; not on Windows). */
export function tightenMode(p: string, mode: number): void {
  if (!POSIX) return;
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if ((st.mode & 0o777) !== mode) fs.chmodSync(p, mode);
}

/** A SQLite database file and its -wal, -shm and -journal companions, narrowed to 0600 where they exist. */
export function tightenDatabaseFiles(dbFile: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) tightenMode(dbFile + suffix, PRIVATE_FILE_MODE);
}

export class OutputFileError extends Error {
  constructor(
    readonly reason: 'EXISTS' | 'SYMLINK' | 'NOT_A_FILE' | 'IO',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Check, before any work is done, that `file` may be written as an output
 * file: refused if it is a symbolic link (with or without force), if it is
 * something other than a regular file, or if it exists and `force` is not set.
 */
export function checkOutputFile(file: string, force: boolean): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new OutputFileError('IO', `cannot write ${file}: ${(e as Error).message}`);
  }
  if (st.isSymbolicLink())
    throw new OutputFileError('SYMLINK', `${file} is a symbolic link; refusing to write through it (even with --force): name the real file`);
  if (!st.isFile()) throw new OutputFileError('NOT_A_FILE', `${file} exists and is not a regular file`);
  if (!force) throw new OutputFileError('EXISTS', `${file} exists; pass --force to overwrite it`);
}

/**
 * Write an output file the operator named (an exported key, evidence, a bundle):
 *
 *   - without `force`, created exclusively (O_CREAT|O_EXCL): an existing file,
 *     or a symbolic link even to nothing, is never written through or replaced;
 *   - with `force`, an existing regular file is replaced atomically (temp file,
 *     rename); a symbolic link is still refused;
 *   - mode 0600; a file this call created and could not finish is removed.
 */
export function writeOutputFile(file: string, data: string | Uint8Array, opts: { force?: boolean } = {}): void {
  const force = !!opts.force;
  checkOutputFile(file, force);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (force && fs.existsSync(file)) {
    try {
      // rename() replaces the name itself: it never follows a link planted after the check.
      writeFileAtomic(file, bytes, PRIVATE_FILE_MODE);
    } catch (e) {
      throw new OutputFileError('IO', `cannot write ${file}: ${(e as Error).message}`);
    }
    return;
  }
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', PRIVATE_FILE_MODE);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      // Appeared since the check (or a link): decide again, from what is there now.
      checkOutputFile(file, false);
    }
    throw new OutputFileError('IO', `cannot write ${file}: ${(e as Error).message}`);
  }
  try {
    if (POSIX) fs.fchmodSync(fd, PRIVATE_FILE_MODE);
    writeAll(fd, bytes);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  } catch (e) {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
    fs.rmSync(file, { force: true }); // the file this call created, half written
    throw new OutputFileError('IO', `cannot write ${file}: ${(e as Error).message}`);
  }
}
