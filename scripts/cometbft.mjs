/**
 * The `cometbft` binary the network tests and `charter net` run: CometBFT
 * v0.38.25 (the ABCI generation the application speaks).
 *
 * Found as: $CHARTER_COMETBFT, else the cache this script builds into
 * (~/.cache/charter-console/cometbft-v0.38.25/cometbft, or under
 * $XDG_CACHE_HOME), else `cometbft` on PATH when it reports 0.38.x.
 * `node scripts/cometbft.mjs` builds it into the cache when none is found
 * and Go is present (CGO_ENABLED=0 go install …@v0.38.25, a few minutes
 * once; the Go module proxy is the only source), and otherwise fails naming
 * what to install. Prints the path it settled on.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const COMETBFT_VERSION = 'v0.38.25';
export const COMETBFT_MODULE = `github.com/cometbft/cometbft/cmd/cometbft@${COMETBFT_VERSION}`;

export function cometbftCacheDir() {
  const base = process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache');
  return path.join(base, 'charter-console', `cometbft-${COMETBFT_VERSION}`);
}

function versionOf(bin) {
  const r = spawnSync(bin, ['version'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** The binary to use, or null when there is none. */
export function findCometbft() {
  const env = process.env.CHARTER_COMETBFT;
  if (env) return existsSync(env) ? env : null;
  const cached = path.join(cometbftCacheDir(), 'cometbft');
  if (existsSync(cached)) return cached;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, 'cometbft');
    if (existsSync(p) && (versionOf(p) ?? '').startsWith('0.38.')) return p;
  }
  return null;
}

/** Finds or builds the binary; returns {path} or {error}. */
export function ensureCometbft(log = (s) => console.log(s)) {
  if (process.env.CHARTER_COMETBFT && !existsSync(process.env.CHARTER_COMETBFT)) {
    return { error: `CHARTER_COMETBFT=${process.env.CHARTER_COMETBFT} does not exist` };
  }
  const found = findCometbft();
  if (found) return { path: found };
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.status !== 0) {
    return {
      error: `no cometbft binary and no Go to build one: install Go (https://go.dev/dl/), or run \`CGO_ENABLED=0 go install ${COMETBFT_MODULE}\` and set CHARTER_COMETBFT`,
    };
  }
  const dir = cometbftCacheDir();
  mkdirSync(dir, { recursive: true });
  log(`cometbft: building ${COMETBFT_MODULE} into ${dir} (once; a few minutes)…`);
  const r = spawnSync('go', ['install', COMETBFT_MODULE], { stdio: 'inherit', env: { ...process.env, CGO_ENABLED: '0', GOBIN: dir, GOFLAGS: '-mod=mod' } });
  const bin = path.join(dir, 'cometbft');
  if (r.status !== 0 || !existsSync(bin)) return { error: `\`CGO_ENABLED=0 go install ${COMETBFT_MODULE}\` failed (exit ${r.status})` };
  return { path: bin };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const r = ensureCometbft();
  if (r.error) {
    console.error(`cometbft: ${r.error}`);
    process.exit(1);
  }
  console.log(r.path);
}
