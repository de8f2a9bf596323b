/**
 * `charter net up | status | down`: the local CometBFT network of
 * main/net/local.ts. The commander wiring lives with the CLI.
 */
import { join } from 'node:path';
import { toHexUpper } from '../../core/codec/index.js';
import { CharterError } from '../../core/errors.js';
import { say } from '../cli/output.js';
import { findCometbftBinary } from './cometbft-binary.js';
import { createNet, loadNet, netStatus, startNode, stopNode, type NetStatus } from './local.js';

export const DEFAULT_NET_HOME = 'charter-net';

export interface NetCommandOptions {
  home?: string;
  validators?: string;
  chainId?: string;
  basePort?: string;
  cometbft?: string;
  blockTime?: string;
  json?: boolean;
  /** How long `up` waits for blocks, ms (default 60 s). */
  timeoutMs?: number;
  charterBin?: string;
  out?: (line: string) => void;
}

function intOpt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,6}$/.test(v)) throw new CharterError('USAGE', `${name} must be a whole number, got ${JSON.stringify(v)}`);
  return Number(v);
}

export function formatNetStatus(s: NetStatus): string[] {
  const lines = [`network ${s.chainId}: height ${s.height ?? '-'}, online power ${s.onlinePower} of ${s.totalPower}${s.quorum ? ' (above two thirds)' : ''}`];
  for (const v of s.validators) {
    const procs = `app ${v.app.state}, cometbft ${v.cometbft.state}`;
    const live = v.height === null ? 'not answering' : `height ${v.height}, power ${v.votingPower}, ${v.peers} peers, last signed ${v.lastSignedHeight ?? '-'}`;
    lines.push(`  ${v.name}  ${v.rpc}  ${live}  (${procs})`);
    for (const [which, p] of [
      ['app', v.app],
      ['cometbft', v.cometbft],
    ] as const) {
      if (p.state === 'crashed') lines.push(`    ${which} (pid ${p.pid}) has exited: see ${p.log}`);
    }
  }
  if (s.warning) lines.push(`WARNING: ${s.warning}`);
  return lines;
}

