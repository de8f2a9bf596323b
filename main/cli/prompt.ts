/**
 * Passphrase and PIN input for the CLI, from (in this order of preference for scripts):
 *
 *   --passphrase-fd N / --pin-fd N   the first line of file descriptor N (a pipe the
 *                                    caller opened): nothing to read in /proc/<pid>/environ;
 *   --passphrase-env VAR / --pin-env VAR   a named environment variable (removed from
 *                                    this process once read);
 *   a terminal prompt without echo.
 *
 * Never from a command-line argument, which other users can read in the process list.
 */
import fs from 'node:fs';
import { CharterError } from '../../core/errors.js';

/** The most a secret's line may be (a passphrase is at most 1,024 characters by the contract). */
const MAX_FD_BYTES = 64 * 1024;

export interface SecretOptions {
  envVar?: string | undefined;
  /** A file descriptor number, as given on the command line. */
  fd?: string | undefined;
  prompt: string;
  confirm?: boolean;
  /** The environment-variable flag, for messages (default --passphrase-env). */
  flag?: string;
  /** The file-descriptor flag, for messages (default --passphrase-fd). */
  fdFlag?: string;
  what?: string;
}

export async function readSecret(opts: SecretOptions): Promise<string> {
  const flag = opts.flag ?? '--passphrase-env';
  const fdFlag = opts.fdFlag ?? '--passphrase-fd';
  if (opts.envVar && opts.fd !== undefined) throw new CharterError('USAGE', `give ${flag} or ${fdFlag}, not both`);
  if (opts.fd !== undefined) return readSecretFd(opts.fd, fdFlag, opts.what ?? 'passphrase');
  if (opts.envVar) {
    const v = process.env[opts.envVar];
    if (v === undefined || v === '') throw new CharterError('USAGE', `environment variable ${opts.envVar} is not set`);
    // Read once, then gone: child processes of this one never inherit it.
    delete process.env[opts.envVar];
    return v;
  }
  if (!process.stdin.isTTY) {
    throw new CharterError(
      'USAGE',
      `no terminal to ask for the ${opts.what ?? 'passphrase'}: pass ${fdFlag} N (a file descriptor to read it from) or ${flag} VAR (an environment variable that holds it)`,
    );
  }
  const first = await promptHidden(opts.prompt);
  if (opts.confirm) {
    const second = await promptHidden('Repeat it: ');
    if (first !== second) throw new CharterError('USAGE', `the two ${opts.what ?? 'passphrase'}s differ`);
  }
  return first;
}

/** Parse a file descriptor number from the command line: a non-negative integer, not stdout or stderr. */
export function parseFd(s: string, flag: string): number {
  if (!/^\d{1,6}$/.test(s)) throw new CharterError('USAGE', `${flag} takes a file descriptor number, got ${JSON.stringify(s.slice(0, 20))}`);
  const n = Number(s);
  if (n === 1 || n === 2)
    throw new CharterError('USAGE', `${flag} ${n} is the ${n === 1 ? 'standard output' : 'standard error'}; give the descriptor the secret is written to`);
  return n;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * The first line of file descriptor `s` (without its line break), read
 * synchronously up to the first newline or the end; the descriptor is closed
 * afterwards unless it is standard input.
 */
export function readSecretFd(s: string, flag: string, what: string): string {
  const fd = parseFd(s, flag);
  const chunks: Buffer[] = [];
  let total = 0;
  let done = false;
  const buf = Buffer.alloc(4096);
  try {
    while (!done) {
      let n: number;
      try {
        n = fs.readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') {
          Atomics.wait(pause, 0, 0, 5); // a non-blocking pipe with nothing in it yet
          continue;
        }
        if (code === 'EOF') break; // Windows: end of a pipe
        throw new CharterError('USAGE', `${flag} ${fd}: cannot read the ${what} from file descriptor ${fd}: ${code ?? (e as Error).message}`);
      }
      if (n === 0) break;
      const nl = buf.subarray(0, n).indexOf(0x0a);
      const part = Buffer.from(buf.subarray(0, nl === -1 ? n : nl));
      chunks.push(part);
      total += part.length;
      if (nl !== -1) done = true;
      if (total > MAX_FD_BYTES) throw new CharterError('USAGE', `${flag} ${fd}: the first line is longer than ${MAX_FD_BYTES} bytes: not a ${what}`);
    }
  } finally {
    if (fd > 2) {
      try {
        fs.closeSync(fd);
      } catch {
        // already closed by the caller
      }
    }
    buf.fill(0);
  }
  const line = Buffer.concat(chunks);
  let text = line.toString('utf8');
  line.fill(0);
  for (const c of chunks) c.fill(0);
  if (text.endsWith('\r')) text = text.slice(0, -1);
  if (text === '') throw new CharterError('USAGE', `${flag} ${fd}: no ${what} was read from file descriptor ${fd} (its first line is empty)`);
  return text;
}

function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const done = (err?: Error): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new CharterError('USAGE', 'cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
