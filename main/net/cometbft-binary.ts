/**
 * Where the `cometbft` binary is: --cometbft PATH, $CHARTER_COMETBFT, the
 * cache scripts/cometbft.mjs builds into (npm test builds it there with Go),
 * or `cometbft` on PATH.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { CharterError } from '../../core/errors.js';

/** The CometBFT release the application is built and tested against. */
export const COMETBFT_VERSION = 'v0.38.25';

export function findCometbftBinary(explicit?: string): string {
  const given = explicit ?? process.env.CHARTER_COMETBFT;
  if (given) {
    if (!existsSync(given)) throw new CharterError('USAGE', `no cometbft binary at ${given}`);
    return given;
  }
  const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'charter-console', `cometbft-${COMETBFT_VERSION}`, 'cometbft');
  if (existsSync(cache)) return cache;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, 'cometbft');
    if (dir && existsSync(p)) return p;
  }
  throw new CharterError(
    'USAGE',
    `no cometbft binary: pass --cometbft PATH, set CHARTER_COMETBFT, or build it with \`CGO_ENABLED=0 go install github.com/cometbft/cometbft/cmd/cometbft@${COMETBFT_VERSION}\` (node scripts/cometbft.mjs does that into its cache)`,
  );
}
