/**
 * A local CometBFT network of custody validators in one directory:
 * `charter net up | status | down`.
 *
 * `up` makes the network once (`cometbft testnet`: one home per validator
 * with its keys, one shared CometBFT genesis whose app_state is the custody
 * genesis), then starts, for every validator whose processes are not
 * running, one `cometbft start` and one `charter abci`, each in its own
 * process group with its output in the node's log files, and returns once
 * blocks are being committed. Validator i listens on 127.0.0.(11+i): P2P on
 * the base port, CometBFT RPC on base+1, ABCI on base+2, the application's
 * read API on base+3 — the same ports on each address, as on separate hosts.
 *
 * The processes outlive the command (like a daemon); `status` reads their
 * pid files and asks every node, and reports a process that died as
 * crashed, with the end of its log — nothing is restarted behind the
 * operator's back. `down` stops them all (SIGTERM, then SIGKILL).
 *
 * The operator key of a local network (admin_key.json in the network
 * directory, registered as admin in the custody genesis) is generated here
 * and kept in plaintext: a local network is for trying things out. A real
 * network's genesis names its operators' own keys (docs/networks.md).
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensurePrivateDir } from '../../base/node/files.js';
import { makeGenesis } from '../../core/engine/genesis.js';
import type { GenesisDoc } from '../../core/engine/types.js';
import { CharterError } from '../../core/errors.js';
import { quorumWarning } from '../../core/consensus/health.js';
import { ensureAdminKey, loadDevnetAdmin } from '../devnet/keys.js';

export const NET_FILE = 'net.json';
export const DEFAULT_NET_BASE_PORT = 36656;
export const DEFAULT_NET_CHAIN_ID = 'charter-net-1';

export interface NetNode {
  index: number;
  name: string;
  ip: string;
  /** The node's CometBFT home (config/, data/). */
  cometHome: string;
  /** The application's home (genesis.json, node.db). */
  appHome: string;
  p2pPort: number;
  rpcPort: number;
  abciPort: number;
  apiPort: number;
  /** Made a validator by the network's genesis; a node added later joins as a full node (state sync) until governance admits it. */
  genesisValidator: boolean;
}

export interface NetDescription {
  format: 'charter.net/v1';
  chainId: string;
  validators: number;
  basePort: number;
  /** The applications' --snapshot-every. */
  snapshotEvery: number;
  blockTime: string;
  nodes: NetNode[];
}

export interface NetOptions {
  home: string;
  validators?: number;
  chainId?: string;
  basePort?: number;
  cometbft: string;
  /** The `charter` entry point to run `charter abci` with (default: this process's). */
  charterBin?: string;
  /** Blocks' commit timeout, CometBFT's timeout_commit (default 500ms). */
  blockTime?: string;
  /** The applications' snapshot interval in blocks (default 100): what a joining node state-syncs from. */
  snapshotEvery?: number;
  log?: (line: string) => void;
}

/** Sets `key = value` in the [section] of a TOML file as `cometbft init` writes it (section "" = the top). */
export function setToml(text: string, section: string, key: string, value: string): string {
  const lines = text.split('\n');
  let cur = '';
  for (let i = 0; i < lines.length; i++) {
    const sec = /^\[([^\]]+)\]\s*$/.exec(lines[i] as string);
    if (sec) cur = sec[1] as string;
    else if (cur === section && (lines[i] as string).startsWith(`${key} =`)) {
      lines[i] = `${key} = ${value}`;
      return lines.join('\n');
    }
  }
  throw new CharterError('CONFIG_INVALID', `config.toml has no ${section ? `[${section}] ` : ''}${key}`);
}

/** Validator or node `i` of a network in `home` on `base`: 127.0.0.(11+i), ports base to base+3. */
function netNodeAt(home: string, i: number, base: number, genesisValidator: boolean): NetNode {
  const cometHome = join(home, `node${i}`);
  return {
    index: i,
    name: `node${i}`,
    ip: `127.0.0.${11 + i}`,
    cometHome,
    appHome: join(cometHome, 'app'),
    p2pPort: base,
    rpcPort: base + 1,
    abciPort: base + 2,
    apiPort: base + 3,
    genesisValidator,
  };
}