export async function runNetUp(opts: NetCommandOptions): Promise<NetStatus> {
  const out = opts.out ?? say;
  const home = opts.home ?? DEFAULT_NET_HOME;
  const cometbft = findCometbftBinary(opts.cometbft);
  const validators = intOpt('--validators', opts.validators);
  const basePort = intOpt('--base-port', opts.basePort);
  const existing = loadNet(home);
  if (existing && validators !== undefined && validators !== existing.validators) {
    throw new CharterError('USAGE', `${join(home, 'net.json')} is a network of ${existing.validators} validators; use another --home for ${validators}`);
  }
  const net = createNet({
    home,
    cometbft,
    ...(validators !== undefined ? { validators } : {}),
    ...(opts.chainId !== undefined ? { chainId: opts.chainId } : {}),
    ...(basePort !== undefined ? { basePort } : {}),
    ...(opts.blockTime !== undefined ? { blockTime: opts.blockTime } : {}),
  });
  for (const n of net.nodes) startNode(net, n.index, { cometbft, ...(opts.charterBin ? { charterBin: opts.charterBin } : {}) });
  const t0 = Date.now();
  const deadline = opts.timeoutMs ?? 60_000;
  let status = await netStatus(net);
  let first: number | null = null;
  while (Date.now() - t0 < deadline) {
    status = await netStatus(net);
    if (status.height !== null && status.height >= 1) {
      if (first === null) first = status.height;
      else if (status.height > first) break;
    }
    if (status.validators.some((v) => v.app.state === 'crashed' || v.cometbft.state === 'crashed')) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const committing = first !== null && (status.height ?? 0) > first;
  if (opts.json) out(JSON.stringify(status, null, 2));
  else for (const l of formatNetStatus(status)) out(l);
  if (!committing)
    throw new CharterError('NODE_ERROR', `the network in ${home} is not committing blocks${status.warning ? `: ${status.warning}` : ''}; see the nodes' logs`);
  return status;
}

export async function runNetStatus(opts: NetCommandOptions): Promise<NetStatus> {
  const out = opts.out ?? say;
  const home = opts.home ?? DEFAULT_NET_HOME;
  const net = loadNet(home);
  if (!net) throw new CharterError('NOT_FOUND', `no network in ${home} (charter net up --home ${home} makes one)`);
  const s = await netStatus(net);
  if (opts.json) out(JSON.stringify(s, null, 2));
  else for (const l of formatNetStatus(s)) out(l);
  return s;
}

export async function runNetDown(opts: NetCommandOptions): Promise<void> {
  const out = opts.out ?? say;
  const home = opts.home ?? DEFAULT_NET_HOME;
  const net = loadNet(home);
  if (!net) throw new CharterError('NOT_FOUND', `no network in ${home}`);
  for (const n of net.nodes) await stopNode(net, n.index);
  out(`network ${net.chainId} in ${home}: ${net.nodes.length} validators stopped`);
}

/** `--trusting-period`: "168h", "14d", "90m", "3600s". */
export function parseTrustingPeriod(s: string): bigint {
  const m = /^(\d{1,9})(s|m|h|d)$/.exec(s.trim());
  if (!m) throw new CharterError('USAGE', `--trusting-period must be a whole number of s, m, h or d (e.g. 168h), got ${JSON.stringify(s)}`);
  const unit = { s: 1n, m: 60n, h: 3600n, d: 86_400n }[m[2] as 's' | 'm' | 'h' | 'd'];
  const ns = BigInt(m[1] as string) * unit * 1_000_000_000n;
  if (ns === 0n) throw new CharterError('USAGE', '--trusting-period must be above zero');
  return ns;
}

export interface LightVerifyOptions {
  node: string;
  trustHeight: string;
  trustHash: string;
  trustingPeriod?: string;
  height?: string;
  json?: boolean;
  /** The verifier's clock, ms (default: this machine's). */
  nowMs?: number;
  out?: (line: string) => void;
}

/**
 * `charter light verify`: the header at a height (default the latest) verified
 * from a trust anchor by the commits of its validators, over a CometBFT RPC.
 */
export async function runLightVerify(o: LightVerifyOptions): Promise<void> {
  const out = o.out ?? say;
  const trustHeight = intOpt('--trust-height', o.trustHeight);
  if (trustHeight === undefined || trustHeight < 1) throw new CharterError('USAGE', '--trust-height must be a height of at least 1');
  if (!/^[0-9A-Fa-f]{64}$/.test(o.trustHash))
    throw new CharterError('USAGE', `--trust-hash must be 64 hex characters (a header hash), got ${JSON.stringify(o.trustHash)}`);
  const target = o.height === undefined ? null : (intOpt('--height', o.height) ?? null);
  const { lightPath } = await import('./light.js');
  const p = await lightPath(
    o.node,
    { height: BigInt(trustHeight), hash: o.trustHash.toUpperCase(), trustingPeriodNs: parseTrustingPeriod(o.trustingPeriod ?? '168h') },
    target,
    o.nowMs ?? Date.now(),
  );
  const chainId = p.anchor.chainId;
  const h = p.target.signedHeader.header;
  const last = p.verdict.verified[p.verdict.verified.length - 1] as { height: bigint; hash: string };
  const appHash = toHexUpper(h.appHash);
  const path = p.verdict.verified.map((v) => Number(v.height));
  if (o.json) {
    out(
      JSON.stringify({
        chain_id: chainId,
        anchor: { height: trustHeight, hash: p.anchor.hash },
        verified: { height: Number(last.height), hash: last.hash, app_hash: appHash },
        path,
      }),
    );
    return;
  }
  out(`height ${last.height} of ${chainId} is committed by its validators, verified from the anchor at height ${trustHeight}`);
  out(`  header hash ${last.hash}`);
  out(`  app hash    ${appHash}`);
  out(`  path        ${path.join(' → ')}`);
}
