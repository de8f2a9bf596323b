/**
 * Passphrase input for the CLI: from a named environment variable (scripts)
 * or typed at a terminal without echo. Never from a command-line argument,
 * which other users can read in the process list.
 */
import { CharterError } from '../../core/errors.js';

export async function readSecret(opts: { envVar?: string | undefined; prompt: string; confirm?: boolean; flag?: string; what?: string }): Promise<string> {
  if (opts.envVar) {
    const v = process.env[opts.envVar];
    if (v === undefined || v === '') throw new CharterError('USAGE', `environment variable ${opts.envVar} is not set`);
    // Read once, then gone: child processes of this one never inherit it.
    delete process.env[opts.envVar];
    return v;
  }
  if (!process.stdin.isTTY) {
    throw new CharterError('USAGE', `no terminal to ask for the ${opts.what ?? 'passphrase'}: pass ${opts.flag ?? '--passphrase-env'} VAR naming an environment variable that holds it`);
  }
  const first = await promptHidden(opts.prompt);
  if (opts.confirm) {
    const second = await promptHidden('Repeat it: ');
    if (first !== second) throw new CharterError('USAGE', `the two ${opts.what ?? 'passphrase'}s differ`);
  }
  return first;
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