function nodeConfig(text: string, node: NetNode, blockTime: string): string {
  let cfg = setToml(text, '', 'moniker', `"${node.name}"`);
  cfg = setToml(cfg, '', 'proxy_app', `"tcp://${node.ip}:${node.abciPort}"`);
  cfg = setToml(cfg, 'rpc', 'laddr', `"tcp://${node.ip}:${node.rpcPort}"`);
  cfg = setToml(cfg, 'p2p', 'laddr', `"tcp://${node.ip}:${node.p2pPort}"`);
  cfg = setToml(cfg, 'p2p', 'allow_duplicate_ip', 'true');
  cfg = setToml(cfg, 'p2p', 'addr_book_strict', 'false');
  cfg = setToml(cfg, 'consensus', 'timeout_commit', `"${blockTime}"`);
  return setToml(cfg, 'statesync', 'enable', 'false');
}

function cometJson(node: NetNode, route: string): Promise<unknown> {
  return getJson(`http://${node.ip}:${node.rpcPort}/${route}`, 5000);
}

/** A node's CometBFT consensus public key (priv_validator_key.json), 64 lower-case hex digits: what validator.add names. */
export function consensusKeyOf(node: NetNode): string {
  const f = JSON.parse(readFileSync(join(node.cometHome, 'config', 'priv_validator_key.json'), 'utf8')) as { pub_key: { value: string } };
  return Buffer.from(f.pub_key.value, 'base64').toString('hex');
}

/**
 * Adds a node to the network (not started): its own CometBFT home and keys,
 * the network's genesis (and the custody genesis in its application home,
 * since a state-synced node never sees InitChain), the validators as
 * persistent peers, and state sync from the newest trusted header of
 * validator 0. It joins as a full node; a `validator.add` governance action
 * naming consensusKeyOf(node) makes it a validator.
 */
export async function addNode(net: NetDescription, home: string, opts: Pick<NetOptions, 'cometbft'>): Promise<NetNode> {
  const node = netNodeAt(home, net.nodes.length, net.basePort, false);
  const cometHome = node.cometHome;
  const r = spawnSync(opts.cometbft, ['init', '--home', cometHome], { encoding: 'utf8' });
  if (r.status !== 0) throw new CharterError('NODE_ERROR', `cometbft init failed: ${r.stderr || r.stdout}`);
  const first = net.nodes[0] as NetNode;
  const genesisText = readFileSync(join(first.cometHome, 'config', 'genesis.json'), 'utf8');
  writeFileSync(join(cometHome, 'config', 'genesis.json'), genesisText);
  ensurePrivateDir(node.appHome);
  writeFileSync(join(node.appHome, 'genesis.json'), JSON.stringify((JSON.parse(genesisText) as { app_state: unknown }).app_state, null, 2) + '\n');
  const peers = net.nodes
    .filter((n) => n.genesisValidator)
    .map((n) => {
      const id = spawnSync(opts.cometbft, ['show-node-id', '--home', n.cometHome], { encoding: 'utf8' }).stdout.trim();
      return `${id}@${n.ip}:${n.p2pPort}`;
    });
  // Trust the newest header validator 0 serves (a real operator takes it from a source they trust).
  const commit = (await cometJson(first, 'commit')) as { signed_header: { header: { height: string }; commit: { block_id: { hash: string } } } };
  const cPath = join(cometHome, 'config', 'config.toml');
  let cfg = nodeConfig(readFileSync(cPath, 'utf8'), node, net.blockTime);
  cfg = setToml(cfg, 'p2p', 'persistent_peers', `"${peers.join(',')}"`);
  cfg = setToml(cfg, 'statesync', 'enable', 'true');
  const rpcs = net.nodes
    .filter((n) => n.genesisValidator)
    .slice(0, 2)
    .map((n) => `http://${n.ip}:${n.rpcPort}`);
  cfg = setToml(cfg, 'statesync', 'rpc_servers', `"${(rpcs.length > 1 ? rpcs : [rpcs[0], rpcs[0]]).join(',')}"`);
  cfg = setToml(cfg, 'statesync', 'trust_height', commit.signed_header.header.height);
  cfg = setToml(cfg, 'statesync', 'trust_hash', `"${commit.signed_header.commit.block_id.hash}"`);
  cfg = setToml(cfg, 'statesync', 'trust_period', '"168h0m0s"');
  // Snapshots come every snapshotEvery blocks and the newest three are kept: ask the peers soon.
  cfg = setToml(cfg, 'statesync', 'discovery_time', '"5s"');
  writeFileSync(cPath, cfg);
  net.nodes.push(node);
  writeFileSync(join(home, NET_FILE), JSON.stringify(net, null, 2) + '\n');
  return node;
}

