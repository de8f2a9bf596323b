// The real `charter` binary (bin/charter.js → dist/), spawned as a user would.
// `npm test` builds dist/ first; run `npm run build` before running this file alone.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'charter.js');
let tmp: string;

beforeAll(() => {
  if (!fs.existsSync(path.join(root, 'dist', 'main', 'cli', 'index.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does it for you)');
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-cli-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** Start a long-running verb; resolve with the first stdout line matching `re`. */
function startLong(args: string[], re: RegExp): Promise<{ match: RegExpMatchArray; stop: () => Promise<number | null> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}; stdout: ${out}; stderr: ${err}`)), 30_000);
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(re);
      if (m) {
        clearTimeout(timer);
        resolve({
          match: m,
          stop: () =>
            new Promise((res) => {
              child.once('exit', (code) => res(code));
              child.kill('SIGINT');
            }),
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} early; stdout: ${out}; stderr: ${err}`));
    });
  });
}

describe('charter CLI', () => {
  it('prints its version', () => {
    const r = run(['version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Charter Console \d+\.\d+\.\d+/);
    expect(JSON.parse(run(['version', '--json']).stdout).charter).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('has --help on every verb', () => {
    for (const verb of [
      [],
      ['version'],
      ['serve'],
      ['node'],
      ['keys'],
      ['keys', 'list'],
      ['keys', 'create'],
      ['keys', 'pem'],
      ['trust'],
      ['trust', 'pem'],
      ['audit', 'verify'],
      ['audit', 'list'],
      ['evidence', 'export'],
    ]) {
      const r = run([...verb, '--help']);
      expect(r.status, verb.join(' ')).toBe(0);
      expect(r.stdout, verb.join(' ')).toMatch(/Usage: charter/);
    }
    // The PEM exports are listed where an operator looks for them.
    expect(run(['--help']).stdout).toMatch(/^\s+trust\b/m);
    expect(run(['keys', '--help']).stdout).toMatch(/^\s+pem \[options\] <keyId>/m);
    expect(run(['trust', '--help']).stdout).toMatch(/^\s+pem \[options\] <trustFile> <keyId>/m);
  });

  it('exits 64 on a usage error', () => {
    expect(run(['keys', 'create']).status).toBe(64);
    expect(run(['no-such-verb']).status).toBe(64);
  });

  it('creates a key offline from a passphrase in an environment variable, and lists it', () => {
    const ws = path.join(tmp, 'ws-keys');
    const made = run(['keys', 'create', '--label', 'alice', '--passphrase-env', 'CHARTER_TEST_PASS', '--workspace', ws, '--json'], {
      CHARTER_TEST_PASS: 'a long test passphrase',
    });
    expect(made.status, made.stderr).toBe(0);
    const key = JSON.parse(made.stdout);
    expect(key.keyId).toMatch(/^[0-9a-f]{40}$/);
    const listed = run(['keys', 'list', '--workspace', ws, '--json']);
    expect(listed.status, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).keys).toMatchObject([{ keyId: key.keyId, label: 'alice', onChain: 'unregistered' }]);
    const noTty = run(['keys', 'create', '--label', 'bob', '--workspace', ws]);
    expect(noTty.status).toBe(64);
    expect(noTty.stderr).toMatch(/passphrase-env/);
    expect(run(['audit', 'verify', '--workspace', ws]).stdout).toMatch(/audit log OK/);
  });

  it('`charter node` answers /status, /explorer/overview and /metrics/engine', async () => {
    const port = await freePort();
    const home = path.join(tmp, 'node-home');
    const node = await startLong(['node', '--home', home, '--rpc', `127.0.0.1:${port}`, '--block-time', '200ms'], /http:\/\/127\.0\.0\.1:\d+/);
    try {
      const status = (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as {
        result: { node_info: { network: string }; sync_info: { latest_block_height: string } };
      };
      expect(status.result.node_info.network).toMatch(/charter/);
      expect(status.result.sync_info.latest_block_height).toMatch(/^\d+$/);
      const overview = await fetch(`http://127.0.0.1:${port}/explorer/overview`);
      expect(overview.status).toBe(200);
      expect(await overview.json()).toBeTypeOf('object');
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics/engine`)).text();
      expect(metrics).toMatch(/charter_engine_height/);
      expect(metrics).toMatch(/mempool/);
    } finally {
      await node.stop();
    }
  });

  it('refuses a non-loopback RPC address for `charter node`', () => {
    const r = run(['node', '--home', path.join(tmp, 'h2'), '--rpc', '0.0.0.0:0']);
    expect(r.status).not.toBe(0);
  });

  it('`charter serve`: the contract answers 401 without the token; the console page itself holds no data', async () => {
    const srv = await startLong(
      ['serve', '--port', '0', '--workspace', path.join(tmp, 'ws-serve')],
      /Charter Console: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=(\S+))/,
    );
    try {
      const [, url, port, token] = srv.match;
      const denied = await fetch(`http://127.0.0.1:${port}/contract`);
      expect(denied.status).toBe(401);
      const wrong = await fetch(`http://127.0.0.1:${port}/contract?token=${'A'.repeat(token!.length)}`);
      expect(wrong.status).toBe(401);
      const upgrade = await fetch(`http://127.0.0.1:${port}/contract?token=${token}`);
      expect(upgrade.status).toBe(426);
      const ok = await fetch(url!);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toMatch(/<html/i);
    } finally {
      expect(await srv.stop()).toBe(0);
    }
  });

  it('refuses `charter serve --host 0.0.0.0` without --force-host', () => {
    const r = run(['serve', '--host', '0.0.0.0', '--workspace', path.join(tmp, 'ws-refuse')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/HOST_REFUSED/);
  });
});
