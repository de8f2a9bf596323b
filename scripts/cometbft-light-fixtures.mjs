/**
 * Makes the light-client fixtures in tests/fixtures/cometbft/: runs a
 * one-validator CometBFT v0.38 chain with the built-in kvstore application
 * (`cometbft start --proxy_app=kvstore`) for a few seconds, changes its
 * validator set twice through kvstore's `val=ed25519!<base64 pubkey>!<power>`
 * transactions (a second validator of power 1 joins, which never signs; then
 * the first validator's power goes from 10 to 20), and saves /commit and
 * /validators at every height as CometBFT's RPC returned them.
 *
 *   node scripts/cometbft-light-fixtures.mjs [out.json]
 *
 * Everything binds to 127.0.0.1; the node is started in its own process group
 * and killed (the whole group) at the end. The fixture is committed so the
 * unit tests of core/consensus run without the binary.
 */
/* global fetch, URLSearchParams */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findCometbft } from './cometbft.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = process.argv[2] ?? path.join(ROOT, 'tests', 'fixtures', 'cometbft', 'kvstore-light.json');
const CHAIN_ID = 'charter-light-fixtures';

const bin = findCometbft();
if (!bin) {
  console.error('no cometbft binary: run `node scripts/cometbft.mjs` or set CHARTER_COMETBFT');
  process.exit(1);
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => ok(a.port));
    });
  });
}

function setToml(text, section, key, value) {
  const lines = text.split('\n');
  let cur = '';
  for (let i = 0; i < lines.length; i++) {
    const sec = /^\[([^\]]+)\]\s*$/.exec(lines[i]);
    if (sec) cur = sec[1];
    else if (cur === section && new RegExp(`^${key}\\s*=`).test(lines[i])) {
      lines[i] = `${key} = ${value}`;
      return lines.join('\n');
    }
  }
  throw new Error(`config.toml has no ${key}`);
}

async function rpc(port, method, params = {}) {
  const q = new URLSearchParams(params).toString();
  const r = await fetch(`http://127.0.0.1:${port}/${method}${q ? `?${q}` : ''}`);
  const j = await r.json();
  if (j.error) throw new Error(`${method}: ${j.error.message} ${j.error.data ?? ''}`);
  return j.result;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitHeight(port, h) {
  for (let i = 0; i < 400; i++) {
    try {
      const s = await rpc(port, 'status');
      if (Number(s.sync_info.latest_block_height) >= h) return Number(s.sync_info.latest_block_height);
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error(`height ${h} not reached`);
}

const home = mkdtempSync(path.join(tmpdir(), 'charter-light-fixtures-'));
let child = null;
try {
  const init = spawnSync(bin, ['init', '--home', home], { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`cometbft init: ${init.stderr}`);
  const gPath = path.join(home, 'config', 'genesis.json');
  const g = JSON.parse(readFileSync(gPath, 'utf8'));
  g.chain_id = CHAIN_ID;
  writeFileSync(gPath, JSON.stringify(g, null, 2));
  const rpcPort = await freePort();
  const p2pPort = await freePort();
  const cPath = path.join(home, 'config', 'config.toml');
  let cfg = readFileSync(cPath, 'utf8');
  cfg = setToml(cfg, '', 'proxy_app', '"kvstore"');
  cfg = setToml(cfg, 'rpc', 'laddr', `"tcp://127.0.0.1:${rpcPort}"`);
  cfg = setToml(cfg, 'p2p', 'laddr', `"tcp://127.0.0.1:${p2pPort}"`);
  cfg = setToml(cfg, 'consensus', 'timeout_commit', '"300ms"');
  writeFileSync(cPath, cfg);

  const own = JSON.parse(readFileSync(path.join(home, 'config', 'priv_validator_key.json'), 'utf8'));
  const other = JSON.parse(spawnSync(bin, ['gen-validator'], { encoding: 'utf8' }).stdout);
  const otherPub = (other.Key ?? other).pub_key.value;

  child = spawn(bin, ['start', '--home', home, '--log_level', 'error'], { detached: true, stdio: 'ignore' });
  await waitHeight(rpcPort, 3);
  const tx = async (s) => {
    const r = await rpc(rpcPort, 'broadcast_tx_commit', { tx: `"${s}"` });
    if (r.check_tx.code !== 0 || r.tx_result.code !== 0) throw new Error(`tx ${s} refused: ${JSON.stringify(r)}`);
    return Number(r.height);
  };
  const events = [];
  events.push({ tx: 'greeting=hello', height: await tx('greeting=hello') });
  events.push({ tx: `val=ed25519!${otherPub}!1`, height: await tx(`val=ed25519!${otherPub}!1`) });
  const h1 = events.at(-1).height;
  await waitHeight(rpcPort, h1 + 3);
  events.push({ tx: `val=ed25519!${own.pub_key.value}!20`, height: await tx(`val=ed25519!${own.pub_key.value}!20`) });
  const last = await waitHeight(rpcPort, events.at(-1).height + 4);

  const commits = {};
  const validators = {};
  for (let h = 1; h <= last; h++) {
    commits[h] = (await rpc(rpcPort, 'commit', { height: String(h) })).signed_header;
    validators[h] = await rpc(rpcPort, 'validators', { height: String(h), per_page: '100' });
  }
  const fixture = {
    about: `CometBFT ${spawnSync(bin, ['version'], { encoding: 'utf8' }).stdout.trim()} with --proxy_app=kvstore; made by scripts/cometbft-light-fixtures.mjs`,
    chain_id: CHAIN_ID,
    events,
    heights: last,
    commits,
    validators,
  };
  writeFileSync(OUT, JSON.stringify(fixture, null, 1) + '\n');
  console.log(`wrote ${OUT}: heights 1..${last}; events ${JSON.stringify(events)}`);
} finally {
  if (child?.pid) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  rmSync(home, { recursive: true, force: true });
}