export function loadNet(home: string): NetDescription | null {
  const p = join(home, NET_FILE);
  if (!existsSync(p)) return null;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as NetDescription;
  } catch (e) {
    throw new CharterError('WORKSPACE_INVALID', `${p}: ${(e as Error).message}`, { file: p });
  }
}

/** Makes the network's directories and genesis (once). */
export function createNet(opts: NetOptions): NetDescription {
  const existing = loadNet(opts.home);
  if (existing) return existing;
  const n = opts.validators ?? 4;
  if (!Number.isInteger(n) || n < 1 || n > 20) throw new CharterError('USAGE', `--validators must be 1–20, got ${n}`);
  const base = opts.basePort ?? DEFAULT_NET_BASE_PORT;
  if (!Number.isInteger(base) || base < 1024 || base > 65530) throw new CharterError('USAGE', `--base-port must be 1024–65530, got ${base}`);
  const chainId = opts.chainId ?? DEFAULT_NET_CHAIN_ID;
  ensurePrivateDir(opts.home);
  const r = spawnSync(opts.cometbft, ['testnet', '--v', String(n), '--o', opts.home, '--starting-ip-address', '127.0.0.11', '--p2p-port', String(base)], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new CharterError('NODE_ERROR', `cometbft testnet failed: ${r.stderr || r.stdout}`);
  ensureAdminKey(opts.home);
  const admin = loadDevnetAdmin(opts.home);
  const cometGenesis = JSON.parse(readFileSync(join(opts.home, 'node0', 'config', 'genesis.json'), 'utf8')) as Record<string, unknown>;
  const genesis: GenesisDoc = makeGenesis({
    chain_id: chainId,
    // CometBFT's genesis time (RFC 3339, nanoseconds) is the custody genesis time too.
    genesis_time: String(cometGenesis.genesis_time),
    admins: [{ public_key: Buffer.from(admin.publicKey).toString('hex'), label: 'local network operator' }],
    params: { faucet: true, max_expiry_blocks: 100_000 },
    // CometBFT's genesis validators, recorded so governance can remove them as well as admit others.
    validators: (cometGenesis.validators as { pub_key: { value: string }; power: string; name: string }[]).map((v, i) => ({
      public_key: Buffer.from(v.pub_key.value, 'base64').toString('hex'),
      name: v.name || `node${i}`,
      power: Number(v.power),
    })),
  });
  cometGenesis.chain_id = chainId;
  cometGenesis.initial_height = '1';
  cometGenesis.app_state = genesis;
  const nodes: NetNode[] = [];
  for (let i = 0; i < n; i++) {
    const node = netNodeAt(opts.home, i, base, true);
    const cometHome = node.cometHome;
    const gPath = join(cometHome, 'config', 'genesis.json');
    writeFileSync(gPath, JSON.stringify(cometGenesis, null, 2) + '\n');
    const cPath = join(cometHome, 'config', 'config.toml');
    writeFileSync(cPath, nodeConfig(readFileSync(cPath, 'utf8'), node, opts.blockTime ?? '500ms'));
    nodes.push(node);
  }
  const net: NetDescription = {
    format: 'charter.net/v1',
    chainId,
    validators: n,
    basePort: base,
    snapshotEvery: opts.snapshotEvery ?? 100,
    blockTime: opts.blockTime ?? '500ms',
    nodes,
  };
  writeFileSync(join(opts.home, NET_FILE), JSON.stringify(net, null, 2) + '\n');
  return net;
}

/** Whether `pid` is alive and still one of ours (a pid reused after a crash or a reboot is not). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    return cmd.includes('cometbft') || cmd.includes('abci');
  } catch {
    return true; // no /proc: trust the signal
  }
}

function readPid(file: string): number | null {
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

export type ProcessState = 'running' | 'crashed' | 'stopped';

export interface ProcessStatus {
  state: ProcessState;
  pid: number | null;
  log: string;
}

/** The state of one of a node's two processes (`app` or `cometbft`). */
export function processStatus(node: NetNode, which: 'app' | 'cometbft'): ProcessStatus {
  const pidFile = join(node.cometHome, `${which}.pid`);
  const log = join(node.cometHome, `${which}.log`);
  const pid = readPid(pidFile);
  if (pid === null) return { state: 'stopped', pid: null, log };
  return { state: pidAlive(pid) ? 'running' : 'crashed', pid, log };
}

function startDetached(command: string, args: string[], logFile: string, pidFile: string): number {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new CharterError('NODE_ERROR', `could not start ${command}`);
    child.unref();
    writeFileSync(pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** Starts what is not running of validator `i` (its application first: CometBFT connects to it at start). */
export function startNode(net: NetDescription, i: number, opts: Pick<NetOptions, 'cometbft' | 'charterBin'>): void {
  const node = net.nodes[i];
  if (!node) throw new CharterError('USAGE', `no validator ${i} in this network`);
  const charter = opts.charterBin ?? resolve(process.argv[1] ?? 'bin/charter.js');
  if (processStatus(node, 'app').state !== 'running') {
    startDetached(
      process.execPath,
      [
        charter,
        'abci',
        '--home',
        node.appHome,
        '--listen',
        `tcp://${node.ip}:${node.abciPort}`,
        '--api',
        `${node.ip}:${node.apiPort}`,
        '--snapshot-every',
        String(net.snapshotEvery ?? 100),
      ],
      join(node.cometHome, 'app.log'),
      join(node.cometHome, 'app.pid'),
    );
  }
  if (processStatus(node, 'cometbft').state !== 'running') {
    startDetached(opts.cometbft, ['start', '--home', node.cometHome], join(node.cometHome, 'cometbft.log'), join(node.cometHome, 'cometbft.pid'));
  }
}

/** Stops validator `i`'s processes: SIGTERM to their groups, SIGKILL after `graceMs`. */
export async function stopNode(net: NetDescription, i: number, graceMs = 5000): Promise<void> {
  const node = net.nodes[i];
  if (!node) throw new CharterError('USAGE', `no validator ${i} in this network`);
  // CometBFT first, so it does not log the application's disappearance as a failure.
  for (const which of ['cometbft', 'app'] as const) {
    const s = processStatus(node, which);
    if (s.pid !== null && s.state === 'running') {
      try {
        process.kill(-s.pid, 'SIGTERM');
      } catch {
        // gone
      }
      const t0 = Date.now();
      while (pidAlive(s.pid) && Date.now() - t0 < graceMs) await new Promise((r) => setTimeout(r, 50));
      if (pidAlive(s.pid)) {
        try {
          process.kill(-s.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    const pidFile = join(node.cometHome, `${which}.pid`);
    if (existsSync(pidFile)) writeFileSync(pidFile, '');
  }
}

async function getJson<T>(url: string, timeoutMs = 2000): Promise<T> {
  const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const j = (await r.json()) as { result?: T; error?: { message: string } };
  if (j.error) throw new Error(j.error.message);
  return j.result as T;
}

export interface ValidatorStatus {
  name: string;
  rpc: string;
  api: string;
  app: ProcessStatus;
  cometbft: ProcessStatus;
  /** From the node's own RPC; null when it does not answer. */
  height: number | null;
  address: string | null;
  votingPower: number | null;
  peers: number | null;
  /** Whether its signature is in the newest canonical commit (block height-1, as the latest block carries it) any node reports. */
  signedLatest: boolean;
  /** The latest height at which a reachable node's commit carries its signature. */
  lastSignedHeight: number | null;
}

export interface NetStatus {
  chainId: string;
  height: number | null;
  validators: ValidatorStatus[];
  totalPower: number;
  /** Power of the validators that signed the latest commit. */
  onlinePower: number;
  /** online > 2/3 of total: consensus can progress. */
  quorum: boolean;
  /** Said when quorum is lost. */
  warning: string | null;
}

/** Asks every node; never throws for a node that does not answer. */
export async function netStatus(net: NetDescription): Promise<NetStatus> {
  const rows: ValidatorStatus[] = [];
  const vset = new Map<string, number>();
  let height: number | null = null;
  const signedAt = new Map<string, number>();
  let latestSigners: Set<string> | null = null;
  let latestCommitHeight = -1;
  for (const node of net.nodes) {
    const rpcUrl = `http://${node.ip}:${node.rpcPort}`;
    const row: ValidatorStatus = {
      name: node.name,
      rpc: rpcUrl,
      api: `http://${node.ip}:${node.apiPort}`,
      app: processStatus(node, 'app'),
      cometbft: processStatus(node, 'cometbft'),
      height: null,
      address: null,
      votingPower: null,
      peers: null,
      signedLatest: false,
      lastSignedHeight: null,
    };
    try {
      const s = await getJson<{ sync_info: { latest_block_height: string }; validator_info: { address: string; voting_power: string } }>(`${rpcUrl}/status`);
      row.height = Number(s.sync_info.latest_block_height);
      row.address = s.validator_info.address;
      row.votingPower = Number(s.validator_info.voting_power);
      height = Math.max(height ?? 0, row.height);
      const ni = await getJson<{ n_peers: string }>(`${rpcUrl}/net_info`);
      row.peers = Number(ni.n_peers);
      if (vset.size === 0) {
        const v = await getJson<{ validators: { address: string; voting_power: string }[] }>(`${rpcUrl}/validators?per_page=100`);
        for (const x of v.validators) vset.set(x.address, Number(x.voting_power));
      }
      const c = await getJson<{
        signed_header: { header: { height: string }; commit: { signatures: { validator_address: string; block_id_flag: number }[] } };
      }>(
        // The canonical commit of the height before the latest (carried in the latest block): the seen commit of the latest holds only the first 2/3+.
        `${rpcUrl}/commit${row.height > 1 ? `?height=${row.height - 1}` : ''}`,
      );
      const ch = Number(c.signed_header.header.height);
      const signers = new Set(c.signed_header.commit.signatures.filter((x) => x.block_id_flag === 2).map((x) => x.validator_address));
      for (const a of signers) signedAt.set(a, Math.max(signedAt.get(a) ?? 0, ch));
      if (ch > latestCommitHeight) {
        latestCommitHeight = ch;
        latestSigners = signers;
      }
    } catch {
      // not answering: reported as such
    }
    rows.push(row);
  }
  const totalPower = [...vset.values()].reduce((a, b) => a + b, 0);
  let onlinePower = 0;
  for (const row of rows) {
    if (row.address === null) continue;
    row.lastSignedHeight = signedAt.get(row.address) ?? null;
    row.signedLatest = latestSigners?.has(row.address) ?? false;
  }
  // Online: a validator whose node answers now (a stopped node's last signature may still be in the latest commit of a stalled chain).
  for (const [addr, power] of vset) if (rows.some((r) => r.address === addr && r.height !== null)) onlinePower += power;
  const quorum = totalPower > 0 && onlinePower * 3 > totalPower * 2;
  const offline = [...vset.keys()].filter((addr) => !rows.some((r) => r.address === addr && r.height !== null)).length;
  const warning = quorumWarning(offline, vset.size, totalPower - onlinePower, totalPower);
  return { chainId: net.chainId, height, validators: rows, totalPower, onlinePower, quorum, warning };
}
